// The builtins themselves (their table: runtime/core/builtins.h).
#pragma once

#include "runtime/core/builtins.h"
#include "runtime/core/value.h"

namespace lawful {

class FactStore;
// The builtin on known arguments (builtin_arity of them); strings it makes go into the
// store. Both engines call this: the interpreter loop, and compiled code (runtime/jit/).
Value run_builtin(FactStore& facts, BuiltinId id, const Value* args);

}  // namespace lawful
