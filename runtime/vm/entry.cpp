// Entry points; see entry.h.
#include "runtime/vm/entry.h"

#include <fmt/format.h>

namespace lawful {

std::string choose_entry(const Program& prog, const std::string& decision_name, Entry& entry) {
  if (prog.has_router) {
    if (decision_name.empty()) {
      entry.kind = Entry::Router;
    } else {
      bool any = false;
      for (const DecisionInfo& d : prog.decisions) any = any || prog.str(d.name) == decision_name;
      if (!any) return fmt::format("no policy has a decision named '{}'", decision_name);
      entry.kind = Entry::RouterDecision;
      entry.decision_name = decision_name;
    }
    return {};
  }
  int32_t policy = prog.entry_policy;
  if (policy < 0 && prog.policies.size() == 1) policy = 0;
  if (policy < 0) {
    if (!decision_name.empty()) {
      int found = -1, count = 0;
      for (size_t d = 0; d < prog.decisions.size(); ++d)
        if (prog.str(prog.decisions[d].name) == decision_name) {
          found = static_cast<int>(d);
          ++count;
        }
      if (count == 1) {
        entry.kind = Entry::Decision;
        entry.index = static_cast<uint32_t>(found);
        return {};
      }
    }
    return prog.policies.empty() ? "there is no policy to evaluate"
                                 : "there are several policies and no routing file: give one policy file, or a "
                                   "directory with a routing file";
  }
  const PolicyInfo& p = prog.policies[static_cast<size_t>(policy)];
  if (!decision_name.empty()) {
    int d = prog.find_decision(static_cast<uint32_t>(policy), decision_name);
    if (d < 0) {
      std::vector<std::string> names;
      for (uint32_t x : p.decisions) names.push_back(prog.str(prog.decisions[x].name));
      return fmt::format("policy '{}' has no decision named '{}' (it has: {})", prog.str(p.name), decision_name,
                         fmt::join(names, ", "));
    }
    entry.kind = Entry::Decision;
    entry.index = static_cast<uint32_t>(d);
  } else if (p.decisions.size() == 1) {
    entry.kind = Entry::Decision;
    entry.index = p.decisions[0];
  } else {
    entry.kind = Entry::Policy;
    entry.index = static_cast<uint32_t>(policy);
  }
  return {};
}

namespace {
// Out of decide_entry's line, so that the common entries take no registers to save there.
[[gnu::noinline]] void decide_router_decision(Vm& vm, const Entry& entry, Outcome& out, const DecideOptions& opt) {
  out.clear();
  int32_t p = vm.route(out);
  if (p < 0) return;
  int d = vm.program().find_decision(static_cast<uint32_t>(p), entry.decision_name);
  if (d < 0) {
    out.verdict = VerdictCode::Review;
    out.policy = p;
    out.reason = Reason::NoDecisionApplies;
    return;
  }
  vm.decide_decision(static_cast<uint32_t>(d), out, opt);
}
}  // namespace

void decide_entry(Vm& vm, const Entry& entry, Outcome& out, const DecideOptions& opt) {
  switch (entry.kind) {
    case Entry::Router:
      vm.decide_routed(out, opt);
      return;
    case Entry::RouterDecision:
      decide_router_decision(vm, entry, out, opt);
      return;
    case Entry::Policy:
      vm.decide_policy(entry.index, out, opt);
      return;
    case Entry::Decision:
      vm.decide_decision(entry.index, out, opt);
      return;
  }
}

}  // namespace lawful
