// The one whole-file reader; see input_file.h.
#include "runtime/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lawful::io {

bool read_fd(int fd, const std::string& name, std::string& out, std::string* error, const ReadOptions& options) {
  out.clear();
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR && !(options.stop && options.stop->load())) continue;
    if (n < 0) {
      int e = errno;
      if (error) *error = fmt::format("cannot read {}: {}", name, std::strerror(e));
      out.clear();
      errno = e;
      return false;
    }
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > options.limit) {
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
