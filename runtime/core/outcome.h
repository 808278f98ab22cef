// What a decision comes to: the verdict, its basis, the rules that decided, the
// obligations, and for `review` the facts that would settle it and why. The VM fills
// one of these per contact, reusing its vectors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/fact_set.h"
#include "runtime/core/value.h"

namespace lawful {

// The one table of the verdicts' names, by code: records, explain, diff, disassembly,
// test reports and the API (lawful_verdict_name) all name a verdict from here.
inline constexpr const char* kVerdictNames[3] = {"allow", "deny", "review"};
// A code out of range (a .lawc's byte the verifier did not see) names itself "review".
inline const char* verdict_name(unsigned code) { return code < 3 ? kVerdictNames[code] : kVerdictNames[2]; }
inline const char* verdict_name(VerdictCode v) { return verdict_name(static_cast<unsigned>(v)); }

enum class Reason : uint8_t {
  None,
  NoPolicyForCountry,   // the router has no policy for the country
  CountryUnknown,       // the router cannot tell: the country is absent
  PolicyNotInForce,     // the policy's effective window excludes the date
  NoDecisionApplies,    // no decision's condition holds ("no rule covers this channel")
  DecisionsOverlap,     // two decisions apply: a, b
  DecisionMayApply,     // a decision's condition is unknown: a
  NoRuleApplies,        // a decision applies but none of its rules does
  Conflict,             // winning rules disagree: a, b
  Undetermined,         // rule a might apply and would change the outcome
  ReviewRule,           // rule a says review
  DecisionNotApplicable,  // the decision asked for does not apply
};

struct Outcome {
  VerdictCode verdict = VerdictCode::Review;
  int32_t basis = -1;
  int32_t policy = -1;
  int32_t decision = -1;
  std::vector<uint32_t> rules;        // rule indices in the decision: the winners, or what made it review
  std::vector<uint32_t> obligations;  // members of the Obligation enumeration
  FactSet missing;
  Reason reason = Reason::None;
  int32_t reason_a = -1;
  int32_t reason_b = -1;
  std::string error;  // a run-time error (arithmetic overflow); the decision is void

  void clear() {
    verdict = VerdictCode::Review;
    basis = policy = decision = -1;
    rules.clear();
    obligations.clear();
    missing.clear();
    reason = Reason::None;
    reason_a = reason_b = -1;
    error.clear();
  }
};

// The rule states of one evaluated decision, for explain and coverage.
enum class RuleState : uint8_t { NotApplicable, Applies, Unknown };

}  // namespace lawful
