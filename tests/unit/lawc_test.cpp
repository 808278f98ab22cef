// .lawc files: a compiled program decides as its source does, and any damage to the
// file (any byte flipped, any truncation) is refused before anything runs.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "helpers.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"

using namespace lawful;
using namespace lawful::testing;

TEST_CASE("the .lawc checksum is FNV-1a 64, whatever the length and alignment") {
  // The published test value, then every length and start against the definition.
  CHECK(fnv1a64("a", 0xcbf29ce484222325ull) == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar", 0xcbf29ce484222325ull) == 0x85944171f73967e8ull);
  std::string bytes;
  for (int i = 0; i < 80; ++i) bytes += static_cast<char>(i * 37 + 200);
  for (size_t from = 0; from < 8; ++from)
    for (size_t n = 0; from + n <= bytes.size(); ++n) {
      uint64_t h = 0x1234567890abcdefull;
      for (size_t i = from; i < from + n; ++i) h = (h ^ static_cast<unsigned char>(bytes[i])) * 0x100000001b3ull;
      CHECK(fnv1a64(std::string_view(bytes).substr(from, n), 0x1234567890abcdefull) == h);
    }
}

TEST_CASE("a program survives the round trip and decides the same") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  std::string bytes = serialize_program(*c.program);
  Program back;
  REQUIRE(deserialize_program(bytes, back) == "");
  CHECK(verify_program(back) == "");
  CHECK(serialize_program(back) == bytes);
  Outcome a = decide_case(*c.program, kSampleCase);
  Outcome b = decide_case(back, kSampleCase);
  CHECK(a.verdict == VerdictCode::Allow);
  CHECK(b.verdict == a.verdict);
  CHECK(b.basis == a.basis);
  CHECK(b.rules == a.rules);
  CHECK(b.obligations == a.obligations);
}

TEST_CASE("flipping any byte of a .lawc file is refused") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const std::string bytes = serialize_program(*c.program);
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(static_cast<unsigned char>(damaged[i]) ^ mask);
      Program p;
      std::string why = deserialize_program(damaged, p);
      if (why.empty()) why = verify_program(p);
      if (!why.empty()) ++refused;
      else FAIL_CHECK("byte " << i << " flipped with " << int(mask) << " was accepted");
    }
  }
  CHECK(refused == bytes.size() * 3);
}

TEST_CASE("every truncation of a .lawc file is refused") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const std::string bytes = serialize_program(*c.program);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Program p;
    CHECK_MESSAGE(deserialize_program(std::string_view(bytes).substr(0, n), p) != "", "length " << n);
  }
  Program p;
  CHECK(deserialize_program(bytes + "x", p) != "");
}

TEST_CASE("every truncation of the payload is refused, even with its length and checksum made right") {
  // Past the checksum: the decoder's own bounds (numbers, lists read in one copy, the
  // code spans' varints) at every length of the payload.
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const std::string bytes = serialize_program(*c.program);
  constexpr size_t kHeader = 32;  // magic, version, source hash, length, checksum
  auto put64 = [](std::string& b, size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) b[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  for (size_t n = 0; n + kHeader < bytes.size(); ++n) {
    std::string cut = bytes.substr(0, kHeader + n);
    put64(cut, 16, n);
    put64(cut, 24, fnv1a64(std::string_view(cut).substr(kHeader), fnv1a64(std::string_view(cut).substr(0, kHeader - 8))));
    Program p;
    const std::string why = deserialize_program(cut, p);
    CHECK_MESSAGE(why.find("checksum") == std::string::npos, "length " << n << ": " << why);
    CHECK_MESSAGE(why != "", "payload length " << n);
  }
}

TEST_CASE("a file that is not a .lawc file says so") {
  Program p;
  CHECK(deserialize_program("policy x \"not bytecode\"\n and some more text to be long enough", p).find("magic") !=
        std::string::npos);
  CHECK(deserialize_program("", p).find("too short") != std::string::npos);
}

// Format 2 adds the code span table; files of format 1 (the committed regression inputs
// are) still load, and their run-time errors point at the rule as they did.
TEST_CASE("code spans survive the round trip; a format 1 file loads without them") {
  const std::string text = "policy t.v \"Versions\"\ndecision email:\n  rule far: deny\n"
                           "    when campaign.send_date + 9000 years > 2020-01-01\n    cite \"x\"\n";
  const std::string line = R"({"contact": {}, "campaign": {"send_date": "2026-01-01"}})";
  Compilation c = compile_text(text, "v.law");
  REQUIRE(c.ok());
  REQUIRE_FALSE(c.program->code_spans.empty());
  Program v2, v1;
  REQUIRE(deserialize_program(serialize_program(*c.program), v2) == "");
  CHECK(v2.code_spans.size() == c.program->code_spans.size());
  CHECK(serialize_program(v2) == serialize_program(*c.program));
  for (size_t i = 0; i < v2.code_spans.size(); ++i) {
    const SourcePos &a = v2.code_spans[i].pos, &b = c.program->code_spans[i].pos;
    CHECK(v2.code_spans[i].pc == c.program->code_spans[i].pc);
    CHECK((a.file == b.file && a.line == b.line && a.col == b.col && a.begin == b.begin && a.end == b.end));
  }
  // The table is written as differences (LEB128): extremes and steps back survive too.
  Program odd = *c.program;
  odd.code_spans.front().pos = SourcePos{0, 4000000000u, 4000000000u, 4000000000u, 4000000001u};
  odd.code_spans.back().pos = SourcePos{kNoSourceFile, 0, 0, 0, 0};
  Program odd_back;
  REQUIRE(deserialize_program(serialize_program(odd), odd_back) == "");
  CHECK(serialize_program(odd_back) == serialize_program(odd));
  CHECK(odd_back.code_spans.front().pos.line == 4000000000u);
  CHECK(odd_back.code_spans.back().pos.file == kNoSourceFile);
  const std::string old = serialize_program(*c.program, 1);
  CHECK(old.size() < serialize_program(*c.program).size());
  REQUIRE(load_verified_program(old, v1) == "");
  CHECK(v1.code_spans.empty());
  CHECK(decide_case(v2, line).error.find("in rule 'far' (v.law:4:10; bytecode ") != std::string::npos);
  CHECK(decide_case(v1, line).error.find("in rule 'far' (v.law:3:8; bytecode ") != std::string::npos);
  // Neither older nor newer than the versions this reader knows.
  for (uint32_t version : {0u, Program::kFormatVersion + 1}) {
    std::string bytes = serialize_program(*c.program, version);
    Program p;
    CHECK(deserialize_program(bytes, p).find(fmt::format("compiled with format version {}; this lawful reads versions 1 to {}",
                                                         version, Program::kFormatVersion)) == 0);
  }
}
