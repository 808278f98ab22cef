// Reads a file (or standard input) in chunks of whole lines, for the threads of
// `lawful check`. A chunk's lines lie back to back in one buffer with padding after the
// last, so the JSON parser can read a little past any line's end without a copy.
// Memory is bounded by the chunk size plus the longest line accepted: a line longer
// than `max_line` is skipped without being held, and reported as such, so that it
// still gets its error record.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/facts/binder.h"

namespace lawful {

struct ChunkLine {
  uint32_t offset = 0;  // in Chunk::data
  uint32_t length = 0;  // without the end of line
  uint64_t too_long = 0;  // non-zero: the line was skipped; its length in bytes
};

// A chunk's buffer, taken uninitialised: a page of it is touched when input is first read
// into it (an empty input touches none).
class ChunkBytes {
 public:
  char* data() { return p_.get(); }
  const char* data() const { return p_.get(); }
  size_t size() const { return n_; }
  void allocate(size_t n) {
    p_.reset(new char[n]);  // default-initialised: not zeroed
    n_ = n;
  }

 private:
  std::unique_ptr<char[]> p_;
  size_t n_ = 0;
};

struct Chunk {
  ChunkBytes data;
  size_t filled = 0;  // bytes of `data` written: the lines and the padding after them
  std::vector<ChunkLine> lines;
  uint64_t first_line = 0;  // the number of lines[0], from 1
  uint64_t bytes = 0;       // input bytes this chunk consumed
  uint64_t seq = 0;

  std::string_view line(size_t i) const { return {data.data() + lines[i].offset, lines[i].length}; }
  // How many bytes from line i's start may be read (the line, the rest, the padding).
  size_t capacity(size_t i) const { return filled - lines[i].offset; }
};

class ChunkReader {
 public:
  static constexpr size_t kPadding = kBindPadding;  // what the binder reads past a line

  // "-" is standard input. `block` is how much new input a chunk takes at most. Opening
  // a FIFO waits for a writer; a stop (stop_when, called first) breaks that off, and
  // interrupted() says so.
  bool open(const std::string& path, size_t max_line, size_t block, std::string* error);
  // Reads from `source` instead of a file (a request's body): it answers as read(2) does
  // (bytes, 0 at the end, -1 with errno set). `name` is for failure().
  using Source = std::function<ssize_t(char* to, size_t n)>;
  void open(Source source, std::string name, size_t max_line, size_t block);
  ~ChunkReader();

  // Fills `c` with the next lines; false at the end of input.
  bool next(Chunk& c);
  // Gives `c` its buffer now (next() would on first use), untouched: a page is touched
  // when input is first read into it.
  void prepare(Chunk& c) const;
  bool failed() const { return failed_; }
  // Why reading failed: "cannot read PATH: REASON".
  std::string failure() const;
  // Reading stops (as at the end of the input, without the line begun) once `*stop` is
  // non-zero; whoever sets it writes a byte to `wake_fd` (a pipe), which wakes a read
  // waiting for input. interrupted() says so.
  void stop_when(const std::atomic<int>* stop, int wake_fd) {
    stop_ = stop;
    wake_fd_ = wake_fd;
  }
  bool interrupted() const { return interrupted_; }
  // Lines read so far (all of them, once next() has said the input ended).
  uint64_t lines() const { return line_no_; }
  // The input's size when it is a regular file, else 0 (for progress).
  uint64_t total_bytes() const { return total_; }

 private:
  // Room for a carried line start (at most max_line bytes), a block, and padding.
  size_t capacity() const { return max_line_ + block_ + kPadding; }

  int fd_ = -1;
  Source source_;  // instead of fd_
  bool own_ = false;
  std::string name_;  // for messages
  int errno_ = 0;     // of the failed read
  bool eof_ = false;
  bool failed_ = false;
  bool interrupted_ = false;
  const std::atomic<int>* stop_ = nullptr;
  int wake_fd_ = -1;
  size_t max_line_ = 0;
  size_t block_ = 0;
  std::vector<char> carry_;  // the start of a line the last chunk could not end
  bool skipping_ = false;    // inside a line longer than max_line
  uint64_t skipped_ = 0;
  uint64_t line_no_ = 0;
  uint64_t total_ = 0;
};

}  // namespace lawful
