// Contacts kept bound for many decisions (the in-memory benchmarks) must own their
// strings: the binder's strings point into the JSON parser's buffer, which the next
// line reuses. This copies them into the store's own scratch memory.
#pragma once

#include <cstring>

#include "runtime/facts/fact_store.h"

namespace lawful::bench {

inline void pin_strings(FactStore& fs) {
  const size_t constants = fs.program().strings.size();
  for (size_t i = constants; i < fs.strings.size(); ++i) {
    std::string_view s = fs.strings[i];
    char* p = fs.scratch.alloc(s.size() ? s.size() : 1);
    std::memcpy(p, s.data(), s.size());
    fs.strings[i] = std::string_view(p, s.size());
  }
}

}  // namespace lawful::bench
