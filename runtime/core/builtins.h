// The library functions policies can call (builtins.def); they run in
// runtime/vm/run_builtin.h.
#pragma once

#include <cstdint>
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
inline bool lower_equal(std::string_view a, std::string_view b, bool b_too) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    x += (x - 'A' < 26u) ? 32u : 0u;
    if (b_too) y += (y - 'A' < 26u) ? 32u : 0u;
    if (x != y) return false;
  }
  return true;
}

}  // namespace lawful
