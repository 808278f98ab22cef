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

struct Options {
  unsigned max_list = 2;          // lists (consents, products...) have at most this many elements
  std::optional<Days> as_of;      // decide as of this date instead of campaign.send_date
  unsigned timeout_ms = 20000;    // per solver query; past it the result is "not proved"
  std::vector<std::string> only_policies;  // empty: every policy of the program
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

}  // namespace lawful::verify
