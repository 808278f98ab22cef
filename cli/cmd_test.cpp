// `lawful test`: runs the `test` blocks of policies, reports failures with the expected
// and the actual decision, and (with --coverage) the rules no test made decisive.
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/vm.h"

namespace lawful::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string as_of;
  bool coverage = false;
  double min_coverage = -1;
  bool verbose = false;
};

std::string describe(const Program& prog, const Outcome& o) {
  std::string s = verdict_name(o.verdict);
  if (o.verdict == VerdictCode::Allow && o.basis >= 0) s += " basis " + prog.basis_name(o.basis);
  if (o.decision >= 0 && !o.rules.empty()) {
    std::string rules;
    for (uint32_t r : o.rules)
      rules += (rules.empty() ? "" : ", ") + prog.str(prog.decisions[static_cast<size_t>(o.decision)].rules[r].name);
    s += fmt::format(" (rules: {})", rules);
  }
  if (!o.missing.empty()) {
    std::string m;
    o.missing.for_each([&](uint32_t p) { m += (m.empty() ? "" : ", ") + prog.schema.paths[p].name; });
    s += fmt::format(" (missing: {})", m);
  }
  if (o.verdict == VerdictCode::Review) s += fmt::format(" ({})", reason_text(prog, o));
  return s;
}

std::string expected_text(const Program& prog, const sema::CompiledExpect& e) {
  static const char* kVerdicts[] = {"allow", "deny", "review"};
  std::string d = prog.str(prog.decisions[static_cast<size_t>(e.decision)].name);
  switch (e.kind) {
    case ast::Expectation::Verdict: {
      std::string s = fmt::format("{} is {}", d, kVerdicts[e.verdict]);
      if (e.has_basis && e.basis >= 0) s += " basis " + prog.basis_name(e.basis);
      return s;
    }
    case ast::Expectation::Cites: return fmt::format("{} cites \"{}\"", d, e.text);
    case ast::Expectation::Missing: {
      std::string s;
      for (uint32_t p : e.ids) s += (s.empty() ? "" : ", ") + prog.schema.paths[p].name;
      return fmt::format("{} missing {}", d, s);
    }
    case ast::Expectation::Obliges: {
      std::string s;
      for (uint32_t o : e.ids) s += (s.empty() ? "" : ", ") + prog.obligation_name(o);
      return fmt::format("{} obliges {}", d, s);
    }
    case ast::Expectation::Rules: {
      std::string s;
      for (uint32_t r : e.ids) s += (s.empty() ? "" : ", ") + prog.str(prog.decisions[static_cast<size_t>(e.decision)].rules[r].name);
      return fmt::format("{} rules {}", d, s);
    }
  }
  return {};
}

bool holds(const Program& prog, const sema::CompiledExpect& e, const Outcome& o) {
  switch (e.kind) {
    case ast::Expectation::Verdict:
      if (static_cast<uint8_t>(o.verdict) != e.verdict) return false;
      return !e.has_basis || o.basis == e.basis;
    case ast::Expectation::Cites: {
      bool found = false;
      for_each_cite(prog, o, [&](const std::string& c) { found = found || c == e.text; });
      return found;
    }
    case ast::Expectation::Missing:
      return std::all_of(e.ids.begin(), e.ids.end(), [&](uint32_t p) { return o.missing.has(p); });
    case ast::Expectation::Obliges:
      return std::all_of(e.ids.begin(), e.ids.end(), [&](uint32_t x) {
        return std::find(o.obligations.begin(), o.obligations.end(), x) != o.obligations.end();
      });
    case ast::Expectation::Rules: {
      // Exactly these rules, in any order: `expect d rules a, b` reads "the rules are a and b".
      std::vector<uint32_t> want = e.ids, got = o.rules;
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
      return want == got;
    }
  }
  return false;
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
    Vm vm(prog);
    vm.record_coverage(true);
    Binder binder(prog);
    Outcome out;
    for (const sema::CompiledTest& t : c.tests) {
      std::string json = fmt::format("{{\"contact\": {}, \"campaign\": {}}}", t.contact_json, t.campaign_json);
      BindResult br = binder.bind_case(vm.facts(), json.data(), json.size(), json.size());
      LineCol lc = c.sources.line_col(t.span.file, t.span.begin);
      std::string where = fmt::format("{}:{}", c.sources.path(t.span.file), lc.line);
      if (!br.ok) {
        ++failed;
        fmt::print("FAIL {}: {}\n  the test's facts cannot be read: {}\n", where, t.title, br.error);
        continue;
      }
      DecideOptions opt;
      if (t.as_of) opt.as_of = *t.as_of;
      else if (as_of) opt.as_of = as_of;
      std::vector<std::string> failures;
      for (const sema::CompiledExpect& e : t.expects) {
        vm.decide_decision(static_cast<uint32_t>(e.decision), out, opt);
        if (!out.error.empty()) {
          failures.push_back(fmt::format("  expected: {}\n  error:    {}", expected_text(prog, e), out.error));
        } else if (!holds(prog, e, out)) {
          failures.push_back(fmt::format("  expected: {}\n  actual:   {} is {}", expected_text(prog, e),
                                         prog.str(prog.decisions[static_cast<size_t>(e.decision)].name), describe(prog, out)));
        }
      }
      if (failures.empty()) {
        ++passed;
        if (o.verbose) fmt::print("ok   {}: {}\n", where, t.title);
      } else {
        ++failed;
        fmt::print("FAIL {}: {}\n", where, t.title);
        for (const std::string& f : failures) fmt::print("{}\n", f);
      }
    }
    if (o.coverage) {
      for (size_t p = 0; p < prog.policies.size(); ++p) {
        const PolicyInfo& pi = prog.policies[p];
        if (!c.is_user_file(pi.pos.file)) continue;
        size_t total = 0, covered = 0;
        std::vector<std::string> missing, out_of_force;
        // With --as-of, a rule not in force on that date cannot be decisive: it is
        // reported apart, not counted against coverage.
        auto in_force = [&](const Window& w) { return !as_of || (w.from <= *as_of && *as_of < w.until); };
        for (uint32_t d : pi.decisions) {
          const DecisionInfo& di = prog.decisions[d];
          for (size_t r = 0; r < di.rules.size(); ++r) {
            std::string name = fmt::format("{}.{}", prog.str(di.name), prog.str(di.rules[r].name));
            if (!in_force(pi.window) || !in_force(di.rules[r].window)) {
              if (!vm.decisive()[d][r]) {
                out_of_force.push_back(name);
                continue;
              }
            }
            ++total;
            if (vm.decisive()[d][r]) ++covered;
            else missing.push_back(name);
          }
        }
        double pct = total ? 100.0 * static_cast<double>(covered) / static_cast<double>(total) : 100.0;
        fmt::print("coverage {}: {}/{} rules decisive ({:.0f}%)", prog.str(pi.name), covered, total, pct);
        if (!out_of_force.empty())
          fmt::print(", {} not in force on {}", out_of_force.size(), format_date(*as_of));
        fmt::print("\n");
        for (const std::string& m : missing) fmt::print("  never decisive: {}\n", m);
        for (const std::string& m : out_of_force) fmt::print("  not in force on {}: {}\n", format_date(*as_of), m);
        if (o.min_coverage >= 0 && pct + 1e-9 < o.min_coverage) {
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

void add_test(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "Run the test blocks of policies");
  cmd->add_option("paths", o->paths, ".law files or directories")->required();
  cmd->add_option("--as-of", o->as_of, "Run tests that pin no date as of this date (YYYY-MM-DD)");
  cmd->add_flag("--coverage", o->coverage, "Report, per policy, the rules no test made decisive");
  cmd->add_option("--min-coverage", o->min_coverage, "With --coverage: fail when a policy has fewer decisive rules (percent)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag("-v,--verbose", o->verbose, "List passing tests too");
  cmd->callback([o, &exit_code] { exit_code = run_test(*o); });
}

}  // namespace lawful::cli
