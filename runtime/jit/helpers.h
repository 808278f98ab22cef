// What compiled code calls rather than inlines: operations on strings, dates, lists and
// the builtins, the VM's own code (runtime/vm) behind a plain C calling convention. The
// ones that can fail set the frame's error (with the same words as the interpreter) and
// return kUnknown; the code checks the frame after the call.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/vm/native.h"

namespace lawful::jit {

using SortedSet = std::vector<std::string_view>;

namespace helper {
Value str_eq(FactStore* facts, Value a, Value b);  // kTrue or kFalse
Value date_shift(NativeFrame* fr, Value a, Value d, int64_t sign, uint64_t pc);
Value span_end(NativeFrame* fr, Value s, Value d, uint64_t pc);
Value dur_add(NativeFrame* fr, Value a, Value b, uint64_t pc);
Value in_list(NativeFrame* fr, Value l, Value x, int64_t by_text, uint64_t pc);
Value in_str_set(const SortedSet* set, FactStore* facts, Value x);
// Updates the frame's strings (a builtin may add one).
Value builtin(NativeFrame* fr, uint64_t id, const Value* args);
// lower(a) == b (lower(a) == lower(b) when `both`), without making the lowered copy.
Value lower_eq(FactStore* facts, Value a, Value b, int64_t both);
}  // namespace helper

// The interpreter's words for the run-time errors compiled code raises itself.
inline constexpr const char* kRecordRange = "a record reference is out of range";
inline constexpr const char* kListRange = "a list reference is out of range";
inline constexpr const char* kOverflow = "arithmetic overflow";
inline constexpr const char* kDateRange = "a date outside the years 1 to 9999";

}  // namespace lawful::jit
