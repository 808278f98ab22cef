// Compiled programs kept on disk between runs, so that a command that compiles the same
// policies again (every `lawful check` does) loads them instead: a cache keyed by a hash
// of everything the program is made from (the compiler's identity, the standard
// library, every source file's path and content). An entry is a `.lawc` file behind a
// short header naming its key; it is loaded only through the `.lawc` checks (checksum,
// decoding) and the verifier, so a damaged or forged entry is refused and the sources
// compiled again. Entries are written with io::write_file (a new temporary file beside
// the entry, O_CREAT|O_EXCL|O_NOFOLLOW, renamed into place), so that processes racing
// to write one entry each see a whole entry or none. docs/commands/check.md says where the
// cache lives and how to turn it off.
#pragma once

#include <memory>
#include <string>

#include "compiler/compiler.h"

namespace lawful {

struct CachedCompile {
  enum class State {
    Off,      // no cache directory: compiled
    Hit,      // loaded from the cache
    Miss,     // compiled, and the entry written (or not, when that failed)
    Refused,  // an entry was there and refused (damaged, forged, another key): compiled and replaced
    Skipped,  // not cacheable (unreadable sources, diagnostics): compiled
  };
  State state = State::Off;
  std::shared_ptr<const Program> program;   // null when the sources do not compile
  std::unique_ptr<Compilation> compilation; // when compiled (for its diagnostics)
  std::string entry;                        // the entry's path, when there is a cache
  std::string note;                         // why an entry was refused or not written
};

// The cache's folder: $LAWFUL_CACHE_DIR, else $XDG_CACHE_HOME/lawful, else
// $HOME/.cache/lawful; "" when none of these is set or $LAWFUL_NO_CACHE is set (to
// anything but "" or "0").
std::string default_cache_dir();

// Compiles PATH as compile_path does, through the cache in `dir` ("" for none).
// `identity` names the compiler (its version and build); entries made by another are
// never found. A program whose compilation gave any diagnostic is not cached, so that
// its warnings are shown on every run.
CachedCompile compile_path_cached(const std::string& path, const std::string& dir, const std::string& identity);

}  // namespace lawful
