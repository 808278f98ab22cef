// What read_path_sources (compiler.h) reads, without reading it: for the program cache,
// which hashes the sources one at a time through one buffer and keeps none on a hit.
#pragma once

#include <string>
#include <vector>

namespace lawful {

// The files read_path_sources reads, in its order, unread: the user's (law_files), then
// for a single file the other .law files of its directory, sorted.
struct PathFiles {
  std::vector<std::string> user, available;
  std::string error;  // as PathSources::error
  bool no_files = false;
};
PathFiles path_files(const std::string& path);

// Reads one source as read_path_sources does (at most `limit` + 1 bytes: a longer file
// is refused by the compiler, E003); false when it cannot be read.
bool read_source(const std::string& path, std::string& text, size_t limit);

}  // namespace lawful
