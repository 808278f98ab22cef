// `lawful test`: runs the `test` blocks of policies, reports failures with the expected
// and the actual decision, and (with --coverage) the rules no test made decisive and the
// rules no test showed not to apply (condition or window false, or overridden).
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "compiler/test_report.h"
#include "compiler/test_runner.h"
#include "runtime/io/output_file.h"

namespace lawful::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string as_of;
  bool coverage = false;
  double min_coverage = -1;
  bool verbose = false;
  std::string engine = "vm";
  std::string junit;        // --junit FILE
  std::string report_json;  // --report-json FILE
};

// A window and the dates the tests met it on: "window of rule decision.rule (from 2026-02-05):
// before 3 tests, within 12 (decisive in 5)"; a part no test met says "none".
std::string window_text(const PolicyCoverage::WindowRow& w) {
  std::string s = fmt::format("window of {} {} (", w.is_policy ? "policy" : "rule", w.name);
  if (w.window.from != kAlwaysFrom) s += "from " + format_date(w.window.from);
  if (w.window.until != kAlwaysUntil) s += fmt::format("{}until {}", w.window.from != kAlwaysFrom ? " " : "", format_date(w.window.until));
  auto count = [](uint32_t n) { return n ? fmt::format("{} test{}", n, n == 1 ? "" : "s") : std::string("none"); };
  s += "): ";
  if (w.window.from != kAlwaysFrom) s += "before " + count(w.use.before) + ", ";
  s += "within " + count(w.use.within);
  if (!w.is_policy && w.use.within) s += fmt::format(" (decisive in {})", w.use.decisive_within);
  if (w.window.until != kAlwaysUntil) s += ", after " + count(w.use.after);
  if (w.use.unknown) s += fmt::format(", on no known date {}", count(w.use.unknown));
  return s;
}

int run_test(const TestOptions& o) {
  std::optional<Days> as_of;
  if (!o.as_of.empty()) {
    std::string err;
    as_of = parse_as_of(o.as_of, &err);
    if (!as_of) {
      print_error(err);
      return kExitUsage;
    }
  }
  if (!o.junit.empty() && !o.report_json.empty() && io::same_file_replaced(o.junit, o.report_json)) {
    print_error("--junit and --report-json name the same file");
    return kExitUsage;
  }
  TestRunSummary summary;
  summary.coverage = o.coverage;
  summary.as_of = as_of;
  size_t passed = 0, failed = 0;
  bool compile_errors = false;
  bool incomplete_coverage = false;
  for (const std::string& path : o.paths) {
    if (is_lawc(path)) {
      print_error(fmt::format("{}: tests live in the policy source; give the .law file or directory", path));
      compile_errors = true;
      continue;
    }
    Loaded loaded = load(path);
    TestRun& run = summary.runs.emplace_back();
    run.path = path;
    run.min_coverage = o.min_coverage;
    if (!loaded.program) {
      compile_errors = true;
      if (loaded.compilation) {
        const Compilation& bad = *loaded.compilation;
        run.compile_errors = bad.diags.render(bad.sources, false);
        for (const Diagnostic& d : bad.diags.all())
          if (d.severity == Severity::Error && run.compile_error_where.empty() && d.span.file < bad.sources.size())
            run.compile_error_where = fmt::format("{}:{}", bad.sources.path(d.span.file),
                                                  bad.sources.line_col(d.span.file, d.span.begin).line);
      }
      continue;
    }
    run.compiled = true;
    const Program& prog = *loaded.program;
    const Compilation& c = *loaded.compilation;
    Engine engine;
    std::string why = choose_engine(o.engine, prog, 0, "test", engine);
    if (!why.empty()) {
      print_error(why);
      return kExitUsage;
    }
    TestRunOptions topt;
    topt.native = engine.native();
    topt.as_of = as_of;
    topt.coverage = o.coverage;
    run.report = run_tests(c, topt);
    const TestReport& report = run.report;
    for (const TestResult& t : report.tests) {
      if (t.passed()) {
        if (o.verbose) fmt::print("ok   {}: {}\n", t.where, terminal_safe(t.title));
        continue;
      }
      // Titles and failures quote the policy's strings: not to drive the terminal.
      fmt::print("FAIL {}: {}\n", t.where, terminal_safe(t.title));
      for (const std::string& f : t.failures) fmt::print("{}\n", terminal_safe(f));
    }
    passed += report.passed;
    failed += report.failed;
    if (o.coverage) {
      run.coverage = policy_coverage(c, report, as_of);
      for (const PolicyCoverage& pc : run.coverage) {
        double pct = pc.percent_decisive(), pct_shown = pc.percent_shown();
        fmt::print("coverage {}: {}/{} rules decisive ({:.0f}%), {}/{} shown not to apply ({:.0f}%)", pc.name,
                   pc.decisive, pc.total, pct, pc.shown, pc.total, pct_shown);
        if (!pc.out_of_force.empty()) fmt::print(", {} not in force on {}", pc.out_of_force.size(), format_date(*as_of));
        fmt::print("\n");
        for (const std::string& m : pc.never_decisive) fmt::print("  never decisive: {}\n", m);
        for (const std::string& m : pc.never_set_aside) fmt::print("  never shown not to apply: {}\n", m);
        for (const std::string& m : pc.out_of_force) fmt::print("  not in force on {}: {}\n", format_date(*as_of), m);
        for (const PolicyCoverage::WindowRow& w : pc.windows) fmt::print("  {}\n", window_text(w));
        if (o.min_coverage >= 0 && std::min(pct, pct_shown) + 1e-9 < o.min_coverage) {
          fmt::print("coverage {}: below the required {:.0f}%\n", pc.name, o.min_coverage);
          incomplete_coverage = true;
        }
      }
      if (as_of && report.pinned)
        fmt::print("coverage: {} of {} tests pinned a date of their own (`as of`) and were decided on it, not on {}\n",
                   report.pinned, report.tests.size(), format_date(*as_of));
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  // The reports for a CI system, written whatever the outcome (a failed test is what they
  // are for), each through the one safe writer.
  bool written = true;
  auto write = [&](const std::string& file, const std::string& text) {
    std::string err;
    if (file.empty() || io::write_file(file, text, &err)) return;
    print_error(err);
    written = false;
  };
  write(o.junit, junit_xml(summary));
  write(o.report_json, report_json(summary));
  if (!written) return kExitFailed;
  return failed || compile_errors || incomplete_coverage ? kExitFailed : kExitOk;
}

}  // namespace

void add_test(Command& app, int& exit_code) {
  auto o = std::make_shared<TestOptions>();
  Command cmd = app.add_subcommand("test", "Run the test blocks of policies");
  cmd.add_option("paths", o->paths, ".law files or directories").required();
  cmd.add_option("--as-of", o->as_of, "Run tests that pin no date as of this date (YYYY-MM-DD)");
  cmd.add_flag("--coverage", o->coverage,
               "Report, per policy, the rules no test made decisive and those no test showed not to apply");
  cmd.add_option("--min-coverage", o->min_coverage,
                 "With --coverage: fail when a policy has fewer rules decisive, or shown not to apply (percent)")
      .check_range(0.0, 100.0);
  cmd.add_flag("-v,--verbose", o->verbose, "List passing tests too");
  cmd.add_option("--engine", o->engine, kEngineHelp).check_member(kEngineNames);
  cmd.add_option("--junit", o->junit, "Also write the results as JUnit XML to FILE, for a CI system (docs/commands/test.md)");
  cmd.add_option("--report-json", o->report_json,
                 "Also write the results, and with --coverage the coverage, as JSON to FILE (docs/commands/test.md)");
  cmd.callback([o, &exit_code] { exit_code = run_test(*o); });
}

}  // namespace lawful::cli
