// The library functions policies can call (builtins.def), and their implementations.
#pragma once

#include <cstdint>
#include <string_view>

#include "runtime/vm/value.h"

namespace lawful {

enum class BuiltinId : uint8_t {
#define LAW_BUILTIN(Name, Text, Sig, Meaning) Name,
#include "runtime/vm/builtins.def"
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

class FactStore;
// The builtin on known arguments (builtin_arity of them); strings it makes go into the
// store. Both engines call this: the interpreter loop, and compiled code (runtime/jit/).
Value run_builtin(FactStore& facts, BuiltinId id, const Value* args);

}  // namespace lawful
