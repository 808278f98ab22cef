// `lawful check`'s program: a .lawc file as `load` reads it, or policies compiled
// through the program cache (compiler/program_cache.h), so that a run on unchanged
// policies starts without compiling them.
#pragma once

#include <string>

#include "cli/common.h"

namespace lawful::cli {

// Like load(), through the cache in default_cache_dir() unless `no_cache`.
Loaded load_cached(const std::string& path, bool no_cache);

}  // namespace lawful::cli
