// The test runner; see test_runner.h.
#include "compiler/test_runner.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/vm.h"

namespace lawful {

namespace {

std::string expected_text(const Program& prog, const sema::CompiledExpect& e) {
  std::string d = prog.str(prog.decisions[static_cast<size_t>(e.decision)].name);
  switch (e.kind) {
    case ast::Expectation::Verdict: {
      std::string s = fmt::format("{} is {}{}", d, e.negated ? "not " : "", verdict_name(e.verdict));
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
      for (uint32_t r : e.ids)
        s += (s.empty() ? "" : ", ") + prog.str(prog.decisions[static_cast<size_t>(e.decision)].rules[r].name);
      return fmt::format("{} rules {}", d, s);
    }
  }
  return {};
}

bool holds(const Program& prog, const sema::CompiledExpect& e, const Outcome& o) {
  switch (e.kind) {
    case ast::Expectation::Verdict: {
      const bool is = static_cast<uint8_t>(o.verdict) == e.verdict && (!e.has_basis || o.basis == e.basis);
      return is != e.negated;
    }
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

}  // namespace

std::string describe_outcome(const Program& prog, const Outcome& o) {
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

TestReport run_tests(const Compilation& c, const TestRunOptions& options) {
  TestReport report;
  const Program& prog = *c.program;
  Vm vm(prog);
  vm.use_native(options.native);
  vm.record_coverage(options.coverage);
  Binder binder(prog);
  Outcome out;
  if (options.coverage) {
    report.rule_windows.resize(prog.decisions.size());
    for (size_t d = 0; d < prog.decisions.size(); ++d) report.rule_windows[d].resize(prog.decisions[d].rules.size());
    report.policy_windows.resize(prog.policies.size());
  }
  // A window met on `date` (a day number, or kUnknown) by one more test.
  auto meet = [](WindowUse& u, const Window& w, Value date) -> bool {
    if (date == kUnknown) ++u.unknown;
    else if (date < w.from) ++u.before;
    else if (date >= w.until) ++u.after;
    else return ++u.within, true;
    return false;
  };
  for (const sema::CompiledTest& t : c.tests) {
    TestResult r;
    r.title = t.title;
    LineCol lc = c.sources.line_col(t.span.file, t.span.begin);
    r.file = t.span.file;
    r.line = lc.line;
    r.col = lc.col;
    r.path = c.sources.path(t.span.file);
    r.where = fmt::format("{}:{}", r.path, lc.line);
    if (t.policy < prog.policies.size()) r.policy = prog.str(prog.policies[t.policy].name);
    std::string json = fmt::format("{{\"contact\": {}, \"campaign\": {}}}", t.contact_json, t.campaign_json);
    BindResult br = binder.bind_case(vm.facts(), json.data(), json.size(), json.size());
    if (!br.ok) {
      r.failures.push_back(fmt::format("  the test's facts cannot be read: {}", br.error));
      r.failure_spans.push_back(t.span);
    } else {
      DecideOptions opt;
      if (t.as_of) opt.as_of = *t.as_of;
      else if (options.as_of) opt.as_of = options.as_of;
      if (t.as_of) ++report.pinned;
      std::vector<uint32_t> seen;  // the decisions this test decided, once each
      for (const sema::CompiledExpect& e : t.expects) {
        vm.decide_decision(static_cast<uint32_t>(e.decision), out, opt);
        const uint32_t d = static_cast<uint32_t>(e.decision);
        if (options.coverage && out.error.empty() && std::find(seen.begin(), seen.end(), d) == seen.end()) {
          seen.push_back(d);
          const DecisionInfo& di = prog.decisions[d];
          const Value date = vm.as_of_value(opt);
          if (!prog.policies[di.policy].window.always()) meet(report.policy_windows[di.policy], prog.policies[di.policy].window, date);
          for (uint32_t ri = 0; ri < di.rules.size(); ++ri) {
            if (di.rules[ri].window.always()) continue;
            WindowUse& u = report.rule_windows[d][ri];
            if (meet(u, di.rules[ri].window, date) && (out.verdict != VerdictCode::Review || out.reason == Reason::ReviewRule) &&
                std::find(out.rules.begin(), out.rules.end(), ri) != out.rules.end())
              ++u.decisive_within;
          }
        }
        if (!out.error.empty()) {
          r.failures.push_back(fmt::format("  expected: {}\n  error:    {}", expected_text(prog, e), out.error));
          r.failure_spans.push_back(e.span);
        } else if (!holds(prog, e, out)) {
          std::string failure = fmt::format("  expected: {}\n  actual:   {} is {}", expected_text(prog, e),
                                            prog.str(prog.decisions[static_cast<size_t>(e.decision)].name),
                                            describe_outcome(prog, out));
          // A citation not there: the ones that are (issue 24), as records list them.
          if (e.kind == ast::Expectation::Cites) {
            std::string cites;
            for_each_cite(prog, out, [&](const std::string& cite) { cites += fmt::format("{}\"{}\"", cites.empty() ? "" : ", ", cite); });
            failure += "\n  cites:    " + (cites.empty() ? std::string("none") : cites);
          }
          r.failures.push_back(std::move(failure));
          r.failure_spans.push_back(e.span);
        }
      }
    }
    ++(r.passed() ? report.passed : report.failed);
    report.tests.push_back(std::move(r));
  }
  if (options.coverage) {
    report.decisive = vm.decisive();
    report.set_aside = vm.set_aside();
  }
  return report;
}

double PolicyCoverage::percent_decisive() const {
  return total ? 100.0 * static_cast<double>(decisive) / static_cast<double>(total) : 100.0;
}

double PolicyCoverage::percent_shown() const {
  return total ? 100.0 * static_cast<double>(shown) / static_cast<double>(total) : 100.0;
}

std::vector<PolicyCoverage> policy_coverage(const Compilation& c, const TestReport& report, std::optional<Days> as_of) {
  const Program& prog = *c.program;
  std::vector<PolicyCoverage> all;
  // With --as-of, a rule not in force on that date cannot decide: it is reported apart,
  // not counted against coverage.
  auto in_force = [&](const Window& w) { return !as_of || (w.from <= *as_of && *as_of < w.until); };
  for (uint32_t p = 0; p < prog.policies.size(); ++p) {
    const PolicyInfo& pi = prog.policies[p];
    if (!c.is_user_file(pi.pos.file)) continue;
    PolicyCoverage pc;
    pc.policy = p;
    pc.name = prog.str(pi.name);
    if (!pi.window.always())
      pc.windows.push_back({pc.name, true, pi.window, p < report.policy_windows.size() ? report.policy_windows[p] : WindowUse{}});
    for (uint32_t d : pi.decisions) {
      const DecisionInfo& di = prog.decisions[d];
      for (size_t r = 0; r < di.rules.size(); ++r) {
        std::string name = fmt::format("{}.{}", prog.str(di.name), prog.str(di.rules[r].name));
        if (!di.rules[r].window.always())
          pc.windows.push_back({name, false, di.rules[r].window,
                                d < report.rule_windows.size() ? report.rule_windows[d][r] : WindowUse{}});
        if ((!in_force(pi.window) || !in_force(di.rules[r].window)) && !report.decisive[d][r]) {
          pc.out_of_force.push_back(name);
          continue;
        }
        ++pc.total;
        if (report.decisive[d][r]) ++pc.decisive;
        else pc.never_decisive.push_back(name);
        if (report.set_aside[d][r]) ++pc.shown;
        else pc.never_set_aside.push_back(name);
      }
    }
    all.push_back(std::move(pc));
  }
  return all;
}

}  // namespace lawful
