// The ceiling for `lawful check` end to end: simdjson's on-demand API reading every
// field of every line (strings, numbers, booleans, lists, objects), deciding nothing and
// writing nothing. Compiled twice: as lawful's binder is (portable: simdjson's
// runtime-dispatched stage 1, its portable on-demand stage 2), and, to measure what a
// per-CPU build would gain, with AVX2 (haswell's on-demand stage 2), run only on a CPU
// that has it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lawful::bench {

struct ParseCount {
  uint64_t lines = 0, fields = 0, errors = 0;
};

// Reads every field of one line (a JSON object with padding after it).
void parse_line_portable(const char* data, size_t len, size_t capacity, ParseCount& count);
void parse_line_avx2(const char* data, size_t len, size_t capacity, ParseCount& count);
bool avx2_available();
const char* ondemand_kernel_portable();
const char* active_stage1_kernel();

}  // namespace lawful::bench
