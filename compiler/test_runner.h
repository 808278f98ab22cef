// Runs the `test` blocks of a compilation: each test's facts go through the binder as a
// case, each expectation is decided and compared. `lawful test` prints the results; the
// embedding API's reload runs them before it lets new policies serve.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/core/dates.h"
#include "runtime/core/outcome.h"
#include "runtime/vm/native.h"

namespace lawful {

struct TestRunOptions {
  std::optional<Days> as_of;  // for tests that pin no date of their own
  bool coverage = false;      // fill TestReport::decisive and set_aside
  const NativeFn* native = nullptr;  // compiled code for the program (runtime/jit), or null to interpret
};

struct TestResult {
  std::string title;
  std::string policy;                 // the policy the test belongs to
  std::string path;                   // the file of the test block
  std::string where;                  // "path:line" of the test block
  uint32_t file = 0;                  // the test's FileId
  uint32_t line = 0;
  uint32_t col = 0;
  std::vector<std::string> failures;  // "  expected: ...\n  actual:   ..." per failed expectation
  bool passed() const { return failures.empty(); }
};

// How the tests met an effective window (of a rule, or of a policy): how many tests
// decided on a date before it, within it, on or after its end, or on no known date (no
// `as of`, no --as-of, no send date). The date is the one the decision read: the test's
// `as of`, else --as-of, else the campaign's send date.
struct WindowUse {
  uint32_t before = 0, within = 0, after = 0, unknown = 0;
  // Tests within the window in which the rule decided (rules only).
  uint32_t decisive_within = 0;
};

struct TestReport {
  std::vector<TestResult> tests;
  size_t passed = 0;
  size_t failed = 0;
  // With coverage: per decision, per rule, whether some test made the rule decisive, and
  // whether some test showed it not to apply (window or condition false, or overridden).
  std::vector<std::vector<bool>> decisive;
  std::vector<std::vector<bool>> set_aside;
  // With coverage: per decision, per rule, and per policy, the dates the tests decided
  // on, against the window (all zero for what has no window).
  std::vector<std::vector<WindowUse>> rule_windows;
  std::vector<WindowUse> policy_windows;
  // Tests that pinned a date of their own (`as of`), whatever --as-of says.
  size_t pinned = 0;
};

// Coverage of one policy of the user's files, from a report run with coverage: what
// `lawful test --coverage` prints and its JSON report holds.
struct PolicyCoverage {
  uint32_t policy = 0;
  std::string name;
  size_t total = 0, decisive = 0, shown = 0;  // rules counted, made decisive, shown not to apply
  std::vector<std::string> never_decisive, never_set_aside;
  std::vector<std::string> out_of_force;  // with as_of: rules not in force then, never decisive
  struct WindowRow {
    std::string name;  // "decision.rule", or the policy's name for its own window
    bool is_policy = false;
    Window window;
    WindowUse use;
  };
  std::vector<WindowRow> windows;  // every rule (and the policy) with an effective window
  double percent_decisive() const;
  double percent_shown() const;
};
// `as_of`: the run's --as-of, if any (rules not in force then are set apart).
std::vector<PolicyCoverage> policy_coverage(const Compilation& c, const TestReport& report, std::optional<Days> as_of);

// The compilation must be ok().
TestReport run_tests(const Compilation& c, const TestRunOptions& options = {});

// An outcome in words, as test failures show it: "deny (rules: unsolicited)".
std::string describe_outcome(const Program& prog, const Outcome& o);

}  // namespace lawful
