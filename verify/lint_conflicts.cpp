// lawful lint's W100 checked by the solver (lint_conflicts.h).
#include "verify/lint_conflicts.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "verify/verify.h"

namespace lawful::verify {

LintSolverCounts refine_conflicts(Compilation& c, uint64_t rlimit) {
  LintSolverCounts counts;
  if (!c.program || c.conflicts.empty() || !available()) return counts;
  // The rules of each policy: a policy too large for lint is not encoded.
  std::map<std::string, size_t> rules_of;
  const Program& prog = *c.program;
  for (const PolicyInfo& p : prog.policies) {
    size_t n = 0;
    for (uint32_t d : p.decisions) n += prog.decisions[d].rules.size();
    rules_of[prog.str(p.name)] = n;
  }
  std::vector<RulePair> pairs;
  std::vector<size_t> asked;  // c.conflicts' index of each pair asked
  for (size_t k = 0; k < c.conflicts.size(); ++k) {
    const sema::ConflictPair& cp = c.conflicts[k];
    if (rules_of[cp.policy] > kLintMaxRules) continue;
    pairs.push_back({cp.policy, cp.decision, cp.allow_rule, cp.deny_rule});
    asked.push_back(k);
  }
  Options opt;
  opt.builtin_checks = false;
  opt.rlimit = rlimit;
  opt.timeout_ms = kLintConflictTimeoutMs;
  Report report;
  if (!pairs.empty()) report = verify_conflicts(prog, pairs, opt);
  if (!report.error.empty() || report.results.size() != pairs.size()) return counts;
  counts.asked = true;

  // A diagnostic stands for its pair in every policy that decides it (an inherited
  // decision): confirmed when the solver confirms it in one, refuted when it refutes it
  // in all, undecided otherwise.
  struct Verdict {
    const Result* confirmed = nullptr;
    const Result* undecided = nullptr;
    bool too_large = false;
  };
  using Key = std::tuple<FileId, uint32_t, std::string>;
  std::map<Key, Verdict> by_diag;
  for (const sema::ConflictPair& cp : c.conflicts)
    if (rules_of[cp.policy] > kLintMaxRules) by_diag[Key{cp.span.file, cp.span.begin, cp.message}].too_large = true;
  for (size_t k = 0; k < pairs.size(); ++k) {
    const sema::ConflictPair& cp = c.conflicts[asked[k]];
    const Result& r = report.results[k];
    Verdict& v = by_diag[Key{cp.span.file, cp.span.begin, cp.message}];
    if (r.status == Status::Failed && r.witness && !v.confirmed) v.confirmed = &r;
    if (r.status == Status::NotProved && !v.undecided) v.undecided = &r;
  }
  c.diags.revise([&](Diagnostic& d) {
    if (d.code != DiagCode::Conflict) return true;
    auto it = by_diag.find(Key{d.span.file, d.span.begin, d.message});
    if (it == by_diag.end()) return true;  // the count of pairs not shown
    const Verdict& v = it->second;
    if (v.confirmed) {
      ++counts.confirmed;
      const Witness& w = *v.confirmed->witness;
      d.notes.push_back({Span{}, fmt::format("the solver confirms it: both apply, and the decision is '{}' (conflict), "
                                             "for\n  contact:  {}\n  campaign: {}",
                                             w.verdict, w.contact, w.campaign)});
      return true;
    }
    if (v.too_large) {
      ++counts.undecided;
      d.notes.push_back({Span{}, fmt::format("not asked of the solver: lint encodes policies of up to {} rules; "
                                             "`lawful verify` is the exact check",
                                             kLintMaxRules)});
      return true;
    }
    if (v.undecided) {
      ++counts.undecided;
      d.notes.push_back({Span{}, fmt::format("the solver gave up on this pair within lint's budget ({}); "
                                             "`lawful verify` is the exact check",
                                             v.undecided->message)});
      return true;
    }
    ++counts.refuted;
    return false;
  });
  return counts;
}

}  // namespace lawful::verify
