// Every whole file lawful reads (a campaign, a compiled program, a policy source, a
// program cache entry, a file a reloader watches) goes through read_file: one reader,
// one size limit. The limit keeps a file of any size from exhausting memory before it is
// refused; no legitimate input comes near it. Input that is decided line by line
// (contacts, cases) is not read whole: it goes through `lawful check`'s chunk reader,
// whose limit is one line's (BindLimits::max_line). docs/security.md lists both.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace lawful::io {

// The most bytes of one whole file lawful reads: 256 MiB.
inline constexpr size_t kMaxFileBytes = size_t{256} << 20;

struct ReadOptions {
  size_t limit = kMaxFileBytes;
  // Over the limit: keep the first limit + 1 bytes and succeed, for a caller that refuses
  // the file with its own message (a policy source over the parser's limit, E003).
  bool keep_prefix = false;
  bool no_follow = false;     // a symbolic link is refused (O_NOFOLLOW)
  bool regular_only = false;  // only a regular file (not a FIFO or a device)
  // A read a signal breaks off (EINTR) gives up once *stop is non-zero, else goes on.
  const std::atomic<int>* stop = nullptr;
};

// Reads all of `path` into `out`. False, with `*error` ("cannot read PATH: REASON", or
// "PATH: more than N bytes; lawful reads files of at most 256 MiB") and errno as the
// failing call left it, when the file cannot be read or is over the limit.
bool read_file(const std::string& path, std::string& out, std::string* error, const ReadOptions& options = {});
// The same from an open descriptor (standard input); `name` is for messages.
bool read_fd(int fd, const std::string& name, std::string& out, std::string* error, const ReadOptions& options = {});

}  // namespace lawful::io
