// The counts of a `lawful diff` run: both versions' decisions of every input line,
// counted per movement (allow basis consent -> deny, ...) with the rules behind each
// side and a few contact ids, per jurisdiction (a matrix of before and after), and per
// rule. The command's text, its --json and its --report are all written from these.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "compiler/policy_changes.h"
#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"

namespace lawful::report {

// Decisions by what made them: a rule ("policy\x1fdecision\x1frule") or, for a decision
// no rule made, its reason in brackets.
struct CauseCounts {
  std::map<std::string, size_t> counts;
  // Largest first (ties in key order).
  std::vector<std::pair<std::string, size_t>> sorted() const;
};

struct Movement {
  std::string from_verdict, from_basis, to_verdict, to_basis;
  std::string same;  // a decision that kept its verdict and basis: "rules" or "citations" changed
  size_t count = 0;
  CauseCounts now, was;
  std::vector<std::string> contacts;
};

// "policy: decision.rule", or the reason as it is.
std::string cause_text(const std::string& key);
// "deny", "allow basis consent".
std::string verdict_text(const std::string& verdict, const std::string& basis);
// A verdict and basis as a matrix's row or column: "deny", "allow: consent".
std::string state_label(const std::string& verdict, const std::string& basis);

struct DiffCounts {
  size_t examples = 5;  // contact ids kept per movement
  size_t total = 0;     // contacts (lines that are not blank)
  size_t unchanged = 0;
  size_t errors = 0;
  std::vector<std::pair<uint64_t, std::string>> error_lines;  // the first `examples`
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Movement> moves;
  std::map<std::tuple<std::string, std::string, std::string>, Movement> same;  // verdict, basis, what changed
  // By jurisdiction (the new version's policy, "GB (uk.pecr)"; the old one's when the new
  // one has none; "(no policy)"), then (before, after) as state_label()s: decisions,
  // moved or not.
  std::map<std::string, std::map<std::pair<std::string, std::string>, uint64_t>> matrix;
  // By cause key: decisions that moved with the rule behind them before or after.
  std::map<std::string, uint64_t> rule_moved;

  void not_decided(uint64_t line, std::string why);
  // Counts the two versions' decisions of one contact (`id`, or "line N").
  void decided(const Program& before, const Outcome& a, const Program& after, const Outcome& b, const std::string& id);

  // The movements, then the same-verdict groups, largest first; `*sum` gets their total.
  std::vector<const Movement*> movements(size_t* sum) const;
  std::vector<const Movement*> other_reasons(size_t* sum) const;
};

}  // namespace lawful::report
