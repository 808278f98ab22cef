// The parse-only pass with haswell's on-demand stage 2 (compiled with AVX2, BMI,
// PCLMUL, LZCNT): called only when avx2_available(). A measurement, not used by lawful:
// see docs/performance.md for why lawful stays portable.
#include <simdjson.h>

#include "bench/parse_only.h"
#include "bench/parse_only.inc"

namespace lawful::bench {

void parse_line_avx2(const char* data, size_t len, size_t capacity, ParseCount& count) {
  parse_line(data, len, capacity, count);
}

}  // namespace lawful::bench
