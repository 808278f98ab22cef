// `lawful verify`: what a compiled program can and cannot decide, for every contact and
// campaign the schema admits (up to a bound on the length of lists), proved with the Z3
// SMT solver or refuted with a counterexample that `lawful check` decides as found.
// Built only with LAWFUL_Z3 (verify/README.md); without it, available() is false and
// verify_program() reports why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/dates.h"

namespace lawful::verify {

bool available();
// Why there is no solver in this build ("" when there is one).
std::string unavailable_reason();
// "Z3 4.8.12", or "".
std::string solver_version();

// One expectation of a property (docs/reference.md, "Properties").
struct PropertyExpect {
  int32_t decision = -1;  // Program::decisions
  bool obliges = false;   // else a verdict
  bool negated = false;   // `is not`
  uint8_t verdict = 0;    // VerdictCode
  int32_t basis = -1;     // `is allow basis B`
  std::vector<uint32_t> obligations;  // `obliges A, B`
  int8_t for_every = -1;  // `obliges ... for every allow`: only for that verdict
  std::string text;       // "email is not allow", for messages and emitted tests
};

// A `property` block, compiled: under every condition (functions of the program, true),
// every expectation holds.
struct Property {
  std::string title;
  uint32_t policy = 0;
  std::string where;  // file:line:col
  std::optional<Days> as_of;
  std::vector<int32_t> conds;
  std::vector<PropertyExpect> expects;
};

struct Options {
  unsigned max_list = 2;          // lists (consents, products...) have at most this many elements
  std::optional<Days> as_of;      // decide as of this date instead of campaign.send_date
  unsigned timeout_ms = 20000;    // per solver query; past it the result is "not proved"
  // Per solver query too, in Z3's resource units (`rlimit`): a budget that does not depend
  // on the machine's load, so a run gives the same results on a busy machine. 0: none.
  uint64_t rlimit = 0;
  std::vector<std::string> only_policies;  // empty: every policy of the program
  std::vector<Property> properties;        // proved after the built-in checks of their policy
  bool builtin_checks = true;              // missing data, conflicts, dead rules
};

enum class Status : uint8_t { Proved, Failed, NotProved };

// A counterexample: facts as JSON that `lawful check --contacts/--campaign` reads.
struct Witness {
  std::string contact;   // one JSON object
  std::string campaign;  // one JSON object
  std::string verdict;   // the decision the encoding found for these facts
  std::string second_contact;  // missing-data check: the same facts with absent ones filled in
  std::string second_campaign;
  std::string second_verdict;
  bool replayed = false;       // the VM decided the same as the encoding
  // A property's counterexample: the decision, the expectation that fails, the
  // obligations of the outcome, and the facts as a `test` block writes them.
  std::string decision;
  std::string expectation;
  std::vector<std::string> obligations;
  std::string contact_literal, campaign_literal;
};

struct Result {
  std::string check;     // "missing-data", "conflict", "dead-rule", "property"
  std::string policy;
  std::string subject;   // what was checked: "electronic_mail: rules a, b", a property's name
  std::string where;     // file:line:col of what the result is about
  Status status = Status::NotProved;
  std::string message;   // for a failure or a result not proved: why
  std::optional<Witness> witness;
  double seconds = 0;
};

struct Report {
  std::vector<Result> results;
  unsigned max_list = 0;
  std::string bound_text;  // "proved for contacts with up to 3 consents, ...": stated with every result
  std::string error;       // the solver could not be used at all
  double seconds_per_policy_total = 0;
  std::vector<std::pair<std::string, double>> policy_seconds;
};

Report verify_program(const Program& prog, const Options& opt);

// Two rules of a decision of a policy, by name (`lawful lint`'s W100 pairs).
struct RulePair {
  std::string policy, decision, first, second;
};

// The conflict check on these pairs only (`lawful lint`, verify/lint_conflicts.h): one
// Result per pair, in order, check "conflict": Failed when both rules can win together
// (with a witness the VM replays), Proved when they never do, NotProved when the solver
// gave up within the budget or the encoding does not cover the policy (the message says
// which). A pair that names no rule of the program is NotProved.
Report verify_conflicts(const Program& prog, const std::vector<RulePair>& pairs, const Options& opt);

// `lawful verify --equiv OLD NEW`: the two programs decide the same (verdict, basis,
// obligations) for every contact and campaign, policy by policy (matched by name), or
// one counterexample per way the decision moved ("allow -> deny", "basis", ...), each
// a Result with check "equiv" whose witness's `verdict` is the old decision and
// `second_verdict` the new (same facts). Routes are compared as tables.
Report verify_equiv(const Program& old_prog, const Program& new_prog, const Options& opt);

}  // namespace lawful::verify
