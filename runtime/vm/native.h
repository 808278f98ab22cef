// The seam between the interpreter and machine code compiled from the same program (the
// optional native back end, runtime/jit/). A compiled function computes what the fast
// path's exec() computes for one of the program's functions: it reads the facts and the
// decision's state through a NativeFrame that the Vm fills before each call, and reports
// a run-time error by setting `error` and `error_pc` and returning kUnknown.
//
// The layout is read by generated code (runtime/jit/translate.cpp names each field by
// its offset): change it there too.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/vm/value.h"

namespace lawful {

class FactStore;

struct NativeFrame {
  const Value* slots = nullptr;  // the facts (FactStore::slots)
  uint64_t nslots = 0;
  Value* let_value = nullptr;    // per definition: its value in this decision,
  uint32_t* let_gen = nullptr;   // valid when its generation is `gen`
  uint32_t gen = 0;
  uint32_t unused_ = 0;
  Value verdict = kUnknown;      // for obligations (LoadVerdict)
  uint64_t steps = 0;            // quantifier steps so far in this decision
  uint64_t max_steps = 0;
  FactStore* facts = nullptr;    // strings, for the helpers
  const char* error = nullptr;   // the run-time error, or null
  uint64_t error_pc = 0;
  const char* steps_error = nullptr;  // the message when max_steps is passed
};

namespace native_layout {
inline constexpr size_t kSlots = offsetof(NativeFrame, slots);
inline constexpr size_t kNslots = offsetof(NativeFrame, nslots);
inline constexpr size_t kLetValue = offsetof(NativeFrame, let_value);
inline constexpr size_t kLetGen = offsetof(NativeFrame, let_gen);
inline constexpr size_t kGen = offsetof(NativeFrame, gen);
inline constexpr size_t kVerdict = offsetof(NativeFrame, verdict);
inline constexpr size_t kSteps = offsetof(NativeFrame, steps);
inline constexpr size_t kMaxSteps = offsetof(NativeFrame, max_steps);
inline constexpr size_t kFacts = offsetof(NativeFrame, facts);
inline constexpr size_t kError = offsetof(NativeFrame, error);
inline constexpr size_t kErrorPc = offsetof(NativeFrame, error_pc);
inline constexpr size_t kStepsError = offsetof(NativeFrame, steps_error);
}  // namespace native_layout

// One compiled function of the program (Program::functions, same index).
using NativeFn = Value (*)(NativeFrame*);

}  // namespace lawful
