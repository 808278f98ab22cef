// Decision records, as FACTS.md defines them: one JSON object per input line, or an
// error record in its place. Written into a caller's buffer, so a thread can format
// many records without allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/bytecode/program.h"
#include "runtime/facts/fact_store.h"
#include "runtime/vm/outcome.h"

namespace lawful {

void append_json_string(std::string& out, std::string_view s);

// {"id": ..., "verdict": ..., "basis": ..., "policy": ..., "decision": ..., "rules": [...],
//  "cites": [...], "obligations": [...], "missing": [...], "reason": ...}
// `id` is the contact's id as bound (or absent: null).
void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts);
// {"id": ..., "line": N, "error": "..."}
void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

// The contact's id, if bound.
bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id);

// The citations of an outcome's rules, in rule order, without repeats.
template <class F>
void for_each_cite(const Program& prog, const Outcome& o, F f) {
  if (o.decision < 0) return;
  const DecisionInfo& d = prog.decisions[static_cast<size_t>(o.decision)];
  uint32_t seen[64];
  size_t n_seen = 0;
  for (uint32_t r : o.rules) {
    for (uint32_t c : d.rules[r].cites) {
      bool dup = false;
      for (size_t i = 0; i < n_seen; ++i) dup = dup || seen[i] == c;
      if (dup) continue;
      if (n_seen < 64) seen[n_seen++] = c;
      f(prog.str(c));
    }
  }
}

const char* verdict_name(VerdictCode v);

}  // namespace lawful
