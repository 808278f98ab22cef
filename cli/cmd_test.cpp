// `lawful test`: runs the `test` blocks of policies, reports failures with the expected
// and the actual decision, and (with --coverage) the rules no test made decisive and the
// rules no test showed not to apply (condition or window false, or overridden).
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "compiler/test_runner.h"

namespace lawful::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string as_of;
  bool coverage = false;
  double min_coverage = -1;
  bool verbose = false;
  std::string engine = "vm";
};

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
    if (!loaded.program) {
      compile_errors = true;
      continue;
    }
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
    TestReport report = run_tests(c, topt);
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
      for (size_t p = 0; p < prog.policies.size(); ++p) {
        const PolicyInfo& pi = prog.policies[p];
        if (!c.is_user_file(pi.pos.file)) continue;
        size_t total = 0, covered = 0, shown = 0;
        std::vector<std::string> never_decisive, never_set_aside, out_of_force;
        // With --as-of, a rule not in force on that date cannot decide: it is reported
        // apart, not counted against coverage.
        auto in_force = [&](const Window& w) { return !as_of || (w.from <= *as_of && *as_of < w.until); };
        for (uint32_t d : pi.decisions) {
          const DecisionInfo& di = prog.decisions[d];
          for (size_t r = 0; r < di.rules.size(); ++r) {
            std::string name = fmt::format("{}.{}", prog.str(di.name), prog.str(di.rules[r].name));
            if ((!in_force(pi.window) || !in_force(di.rules[r].window)) && !report.decisive[d][r]) {
              out_of_force.push_back(name);
              continue;
            }
            ++total;
            if (report.decisive[d][r]) ++covered;
            else never_decisive.push_back(name);
            if (report.set_aside[d][r]) ++shown;
            else never_set_aside.push_back(name);
          }
        }
        auto percent = [&](size_t k) { return total ? 100.0 * static_cast<double>(k) / static_cast<double>(total) : 100.0; };
        double pct = percent(covered), pct_shown = percent(shown);
        fmt::print("coverage {}: {}/{} rules decisive ({:.0f}%), {}/{} shown not to apply ({:.0f}%)", prog.str(pi.name),
                   covered, total, pct, shown, total, pct_shown);
        if (!out_of_force.empty()) fmt::print(", {} not in force on {}", out_of_force.size(), format_date(*as_of));
        fmt::print("\n");
        for (const std::string& m : never_decisive) fmt::print("  never decisive: {}\n", m);
        for (const std::string& m : never_set_aside) fmt::print("  never shown not to apply: {}\n", m);
        for (const std::string& m : out_of_force) fmt::print("  not in force on {}: {}\n", format_date(*as_of), m);
        if (o.min_coverage >= 0 && std::min(pct, pct_shown) + 1e-9 < o.min_coverage) {
          fmt::print("coverage {}: below the required {:.0f}%\n", prog.str(pi.name), o.min_coverage);
          incomplete_coverage = true;
        }
      }
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
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
  cmd.callback([o, &exit_code] { exit_code = run_test(*o); });
}

}  // namespace lawful::cli
