// A small set of schema paths (PathDef indices): which absent facts an unknown value
// came from. Only the tracing interpreter carries these. On the tracing stack a set also
// keeps the sources of its value, known or not: the facts it was computed from. When a
// builtin cannot compute from known values (`domain("not an address")`), those facts
// are what would settle it, and become the value's missing facts (promote_sources).
#pragma once

#include <cstdint>

namespace lawful {

class FactSet {
 public:
  static constexpr uint32_t kCapacity = 256;

  void add(uint32_t p) {
    if (p < kCapacity) w_[p >> 6] |= uint64_t{1} << (p & 63);
  }
  bool has(uint32_t p) const { return p < kCapacity && (w_[p >> 6] >> (p & 63)) & 1; }
  FactSet& operator|=(const FactSet& o) {
    for (int i = 0; i < 4; ++i) w_[i] |= o.w_[i];
    for (int i = 0; i < 4; ++i) s_[i] |= o.s_[i];
    return *this;
  }
  void add_source(uint32_t p) {
    if (p < kCapacity) s_[p >> 6] |= uint64_t{1} << (p & 63);
  }
  void merge_sources(const FactSet& o) {
    for (int i = 0; i < 4; ++i) s_[i] |= o.s_[i];
  }
  void promote_sources() {
    for (int i = 0; i < 4; ++i) w_[i] |= s_[i];
  }
  bool empty() const { return (w_[0] | w_[1] | w_[2] | w_[3]) == 0; }
  bool operator==(const FactSet& o) const {
    return ((w_[0] ^ o.w_[0]) | (w_[1] ^ o.w_[1]) | (w_[2] ^ o.w_[2]) | (w_[3] ^ o.w_[3])) == 0;
  }
  uint64_t word(unsigned i) const { return w_[i & 3]; }
  void clear() { w_[0] = w_[1] = w_[2] = w_[3] = s_[0] = s_[1] = s_[2] = s_[3] = 0; }
  template <class F>
  void for_each(F f) const {
    for (uint32_t w = 0; w < 4; ++w)
      for (uint64_t bits = w_[w]; bits; bits &= bits - 1) f(w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits)));
  }

 private:
  uint64_t w_[4] = {0, 0, 0, 0};  // the set
  uint64_t s_[4] = {0, 0, 0, 0};  // sources, on the tracing stack only
};

}  // namespace lawful
