// The builtin table, from builtins.def (the builtins themselves: runtime/vm/run_builtin.cpp).
#include "runtime/core/builtins.h"

#include <cstring>

namespace lawful {

namespace {
const BuiltinInfo kBuiltins[] = {
#define LAW_BUILTIN(Name, Text, Sig, Meaning) {Text, Sig, Meaning},
#include "runtime/core/builtins.def"
#undef LAW_BUILTIN
};
}  // namespace

const BuiltinInfo& builtin_info(BuiltinId id) { return kBuiltins[static_cast<int>(id)]; }

int builtin_arity(BuiltinId id) {
  const char* sig = builtin_info(id).signature;
  return static_cast<int>(std::strchr(sig, '>') - sig);
}

int find_builtin(std::string_view name) {
  for (int i = 0; i < kBuiltinCount; ++i)
    if (name == kBuiltins[i].name) return i;
  return -1;
}

}  // namespace lawful
