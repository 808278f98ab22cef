// The parse-only pass, built as lawful's binder is; see parse_only.h.
#include <simdjson.h>

#include "bench/parse_only.h"
#include "bench/parse_only.inc"

namespace lawful::bench {

void parse_line_portable(const char* data, size_t len, size_t capacity, ParseCount& count) {
  parse_line(data, len, capacity, count);
}
const char* ondemand_kernel_portable() { return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION); }
const char* active_stage1_kernel() { return simdjson::get_active_implementation()->name().c_str(); }
bool avx2_available() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("pclmul"); }

}  // namespace lawful::bench
