// `lawful verify`: proves what policies can and cannot decide (verify/), or prints a
// counterexample as facts `lawful check` reads. docs/commands/verify.md.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/engine.h"
#include "runtime/facts/records.h"
#include "verify/verify.h"

namespace lawful::cli {

namespace {

struct VerifyOptions {
  std::vector<std::string> paths;
  std::string as_of;
  unsigned max_list = 2;
  unsigned timeout = 20;
  bool json = false;
  bool verbose = false;
  std::vector<std::string> policies;
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

std::string result_json(const verify::Result& r) {
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
    out += "}";
  }
  return out + "}";
}

int run_verify(const VerifyOptions& o) {
  if (!verify::available()) {
    print_error(fmt::format("verify is not available: {}", verify::unavailable_reason()));
    return kExitUsage;
  }
  verify::Options vopt;
  vopt.max_list = o.max_list;
  vopt.timeout_ms = o.timeout * 1000;
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
  for (const std::string& path : o.paths) {
    Loaded loaded = load(path);
    if (!loaded.program) {
      compile_errors = true;
      continue;
    }
    verify::Report report = verify::verify_program(*loaded.program, vopt);
    if (!report.error.empty()) {
      print_error(report.error);
      return kExitUsage;
    }
    bound = report.bound_text;
    for (const verify::Result& r : report.results) {
      (r.status == verify::Status::Proved ? proved : r.status == verify::Status::Failed ? failed : not_proved) += 1;
      if (o.json) {
        print_stdout(result_json(r) + "\n");
        continue;
      }
      if (r.status == verify::Status::Proved && !o.verbose) continue;
      print_stdout(fmt::format("{:<10} {} {}: {} ({})\n", status_word(r.status), r.policy, r.check,
                               terminal_safe(r.subject), r.where));
      if (!r.message.empty()) print_stdout(fmt::format("           {}\n", terminal_safe(r.message)));
      if (r.witness) {
        const verify::Witness& w = *r.witness;
        print_stdout(fmt::format("           contact:  {}\n           campaign: {}\n           decided:  {}\n",
                                 terminal_safe(w.contact), terminal_safe(w.campaign), w.verdict));
        if (!w.second_contact.empty())
          print_stdout(fmt::format("           filled in, contact:  {}\n           filled in, campaign: {}\n"
                                   "           decided:  {}\n",
                                   terminal_safe(w.second_contact), terminal_safe(w.second_campaign), w.second_verdict));
      }
    }
    if (!o.json)
      for (const auto& [name, secs] : report.policy_seconds)
        if (o.verbose) print_stdout(fmt::format("time {}: {:.2f}s\n", name, secs));
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
  cmd.add_option("paths", o->paths, ".law files or directories").required();
  cmd.add_option("--as-of", o->as_of, "Decide as of this date (YYYY-MM-DD) instead of every campaign.send_date");
  cmd.add_option("--max-list", o->max_list, "The bound: lists have at most this many elements (default 2)")
      .check_range(0, 16);
  cmd.add_option("--timeout", o->timeout, "Seconds per solver query before the result is 'not proved' (default 20)")
      .check_range(1, 3600);
  cmd.add_option("--policy", o->policies, "Verify only this policy (by name, e.g. uk.pecr); repeatable");
  cmd.add_flag("--json", o->json, "One JSON object per result on standard output");
  cmd.add_flag("-v,--verbose", o->verbose, "List proved results and the time per policy too");
  cmd.callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace lawful::cli
