// `lawful verify`: proves what policies can and cannot decide (verify/), or prints a
// counterexample as facts `lawful check` reads. docs/commands/verify.md.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "runtime/facts/records.h"
#include "verify/properties.h"
#include "verify/verify.h"

namespace lawful::cli {

namespace {

struct VerifyOptions {
  std::vector<std::string> paths;
  std::string as_of;
  unsigned max_list = 2;
  unsigned timeout = 20;
  uint64_t rlimit = 0;
  bool json = false;
  bool verbose = false;
  bool emit_test = false;
  bool no_builtin = false;
  std::vector<std::string> policies;
  std::vector<std::string> equiv;  // OLD NEW
};

const char* status_word(verify::Status s) {
  switch (s) {
    case verify::Status::Proved: return "proved";
    case verify::Status::Failed: return "FAILED";
    default: return "NOT PROVED";
  }
}

const char* status_json(verify::Status s) {
  switch (s) {
    case verify::Status::Proved: return "proved";
    case verify::Status::Failed: return "failed";
    default: return "not_proved";
  }
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string result_json(const verify::Result& r, const std::string& test) {
  std::string out = fmt::format(R"({{"check": {}, "policy": {}, "subject": {}, "where": {}, "status": {}, "seconds": {:.3f})",
                                json_string(r.check), json_string(r.policy), json_string(r.subject), json_string(r.where),
                                json_string(status_json(r.status)), r.seconds);
  if (!r.message.empty()) out += fmt::format(R"(, "message": {})", json_string(r.message));
  if (r.witness) {
    const verify::Witness& w = *r.witness;
    out += fmt::format(R"(, "counterexample": {{"contact": {}, "campaign": {}, "verdict": {}, "replayed": {})", w.contact,
                       w.campaign, json_string(w.verdict), w.replayed ? "true" : "false");
    if (!w.second_contact.empty())
      out += fmt::format(R"(, "filled_in": {{"contact": {}, "campaign": {}, "verdict": {}}})", w.second_contact,
                         w.second_campaign, json_string(w.second_verdict));
    if (!w.decision.empty()) {
      std::vector<std::string> obligations;
      for (const std::string& o : w.obligations) obligations.push_back(json_string(o));
      out += fmt::format(R"(, "decision": {}, "expectation": {}, "obligations": [{}])", json_string(w.decision),
                         json_string(w.expectation), fmt::join(obligations, ", "));
    }
    if (r.check == "equiv") out += fmt::format(R"(, "new_verdict": {})", json_string(w.second_verdict));
    if (!test.empty()) out += fmt::format(R"(, "test": {})", json_string(test));
    out += "}";
  }
  return out + "}";
}

void print_result(const VerifyOptions& o, const verify::Result& r, const std::string& test) {
  if (o.json) {
    print_stdout(result_json(r, test) + "\n");
    return;
  }
  if (r.status == verify::Status::Proved && !o.verbose) return;
  print_stdout(fmt::format("{:<10} {} {}: {} ({})\n", status_word(r.status), r.policy, r.check,
                           terminal_safe(r.subject), r.where));
  if (!r.message.empty()) print_stdout(fmt::format("           {}\n", terminal_safe(r.message)));
  if (r.witness) {
    const verify::Witness& w = *r.witness;
    const std::string decided = r.check == "equiv" ? fmt::format("{} (old), {} (new)", w.verdict, w.second_verdict) : w.verdict;
    print_stdout(fmt::format("           contact:  {}\n           campaign: {}\n           decided:  {}\n",
                             terminal_safe(w.contact), terminal_safe(w.campaign), decided));
    if (!w.decision.empty() && !w.obligations.empty())
      print_stdout(fmt::format("           obliges:  {}\n", fmt::join(w.obligations, ", ")));
    if (!w.second_contact.empty())
      print_stdout(fmt::format("           filled in, contact:  {}\n           filled in, campaign: {}\n"
                               "           decided:  {}\n",
                               terminal_safe(w.second_contact), terminal_safe(w.second_campaign), w.second_verdict));
  }
  if (!test.empty()) print_stdout("\n" + terminal_safe(test) + "\n");
}

void print_times(const VerifyOptions& o, const verify::Report& report) {
  if (o.json || !o.verbose) return;
  for (const auto& [name, secs] : report.policy_seconds) print_stdout(fmt::format("time {}: {:.2f}s\n", name, secs));
}

int run_verify(const VerifyOptions& o) {
  if (!verify::available()) {
    print_error(fmt::format("verify is not available: {}", verify::unavailable_reason()));
    return kExitUsage;
  }
  verify::Options vopt;
  vopt.max_list = o.max_list;
  vopt.timeout_ms = o.timeout * 1000;
  vopt.rlimit = o.rlimit;
  vopt.only_policies = o.policies;
  if (!o.as_of.empty()) {
    std::string err;
    vopt.as_of = parse_as_of(o.as_of, &err);
    if (!vopt.as_of) {
      print_error(err);
      return kExitUsage;
    }
  }
  size_t proved = 0, failed = 0, not_proved = 0;
  bool compile_errors = false;
  std::string bound;
  if (!o.equiv.empty()) {
    if (o.equiv.size() != 2 || !o.paths.empty()) {
      print_error("--equiv takes two versions, OLD and NEW, and no other path");
      return kExitUsage;
    }
    Loaded old_version = load(o.equiv[0]), new_version = load(o.equiv[1]);
    if (!old_version.program || !new_version.program) return kExitUsage;
    verify::Report report = verify::verify_equiv(*old_version.program, *new_version.program, vopt);
    if (!report.error.empty()) {
      print_error(report.error);
      return kExitUsage;
    }
    for (const verify::Result& r : report.results) {
      (r.status == verify::Status::Proved ? proved : r.status == verify::Status::Failed ? failed : not_proved) += 1;
      print_result(o, r, {});
    }
    print_times(o, report);
    if (!o.json)
      print_stdout(fmt::format("{} proved, {} failed, {} not proved ({}; {})\n", proved, failed, not_proved,
                               report.bound_text, verify::solver_version()));
    return failed || not_proved ? kExitFailed : kExitOk;
  }
  if (o.paths.empty()) {
    print_error("name the policies to verify (or --equiv OLD NEW)");
    return kExitUsage;
  }
  for (const std::string& path : o.paths) {
    Loaded loaded = load(path);
    if (!loaded.program) {
      compile_errors = true;
      continue;
    }
    std::vector<verify::Property> props;
    if (loaded.compilation) props = verify::compiled_properties(*loaded.compilation);
    vopt.properties = props;
    vopt.builtin_checks = !o.no_builtin;
    verify::Report report = verify::verify_program(*loaded.program, vopt);
    if (!report.error.empty()) {
      print_error(report.error);
      return kExitUsage;
    }
    bound = report.bound_text;
    for (const verify::Result& r : report.results) {
      (r.status == verify::Status::Proved ? proved : r.status == verify::Status::Failed ? failed : not_proved) += 1;
      // --emit-test: a property's counterexample as a `test` block.
      std::string test;
      if (o.emit_test && r.check == "property" && r.witness && r.status == verify::Status::Failed)
        for (const verify::Property& p : props)
          if (p.title == r.subject && p.where == r.where) test = verify::test_block(*loaded.program, p, *r.witness);
      print_result(o, r, test);
    }
    print_times(o, report);
  }
  if (!o.json)
    print_stdout(fmt::format("{} proved, {} failed, {} not proved ({}; {})\n", proved, failed, not_proved,
                             bound.empty() ? "nothing verified" : bound, verify::solver_version()));
  if (compile_errors) return kExitUsage;
  return failed || not_proved ? kExitFailed : kExitOk;
}

}  // namespace

void add_verify(Command& app, int& exit_code) {
  auto o = std::make_shared<VerifyOptions>();
  Command cmd = app.add_subcommand(
      "verify", "Prove, for every contact and campaign, what policies can and cannot decide (Z3), or show a counterexample");
  cmd.add_option("paths", o->paths, ".law files or directories");
  cmd.add_option("--equiv", o->equiv, "OLD NEW: prove that two versions decide the same, or show how decisions move");
  cmd.add_option("--as-of", o->as_of, "Decide as of this date (YYYY-MM-DD) instead of every campaign.send_date");
  cmd.add_option("--max-list", o->max_list, "The bound: lists have at most this many elements (default 2)")
      .check_range(0, 16);
  cmd.add_option("--timeout", o->timeout, "Seconds per solver query before the result is 'not proved' (default 20)")
      .check_range(1, 3600);
  cmd.add_option("--rlimit", o->rlimit,
                 "Z3 resource units per solver query (a budget independent of the machine's load; default: none)")
      .check_range(uint64_t{0}, uint64_t{UINT32_MAX});
  cmd.add_option("--policy", o->policies, "Verify only this policy (by name, e.g. uk.pecr); repeatable");
  cmd.add_flag("--json", o->json, "One JSON object per result on standard output");
  cmd.add_flag("--emit-test", o->emit_test, "Print each property's counterexample as a `test` block that `lawful test` runs");
  cmd.add_flag("--no-builtin", o->no_builtin, "Prove the properties only, not the built-in checks (missing data, conflicts, dead rules)");
  cmd.add_flag("-v,--verbose", o->verbose, "List proved results and the time per policy too");
  cmd.callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace lawful::cli
