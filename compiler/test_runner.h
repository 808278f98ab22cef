// Runs the `test` blocks of a compilation: each test's facts go through the binder as a
// case, each expectation is decided and compared. `lawful test` prints the results; the
// embedding API's reload runs them before it lets new policies serve.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/vm/dates.h"
#include "runtime/vm/native.h"
#include "runtime/vm/outcome.h"

namespace lawful {

struct TestRunOptions {
  std::optional<Days> as_of;  // for tests that pin no date of their own
  bool coverage = false;      // fill TestReport::decisive and set_aside
  const NativeFn* native = nullptr;  // compiled code for the program (runtime/jit), or null to interpret
};

struct TestResult {
  std::string title;
  std::string where;                  // "path:line" of the test block
  uint32_t file = 0;                  // the test's FileId
  uint32_t line = 0;
  uint32_t col = 0;
  std::vector<std::string> failures;  // "  expected: ...\n  actual:   ..." per failed expectation
  bool passed() const { return failures.empty(); }
};

struct TestReport {
  std::vector<TestResult> tests;
  size_t passed = 0;
  size_t failed = 0;
  // With coverage: per decision, per rule, whether some test made the rule decisive, and
  // whether some test showed it not to apply (window or condition false, or overridden).
  std::vector<std::vector<bool>> decisive;
  std::vector<std::vector<bool>> set_aside;
};

// The compilation must be ok().
TestReport run_tests(const Compilation& c, const TestRunOptions& options = {});

// An outcome in words, as test failures show it: "deny (rules: unsolicited)".
std::string describe_outcome(const Program& prog, const Outcome& o);

}  // namespace lawful
