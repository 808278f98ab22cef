// What a caller evaluates in a program: the router (by country), one policy (all its
// decisions, by their conditions), or one decision, optionally named within the policy
// the router picks. The CLI, the embedding API, explain and diff share this choice.
#pragma once

#include <string>

#include "runtime/bytecode/program.h"
#include "runtime/vm/vm.h"

namespace lawful {

struct Entry {
  enum Kind { Router, RouterDecision, Policy, Decision } kind = Router;
  uint32_t index = 0;         // Policy, Decision
  std::string decision_name;  // RouterDecision
};

// The default entry: the router; else the only policy (or the only decision of it); a
// named decision narrows that. Returns "" or why no entry could be chosen.
std::string choose_entry(const Program& prog, const std::string& decision_name, Entry& entry);

void decide_entry(Vm& vm, const Entry& entry, Outcome& out, const DecideOptions& opt = {});

}  // namespace lawful
