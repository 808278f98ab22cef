// The compiled-program cache; see program_cache.h.
#include "compiler/program_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "runtime/bytecode/serialize.h"
#include "runtime/io/input_file.h"
#include "runtime/io/output_file.h"
#include "runtime/bytecode/verifier.h"

namespace lawful {

namespace {

constexpr std::string_view kMagic = "LAWFUL-CACHE 1 ";  // then the key in hex, then "\n"

// 128 bits of key from two 64-bit hashes of the same bytes (FNV-1a, and one that mixes
// eight bytes at a time). Not cryptographic: the key only tells sources apart; what
// stops a forged entry is the cache folder being the user's own (checked below) and
// the verifier.
struct KeyHash {
  uint64_t a = 0xcbf29ce484222325ull;
  uint64_t b = 0x9E3779B97F4A7C15ull;
  void add(std::string_view s) {
    a = fnv1a64(s, a);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      b = (b ^ w) * 0xBF58476D1CE4E5B9ull;
      b ^= b >> 31;
    }
    for (; i < s.size(); ++i) b = (b ^ static_cast<unsigned char>(s[i])) * 0x94D049BB133111EBull;
    // The length ends every part, so that parts cannot run into one another.
    uint64_t n = s.size();
    a = fnv1a64(std::string_view(reinterpret_cast<const char*>(&n), sizeof n), a);
    b = (b ^ n) * 0xBF58476D1CE4E5B9ull;
    b ^= b >> 29;
  }
  std::string hex() const { return fmt::format("{:016x}{:016x}", a, b); }
};

std::string cache_key(const PathSources& src, const std::string& identity) {
  KeyHash h;
  h.add("lawful program cache 1");
  h.add(identity);
  for (const SourceFile& f : stdlib_sources()) {
    h.add(f.path);
    h.add(f.text);
  }
  for (const auto* list : {&src.user, &src.available}) {
    h.add(list == &src.user ? "user" : "available");
    for (const SourceFile& f : *list) {
      h.add(f.path);
      h.add(f.text);
    }
  }
  return h.hex();
}

// Creates `dir` and its missing parents (the last one 0700), and checks that it is a
// folder of this user's that nobody else may write to: "" or why not.
std::string prepare_dir(const std::string& dir) {
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

enum class Read { Missing, Bad, Good };

Read read_entry(const std::string& path, const std::string& key, Program& prog, std::string& why) {
  // The one reader and its limit (a .lawc read from the cache is one like any other);
  // no link, only a regular file.
  io::ReadOptions options;
  options.no_follow = true;
  options.regular_only = true;
  std::string bytes;
  if (!io::read_file(path, bytes, &why, options)) {
    if (errno == ENOENT) return Read::Missing;
    return Read::Bad;
  }
  std::string head = fmt::format("{}{}\n", kMagic, key);
  if (bytes.compare(0, head.size(), head) != 0) {
    why = "its header does not name these sources";
    return Read::Bad;
  }
  why = load_verified_program(std::string_view(bytes).substr(head.size()), prog);
  return why.empty() ? Read::Good : Read::Bad;
}

// Writes the entry through io::write_file: a new temporary file beside it
// (O_CREAT|O_EXCL|O_NOFOLLOW), flushed and renamed into place, so that processes racing
// to write one entry each see a whole entry or none. A symbolic link in the entry's place
// is removed first rather than written through (the folder is the user's alone, so only
// they could have put it there, and an entry is always a file of its own). "" or why the
// entry was not written.
std::string write_entry(const std::string& path, const std::string& key, const Program& prog) {
  std::string bytes = fmt::format("{}{}\n", kMagic, key);
  bytes += serialize_program(prog);
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) ::unlink(path.c_str());
  std::string error;
  if (!io::write_file(path, bytes, &error)) return error;
  return {};
}

}  // namespace

std::string default_cache_dir() {
  const char* off = std::getenv("LAWFUL_NO_CACHE");
  if (off && *off && std::strcmp(off, "0") != 0) return {};
  const char* own = std::getenv("LAWFUL_CACHE_DIR");
  if (own && *own) return own;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/lawful";  // relative: ignored, as XDG says
  const char* home = std::getenv("HOME");
  if (home && *home == '/') return std::string(home) + "/.cache/lawful";
  return {};
}

CachedCompile compile_path_cached(const std::string& path, const std::string& dir, const std::string& identity) {
  CachedCompile out;
  PathSources src = read_path_sources(path);
  std::string key;
  if (!dir.empty() && src.readable()) {
    std::string why = prepare_dir(dir);
    if (why.empty()) {
      key = cache_key(src, identity);
      out.entry = fmt::format("{}/{}.lawc", dir, key);
      auto prog = std::make_shared<Program>();
      switch (read_entry(out.entry, key, *prog, out.note)) {
        case Read::Good:
          out.state = CachedCompile::State::Hit;
          out.program = std::move(prog);
          return out;
        case Read::Missing: out.state = CachedCompile::State::Miss; break;
        case Read::Bad: out.state = CachedCompile::State::Refused; break;
      }
    } else {
      out.note = why;
    }
  } else if (!dir.empty()) {
    out.state = CachedCompile::State::Skipped;
  }
  out.compilation = std::make_unique<Compilation>(compile_path_sources(std::move(src), path));
  out.program = out.compilation->program;
  if (key.empty()) return out;
  if (!out.program || !out.compilation->diags.all().empty()) {
    out.state = CachedCompile::State::Skipped;
    return out;
  }
  std::string why = write_entry(out.entry, key, *out.program);
  if (!why.empty()) out.note = why;
  return out;
}

}  // namespace lawful
