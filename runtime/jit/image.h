// Where the native back end's own code is loaded, for the machine-code cache (jit.cpp):
// constant addresses in the image become offsets from its base, and what names the
// image's exact contents is part of the cache's key. No LLVM here (its ELF definitions
// and the system's <elf.h> do not mix).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lawful::jit {

// The loaded file holding this code (lawful-jit.so, or the executable that links
// lawful_jit in process).
struct Image {
  uintptr_t base = 0;                 // its first loaded byte (addresses in it are base + offset)
  uintptr_t lo = UINTPTR_MAX, hi = 0; // the span of its loaded segments
  std::string identity;               // its GNU build ID, else the file's identity; "" when unknown
};

const Image& this_image();

// The ranges [first, second) of this process's address space that are mapped now
// (/proc/self/maps).
std::vector<std::pair<uintptr_t, uintptr_t>> mapped_ranges();

}  // namespace lawful::jit
