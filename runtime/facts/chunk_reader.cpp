// Chunked line reading; see chunk_reader.h.
#include "runtime/facts/chunk_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lawful {

bool ChunkReader::open(const std::string& path, size_t max_line, size_t block, std::string* error) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    name_ = "standard input";
  } else {
    name_ = path;
    for (;;) {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ >= 0) break;
      if (errno == EINTR && stop_ && stop_->load(std::memory_order_relaxed)) {
        interrupted_ = eof_ = true;
        if (error) *error = path + ": interrupted while opening";
        return false;
      }
      if (errno != EINTR) {
        if (error) *error = path + ": " + std::strerror(errno);
        return false;
      }
    }
    own_ = true;
  }
  struct stat st;
  if (fstat(fd_, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {  // open() takes a folder; read would fail
      if (error) *error = "cannot read " + name_ + ": " + std::strerror(EISDIR);
      return false;
    }
    if (S_ISREG(st.st_mode)) total_ = static_cast<uint64_t>(st.st_size);
  }
  max_line_ = max_line;
  block_ = block;
  carry_.reserve(max_line + 1);
  return true;
}

void ChunkReader::open(Source source, std::string name, size_t max_line, size_t block) {
  source_ = std::move(source);
  name_ = std::move(name);
  max_line_ = max_line;
  block_ = block;
  carry_.reserve(max_line + 1);
}

ChunkReader::~ChunkReader() {
  if (own_ && fd_ >= 0) ::close(fd_);
}

std::string ChunkReader::failure() const {
  return "cannot read " + name_ + ": " + std::strerror(errno_ ? errno_ : EIO);
}

void ChunkReader::prepare(Chunk& c) const {
  if (c.data.size() != capacity()) c.data.allocate(capacity());
}

bool ChunkReader::next(Chunk& c) {
  const size_t cap = capacity();
  prepare(c);
  c.lines.clear();
  c.filled = 0;
  c.first_line = line_no_ + 1;
  c.bytes = 0;
  while (c.lines.empty()) {
    if (eof_ && carry_.empty()) return false;
    size_t have = carry_.size();
    if (have) std::memcpy(c.data.data(), carry_.data(), have);
    carry_.clear();
    size_t n = 0;
    if (!eof_) {
      // A block of new input, as open() promises, not all the room left (max_line +
      // block - have): each of the pipeline's slots then touches about a block of its
      // buffer, not all of it (1.25 MiB with threads: 2,082 more page faults than one
      // thread, issue 14). The buffer keeps room for a carried line start of up to
      // max_line, and a line longer than that is known to be once `rest` passes it.
      const size_t want = std::min(block_, cap - kPadding - have);
      char* const to = c.data.data() + have;
      const int fd = fd_;
      while (n < want) {
        // A stop asked for (a signal) ends the input here. The handler also writes to
        // `wake_fd_`, so a read waiting for more input cannot miss it.
        if (stop_ && stop_->load(std::memory_order_relaxed)) {
          interrupted_ = eof_ = true;
          break;
        }
        if (wake_fd_ >= 0) {
          pollfd p[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
          if (::poll(p, 2, -1) < 0 && errno != EINTR) {
            errno_ = errno;
            failed_ = eof_ = true;
            break;
          }
          if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) continue;
        }
        ssize_t r = source_ ? source_(to + n, want - n) : ::read(fd, to + n, want - n);
        if (r < 0) {
          if (errno == EINTR) continue;
          errno_ = errno;
          failed_ = eof_ = true;
          break;
        }
        if (r == 0) {
          eof_ = true;
          break;
        }
        n += static_cast<size_t>(r);
      }
    }
    c.bytes += n;
    const size_t end = have + n;
    std::memset(c.data.data() + end, 0, kPadding);
    c.filled = end + kPadding;
    char* const base = c.data.data();
    size_t pos = 0;
    while (pos < end) {
      char* nl = static_cast<char*>(std::memchr(base + pos, '\n', end - pos));
      if (!nl) break;
      size_t stop = static_cast<size_t>(nl - base);
      if (skipping_) {
        // The end of a line too long to keep.
        ++line_no_;
        c.lines.push_back({static_cast<uint32_t>(stop), 0, skipped_ + (stop - pos)});
        skipping_ = false;
      } else {
        size_t len = stop - pos;
        ++line_no_;
        if (len > max_line_) {
          c.lines.push_back({static_cast<uint32_t>(pos), 0, len});
        } else {
          if (len > 0 && base[pos + len - 1] == '\r') --len;
          c.lines.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(len), 0});
        }
      }
      pos = stop + 1;
    }
    // What is left is the start of a line.
    size_t rest = end - pos;
    if (skipping_) {
      skipped_ += rest;
    } else if (rest > max_line_) {
      skipping_ = true;
      skipped_ = rest;
    } else if (rest > 0) {
      carry_.assign(base + pos, base + end);
    }
    if (interrupted_) {
      // The start of a line is not a line: it is read again when the run is resumed.
      carry_.clear();
      skipping_ = false;
      if (c.lines.empty()) return false;
    } else if (eof_) {
      if (skipping_) {
        ++line_no_;
        c.lines.push_back({static_cast<uint32_t>(end), 0, skipped_});
        skipping_ = false;
      } else if (!carry_.empty()) {
        // The last line, without a newline: it is already in this chunk's buffer.
        size_t len = carry_.size();
        carry_.clear();
        ++line_no_;
        if (len > 0 && base[pos + len - 1] == '\r') --len;
        c.lines.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(len), 0});
      }
      if (c.lines.empty()) return false;
    }
  }
  return true;
}

}  // namespace lawful
