// What lawful's on-disk caches share (the compiled-program cache, compiler/program_cache.h,
// and the native back end's machine code, runtime/jit/jit.cpp): a 128-bit key over
// labelled parts, the cache folder's checks, and one way to read and to write an entry.
//
// The folder must be a real folder (not a symbolic link) of this user's that nobody else
// may write to; an entry is read without following a link, only when it is a regular file
// of at most the caller's size; it is written by io::write_file (a new temporary beside
// it, O_CREAT|O_EXCL|O_NOFOLLOW, renamed into place), so that processes racing to write one
// entry each see a whole entry or none. What an entry holds is the caller's to check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lawful::io {

// 128 bits of key from two 64-bit hashes of the same bytes, each mixing eight bytes at a
// time with its own multiplier. Not cryptographic: the key only tells inputs apart; what stops a
// forged entry is the cache folder being the user's own, and the caller's checks.
struct KeyHash {
  uint64_t a = 0xcbf29ce484222325ull;
  uint64_t b = 0x9E3779B97F4A7C15ull;
  // Adds one part; its length ends it, so that parts cannot run into one another.
  void add(std::string_view s);
  std::string hex() const;  // 32 hex digits
};

// Creates `dir` and its missing parents (the last one 0700), and checks that it is a
// folder of this user's that nobody else may write to: "" or why not.
std::string prepare_cache_dir(const std::string& dir);

enum class EntryRead { Missing, Bad, Good };

// Reads the entry `path` whole into `bytes`: Missing when there is none, Bad (and `why`)
// when it is not a regular file of at most `max_bytes` that can be read.
EntryRead read_cache_entry(const std::string& path, size_t max_bytes, std::string& bytes, std::string& why);

// Writes the entry `path`. A symbolic link in its place is removed first rather than
// written through (the folder is the user's alone, so only they could have put it there,
// and an entry is always a file of its own). "" or why the entry was not written.
std::string write_cache_entry(const std::string& path, std::string_view bytes);

}  // namespace lawful::io
