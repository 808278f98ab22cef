// Buffered line reading; see line_reader.h.
#include "cli/line_reader.h"

#include <cerrno>
#include <cstring>

namespace lawful::cli {

bool LineReader::open(const std::string& path, std::string* error) {
  if (path == "-") {
    f_ = stdin;
  } else {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) {
      if (error) *error = path + ": " + std::strerror(errno);
      return false;
    }
    own_ = true;
  }
  buf_.resize((1u << 20) + kPadding);
  return true;
}

LineReader::~LineReader() {
  if (own_ && f_) std::fclose(f_);
}

bool LineReader::fill() {
  if (eof_) return false;
  // Keep the unread part, at the start of the buffer.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ + kPadding >= buf_.size()) buf_.resize(buf_.size() * 2);
  size_t room = buf_.size() - kPadding - end_;
  size_t n = std::fread(buf_.data() + end_, 1, room, f_);
  if (n == 0) {
    if (std::ferror(f_)) failed_ = true;
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::next(std::string_view& line, size_t& capacity) {
  for (;;) {
    char* start = buf_.data() + begin_;
    char* nl = static_cast<char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl) {
      size_t len = static_cast<size_t>(nl - start);
      begin_ += len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      line = std::string_view(start, len);
      capacity = buf_.size() - static_cast<size_t>(start - buf_.data());
      ++line_no_;
      return true;
    }
    if (!fill()) {
      if (begin_ == end_) return false;
      // The last line, without a newline.
      char* s = buf_.data() + begin_;
      size_t len = end_ - begin_;
      begin_ = end_;
      if (len > 0 && s[len - 1] == '\r') --len;
      line = std::string_view(s, len);
      capacity = buf_.size() - static_cast<size_t>(s - buf_.data());
      ++line_no_;
      return true;
    }
  }
}

}  // namespace lawful::cli
