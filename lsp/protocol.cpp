// JSON-RPC framing; see protocol.h.
#include "lsp/protocol.h"

#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstdlib>

namespace lawful::lsp {

bool MessageReader::fill() {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

ReadStatus MessageReader::read(std::string& body, std::string& error) {
  // The header: lines ended by "\r\n" (a bare "\n" is accepted), up to an empty line.
  size_t length = 0;
  bool have_length = false;
  for (;;) {
    size_t eol = buf_.find('\n', pos_);
    while (eol == std::string::npos) {
      if (buf_.size() - pos_ > 8192) {
        error = "a message header longer than 8 KiB";
        return ReadStatus::BadFrame;
      }
      if (!fill()) return ReadStatus::End;
      eol = buf_.find('\n', pos_);
    }
    std::string line = buf_.substr(pos_, eol - pos_);
    pos_ = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!have_length) {
        error = "a message without Content-Length";
        return ReadStatus::BadFrame;
      }
      break;
    }
    const std::string key = "content-length:";
    if (line.size() > key.size()) {
      std::string head = line.substr(0, key.size());
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (head == key) {
        const char* p = line.c_str() + key.size();
        while (*p == ' ' || *p == '\t') ++p;
        char* endp = nullptr;
        errno = 0;
        unsigned long long n = std::strtoull(p, &endp, 10);
        if (endp == p || *endp != '\0' || errno != 0 || n > kMaxBody) {
          error = "a Content-Length that is not a number up to 64 MiB: " + line;
          return ReadStatus::BadFrame;
        }
        length = static_cast<size_t>(n);
        have_length = true;
      }
    }
  }
  while (buf_.size() - pos_ < length)
    if (!fill()) return ReadStatus::End;
  body.assign(buf_, pos_, length);
  pos_ += length;
  return ReadStatus::Message;
}

bool MessageWriter::write(const json& message) {
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return false;
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace lawful::lsp
