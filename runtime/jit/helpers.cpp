// The helpers compiled code calls; see helpers.h. Each does what the interpreter loop
// (runtime/vm/vm.cpp) does for the same instruction.
#include "runtime/jit/helpers.h"

#include <algorithm>

#include "runtime/core/builtins.h"
#include "runtime/core/dates.h"
#include "runtime/facts/fact_store.h"
#include "runtime/vm/run_builtin.h"

namespace lawful::jit::helper {

namespace {
Value fail(NativeFrame* fr, const char* what, uint64_t pc) {
  if (!fr->error) {
    fr->error = what;
    fr->error_pc = pc;
  }
  return kUnknown;
}
}  // namespace

Value str_eq(FactStore* facts, Value a, Value b) { return facts->text(a) == facts->text(b) ? kTrue : kFalse; }

Value date_shift(NativeFrame* fr, Value a, Value d, int64_t sign, uint64_t pc) {
  if (a >= kDateNever) return kDateNever;
  auto out = add_duration(static_cast<Days>(a), duration_of(d), static_cast<int>(sign));
  if (!out) return fail(fr, kDateRange, pc);
  return *out;
}

Value span_end(NativeFrame* fr, Value s, Value d, uint64_t pc) {
  Days b = span_b(s);
  if (b >= kDateNever) return kDateNever;
  auto out = add_duration(b, duration_of(d));
  if (!out) return fail(fr, kDateRange, pc);
  return *out;
}

Value dur_add(NativeFrame* fr, Value a, Value b, uint64_t pc) {
  Duration x = duration_of(a), y = duration_of(b);
  int32_t months, days;
  if (__builtin_add_overflow(x.months, y.months, &months) || __builtin_add_overflow(x.days, y.days, &days))
    return fail(fr, kOverflow, pc);
  return make_duration(months, days);
}

Value in_list(NativeFrame* fr, Value l, Value x, int64_t by_text, uint64_t pc) {
  uint64_t start = list_start(l), n = list_count(l);
  if (start + n > fr->nslots) return fail(fr, kListRange, pc);
  const Value* facts = fr->slots;
  Value r = kFalse;
  if (!by_text) {
    for (uint64_t i = 0; i < n; ++i)
      if (facts[start + i] == x) r = kTrue;
  } else {
    std::string_view t = fr->facts->text(x);
    for (uint64_t i = 0; i < n; ++i)
      if (fr->facts->text(facts[start + i]) == t) r = kTrue;
  }
  return r;
}

Value in_str_set(const SortedSet* set, FactStore* facts, Value x) {
  return std::binary_search(set->begin(), set->end(), facts->text(x)) ? kTrue : kFalse;
}

Value builtin(NativeFrame* fr, uint64_t id, const Value* args) {
  FactStore& facts = *fr->facts;
  const Value r = run_builtin(facts, static_cast<BuiltinId>(id), args);
  fr->strings = facts.strings.data();  // lower() and domain() add a string
  fr->nstrings = facts.strings.size();
  return r;
}

Value lower_eq(FactStore* facts, Value a, Value b, int64_t both) {
  return lower_equal(facts->text(a), facts->text(b), both != 0) ? kTrue : kFalse;
}

}  // namespace lawful::jit::helper
