// The results of `lawful test` for a CI system: JUnit XML (the format Jenkins, GitLab,
// GitHub Actions' test reporters and Azure Pipelines read) and a JSON report with the
// same tests plus coverage. The caller writes the text (through runtime/io/output_file).
// docs/commands/test.md says what each holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/test_runner.h"

namespace lawful {

// One path given to `lawful test`: its tests, or why it did not compile.
struct TestRun {
  std::string path;
  bool compiled = false;
  std::string compile_errors;       // the diagnostics, rendered without colour, when it did not
  std::string compile_error_where;  // "file:line" of the first error, if it has a position
  TestReport report;
  std::vector<PolicyCoverage> coverage;  // with --coverage
  double min_coverage = -1;              // --min-coverage, or -1
};

struct TestRunSummary {
  std::vector<TestRun> runs;
  bool coverage = false;
  std::optional<Days> as_of;
};

std::string junit_xml(const TestRunSummary& s);
std::string report_json(const TestRunSummary& s);

}  // namespace lawful
