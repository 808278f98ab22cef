// The checks lawful verify makes of every policy without a property (missing data never
// permits, conflicts, dead rules), and the replay of every counterexample through the VM.
#include <fmt/format.h>
#include <z3++.h>

#include <chrono>
#include <memory>

#include "runtime/facts/binder.h"
#include "runtime/vm/vm.h"
#include "verify/encoder.h"
#include "verify/verify.h"

namespace lawful::verify {

bool available() { return true; }
std::string unavailable_reason() { return ""; }

std::string solver_version() {
  unsigned major = 0, minor = 0, build = 0, rev = 0;
  Z3_get_version(&major, &minor, &build, &rev);
  return fmt::format("Z3 {}.{}.{}", major, minor, build);
}

namespace {

const char* verdict_name(int64_t v) {
  return v == static_cast<int>(VerdictCode::Allow) ? "allow" : v == static_cast<int>(VerdictCode::Deny) ? "deny" : "review";
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What the VM decides for a counterexample's JSON: its verdict, or "error: ...".
std::string vm_verdict(const Program& prog, uint32_t policy, const std::string& contact, const std::string& campaign,
                       const Options& opt) {
  Vm vm(prog);
  Binder binder(prog);
  FactStore& fs = vm.facts();
  BindResult r = binder.bind_campaign(fs, campaign);
  if (!r.ok) return "error: campaign: " + r.error;
  r = binder.bind_contact(fs, contact.data(), contact.size(), contact.size());
  if (!r.ok) return "error: contact: " + r.error;
  Outcome out;
  DecideOptions dopt;
  dopt.as_of = opt.as_of;
  if (prog.has_router) vm.decide_routed(out, dopt);
  else vm.decide_policy(policy, out, dopt);
  if (!out.error.empty()) return "error: " + out.error;
  if (prog.has_router && out.policy != static_cast<int32_t>(policy)) return "error: routed to another policy";
  return verdict_name(static_cast<int64_t>(out.verdict));
}

class PolicyChecker {
 public:
  PolicyChecker(const Program& prog, const Options& opt, uint32_t p, Report& report)
      : prog_(prog), opt_(opt), p_(p), report_(report), name_(prog.str(prog.policies[p].name)) {}

  void run() {
    z3::context ctx;
    Encoder a(ctx, prog_, opt_, "a");
    const std::string pos = a.where(prog_.policies[p_].pos);
    std::optional<SOutcome> oa;
    try {
      oa = a.decide_policy(p_);
    } catch (const Unsupported& e) {
      not_proved("encoding", name_, pos, e.what());
      return;
    }
    z3::solver s(ctx);
    z3::params params(ctx);
    params.set("timeout", opt_.timeout_ms);
    s.set(params);
    for (const z3::expr& e : a.domain()) s.add(e);
    s.add(a.routed_to(p_));

    // Missing data never permits: an allow stays an allow however the absent facts are
    // filled in (a second copy of the facts that refines the first).
    {
      auto t0 = Clock::now();
      Encoder b(ctx, prog_, opt_, "b");
      try {
        SOutcome ob = b.decide_policy(p_);
        s.push();
        for (const z3::expr& e : b.domain()) s.add(e);
        s.add(b.refines(a));
        s.add(oa->verdict == static_cast<int>(VerdictCode::Allow));
        s.add(ob.verdict != static_cast<int>(VerdictCode::Allow));
        Result r = base("missing-data", "missing data never permits", pos);
        switch (s.check()) {
          case z3::unsat: r.status = Status::Proved; break;
          case z3::sat: {
            z3::model m = s.get_model();
            Witness w = witness(a, m, oa->verdict);
            w.second_contact = b.root_json(m, "contact");
            w.second_campaign = b.root_json(m, "campaign");
            w.second_verdict = verdict_name(m.eval(ob.verdict, true).get_numeral_int64());
            const std::string replay2 = vm_verdict(prog_, p_, w.second_contact, w.second_campaign, opt_);
            w.replayed = w.replayed && replay2 == w.second_verdict;
            r.status = Status::Failed;
            r.message = fmt::format("allowed with some facts absent, but '{}' once they are filled in", w.second_verdict);
            finish_witness(r, std::move(w));
            break;
          }
          default: r.message = "the solver gave up: " + s.reason_unknown(); break;
        }
        s.pop();
        r.seconds = since(t0);
        report_.results.push_back(std::move(r));
      } catch (const Unsupported& e) {
        not_proved("missing-data", "missing data never permits", pos, e.what());
      }
    }

    for (uint32_t d : prog_.policies[p_].decisions) check_decision(a, s, *oa, d);
  }

 private:
  Result base(const char* check, const std::string& subject, const std::string& where) {
    Result r;
    r.check = check;
    r.policy = name_;
    r.subject = subject;
    r.where = where;
    return r;
  }

  void not_proved(const char* check, const std::string& subject, const std::string& where, const std::string& why) {
    Result r = base(check, subject, where);
    r.status = Status::NotProved;
    r.message = why;
    report_.results.push_back(std::move(r));
  }

  Witness witness(const Encoder& a, const z3::model& m, const z3::expr& verdict) {
    Witness w;
    w.contact = a.root_json(m, "contact");
    w.campaign = a.root_json(m, "campaign");
    w.verdict = verdict_name(m.eval(verdict, true).get_numeral_int64());
    const std::string replay = vm_verdict(prog_, p_, w.contact, w.campaign, opt_);
    w.replayed = replay == w.verdict;
    if (!w.replayed) replay_note_ = fmt::format("the VM decides '{}' for it, the encoding '{}'", replay, w.verdict);
    return w;
  }

  // A counterexample the VM does not decide as the encoding did is no proof of anything:
  // the result is "not proved", with both decisions shown.
  void finish_witness(Result& r, Witness w) {
    if (!w.replayed) {
      r.status = Status::NotProved;
      r.message = "the solver's counterexample does not replay in the VM (" +
                  (replay_note_.empty() ? std::string("second contact") : replay_note_) +
                  "): the encoding approximates something here (lower(), domain() or local_part() are any function "
                  "to the solver)";
    }
    replay_note_.clear();
    r.witness = std::move(w);
  }

  void check_decision(Encoder& a, z3::solver& s, const SOutcome& oa, uint32_t d) {
    const DecisionInfo& di = prog_.decisions[d];
    const SRules& sr = a.rules_of(d);
    const std::string dname = prog_.str(di.name);
    const size_t n = di.rules.size();
    auto overrides = [&](size_t i, size_t j) {
      for (uint32_t t : di.rules[i].overrides)
        if (t == j) return true;
      return false;
    };
    // Conflicts: two rules of different verdicts that both win.
    auto t0 = Clock::now();
    size_t pairs = 0, found = 0;
    bool gave_up = false;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) {
        if (di.rules[i].verdict == di.rules[j].verdict || overrides(i, j) || overrides(j, i)) continue;
        ++pairs;
        s.push();
        s.add(sr.reached && sr.winner[i] && sr.winner[j]);
        const z3::check_result cr = s.check();
        if (cr == z3::sat) {
          ++found;
          z3::model m = s.get_model();
          Result r = base("conflict", fmt::format("{}: rules '{}' and '{}'", dname, prog_.str(di.rules[i].name),
                                                  prog_.str(di.rules[j].name)),
                          a.where(di.rules[j].pos));
          r.status = Status::Failed;
          r.message = fmt::format("'{}' ({}) and '{}' ({}) can both apply and neither overrides the other: the decision is "
                                  "'review' (conflict)",
                                  prog_.str(di.rules[i].name), verdict_name(di.rules[i].verdict),
                                  prog_.str(di.rules[j].name), verdict_name(di.rules[j].verdict));
          finish_witness(r, witness(a, m, oa.verdict));
          r.seconds = since(t0);
          report_.results.push_back(std::move(r));
        } else if (cr == z3::unknown) {
          gave_up = true;
        }
        s.pop();
      }
    if (!found) {
      Result r = base("conflict", fmt::format("{}: no two rules conflict ({} unordered pairs)", dname, pairs), a.where(di.pos));
      r.status = gave_up ? Status::NotProved : Status::Proved;
      if (gave_up) r.message = "the solver gave up on a pair: " + s.reason_unknown();
      r.seconds = since(t0);
      report_.results.push_back(std::move(r));
    }
    // Dead rules: never the winner (never applies, or always overridden when it does).
    t0 = Clock::now();
    size_t dead = 0;
    gave_up = false;
    for (size_t i = 0; i < n; ++i) {
      s.push();
      s.add(sr.reached && sr.winner[i]);
      const z3::check_result cr = s.check();
      s.pop();
      if (cr == z3::unknown) gave_up = true;
      if (cr != z3::unsat) continue;
      ++dead;
      s.push();
      s.add(sr.reached && sr.applies[i]);
      const bool applies = s.check() == z3::sat;
      s.pop();
      Result r = base("dead-rule", fmt::format("{}: rule '{}'", dname, prog_.str(di.rules[i].name)), a.where(di.rules[i].pos));
      r.status = Status::Failed;
      r.message = applies ? "the rule never decides: whenever it applies, a rule that overrides it applies too"
                          : "the rule never applies (its condition and window are never both true when the decision is made)";
      r.seconds = since(t0);
      report_.results.push_back(std::move(r));
    }
    if (!dead) {
      Result r = base("dead-rule", fmt::format("{}: every rule can decide ({} rules)", dname, n), a.where(di.pos));
      r.status = gave_up ? Status::NotProved : Status::Proved;
      if (gave_up) r.message = "the solver gave up on a rule: " + s.reason_unknown();
      r.seconds = since(t0);
      report_.results.push_back(std::move(r));
    }
  }

  const Program& prog_;
  const Options& opt_;
  uint32_t p_;
  Report& report_;
  std::string name_;
  std::string replay_note_;
};

std::string bound_text(const Program& prog, unsigned n) {
  std::vector<std::string> lists;
  for (const PathDef& p : prog.schema.paths)
    if (prog.schema.type(p.type).kind == TypeKind::List) lists.push_back(p.name);
  return fmt::format("for contacts and campaigns with up to {} elements in each list ({}), and dates of facts in the "
                     "years 1900 to 2199",
                     n, fmt::join(lists, ", "));
}

}  // namespace

Report verify_program(const Program& prog, const Options& opt) {
  Report report;
  report.max_list = opt.max_list;
  report.bound_text = bound_text(prog, opt.max_list);
  for (uint32_t p = 0; p < prog.policies.size(); ++p) {
    const std::string name = prog.str(prog.policies[p].name);
    if (!opt.only_policies.empty() &&
        std::find(opt.only_policies.begin(), opt.only_policies.end(), name) == opt.only_policies.end())
      continue;
    auto t0 = Clock::now();
    try {
      PolicyChecker(prog, opt, p, report).run();
    } catch (const z3::exception& e) {
      Result r;
      r.check = "encoding";
      r.policy = name;
      r.subject = name;
      r.status = Status::NotProved;
      r.message = fmt::format("the solver failed: {}", e.msg());
      report.results.push_back(std::move(r));
    }
    report.policy_seconds.emplace_back(name, since(t0));
  }
  return report;
}

}  // namespace lawful::verify
