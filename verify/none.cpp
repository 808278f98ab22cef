// lawful verify without Z3 (LAWFUL_Z3=OFF, or libz3-dev not installed when configured).
#include "verify/verify.h"

namespace lawful::verify {

bool available() { return false; }

std::string unavailable_reason() {
  return "lawful was built without Z3 (LAWFUL_Z3=OFF or libz3-dev missing; scripts/deps.sh installs it, then "
         "configure again)";
}

std::string solver_version() { return ""; }

Report verify_program(const Program&, const Options&) {
  Report r;
  r.error = "the SMT solver is not in this build: " + unavailable_reason();
  return r;
}

Report verify_equiv(const Program&, const Program&, const Options&) {
  Report r;
  r.error = "the SMT solver is not in this build: " + unavailable_reason();
  return r;
}

Report verify_conflicts(const Program&, const std::vector<RulePair>&, const Options&) {
  Report r;
  r.error = "the SMT solver is not in this build: " + unavailable_reason();
  return r;
}

}  // namespace lawful::verify
