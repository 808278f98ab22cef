// The caches' shared parts; see cache_entry.h.
#include "runtime/io/cache_entry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/io/input_file.h"
#include "runtime/io/output_file.h"

namespace lawful::io {

void KeyHash::add(std::string_view s) {
  // Eight bytes a step in both lanes (FNV-1a's byte a step was most of a warm start-up's
  // hashing); the last bytes are one more word, and the length ends the part.
  auto mix = [this](uint64_t w) {
    a = (a ^ w) * 0x9FB21C651E98DF25ull;
    a = (a << 29) | (a >> 35);
    b = (b ^ w) * 0xBF58476D1CE4E5B9ull;
    b ^= b >> 31;
  };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  uint64_t tail = 0;
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
  mix(tail);
  mix(s.size());
}

std::string KeyHash::hex() const { return fmt::format("{:016x}{:016x}", a, b); }

std::string prepare_cache_dir(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), i == dir.size() ? 0700 : 0755) != 0 && errno != EEXIST)
      return fmt::format("cannot create {}: {}", part, std::strerror(errno));
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return fmt::format("cannot use {}: {}", dir, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fmt::format("{} is not a folder", dir);
  if (st.st_uid != ::geteuid()) return fmt::format("{} belongs to another user", dir);
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return fmt::format("others may write to {}", dir);
  return {};
}

EntryRead read_cache_entry(const std::string& path, size_t max_bytes, std::string& bytes, std::string& why) {
  // The one whole-file reader (runtime/io/input_file.h): no link, only a regular file,
  // at most max_bytes.
  ReadOptions options;
  options.limit = max_bytes;
  options.no_follow = true;
  options.regular_only = true;
  if (read_file(path, bytes, &why, options)) return EntryRead::Good;
  return errno == ENOENT ? EntryRead::Missing : EntryRead::Bad;
}

std::string write_cache_entry(const std::string& path, std::string_view bytes) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) ::unlink(path.c_str());
  std::string error;
  if (!write_file(path, bytes, &error)) return error;
  return {};
}

}  // namespace lawful::io
