// JUnit XML and the JSON report of `lawful test`; see test_report.h.
#include "compiler/test_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/facts/records.h"

namespace lawful {

namespace {

// Text for XML 1.0: the five special characters as entities, and the control characters
// XML cannot carry (all below 0x20 but tab, newline and carriage return) as U+FFFD. In
// an attribute, newlines and tabs become character references so that they survive
// attribute normalisation.
std::string xml(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += "\xEF\xBF\xBD";
        else out += ch;
    }
  }
  return out;
}

std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// "expected: email is deny" from "  expected: email is deny\n  actual: ...": the first
// line, trimmed, as a failure's one-line message.
std::string first_line(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  size_t e = s.find('\n', b);
  return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string date_or_null(int32_t d, int32_t absent) { return d == absent ? "null" : json(format_date(d)); }

// The tests of one run grouped by policy, in the order the policies first appear.
std::vector<std::pair<std::string, std::vector<const TestResult*>>> by_policy(const TestRun& r) {
  std::vector<std::pair<std::string, std::vector<const TestResult*>>> groups;
  for (const TestResult& t : r.report.tests) {
    const std::string name = t.policy.empty() ? r.path : t.policy;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == name; });
    if (it == groups.end()) it = groups.insert(groups.end(), {name, {}});
    it->second.push_back(&t);
  }
  return groups;
}

bool below_min(const TestRun& r, const PolicyCoverage& pc) {
  return r.min_coverage >= 0 && std::min(pc.percent_decisive(), pc.percent_shown()) + 1e-9 < r.min_coverage;
}

}  // namespace

std::string junit_xml(const TestRunSummary& s) {
  size_t tests = 0, failures = 0, errors = 0;
  std::string suites;
  for (const TestRun& r : s.runs) {
    if (!r.compiled) {
      ++tests;
      ++errors;
      suites += fmt::format("  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n",
                            xml(r.path, true));
      std::string file, line;
      if (size_t colon = r.compile_error_where.rfind(':'); colon != std::string::npos) {
        file = r.compile_error_where.substr(0, colon);
        line = r.compile_error_where.substr(colon + 1);
      }
      suites += fmt::format("    <testcase name=\"the policies compile\" classname=\"{}\"", xml(r.path, true));
      if (!file.empty()) suites += fmt::format(" file=\"{}\" line=\"{}\"", xml(file, true), xml(line, true));
      suites += fmt::format(">\n      <error message=\"{} does not compile\" type=\"compile\">{}</error>\n    </testcase>\n",
                            xml(r.path, true), xml(r.compile_errors, false));
      suites += "  </testsuite>\n";
      continue;
    }
    for (const auto& [policy, list] : by_policy(r)) {
      size_t f = 0;
      for (const TestResult* t : list) f += t->passed() ? 0 : 1;
      const PolicyCoverage* pc = nullptr;
      for (const PolicyCoverage& c : r.coverage)
        if (c.name == policy) pc = &c;
      const bool cov_case = pc && r.min_coverage >= 0;
      const bool cov_fails = cov_case && below_min(r, *pc);
      const size_t n = list.size() + (cov_case ? 1 : 0);
      f += cov_fails ? 1 : 0;
      tests += n;
      failures += f;
      suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\"", xml(policy, true),
                            n, f);
      if (!list.empty()) suites += fmt::format(" file=\"{}\"", xml(list.front()->path, true));
      suites += ">\n";
      if (pc) {
        suites += "    <properties>\n";
        suites += fmt::format("      <property name=\"coverage.decisive\" value=\"{}/{}\"/>\n", pc->decisive, pc->total);
        suites += fmt::format("      <property name=\"coverage.shown_not_to_apply\" value=\"{}/{}\"/>\n", pc->shown, pc->total);
        suites += "    </properties>\n";
      }
      for (const TestResult* t : list) {
        suites += fmt::format("    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"", xml(t->title, true),
                              xml(policy, true), xml(t->path, true), t->line);
        if (t->passed()) {
          suites += "/>\n";
          continue;
        }
        std::string body = fmt::format("{}: {}\n", t->where, t->title);
        for (const std::string& x : t->failures) body += x + "\n";
        suites += fmt::format(">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>\n",
                              xml(fmt::format("{}: {}", t->where, first_line(t->failures.front())), true), xml(body, false));
      }
      if (cov_case) {
        suites += fmt::format("    <testcase name=\"coverage of {}\" classname=\"{}\"", xml(policy, true), xml(policy, true));
        if (!cov_fails) {
          suites += "/>\n";
        } else {
          std::string body;
          for (const std::string& m : pc->never_decisive) body += "never decisive: " + m + "\n";
          for (const std::string& m : pc->never_set_aside) body += "never shown not to apply: " + m + "\n";
          suites += fmt::format(
              ">\n      <failure message=\"{}/{} rules decisive, {}/{} shown not to apply: below the required {:.0f}%\" "
              "type=\"coverage\">{}</failure>\n    </testcase>\n",
              pc->decisive, pc->total, pc->shown, pc->total, r.min_coverage, xml(body, false));
        }
      }
      suites += "  </testsuite>\n";
    }
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"lawful test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{}</testsuites>\n",
                     tests, failures, errors, suites);
}

std::string report_json(const TestRunSummary& s) {
  size_t passed = 0, failed = 0, errors = 0;
  std::string tests, compile, coverage;
  auto list = [](const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json(v[i]);
    return out + "]";
  };
  for (const TestRun& r : s.runs) {
    if (!r.compiled) {
      ++errors;
      compile += fmt::format("{}{{\"path\": {}, \"where\": {}, \"diagnostics\": {}}}", compile.empty() ? "" : ",\n    ",
                             json(r.path), r.compile_error_where.empty() ? "null" : json(r.compile_error_where),
                             json(r.compile_errors));
      continue;
    }
    passed += r.report.passed;
    failed += r.report.failed;
    for (const TestResult& t : r.report.tests)
      tests += fmt::format("{}{{\"policy\": {}, \"title\": {}, \"file\": {}, \"line\": {}, \"col\": {}, \"passed\": {}, "
                           "\"failures\": {}}}",
                           tests.empty() ? "" : ",\n    ", json(t.policy), json(t.title), json(t.path), t.line, t.col,
                           t.passed() ? "true" : "false", list(t.failures));
    for (const PolicyCoverage& pc : r.coverage) {
      std::string windows;
      for (const PolicyCoverage::WindowRow& w : pc.windows)
        windows += fmt::format("{}{{\"{}\": {}, \"from\": {}, \"until\": {}, \"before\": {}, \"within\": {}, "
                               "\"decisive_within\": {}, \"after\": {}, \"unknown_date\": {}}}",
                               windows.empty() ? "" : ", ", w.is_policy ? "policy" : "rule", json(w.name),
                               date_or_null(w.window.from, kAlwaysFrom), date_or_null(w.window.until, kAlwaysUntil),
                               w.use.before, w.use.within, w.use.decisive_within, w.use.after, w.use.unknown);
      coverage += fmt::format(
          "{}{{\"policy\": {}, \"rules\": {}, \"decisive\": {}, \"shown_not_to_apply\": {}, \"never_decisive\": {}, "
          "\"never_shown_not_to_apply\": {}, \"not_in_force\": {}, \"windows\": [{}], \"below_minimum\": {}}}",
          coverage.empty() ? "" : ",\n    ", json(pc.name), pc.total, pc.decisive, pc.shown, list(pc.never_decisive),
          list(pc.never_set_aside), list(pc.out_of_force), windows, below_min(r, pc) ? "true" : "false");
    }
  }
  size_t pinned = 0;
  for (const TestRun& r : s.runs) pinned += r.report.pinned;
  return fmt::format("{{\"format\": \"lawful-test-report\", \"version\": 1,\n \"passed\": {}, \"failed\": {}, "
                     "\"compile_errors\": {}, \"as_of\": {}, \"pinned_tests\": {},\n \"tests\": [\n    {}],\n"
                     " \"compile_failures\": [\n    {}],\n \"coverage\": {}}}\n",
                     passed, failed, errors, s.as_of ? json(format_date(*s.as_of)) : "null", pinned, tests, compile,
                     s.coverage ? "[\n    " + coverage + "]" : "null");
}

}  // namespace lawful
