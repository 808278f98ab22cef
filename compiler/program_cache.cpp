// The compiled-program cache; see program_cache.h.
#include "compiler/program_cache.h"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/io/cache_entry.h"
#include "runtime/io/input_file.h"

namespace lawful {

namespace {

constexpr std::string_view kMagic = "LAWFUL-CACHE 1 ";  // then the key in hex, then "\n"
// An entry is a .lawc like any other: the one whole-file limit (runtime/io/input_file.h).
constexpr size_t kMaxEntry = io::kMaxFileBytes;

std::string cache_key(const PathSources& src, const std::string& identity) {
  io::KeyHash h;
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
  PathSources src = read_path_sources(path);
  std::string key;
  if (!dir.empty() && src.readable()) {
    std::string why = io::prepare_cache_dir(dir);
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
