// The seam between the interpreter and machine code compiled from the same program (the
// optional native back end, runtime/jit/). A compiled function computes what the fast
// path's exec() computes for one of the program's functions: it reads the facts and the
// decision's state through a NativeFrame that the Vm fills before each call, and reports
// a run-time error by setting `error` and `error_pc` and returning kUnknown.
//
// A function's entry is null when its code exists only inlined into its decisions (a
// rule's or an obligation's condition, runtime/jit/README.md): Vm::eval interprets it.
//
// After the program's functions come its decisions, compiled whole (same table, at
// functions.size() + decision; null for a decision that is not): a decision function
// resolves the decision's rules as Vm::resolve does (rule states, overrides, winners,
// conflicts, the verdict and reason) and its obligations with that verdict, reading
// `as_of` and writing the `out_` fields. It returns kNativeDecided; or kNativeStates when
// the interpreter must finish (a `review` that must name missing facts): the rules'
// states are in out_rules (applies) and out_unknown, each evaluated rule's condition in
// rule_cond (rule_cond_gen = gen); or kNativeStatesObliged, the same with the
// obligations of that `review` in out_obliged (when none of their conditions can raise a
// run-time error); or kNativeStatesTraced, the same with the review's missing facts in
// out_missing (named by the compiled twin of the traced path, runtime/jit/README.md);
// or kNativeInterpret, and the interpreter decides
// instead (a run-time error).
//
// After the decisions come the policies (at functions.size() + decisions.size() +
// policy; null for one with a decision that is not compiled whole): a policy function
// does what Vm::decide_policy does once the policy's window holds: its decisions'
// guards in order, then the one decision that applies, called. It returns what that
// decision's function returned, with out_decision; kNativeNoDecision when no guard
// holds; kNativeInterpret when the interpreter must decide (a guard unknown, two that
// hold, a run-time error).
//
// The layout is read by generated code (runtime/jit/translate.cpp names each field by
// its offset): change it there too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/core/value.h"

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
  Value as_of = kUnknown;        // the date windows are tested against (a decision's)
  uint64_t out_rules = 0;        // Outcome::rules, as bits by rule index
  uint64_t out_obliged = 0;      // the decision's obligations that hold, bits by index in it
  int32_t out_verdict = 0;       // VerdictCode
  int32_t out_reason = 0;        // Reason
  int32_t out_reason_a = -1;
  int32_t out_reason_b = -1;
  uint64_t out_unknown = 0;      // kNativeStates: the rules that might apply, bits by rule index
  Value* rule_cond = nullptr;    // kNativeStates: per rule of the decision, its condition's value,
  uint32_t* rule_cond_gen = nullptr;  // valid when its generation is `gen` (Vm::conds_)
  int32_t out_decision = -1;     // a policy function's: the decision that applied
  int32_t unused2_ = 0;
  // FactStore::strings, which a builtin may grow (and move): set by the Vm before each
  // call of compiled code and by the helper that runs builtins, read by the text
  // comparisons compiled inline.
  const std::string_view* strings = nullptr;
  uint64_t nstrings = 0;
  // kNativeStatesTraced: the review's missing facts (FactSet's set, paths 0 to 255),
  // found by the compiled traced path, which keeps per definition its value and its
  // FactSet (set, then sources: 8 words) when its generation is `gen`.
  uint64_t out_missing[4] = {0, 0, 0, 0};
  uint32_t* tlet_gen = nullptr;
  Value* tlet_value = nullptr;
  uint64_t* tlet_mask = nullptr;
};

// What a decision's or a policy's function returns.
inline constexpr Value kNativeInterpret = 0;
inline constexpr Value kNativeDecided = 1;
inline constexpr Value kNativeStates = 2;
inline constexpr Value kNativeNoDecision = 3;
inline constexpr Value kNativeStatesObliged = 4;
inline constexpr Value kNativeStatesTraced = 5;  // kNativeStatesObliged, with out_missing

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
inline constexpr size_t kAsOf = offsetof(NativeFrame, as_of);
inline constexpr size_t kOutRules = offsetof(NativeFrame, out_rules);
inline constexpr size_t kOutObliged = offsetof(NativeFrame, out_obliged);
inline constexpr size_t kOutVerdict = offsetof(NativeFrame, out_verdict);
inline constexpr size_t kOutReason = offsetof(NativeFrame, out_reason);
inline constexpr size_t kOutReasonA = offsetof(NativeFrame, out_reason_a);
inline constexpr size_t kOutReasonB = offsetof(NativeFrame, out_reason_b);
inline constexpr size_t kOutUnknown = offsetof(NativeFrame, out_unknown);
inline constexpr size_t kRuleCond = offsetof(NativeFrame, rule_cond);
inline constexpr size_t kRuleCondGen = offsetof(NativeFrame, rule_cond_gen);
inline constexpr size_t kOutDecision = offsetof(NativeFrame, out_decision);
inline constexpr size_t kStrings = offsetof(NativeFrame, strings);
inline constexpr size_t kNstrings = offsetof(NativeFrame, nstrings);
inline constexpr size_t kOutMissing = offsetof(NativeFrame, out_missing);
inline constexpr size_t kTletGen = offsetof(NativeFrame, tlet_gen);
inline constexpr size_t kTletValue = offsetof(NativeFrame, tlet_value);
inline constexpr size_t kTletMask = offsetof(NativeFrame, tlet_mask);
}  // namespace native_layout

// One compiled function of the program (Program::functions, same index), decision
// (after them) or policy (after the decisions).
using NativeFn = Value (*)(NativeFrame*);

// The number of entries in the table of compiled functions.
template <class P>
size_t native_table_size(const P& prog) {
  return prog.functions.size() + prog.decisions.size() + prog.policies.size();
}

}  // namespace lawful
