// What the interpreter's three files share: vm.cpp (the dispatch loop), specialise.cpp
// (the fast path's forms: fused code, campaign-only functions, chains, computed when a
// Vm is made) and resolve.cpp (decision resolution). Not part of the library's
// interface: only runtime/vm/'s own files include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/vm/vm.h"

namespace lawful {

namespace vm_internal {

inline Value and3(Value a, Value b) {
  if (a == kFalse || b == kFalse) return kFalse;
  if (a == kUnknown || b == kUnknown) return kUnknown;
  return kTrue;
}
inline Value or3(Value a, Value b) {
  if (a == kTrue || b == kTrue) return kTrue;
  if (a == kUnknown || b == kUnknown) return kUnknown;
  return kFalse;
}

struct Bits {
  static bool test(const std::vector<uint64_t>& v, size_t i) { return (v[i >> 6] >> (i & 63)) & 1; }
  static void set(std::vector<uint64_t>& v, size_t i) { v[i >> 6] |= uint64_t{1} << (i & 63); }
  static bool intersects(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] & b[i]) return true;
    return false;
  }
};

}  // namespace vm_internal

// A definition's value in this decision (computed once per decision): every file of the
// interpreter calls it, and the fast path wants it inlined, so it is defined here.
template <bool kTrace>
Value Vm::call_let(uint32_t k, FactSet* mask, FactSet* reads) {
  if constexpr (!kTrace) {
    if (let_gen_[k] == gen_) return let_value_[k];
    Value v = eval(static_cast<int32_t>(prog_.lets[k].fn));
    let_value_[k] = v;
    let_gen_[k] = gen_;
    return v;
  } else {
    if (let_tgen_[k] != gen_) {
      FactSet m, r;
      let_value_[k] = exec<true>(prog_.lets[k].fn, &m, &r);
      let_mask_[k] = m;
      let_reads_[k] = r;
      let_tgen_[k] = gen_;
      let_gen_[k] = gen_;
    }
    *mask = let_mask_[k];
    if (reads) *reads |= let_reads_[k];
    return let_value_[k];
  }
}

// The dispatch loop, in vm.cpp (instantiated there for both paths).
extern template Value Vm::exec<false>(uint32_t, FactSet*, FactSet*);
extern template Value Vm::exec<true>(uint32_t, FactSet*, FactSet*);

}  // namespace lawful
