// The checks lawful verify makes of every policy without a property (missing data never
// permits, conflicts, dead rules), and the replay of every counterexample through the VM.
#include <fmt/format.h>
#include <z3++.h>

#include <chrono>
#include <memory>

#include "runtime/bytecode/routes.h"
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

// The VM's decision for a counterexample's JSON, by `decide` (a Vm& and an Outcome&):
// the verdict, or "error: ...".
template <class F>
std::string vm_decide(const Program& prog, const std::string& contact, const std::string& campaign, Outcome& out,
                      F decide) {
  Vm vm(prog);
  Binder binder(prog);
  FactStore& fs = vm.facts();
  BindResult r = binder.bind_campaign(fs, campaign);
  if (!r.ok) return "error: campaign: " + r.error;
  r = binder.bind_contact(fs, contact.data(), contact.size(), contact.size());
  if (!r.ok) return "error: contact: " + r.error;
  decide(vm, out);
  if (!out.error.empty()) return "error: " + out.error;
  return verdict_name(static_cast<int64_t>(out.verdict));
}

// What the VM decides for a counterexample as `lawful check` does (routed, or the policy).
std::string vm_verdict(const Program& prog, uint32_t policy, const std::string& contact, const std::string& campaign,
                       const Options& opt) {
  Outcome out;
  DecideOptions dopt;
  dopt.as_of = opt.as_of;
  std::string v = vm_decide(prog, contact, campaign, out, [&](Vm& vm, Outcome& o) {
    if (prog.has_router) vm.decide_routed(o, dopt);
    else vm.decide_policy(policy, o, dopt);
  });
  if (v.rfind("error", 0) != 0 && prog.has_router && out.policy != static_cast<int32_t>(policy))
    return "error: routed to another policy";
  return v;
}

// What the VM decides for decision d alone (Vm::decide_decision, as `lawful test` asks),
// and the obligations.
std::string vm_decision(const Program& prog, uint32_t d, const std::string& contact, const std::string& campaign,
                        std::optional<Days> as_of, std::vector<std::string>* obligations) {
  Outcome out;
  DecideOptions dopt;
  dopt.as_of = as_of;
  std::string v = vm_decide(prog, contact, campaign, out, [&](Vm& vm, Outcome& o) { vm.decide_decision(d, o, dopt); });
  for (uint32_t o : out.obligations) obligations->push_back(prog.obligation_name(o));
  std::sort(obligations->begin(), obligations->end());
  return v;
}

void set_budget(z3::solver& s, const Options& opt, uint64_t rlimit) {
  z3::params params(s.ctx());
  params.set("timeout", opt.timeout_ms);
  params.set("rlimit", static_cast<unsigned>(std::min<uint64_t>(rlimit, UINT32_MAX)));
  s.set(params);
}
void set_budget(z3::solver& s, const Options& opt) { set_budget(s, opt, opt.rlimit); }

// The incremental solver's share of a query, in Z3's resource units (about a second of
// processor time): past it the query goes to a fresh solver. Settled by units, not by
// time, so that a busy machine asks the same solver as a quiet one.
constexpr uint64_t kIncrementalBudget = 300000;

// A solver with the query budget, the domain of an encoding's facts, and the contacts
// routed to policy p.
void prepare(z3::solver& s, Encoder& e, uint32_t p, const Options& opt) {
  set_budget(s, opt);
  for (const z3::expr& x : e.domain()) s.add(x);
  for (const z3::expr& x : e.take_side()) s.add(x);
  s.add(e.routed_to(p));
}

// Why the solver gave up, in words: a budget that ran out is named with its size.
std::string gave_up(const std::string& reason, const Options& opt) {
  if (reason == "timeout" || reason == "canceled")
    return fmt::format("unknown (timed out after {} ms)", opt.timeout_ms);
  if (reason.find("resource limit") != std::string::npos)
    return fmt::format("unknown (gave up after its budget of {} resource units, --rlimit)", opt.rlimit);
  return "unknown (" + reason + ")";
}

// A solver's answer to one query: sat with its model, unsat, or unknown with why.
struct Answer {
  z3::check_result result = z3::unknown;
  std::optional<z3::model> model;
  std::string why;  // unknown: gave_up()'s words
};

// Z3 4.8's texts are bytes, any of 256, and a model may give a text fact bytes that are
// not UTF-8, which no contact line can hold (the binder refuses it: the counterexample
// would not replay). So a model with a text beyond ASCII is asked for again with its texts
// in ASCII (each text constant of the model, twice at most, as a new model may name new
// ones); if that has no model, or gives up, the first model stands. Proofs are unchanged:
// this only chooses among counterexamples.
bool texts_beyond_ascii(const z3::model& m, z3::expr& ascii) {
  z3::context& c = m.ctx();
  const z3::expr one_byte = z3::star(z3::range(c.string_val(std::string(1, '\0')), c.string_val("\x7f")));
  bool beyond = false;
  ascii = c.bool_val(true);
  for (unsigned i = 0; i < m.num_consts(); ++i) {
    const z3::func_decl d = m.get_const_decl(i);
    if (!d.range().is_seq()) continue;
    const z3::expr v = m.get_const_interp(d);
    if (!v.is_string_value()) continue;
    for (const unsigned char ch : v.get_string()) beyond = beyond || ch >= 0x80;
    ascii = ascii && z3::in_re(d(), one_byte);
  }
  return beyond;
}

void prefer_ascii_texts(z3::solver& s, std::optional<z3::model>& model) {
  z3::expr ascii(s.ctx());
  for (int round = 0; round < 2 && model && texts_beyond_ascii(*model, ascii); ++round) {
    s.push();
    s.add(ascii);
    const z3::check_result r = s.check();
    if (r == z3::sat) model = s.get_model();
    s.pop();
    if (r != z3::sat) return;
  }
}

// Asks whether `query` can hold with what s holds. First of s itself, in a scope (an
// incremental solver keeps what it learned from one query to the next); if that gives
// up, of a fresh solver over the same assertions: Z3 preprocesses the formula (solving
// equations, eliminating unconstrained terms) only in a solver without scopes, which
// settles some queries the incremental one does not (issue 18: eu.gdpr's missing-data
// check, 20 s without an answer, 1 s fresh). Each gets the query budget; a query both
// give up on is unknown, never a proof.
Answer ask(z3::solver& s, const z3::expr& query, const Options& opt) {
  Answer a;
  s.push();
  s.add(query);
  set_budget(s, opt, opt.rlimit ? std::min(opt.rlimit, kIncrementalBudget) : kIncrementalBudget);
  a.result = s.check();
  if (a.result == z3::sat) {
    a.model = s.get_model();
    prefer_ascii_texts(s, a.model);
  }
  set_budget(s, opt);
  s.pop();
  if (a.result != z3::unknown) return a;
  z3::solver fresh(s.ctx());
  set_budget(fresh, opt);
  for (const z3::expr& x : s.assertions()) fresh.add(x);
  fresh.add(query);
  a.result = fresh.check();
  if (a.result == z3::sat) {
    a.model = fresh.get_model();
    prefer_ascii_texts(fresh, a.model);
  }
  if (a.result == z3::unknown) a.why = gave_up(fresh.reason_unknown(), opt);
  return a;
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
      for (const Property& prop : opt_.properties)
        if (prop.policy == p_) not_proved("property", prop.title, prop.where, e.what());
      return;
    }
    z3::solver s(ctx);
    prepare(s, a, p_, opt_);
    if (opt_.builtin_checks) builtin(a, s, *oa, pos);
    // Properties pinned to another date than the run's get an encoding of their own.
    for (const Property& prop : opt_.properties) {
      if (prop.policy != p_) continue;
      if (!prop.as_of || prop.as_of == opt_.as_of) {
        check_property(a, s, prop, opt_.as_of);
        continue;
      }
      Options pinned = opt_;
      pinned.as_of = prop.as_of;
      Encoder e(ctx, prog_, pinned, fmt::format("p{}", ++pinned_));
      z3::solver ps(ctx);
      prepare(ps, e, p_, opt_);
      try {
        e.decide_policy(p_);
      } catch (const Unsupported& ex) {
        not_proved("property", prop.title, prop.where, ex.what());
        continue;
      }
      check_property(e, ps, prop, prop.as_of);
    }
  }

  // `lawful lint`'s pairs of this policy (verify_conflicts): a Result each, in order.
  void check_pairs(const std::vector<const RulePair*>& pairs, std::vector<Result>& out) {
    z3::context ctx;
    Encoder a(ctx, prog_, opt_, "a");
    std::optional<SOutcome> oa;
    std::string unsupported;
    try {
      oa = a.decide_policy(p_);
    } catch (const Unsupported& e) {
      unsupported = e.what();
    }
    z3::solver s(ctx);
    if (oa) prepare(s, a, p_, opt_);
    for (const RulePair* pair : pairs) {
      auto t0 = Clock::now();
      Result r = base("conflict", fmt::format("{}: rules '{}' and '{}'", pair->decision, pair->first, pair->second),
                      a.where(prog_.policies[p_].pos));
      int d = -1, i = -1, j = -1;
      for (uint32_t k : prog_.policies[p_].decisions)
        if (prog_.str(prog_.decisions[k].name) == pair->decision) d = static_cast<int>(k);
      if (d >= 0) {
        const DecisionInfo& di = prog_.decisions[static_cast<size_t>(d)];
        for (size_t k = 0; k < di.rules.size(); ++k) {
          if (prog_.str(di.rules[k].name) == pair->first) i = static_cast<int>(k);
          if (prog_.str(di.rules[k].name) == pair->second) j = static_cast<int>(k);
        }
        if (j >= 0) r.where = a.where(di.rules[static_cast<size_t>(j)].pos);
      }
      r.status = Status::NotProved;
      if (!oa) {
        r.message = unsupported;
      } else if (i < 0 || j < 0) {
        r.message = "the program has no such rules";
      } else {
        const SRules& sr = a.rules_of(static_cast<uint32_t>(d));
        const Answer ans = ask(s, sr.reached && sr.winner[static_cast<size_t>(i)] && sr.winner[static_cast<size_t>(j)], opt_);
        if (ans.result == z3::unsat) {
          r.status = Status::Proved;
        } else if (ans.result == z3::sat) {
          r.status = Status::Failed;
          r.message = "both can apply, neither overridden: the decision is 'review' (conflict)";
          finish_witness(r, witness(a, *ans.model, oa->verdict));
        } else {
          r.message = ans.why;
        }
      }
      r.seconds = since(t0);
      out.push_back(std::move(r));
    }
  }

 private:
  void builtin(Encoder& a, z3::solver& s, const SOutcome& oa0, const std::string& pos) {
    z3::context& ctx = a.ctx();
    const std::optional<SOutcome> oa = oa0;

    // Missing data never permits: an allow stays an allow however the absent facts are
    // filled in (a second copy of the facts that refines the first). Asked once per
    // decision and allow rule that wins it with the facts absent (those cases cover every
    // allow): each query is smaller than the whole, and the solver settles each quickly.
    {
      auto t0 = Clock::now();
      Encoder b(ctx, prog_, opt_, "b", &a);
      try {
        SOutcome ob = b.decide_policy(p_);
        s.push();
        for (const z3::expr& e : b.domain()) s.add(e);
        for (const z3::expr& e : b.take_side()) s.add(e);
        s.add(b.refines(a));
        s.add(ob.verdict != static_cast<int>(VerdictCode::Allow));
        Result r = base("missing-data", "missing data never permits", pos);
        r.status = Status::Proved;
        const int allow = static_cast<int>(VerdictCode::Allow);
        for (uint32_t d : prog_.policies[p_].decisions) {
          const DecisionInfo& di = prog_.decisions[d];
          const SRules& ra = a.rules_of(d);
          for (size_t i = 0; i < di.rules.size() && r.status != Status::Failed; ++i) {
            if (di.rules[i].verdict != allow) continue;
            const z3::expr query = ra.reached && ra.winner[i] && ra.verdict == allow;
            // A counterexample that does not replay is asked again with lower(), domain()
            // and local_part() made exact (Encoder::exactness): costly, so only then.
            const bool can_refine = !a.exactness().empty() || !b.exactness().empty();
            for (int attempt = 0; attempt < (can_refine ? 2 : 1); ++attempt) {
              if (attempt == 1) {
                s.push();
                for (const z3::expr& e : a.exactness()) s.add(e);
                for (const z3::expr& e : b.exactness()) s.add(e);
              }
              Answer ans = ask(s, query, opt_);
              if (attempt == 1) s.pop();
              if (ans.result == z3::unknown) {
                r.status = Status::NotProved;
                r.message = fmt::format("{} (decision {}, rule '{}' allowing{})", ans.why, prog_.str(di.name),
                                        prog_.str(di.rules[i].name), attempt ? ", with lower() exact" : "");
              } else if (ans.result == z3::sat) {
                const z3::model& m = *ans.model;
                Witness w = witness(a, m, oa->verdict);
                w.second_contact = b.root_json(m, "contact");
                w.second_campaign = b.root_json(m, "campaign");
                w.second_verdict = verdict_name(m.eval(ob.verdict, true).get_numeral_int64());
                const std::string replay2 = vm_verdict(prog_, p_, w.second_contact, w.second_campaign, opt_);
                w.replayed = w.replayed && replay2 == w.second_verdict;
                if (!w.replayed && attempt == 0 && can_refine) {
                  replay_note_.clear();
                  continue;
                }
                r.status = Status::Failed;
                r.message = fmt::format("allowed with some facts absent (rule '{}'), but '{}' once they are filled in",
                                        prog_.str(di.rules[i].name), w.second_verdict);
                finish_witness(r, std::move(w));
              }
              break;
            }
          }
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

  // A property: no contact and campaign meets its conditions and fails an expectation.
  void check_property(Encoder& a, z3::solver& s, const Property& prop, std::optional<Days> as_of) {
    auto t0 = Clock::now();
    Result r = base("property", prop.title, prop.where);
    z3::context& ctx = a.ctx();
    bool pushed = false;
    try {
      std::vector<z3::expr> conds;
      for (int32_t fn : prop.conds) conds.push_back(a.condition(static_cast<uint32_t>(fn), "property '" + prop.title + "'"));
      // Outside the scope: a definition the conditions computed is remembered.
      for (const z3::expr& x : a.take_side()) s.add(x);
      s.push();
      pushed = true;
      for (const z3::expr& c : conds) s.add(c);
      std::vector<z3::expr> holds;
      for (const PropertyExpect& e : prop.expects) {
        const SOutcome& o = a.decision_outcome(static_cast<uint32_t>(e.decision));
        if (!e.obliges) {
          z3::expr is = o.verdict == static_cast<int>(e.verdict);
          if (e.basis >= 0) is = is && o.basis == e.basis;
          holds.push_back(e.negated ? !is : is);
        } else {
          z3::expr has = ctx.bool_val(true);
          for (uint32_t ob : e.obligations) has = has && (ob < o.obliges.size() ? o.obliges[ob] : ctx.bool_val(false));
          holds.push_back(e.for_every >= 0 ? (o.verdict != e.for_every || has) : has);
        }
      }
      z3::expr all = ctx.bool_val(true);
      for (const z3::expr& h : holds) all = all && h;
      Answer ans = ask(s, !all, opt_);
      switch (ans.result) {
        case z3::unsat: r.status = Status::Proved; break;
        case z3::sat: {
          const z3::model& m = *ans.model;
          size_t k = 0;
          while (k + 1 < holds.size() && m.eval(holds[k], true).is_true()) ++k;
          const PropertyExpect& e = prop.expects[k];
          const uint32_t d = static_cast<uint32_t>(e.decision);
          const SOutcome& o = a.decision_outcome(d);
          Witness w;
          w.contact = a.root_json(m, "contact");
          w.campaign = a.root_json(m, "campaign");
          w.contact_literal = a.root_json(m, "contact", true);
          w.campaign_literal = a.root_json(m, "campaign", true);
          w.verdict = verdict_name(m.eval(o.verdict, true).get_numeral_int64());
          w.decision = prog_.str(prog_.decisions[d].name);
          w.expectation = e.text;
          for (size_t ob = 0; ob < o.obliges.size(); ++ob)
            if (m.eval(o.obliges[ob], true).is_true()) w.obligations.push_back(prog_.obligation_name(static_cast<uint32_t>(ob)));
          std::sort(w.obligations.begin(), w.obligations.end());
          std::vector<std::string> vm_obligations;
          const std::string replay = vm_decision(prog_, d, w.contact, w.campaign, as_of, &vm_obligations);
          w.replayed = replay == w.verdict && (!e.obliges || vm_obligations == w.obligations);
          if (!w.replayed)
            replay_note_ = fmt::format("the VM decides '{}' with obligations [{}], the encoding '{}' with [{}]", replay,
                                       fmt::join(vm_obligations, ", "), w.verdict, fmt::join(w.obligations, ", "));
          r.status = Status::Failed;
          r.message = fmt::format("expected {}, but {} is {}{}", e.text, w.decision, w.verdict,
                                  e.obliges ? fmt::format(" with obligations [{}]", fmt::join(w.obligations, ", ")) : "");
          finish_witness(r, std::move(w));
          break;
        }
        default: r.message = "the solver gave up: " + ans.why; break;
      }
      s.pop();
    } catch (const Unsupported& ex) {
      if (pushed) s.pop();
      r.status = Status::NotProved;
      r.message = ex.what();
    }
    r.seconds = since(t0);
    report_.results.push_back(std::move(r));
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
    std::string gave_up;  // why the solver gave up on a query, "" when it never did
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) {
        if (di.rules[i].verdict == di.rules[j].verdict || overrides(i, j) || overrides(j, i)) continue;
        ++pairs;
        Answer ans = ask(s, sr.reached && sr.winner[i] && sr.winner[j], opt_);
        if (ans.result == z3::sat) {
          ++found;
          const z3::model& m = *ans.model;
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
        } else if (ans.result == z3::unknown) {
          gave_up = fmt::format("{} on rules '{}' and '{}'", ans.why, prog_.str(di.rules[i].name), prog_.str(di.rules[j].name));
        }
      }
    if (!found) {
      Result r = base("conflict", fmt::format("{}: no two rules conflict ({} unordered pairs)", dname, pairs), a.where(di.pos));
      r.status = gave_up.empty() ? Status::Proved : Status::NotProved;
      r.message = gave_up;
      r.seconds = since(t0);
      report_.results.push_back(std::move(r));
    }
    // Dead rules: never the winner (never applies, or always overridden when it does).
    t0 = Clock::now();
    size_t dead = 0;
    gave_up.clear();
    // A model in which a rule wins shows that every rule that wins in it can decide: those
    // are not asked again.
    std::vector<bool> alive(n, false);
    for (size_t i = 0; i < n; ++i) {
      if (alive[i]) continue;
      const Answer ans = ask(s, sr.reached && sr.winner[i], opt_);
      if (ans.result == z3::unknown) gave_up = fmt::format("{} on rule '{}'", ans.why, prog_.str(di.rules[i].name));
      if (ans.result == z3::sat)
        for (size_t j = i; j < n; ++j)
          if (ans.model->eval(sr.reached && sr.winner[j], true).is_true()) alive[j] = true;
      if (ans.result != z3::unsat) continue;
      ++dead;
      const Answer applies = ask(s, sr.reached && sr.applies[i], opt_);
      Result r = base("dead-rule", fmt::format("{}: rule '{}'", dname, prog_.str(di.rules[i].name)), a.where(di.rules[i].pos));
      r.status = Status::Failed;
      r.message = applies.result == z3::sat ? "the rule never decides: whenever it applies, a rule that overrides it applies too"
                  : applies.result == z3::unsat
                      ? "the rule never applies (its condition and window are never both true when the decision is made)"
                      : "the rule never decides (whether it ever applies, the solver could not tell: " + applies.why + ")";
      r.seconds = since(t0);
      report_.results.push_back(std::move(r));
    }
    if (!dead) {
      Result r = base("dead-rule", fmt::format("{}: every rule can decide ({} rules)", dname, n), a.where(di.pos));
      r.status = gave_up.empty() ? Status::Proved : Status::NotProved;
      r.message = gave_up;
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
  unsigned pinned_ = 0;
};

std::string bound_text(const Program& prog, unsigned n) {
  std::vector<std::string> lists;
  for (const PathDef& p : prog.schema.paths)
    if (prog.schema.type(p.type).kind == TypeKind::List) lists.push_back(p.name);
  return fmt::format("for contacts and campaigns with up to {} elements in each list ({}), and dates of facts in the "
                     "years 1900 to 2199",
                     n, fmt::join(lists, ", "));
}

// Why two programs' facts are not laid out alike ("" when they are): the encodings of an
// equivalence share their fact variables, which needs the same paths, types, slots and
// enumerations.
std::string schema_difference(const Program& a, const Program& b) {
  const Schema& x = a.schema;
  const Schema& y = b.schema;
  if (x.root_slots != y.root_slots || x.paths.size() != y.paths.size()) return "the facts differ";
  for (size_t i = 0; i < x.paths.size(); ++i)
    if (x.paths[i].name != y.paths[i].name || x.paths[i].slot != y.paths[i].slot ||
        x.type_name(x.paths[i].type) != y.type_name(y.paths[i].type))
      return fmt::format("fact '{}' differs", x.paths[i].name);
  if (x.enums.size() != y.enums.size()) return "the enumerations differ";
  for (size_t i = 0; i < x.enums.size(); ++i)
    if (x.enums[i].name != y.enums[i].name || x.enums[i].members != y.enums[i].members)
      return fmt::format("enumeration '{}' differs", x.enums[i].name);
  return "";
}

// One policy of two versions: one counterexample per way its decision moves.
class EquivChecker {
 public:
  EquivChecker(const Program& a, const Program& b, uint32_t pa, uint32_t pb, const Options& opt, Report& report)
      : a_(a), b_(b), pa_(pa), pb_(pb), opt_(opt), report_(report), name_(a.str(a.policies[pa].name)) {}

  void run() {
    auto t0 = Clock::now();
    z3::context ctx;
    // The same prefix: both encodings read the same fact variables.
    Encoder ea(ctx, a_, opt_, "f");
    Encoder eb(ctx, b_, opt_, "f");
    const std::string where = ea.where(a_.policies[pa_].pos);
    std::optional<SOutcome> oa, ob;
    try {
      oa = ea.decide_policy(pa_);
      ob = eb.decide_policy(pb_);
    } catch (const Unsupported& e) {
      push(Status::NotProved, name_ + ": decides the same", where, e.what(), t0);
      return;
    }
    z3::solver s(ctx);
    prepare(s, ea, pa_, opt_);
    for (const z3::expr& e : eb.domain()) s.add(e);
    for (const z3::expr& e : eb.take_side()) s.add(e);
    s.add(eb.routed_to(pb_));
    size_t moves = 0;
    std::string gave_up;
    auto query = [&](const z3::expr& moved, const std::string& subject, auto describe) {
      const Answer ans = ask(s, moved, opt_);
      if (ans.result == z3::unknown) gave_up = ans.why;
      if (ans.result == z3::sat) {
        ++moves;
        const z3::model& m = *ans.model;
        Witness w;
        w.contact = ea.root_json(m, "contact");
        w.campaign = ea.root_json(m, "campaign");
        w.verdict = verdict_name(m.eval(oa->verdict, true).get_numeral_int64());
        w.second_verdict = verdict_name(m.eval(ob->verdict, true).get_numeral_int64());
        const std::string ra = vm_verdict(a_, pa_, w.contact, w.campaign, opt_);
        const std::string rb = vm_verdict(b_, pb_, w.contact, w.campaign, opt_);
        w.replayed = ra == w.verdict && rb == w.second_verdict;
        Result r = base(subject, where);
        r.status = Status::Failed;
        r.message = describe(m);
        if (!w.replayed) {
          r.status = Status::NotProved;
          r.message = fmt::format("the solver's counterexample does not replay in the VM (old: the VM '{}', the encoding "
                                  "'{}'; new: '{}', '{}')",
                                  ra, w.verdict, rb, w.second_verdict);
        }
        r.witness = std::move(w);
        r.seconds = since(t0);
        report_.results.push_back(std::move(r));
      }
    };
    const char* names[] = {"allow", "deny", "review"};
    for (int v1 = 0; v1 < 3; ++v1)
      for (int v2 = 0; v2 < 3; ++v2) {
        if (v1 == v2) continue;
        query(oa->verdict == v1 && ob->verdict == v2, fmt::format("{}: {} -> {}", name_, names[v1], names[v2]),
            [&](const z3::model&) { return fmt::format("the old version decides '{}', the new '{}'", names[v1], names[v2]); });
      }
    const int allow = static_cast<int>(VerdictCode::Allow);
    query(oa->verdict == allow && ob->verdict == allow && oa->basis != ob->basis, name_ + ": allow, another basis",
        [&](const z3::model& m) {
          return fmt::format("allowed by both, on basis '{}' before and '{}' after",
                             a_.basis_name(static_cast<int32_t>(m.eval(oa->basis, true).get_numeral_int64())),
                             b_.basis_name(static_cast<int32_t>(m.eval(ob->basis, true).get_numeral_int64())));
        });
    z3::expr differ = ctx.bool_val(false);
    const size_t n = std::min(oa->obliges.size(), ob->obliges.size());
    for (size_t k = 0; k < n; ++k) differ = differ || (oa->obliges[k] != ob->obliges[k]);
    query(oa->verdict == ob->verdict && differ, name_ + ": other obligations", [&](const z3::model& m) {
      std::vector<std::string> gone, added;
      for (size_t k = 0; k < n; ++k) {
        const bool x = m.eval(oa->obliges[k], true).is_true(), y = m.eval(ob->obliges[k], true).is_true();
        if (x && !y) gone.push_back(a_.obligation_name(static_cast<uint32_t>(k)));
        if (y && !x) added.push_back(a_.obligation_name(static_cast<uint32_t>(k)));
      }
      return fmt::format("the same verdict; obligations dropped: [{}], added: [{}]", fmt::join(gone, ", "),
                         fmt::join(added, ", "));
    });
    if (!moves)
      push(gave_up.empty() ? Status::Proved : Status::NotProved, name_ + ": decides the same", where,
           gave_up.empty() ? std::string() : "the solver gave up: " + gave_up, t0);
  }

 private:
  Result base(const std::string& subject, const std::string& where) {
    Result r;
    r.check = "equiv";
    r.policy = name_;
    r.subject = subject;
    r.where = where;
    return r;
  }
  void push(Status st, const std::string& subject, const std::string& where, const std::string& msg, Clock::time_point t0) {
    Result r = base(subject, where);
    r.status = st;
    r.message = msg;
    r.seconds = since(t0);
    report_.results.push_back(std::move(r));
  }

  const Program& a_;
  const Program& b_;
  uint32_t pa_, pb_;
  const Options& opt_;
  Report& report_;
  std::string name_;
};

// Where a country (in country case) is routed: routes match whatever the letter case.
std::string route_target(const Program& prog, const std::string& country) {
  for (const Route& r : prog.routes)
    if (country_key(prog.str(r.country)) == country) return r.policy < 0 ? "review" : prog.str(prog.policies[static_cast<size_t>(r.policy)].name);
  return "(no route)";
}

}  // namespace

Report verify_equiv(const Program& a, const Program& b, const Options& opt) {
  Report report;
  report.max_list = opt.max_list;
  report.bound_text = bound_text(a, opt.max_list);
  auto simple = [&](const std::string& policy, const std::string& subject, Status st, const std::string& msg) {
    Result r;
    r.check = "equiv";
    r.policy = policy;
    r.subject = subject;
    r.status = st;
    r.message = msg;
    report.results.push_back(std::move(r));
  };
  if (const std::string diff = schema_difference(a, b); !diff.empty()) {
    simple("", "the facts", Status::NotProved, "the two versions read different facts (" + diff + "): not compared");
    return report;
  }
  if (a.has_router || b.has_router) {
    std::vector<std::string> countries;
    for (const Program* p : {&a, &b})
      for (const Route& r : p->routes) countries.push_back(country_key(p->str(r.country)));
    std::sort(countries.begin(), countries.end());
    countries.erase(std::unique(countries.begin(), countries.end()), countries.end());
    for (const std::string& c : countries) {
      const std::string x = route_target(a, c), y = route_target(b, c);
      if (x != y) simple("", fmt::format("route {}: {} -> {}", c, x, y), Status::Failed, "the routing file sends the country elsewhere");
    }
  }
  auto wanted = [&](const std::string& name) {
    return opt.only_policies.empty() ||
           std::find(opt.only_policies.begin(), opt.only_policies.end(), name) != opt.only_policies.end();
  };
  for (uint32_t p = 0; p < a.policies.size(); ++p) {
    const std::string name = a.str(a.policies[p].name);
    if (!wanted(name)) continue;
    const int q = b.find_policy(name);
    if (q < 0) {
      simple(name, name + ": only in the old version", Status::Failed, "the new version has no such policy");
      continue;
    }
    auto t0 = Clock::now();
    try {
      EquivChecker(a, b, p, static_cast<uint32_t>(q), opt, report).run();
    } catch (const z3::exception& e) {
      simple(name, name, Status::NotProved, fmt::format("the solver failed: {}", e.msg()));
    }
    report.policy_seconds.emplace_back(name, since(t0));
  }
  for (uint32_t q = 0; q < b.policies.size(); ++q) {
    const std::string name = b.str(b.policies[q].name);
    if (wanted(name) && a.find_policy(name) < 0)
      simple(name, name + ": only in the new version", Status::Failed, "the old version has no such policy");
  }
  return report;
}

Report verify_conflicts(const Program& prog, const std::vector<RulePair>& pairs, const Options& opt) {
  Report report;
  report.max_list = opt.max_list;
  report.bound_text = bound_text(prog, opt.max_list);
  std::vector<std::optional<Result>> results(pairs.size());
  std::vector<bool> done(pairs.size(), false);
  for (size_t first = 0; first < pairs.size(); ++first) {
    if (done[first]) continue;
    // This pair's policy, and every later pair of it: one encoding and one solver.
    std::vector<size_t> mine;
    std::vector<const RulePair*> asked;
    for (size_t k = first; k < pairs.size(); ++k)
      if (!done[k] && pairs[k].policy == pairs[first].policy) {
        done[k] = true;
        mine.push_back(k);
        asked.push_back(&pairs[k]);
      }
    const int p = prog.find_policy(pairs[first].policy);
    std::vector<Result> out;
    std::string failed = p < 0 ? "the program has no such policy" : "";
    if (p >= 0) {
      try {
        Report scratch;
        PolicyChecker(prog, opt, static_cast<uint32_t>(p), scratch).check_pairs(asked, out);
      } catch (const z3::exception& e) {
        failed = fmt::format("the solver failed: {}", e.msg());
      }
    }
    for (size_t k = 0; k < mine.size(); ++k) {
      if (k < out.size() && failed.empty()) {
        results[mine[k]] = std::move(out[k]);
        continue;
      }
      Result r;
      r.check = "conflict";
      r.policy = pairs[mine[k]].policy;
      r.subject = fmt::format("{}: rules '{}' and '{}'", pairs[mine[k]].decision, pairs[mine[k]].first, pairs[mine[k]].second);
      r.status = Status::NotProved;
      r.message = failed;
      results[mine[k]] = std::move(r);
    }
  }
  for (std::optional<Result>& r : results) report.results.push_back(std::move(*r));
  return report;
}

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
