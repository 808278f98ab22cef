// The compiled-program cache; see program_cache.h.
#include "compiler/program_cache.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "compiler/path_files.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/io/cache_entry.h"
#include "runtime/io/input_file.h"

namespace lawful {

namespace {

constexpr std::string_view kMagic = "LAWFUL-CACHE 1 ";  // then the key in hex, then "\n"
// An entry is a .lawc like any other: the one whole-file limit (runtime/io/input_file.h).
constexpr size_t kMaxEntry = io::kMaxFileBytes;

// The key: the cache's version, the compiler's identity, the standard library, then the
// user's files and the files available to them, each by path and content.
class KeyBuilder {
 public:
  explicit KeyBuilder(const std::string& identity) {
    h_.add("lawful program cache 1");
    h_.add(identity);
    for (const SourceFile& f : stdlib_sources()) file(f.path, f.text);
  }
  void list(bool user) { h_.add(user ? "user" : "available"); }
  void file(std::string_view path, std::string_view text) {
    h_.add(path);
    h_.add(text);
  }
  std::string hex() const { return h_.hex(); }

 private:
  io::KeyHash h_;
};

std::string cache_key(const PathSources& src, const std::string& identity) {
  KeyBuilder k(identity);
  for (const auto* list : {&src.user, &src.available}) {
    k.list(list == &src.user);
    for (const SourceFile& f : *list) k.file(f.path, f.text);
  }
  return k.hex();
}

// cache_key(read_path_sources(path)), with each file read in turn into one buffer and
// hashed, none kept: a hit needs the key only (holding the sources touched 53 pages of
// fresh memory at every warm start, about a millisecond). "" when the sources are not
// cacheable (PathSources::readable).
std::string cache_key_of_path(const std::string& path, const std::string& identity) {
  PathFiles files = path_files(path);
  if (!files.error.empty() || files.no_files) return {};
  const size_t limit = CompileOptions{}.parse.max_bytes;
  KeyBuilder k(identity);
  std::string text;
  k.list(true);
  for (const std::string& f : files.user) {
    if (!read_source(f, text, limit)) return {};
    k.file(f, text);
  }
  k.list(false);
  for (const std::string& f : files.available)
    if (read_source(f, text, limit)) k.file(f, text);
  return k.hex();
}

enum class Read { Missing, Bad, Good };

Read read_entry(const std::string& path, const std::string& key, Program& prog, std::string& why) {
  std::string bytes;
  switch (io::read_cache_entry(path, kMaxEntry, bytes, why)) {
    case io::EntryRead::Missing: return Read::Missing;
    case io::EntryRead::Bad: return Read::Bad;
    case io::EntryRead::Good: break;
  }
  std::string head = fmt::format("{}{}\n", kMagic, key);
  if (bytes.compare(0, head.size(), head) != 0) {
    why = "its header does not name these sources";
    return Read::Bad;
  }
  why = load_verified_program(std::string_view(bytes).substr(head.size()), prog);
  return why.empty() ? Read::Good : Read::Bad;
}

// Writes the entry through io::write_cache_entry (atomic: a whole entry or none).
std::string write_entry(const std::string& path, const std::string& key, const Program& prog) {
  std::string bytes = fmt::format("{}{}\n", kMagic, key);
  bytes += serialize_program(prog);
  return io::write_cache_entry(path, bytes);
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
  bool cacheable = false;
  if (!dir.empty()) {
    std::string key = cache_key_of_path(path, identity);
    if (key.empty()) {
      out.state = CachedCompile::State::Skipped;
    } else if (std::string why = io::prepare_cache_dir(dir); !why.empty()) {
      out.note = why;
    } else {
      cacheable = true;
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
    }
  }
  PathSources src = read_path_sources(path);
  // The entry is named by the sources compiled, as read now (a source edited since the
  // key above was made gives another key).
  std::string key = cacheable && src.readable() ? cache_key(src, identity) : std::string();
  out.compilation = std::make_unique<Compilation>(compile_path_sources(std::move(src), path));
  out.program = out.compilation->program;
  if (!cacheable) return out;
  if (key.empty() || !out.program || !out.compilation->diags.all().empty()) {
    out.state = CachedCompile::State::Skipped;
    return out;
  }
  out.entry = fmt::format("{}/{}.lawc", dir, key);
  std::string why = write_entry(out.entry, key, *out.program);
  if (!why.empty()) out.note = why;
  return out;
}

}  // namespace lawful
