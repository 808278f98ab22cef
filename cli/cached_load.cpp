// The program cache from the command line; see cached_load.h.
#include "cli/cached_load.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "compiler/program_cache.h"

namespace lawful::cli {

namespace {

// What names this compiler: its version and this very build of it (the executable's
// inode, size and time of change), so that a rebuilt lawful never takes an entry that
// an older build made, even at the same version.
std::string compiler_identity() {
  std::string id = "lawful " LAWFUL_VERSION;
  struct stat st;
  if (::stat("/proc/self/exe", &st) == 0)
    id += fmt::format(" {}:{}:{}:{}.{}", static_cast<unsigned long long>(st.st_dev),
                      static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size),
                      static_cast<long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
  return id;
}

}  // namespace

Loaded load_cached(const std::string& path, bool no_cache) {
  if (is_lawc(path)) return load(path);
  std::string dir = no_cache ? std::string() : default_cache_dir();
  CachedCompile c = compile_path_cached(path, dir, compiler_identity());
  Loaded l;
  if (c.compilation) print_diagnostics(*c.compilation);
  l.program = std::move(c.program);
  l.compilation = std::move(c.compilation);
  return l;
}

}  // namespace lawful::cli
