// The library functions policies can call (builtins.def); they run in
// runtime/vm/run_builtin.h.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "runtime/core/value.h"

namespace lawful {

enum class BuiltinId : uint8_t {
#define LAW_BUILTIN(Name, Text, Sig, Meaning) Name,
#include "runtime/core/builtins.def"
#undef LAW_BUILTIN
  Count_
};

struct BuiltinInfo {
  const char* name;
  const char* signature;  // "ss>b"
  const char* meaning;
};

inline constexpr int kBuiltinCount = static_cast<int>(BuiltinId::Count_);
const BuiltinInfo& builtin_info(BuiltinId id);
int builtin_arity(BuiltinId id);
// -1 when there is no builtin of that name.
int find_builtin(std::string_view name);

// lower(a) == b, and lower(a) == lower(b) when `b_too`, as the builtin `lower` (which maps
// the ASCII capitals, std::tolower in the "C" locale) and text equality compute them,
// without copying either text: both engines' fused comparisons.
// Eight bytes at a time: each byte 'A' to 'Z' of `x` made lower case, every other byte
// (the rest of ASCII, and bytes from 0x80) kept. A byte's low seven bits plus 0x3f
// reach its high bit from 'A' on, plus 0x25 from past 'Z', never carrying into the
// next byte.
inline uint64_t lower8(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t low7 = x & ~kHigh;
  const uint64_t upper = (low7 + kOnes * (0x80 - 'A')) & ~(low7 + kOnes * (0x7f - 'Z')) & ~x & kHigh;
  return x | (upper >> 2);
}
inline uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline bool lower_equal(std::string_view a, std::string_view b, bool b_too) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8) {
    // Whole words, then the last eight bytes (overlapping the words before).
    for (size_t i = 0; i + 8 <= n; i += 8) {
      const uint64_t y = load8(b.data() + i);
      if (lower8(load8(a.data() + i)) != (b_too ? lower8(y) : y)) return false;
    }
    const uint64_t y = load8(b.data() + n - 8);
    return lower8(load8(a.data() + n - 8)) == (b_too ? lower8(y) : y);
  }
  for (size_t i = 0; i < n; ++i) {
    unsigned x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    x += (x - 'A' < 26u) ? 32u : 0u;
    if (b_too) y += (y - 'A' < 26u) ? 32u : 0u;
    if (x != y) return false;
  }
  return true;
}

}  // namespace lawful
