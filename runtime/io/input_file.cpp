// The one whole-file reader; see input_file.h.
#include "runtime/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lawful::io {

bool read_fd(int fd, const std::string& name, std::string& out, std::string* error, const ReadOptions& options) {
  // Read straight into `out`: sized once from the file's size when it is a regular file
  // (one more byte, so that the read that finds its end needs no room made), else grown
  // by doubling. Appending 64 KiB reads to a growing string copied a program cache
  // entry about twice over at every start-up.
  constexpr size_t kStep = size_t{1} << 16;
  size_t room = kStep;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    room = std::min(static_cast<size_t>(st.st_size), options.limit) + 1;
  out.resize(room);
  size_t got = 0;
  for (;;) {
    if (got == out.size()) out.resize(out.size() + std::max(out.size(), kStep));
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR && !(options.stop && options.stop->load())) continue;
    if (n < 0) {
      int e = errno;
      if (error) *error = fmt::format("cannot read {}: {}", name, std::strerror(e));
      out.clear();
      errno = e;
      return false;
    }
    if (n == 0) {
      out.resize(got);
      return true;
    }
    got += static_cast<size_t>(n);
    if (got > options.limit) {
      if (options.keep_prefix) {
        out.resize(options.limit + 1);
        return true;
      }
      out.clear();
      if (error)
        *error = fmt::format("{}: more than {} bytes; lawful reads files of at most {} MiB", name, options.limit,
                             options.limit >> 20);
      errno = EFBIG;
      return false;
    }
  }
}

bool read_file(const std::string& path, std::string& out, std::string* error, const ReadOptions& options) {
  int flags = O_RDONLY | O_CLOEXEC | (options.no_follow ? O_NOFOLLOW : 0);
  int fd = -1;
  do fd = ::open(path.c_str(), flags);
  while (fd < 0 && errno == EINTR && !(options.stop && options.stop->load()));
  if (fd < 0) {
    int e = errno;
    if (error) *error = fmt::format("cannot read {}: {}", path, std::strerror(e));
    errno = e;
    return false;
  }
  if (options.regular_only) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      if (error) *error = fmt::format("cannot read {}: not a regular file", path);
      errno = EINVAL;
      return false;
    }
  }
  bool ok = read_fd(fd, path, out, error, options);
  int e = errno;
  ::close(fd);
  errno = e;
  return ok;
}

}  // namespace lawful::io
