// Reads a file (or standard input) a line at a time into a buffer that keeps padding
// after every line, so the JSON parser can read past a line's end without copying it.
// Memory stays at the size of the longest line, however long the file.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace lawful::cli {

class LineReader {
 public:
  static constexpr size_t kPadding = 64;

  // "-" is standard input.
  bool open(const std::string& path, std::string* error);
  ~LineReader();

  // The next line without its end-of-line, or false at the end of input. `capacity` is
  // how many bytes from data() may be read (the line, then padding).
  bool next(std::string_view& line, size_t& capacity);
  uint64_t line_number() const { return line_no_; }
  bool failed() const { return failed_; }

 private:
  bool fill();
  std::FILE* f_ = nullptr;
  bool own_ = false;
  bool eof_ = false;
  bool failed_ = false;
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t line_no_ = 0;
};

}  // namespace lawful::cli
