// A small set of schema paths (PathDef indices): which absent facts an unknown value
// came from. Only the tracing interpreter carries these.
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
    return *this;
  }
  bool empty() const { return (w_[0] | w_[1] | w_[2] | w_[3]) == 0; }
  bool operator==(const FactSet& o) const {
    return ((w_[0] ^ o.w_[0]) | (w_[1] ^ o.w_[1]) | (w_[2] ^ o.w_[2]) | (w_[3] ^ o.w_[3])) == 0;
  }
  uint64_t word(unsigned i) const { return w_[i & 3]; }
  void clear() { w_[0] = w_[1] = w_[2] = w_[3] = 0; }
  template <class F>
  void for_each(F f) const {
    for (uint32_t w = 0; w < 4; ++w)
      for (uint64_t bits = w_[w]; bits; bits &= bits - 1) f(w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits)));
  }

 private:
  uint64_t w_[4] = {0, 0, 0, 0};
};

}  // namespace lawful
