// The chunk reader (runtime/facts/chunk_reader.h) reading from a source instead of a file
// (a request's body, for `lawful serve`): the same lines, however the source cuts its
// bytes, and a source that fails is a failed read with its name.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/facts/chunk_reader.h"

using namespace lawful;

namespace {

struct Line {
  uint64_t number;
  std::string text;
  uint64_t too_long;
  bool operator==(const Line& o) const { return number == o.number && text == o.text && too_long == o.too_long; }
};

std::vector<Line> read_all(ChunkReader& in) {
  std::vector<Line> out;
  Chunk c;
  while (in.next(c))
    for (size_t i = 0; i < c.lines.size(); ++i)
      out.push_back({c.first_line + i, std::string(c.line(i)), c.lines[i].too_long});
  return out;
}

// The text a piece of `step` bytes at a time (1 to 7, then again).
ChunkReader::Source pieces(const std::string& text, size_t& pos, int& calls) {
  return [&text, &pos, &calls](char* to, size_t n) -> ssize_t {
    size_t step = static_cast<size_t>(calls++ % 7) + 1;
    n = std::min({n, step, text.size() - pos});
    std::memcpy(to, text.data() + pos, n);
    pos += n;
    return static_cast<ssize_t>(n);
  };
}

}  // namespace

TEST_CASE("a source cut in small pieces gives the lines a whole text gives") {
  std::string text = "{\"a\": 1}\r\n\n" + std::string(300, 'x') + "\n{\"b\": 2}\n";
  for (int i = 0; i < 50; ++i) text += "{\"n\": " + std::to_string(i) + "}\n";
  text += "last, without a newline";
  // Small limits, so that chunks end in the middle of lines and one line is too long.
  const size_t max_line = 200, block = 64;

  size_t pos = 0;
  int calls = 0;
  ChunkReader cut;
  cut.open(pieces(text, pos, calls), "pieces", max_line, block);
  std::vector<Line> got = read_all(cut);

  size_t whole_pos = 0;
  ChunkReader whole;
  whole.open(
      [&](char* to, size_t n) -> ssize_t {
        n = std::min(n, text.size() - whole_pos);
        std::memcpy(to, text.data() + whole_pos, n);
        whole_pos += n;
        return static_cast<ssize_t>(n);
      },
      "whole", max_line, 1 << 16);
  std::vector<Line> want = read_all(whole);

  REQUIRE(want.size() == 55);
  CHECK(want[0] == Line{1, "{\"a\": 1}", 0});  // the "\r" dropped
  CHECK(want[1] == Line{2, "", 0});
  CHECK(want[2] == Line{3, "", 300});  // too long: skipped, its length kept
  CHECK(want[54] == Line{55, "last, without a newline", 0});
  CHECK(got == want);
  CHECK(calls > 100);
  CHECK_FALSE(cut.failed());
  CHECK(cut.lines() == 55);
}

TEST_CASE("a source that fails is a failed read, named") {
  int calls = 0;
  ChunkReader in;
  in.open(
      [&](char* to, size_t n) -> ssize_t {
        if (calls++ == 0) {
          const char line[] = "{\"a\": 1}\n{\"b\"";
          n = std::min(n, sizeof(line) - 1);
          std::memcpy(to, line, n);
          return static_cast<ssize_t>(n);
        }
        errno = ETIMEDOUT;
        return -1;
      },
      "the request's body", 1 << 10, 1 << 12);
  std::vector<Line> got = read_all(in);
  REQUIRE(got.size() >= 1);
  CHECK(got[0] == Line{1, "{\"a\": 1}", 0});
  CHECK(in.failed());
  CHECK(in.failure() == std::string("cannot read the request's body: ") + std::strerror(ETIMEDOUT));
}

TEST_CASE("a chunk reads a block at a time, and a line up to max_line still fits") {
  // A chunk asks for a block of new input at a time (it asked for all the room left,
  // max_line + block, before), and for more only while it holds no whole line: each of
  // the pipeline's slots then touches about a block of its buffer, not all of it. Lines
  // of every length up to max_line, and one over it.
  const size_t max_line = 300, block = 64;
  std::string text;
  for (size_t len = 0; len <= max_line; len += 7) text += std::string(len, 'a' + len % 26) + "\n";
  text += std::string(max_line, 'z') + "\n" + std::string(max_line + 1, 'y') + "\nend";
  size_t pos = 0;
  std::vector<size_t> asked;
  ChunkReader in;
  in.open(
      [&](char* to, size_t n) -> ssize_t {
        asked.push_back(n);
        n = std::min(n, text.size() - pos);
        std::memcpy(to, text.data() + pos, n);
        pos += n;
        return static_cast<ssize_t>(n);
      },
      "text", max_line, block);
  std::vector<Line> got;
  Chunk c;
  while (in.next(c)) {
    // More than a block only to finish a line begun in it: then the chunk is that line.
    if (c.bytes > block) CHECK(c.lines.size() <= 2);
    for (size_t i = 0; i < c.lines.size(); ++i) got.push_back({c.first_line + i, std::string(c.line(i)), c.lines[i].too_long});
  }
  for (size_t n : asked) CHECK(n <= block);
  size_t number = 1;
  for (size_t len = 0; len <= max_line; len += 7, ++number) {
    REQUIRE(number <= got.size());
    CHECK(got[number - 1] == Line{number, std::string(len, 'a' + len % 26), 0});
  }
  REQUIRE(got.size() == number + 2);
  CHECK(got[number - 1] == Line{number, std::string(max_line, 'z'), 0});
  CHECK(got[number] == Line{number + 1, "", max_line + 1});
  CHECK(got[number + 1] == Line{number + 2, "end", 0});
}
