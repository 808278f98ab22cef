// `.lawc` files: a compiled program on disk. The header holds a magic number, the
// format version, a hash of the sources, the payload's length and a checksum of all of
// it (FNV-1a, 64 bits: any one changed byte changes it);
// loading checks all of these before decoding, and decoding checks every length
// against what is left, so a damaged or truncated file is refused with a message.
// The verifier (verifier.h) runs after a successful load.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/bytecode/program.h"

namespace lawful {

inline constexpr char kLawcMagic[4] = {'L', 'A', 'W', 'C'};

uint64_t fnv1a64(std::string_view data, uint64_t h = 0xcbf29ce484222325ull);

// `version` is Program::kFormatVersion but for tests of older readers: version 1 leaves
// out the code spans, versions 1 and 2 the rules of obligations.
std::string serialize_program(const Program& prog, uint32_t version = Program::kFormatVersion);
// Returns "" on success, else why the bytes were refused.
std::string deserialize_program(std::string_view bytes, Program& prog);

}  // namespace lawful
