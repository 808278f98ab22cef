// The builtin table, from builtins.def. The implementations are in the interpreter
// loop (vm.cpp), next to the other operations on values.
#include "runtime/vm/builtins.h"

#include <cstring>

namespace lawful {

namespace {
const BuiltinInfo kBuiltins[] = {
#define LAW_BUILTIN(Name, Text, Sig, Meaning) {Text, Sig, Meaning},
#include "runtime/vm/builtins.def"
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
