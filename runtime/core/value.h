// Values in the VM: one 64-bit word each, with one reserved pattern for "unknown".
// Types are checked by the compiler, so a value carries no tag; this file says how each
// type is packed into the word.
#pragma once

#include <cstdint>

#include "runtime/core/dates.h"

namespace lawful {

using Value = int64_t;

// Absent facts, and anything computed from them.
inline constexpr Value kUnknown = INT64_MIN;

// bool: 0 or 1.  int: checked, never kUnknown.  date: Days.  enum: member index.
// string: an index into the decision's string table (constants first).
// set of enum: a bit per member.
inline constexpr Value kFalse = 0;
inline constexpr Value kTrue = 1;

// list: first slot and element count, in the facts array.
inline Value make_list(uint32_t start, uint32_t count) {
  return static_cast<Value>((static_cast<uint64_t>(start) << 32) | count);
}
inline uint32_t list_start(Value v) { return static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32); }
inline uint32_t list_count(Value v) { return static_cast<uint32_t>(static_cast<uint64_t>(v)); }

// duration: months in the high half, days in the low half (both non-negative).
inline Value make_duration(int32_t months, int32_t days) {
  return static_cast<Value>((static_cast<uint64_t>(static_cast<uint32_t>(months)) << 32) | static_cast<uint32_t>(days));
}
inline Duration duration_of(Value v) {
  return {static_cast<int32_t>(static_cast<uint64_t>(v) >> 32), static_cast<int32_t>(static_cast<uint32_t>(v))};
}

// span (date - date): both dates, so that `a - b > 3 years` can be decided as
// `b + 3 years < a`, exactly, in calendar terms.
inline Value make_span(Days a, Days b) {
  return static_cast<Value>((static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b));
}
inline Days span_a(Value v) { return static_cast<Days>(static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32)); }
inline Days span_b(Value v) { return static_cast<Days>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// Verdicts, as the VM and the decision records number them.
enum class VerdictCode : uint8_t { Allow = 0, Deny = 1, Review = 2 };

}  // namespace lawful
