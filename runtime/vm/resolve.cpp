// Decision resolution (see vm.h): which rules apply, which override which, the verdict
// or the review and its reason, the obligations; routing to a policy by country; the
// tracing pass that explain and coverage read.
#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/routes.h"
#include "runtime/vm/vm.h"
#include "runtime/vm/vm_internal.h"

namespace lawful {

using vm_internal::and3;
using vm_internal::Bits;

Value Vm::eval_traced(int32_t fn, FactSet& mask, FactSet& reads) {
  if (fn < 0) return kTrue;
  return exec<true>(static_cast<uint32_t>(fn), &mask, &reads);
}

namespace {
// The bodies of as_of_value and window_state, which decide_policy inlines (the members
// are not: the library is position-independent, so GCC may not inline them).
inline Value as_of_of(const DecideOptions& opt, int32_t slot, const FactStore* facts) {
  if (opt.as_of) return *opt.as_of;
  return slot >= 0 ? facts->slots[static_cast<size_t>(slot)] : kUnknown;
}

inline Value window_of(const Window& w, Value as_of) {
  if (w.always()) return kTrue;
  if (as_of == kUnknown) return kUnknown;
  return as_of >= w.from && as_of < w.until ? kTrue : kFalse;
}
}  // namespace

Value Vm::as_of_value(const DecideOptions& opt) const { return as_of_of(opt, as_of_slot_, facts_); }

Value Vm::window_state(const Window& w, Value as_of) const { return window_of(w, as_of); }

// begin_decision, next_generation and native_outcome are used in this file only: inline.
inline void Vm::next_generation() {
  ++gen_;
  if (gen_ == 0) {  // wrapped: forget every cache
    std::fill(let_gen_.begin(), let_gen_.end(), 0);
    std::fill(let_tgen_.begin(), let_tgen_.end(), 0);
    std::fill(cond_gen_.begin(), cond_gen_.end(), 0);
    std::fill(tlet_gen_.begin(), tlet_gen_.end(), 0);
    gen_ = 1;
  }
  frame_.gen = gen_;
}

inline void Vm::begin_decision() {
  next_generation();
  error_.clear();
  sp_ = 0;
  steps_ = 0;
  // The verdict is known only to obligations, which come after the rules. The compiler
  // lets nothing else read it, but a .lawc from elsewhere may: it reads unknown then,
  // not the verdict of the contact before (the lawc fuzzer found the fast and traced
  // paths disagreeing on such a program).
  verdict_ = kUnknown;
  if_masks_.clear();
  if (native_) {  // what compiled code reads for the whole decision (eval_native)
    frame_.slots = facts_->slots.data();
    frame_.nslots = facts_->slots.size();
    frame_.facts = facts_;
    frame_.verdict = kUnknown;
  }
}

bool Vm::oblige_for_decided(const ObligeStep& o, uint32_t d, const Outcome& out, bool states_known) const {
  const RuleInfo* rules = prog_.decisions[d].rules.data();
  for (const uint32_t *r = oblige_for_.data() + o.for_begin, *re = r + o.for_count; r != re; ++r)
    if ((!states_known || states_[*r] == kTrue) && rules[*r].verdict == static_cast<uint8_t>(out.verdict) &&
        std::find(out.rules.begin(), out.rules.end(), *r) != out.rules.end())
      return true;
  return false;
}

void Vm::obligations(uint32_t d, Outcome& out) {
  verdict_ = static_cast<Value>(out.verdict);
  frame_.verdict = verdict_;
  const bool unique = oblige_unique_[d];
  for (const ObligeStep *o = oblige_steps_.data() + oblige_base_[d], *e = oblige_steps_.data() + oblige_base_[d + 1];
       o != e; ++o) {
    // `verdict == v and ...`: false for any other verdict, without running it; and
    // when the rest is a rule's condition, computed already, its value.
    if (o->verdict >= 0 && verdict_ != o->verdict) continue;
    // `for R, ...`: one of them decided (it applies for certain, the outcome lists it,
    // and has its verdict: not a rule that only might apply, behind a review).
    if (o->for_count && !oblige_for_decided(*o, d, out, true)) continue;
    Value c = o->always                                  ? kTrue
              : o->rule >= 0 && cond_gen_[static_cast<size_t>(o->rule)] == gen_ ? conds_[static_cast<size_t>(o->rule)]
                                                     : eval(o->fn);
    if (!error_.empty()) {
      const ObligeInfo& oi = prog_.decisions[d].obliges[static_cast<size_t>(o - oblige_steps_.data() - oblige_base_[d])];
      out.error = located_error("obligation", prog_.obligation_name(oi.name), oi.pos);
      return;
    }
    // An obligation that might apply is kept: a duty in doubt is a duty.
    if (c == kFalse) continue;
    if (unique || std::find(out.obligations.begin(), out.obligations.end(), o->name) == out.obligations.end())
      out.obligations.push_back(o->name);
  }
}

Value Vm::run_native_decision(uint32_t d, Value as_of) {
  const NativeFn f = native_decisions_[d];
  if (!f) return kNativeInterpret;
  NativeFrame& fr = frame_;
  fr.as_of = as_of;
  fr.steps = steps_;
  share_strings();
  const Value r = f(&fr);
  if (r == kNativeInterpret) {
    native_failed();
    return r;
  }
  steps_ = fr.steps;
  return r;
}

void Vm::native_failed() {
  // Decided again by the Vm's code, from where this decision stood before: the
  // definitions' values forgotten (one that failed is cached as unknown), no error, no
  // verdict, the quantifier steps of before (steps_ was not updated).
  frame_.error = nullptr;
  frame_.verdict = kUnknown;
  next_generation();
}

namespace {
// The names of a decision's obligations (`names`: Vm::oblige_names_ from the decision's
// first) whose bits are in `mask` (out_obliged).
inline void push_obliged(const uint32_t* names, uint64_t mask, Outcome& out) {
  for (uint64_t m = mask; m; m &= m - 1) out.obligations.push_back(names[__builtin_ctzll(m)]);
}
}  // namespace

// The whole Outcome, cleared here rather than before the compiled code ran: with the
// stores of clear() and of the fields below side by side, the compiler keeps one of each.
inline void Vm::native_outcome(uint32_t d, Outcome& out) {
  const NativeFrame& fr = frame_;
  const DecisionFast& df = decision_fast_[d];
  ++native_resolved_;
  out.clear();
  out.decision = static_cast<int32_t>(d);
  out.policy = static_cast<int32_t>(df.policy);
  out.verdict = static_cast<VerdictCode>(fr.out_verdict);
  out.reason = static_cast<Reason>(fr.out_reason);
  out.reason_a = fr.out_reason_a;
  out.reason_b = fr.out_reason_b;
  // Once per Outcome: at most 64 of each (the decision is compiled whole), so the
  // pushes below never reallocate.
  if (out.rules.capacity() < max_rules_) out.rules.reserve(max_rules_);
  if (out.obligations.capacity() < max_obliges_) out.obligations.reserve(max_obliges_);
  const uint64_t rules = fr.out_rules;
  for (uint64_t m = rules; m; m &= m - 1) out.rules.push_back(static_cast<uint32_t>(__builtin_ctzll(m)));
  if (out.reason == Reason::ReviewRule) {
    const DecisionInfo& di = prog_.decisions[d];
    for (uint32_t i : out.rules)
      for (uint32_t p : di.rules[i].needs) out.missing.add(p);
  } else if (out.verdict == VerdictCode::Allow) {
    out.basis = rule_fast_[df.rule_base + static_cast<uint32_t>(__builtin_ctzll(rules))].basis;
  }
  verdict_ = static_cast<Value>(out.verdict);
  // The compiled code checked `oblige NAME for R, ...` and kept each name once.
  push_obliged(oblige_names_.data() + df.oblige_base, fr.out_obliged, out);
}

void Vm::resolve(uint32_t d, Outcome& out, const DecideOptions& opt) {
  const Value as_of = as_of_value(opt);
  // The decision compiled whole, when it is and coverage is not asked for; it leaves to
  // resolve_after what needs the traced path or a run-time error's place.
  resolve_after(d, out, as_of, native_ && !coverage_ ? run_native_decision(d, as_of) : kNativeInterpret);
}

void Vm::resolve_after(uint32_t d, Outcome& out, Value as_of, Value native) {
  if (native == kNativeDecided) {
    native_outcome(d, out);
    return;
  }
  const DecisionInfo& di = prog_.decisions[d];
  // Once per Outcome: its lists never grow after this, whatever the contact.
  if (out.rules.capacity() < max_rules_) out.rules.reserve(max_rules_);
  if (out.obligations.capacity() < max_obliges_) out.obligations.reserve(max_obliges_);
  const size_t n = di.rules.size();
  const uint32_t rb = decision_rule_base_[d];
  out.decision = static_cast<int32_t>(d);
  out.policy = static_cast<int32_t>(di.policy);
  const RuleFast* const fast = rule_fast_.data() + rb;
  // Which rules apply: one word for up to 64 rules (every real decision), else a vector.
  const bool small = n <= 64;
  uint64_t applies64 = 0;
  std::vector<uint64_t>& applies = applies_;
  if (!small) applies.assign((n + 63) / 64, 0);
  auto overridden = [&](size_t i) {
    return small ? (overridden64_[rb + i] & applies64) != 0 : Bits::intersects(overridden_by_[rb + i], applies);
  };
  uint64_t unknown64 = 0;
  const bool traced = native == kNativeStatesTraced;  // the missing facts named by compiled code
  const bool from_states = native == kNativeStates || native == kNativeStatesObliged || traced;
  if (traced)
    for (uint32_t w = 0; w < 4; ++w)
      for (uint64_t bits = frame_.out_missing[w]; bits; bits &= bits - 1)
        out.missing.add(w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits)));
  if (from_states) {
    // The compiled function evaluated every rule (without an error) and kept their
    // conditions in conds_; the traced path below names the missing facts.
    ++native_deferred_;
    ++native_states_;
    applies64 = frame_.out_rules;
    unknown64 = frame_.out_unknown;
    for (size_t i = 0; i < n; ++i)
      states_[i] = (applies64 >> i) & 1 ? kTrue : (unknown64 >> i) & 1 ? kUnknown : kFalse;
  } else if (native_ && !coverage_ && native_[prog_.functions.size() + d]) {
    ++native_deferred_;
  }
  for (size_t i = 0; !from_states && i < n; ++i) {
    Value s = fast[i].always ? kTrue : window_state(di.rules[i].window, as_of);
    if (s != kFalse) {
      Value c = eval(fast[i].cond);
      conds_[i] = c;
      cond_gen_[i] = gen_;
      s = and3(s, c);
    }
    if (!error_.empty()) {
      out.error = located_error("rule", prog_.str(di.rules[i].name), di.rules[i].pos);
      return;
    }
    states_[i] = s;
    if (small) {
      applies64 |= static_cast<uint64_t>(s == kTrue) << i;
      unknown64 |= static_cast<uint64_t>(s == kUnknown) << i;
    } else if (s == kTrue) {
      Bits::set(applies, i);
    }
  }
  if (coverage_)
    for (size_t i = 0; i < n; ++i)
      if (states_[i] == kFalse || (states_[i] == kTrue && overridden(i))) set_aside_[d][i] = true;
  // The rules in a state, in rule order: by their bits for a small decision (no branch
  // per rule to mispredict), else one by one.
  auto each = [&](Value state, auto f) {
    if (small) {
      for (uint64_t m = state == kTrue ? applies64 : unknown64; m; m &= m - 1) f(static_cast<size_t>(__builtin_ctzll(m)));
    } else {
      for (size_t i = 0; i < n; ++i)
        if (states_[i] == state) f(i);
    }
  };
  // Winners: applicable rules that no applicable rule overrides.
  int32_t first_winner = -1;
  bool conflict = false;
  each(kTrue, [&](size_t i) {
    if (overridden(i)) return;
    out.rules.push_back(static_cast<uint32_t>(i));
    if (first_winner < 0) {
      first_winner = static_cast<int32_t>(i);
    } else if (di.rules[i].verdict != di.rules[static_cast<size_t>(first_winner)].verdict && !conflict) {
      conflict = true;
      out.reason_a = first_winner;
      out.reason_b = static_cast<int32_t>(i);
    }
  });
  auto add_missing = [&](size_t i) {
    if (traced) return;
    const RuleInfo& r = di.rules[i];
    if (window_state(r.window, as_of) == kUnknown && prog_.schema.as_of_path >= 0)
      out.missing.add(static_cast<uint32_t>(prog_.schema.as_of_path));
    FactSet mask, reads;
    if (eval_traced(r.cond, mask, reads) == kUnknown) out.missing |= mask;
  };

  if (first_winner < 0) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::NoRuleApplies;
    each(kUnknown, [&](size_t i) {
      if (out.reason != Reason::Undetermined) {
        out.reason = Reason::Undetermined;
        out.reason_a = static_cast<int32_t>(i);
      }
      out.rules.push_back(static_cast<uint32_t>(i));
      add_missing(i);
    });
  } else if (conflict) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::Conflict;
  } else {
    const VerdictCode v = static_cast<VerdictCode>(di.rules[static_cast<size_t>(first_winner)].verdict);
    bool undetermined = false;
    if (v != VerdictCode::Review) {
      each(kUnknown, [&](size_t i) {
        if (overridden(i) || static_cast<VerdictCode>(di.rules[i].verdict) == v) return;
        if (!undetermined) {
          undetermined = true;
          out.reason = Reason::Undetermined;
          out.reason_a = static_cast<int32_t>(i);
        }
        out.rules.push_back(static_cast<uint32_t>(i));
        add_missing(i);
      });
      if (undetermined) std::sort(out.rules.begin(), out.rules.end());  // else in rule order already
    }
    if (undetermined) {
      out.verdict = VerdictCode::Review;
    } else {
      out.verdict = v;
      if (v == VerdictCode::Review) {
        out.reason = Reason::ReviewRule;
        out.reason_a = first_winner;
        for (uint32_t i : out.rules)
          for (uint32_t p : di.rules[i].needs) out.missing.add(p);
      } else if (v == VerdictCode::Allow) {
        out.basis = di.rules[static_cast<size_t>(first_winner)].basis;
      }
      if (coverage_)
        for (uint32_t i : out.rules) decisive_[d][i] = true;
    }
  }
  // The compiled function evaluated the obligations of this `review` already, none of
  // which can raise; unless the traced path above raised an error (the step limit),
  // which Vm::obligations reports at the first obligation it evaluates.
  if ((native == kNativeStatesObliged || traced) && error_.empty() && out.verdict == VerdictCode::Review) {
    ++native_states_obliged_;
    verdict_ = static_cast<Value>(out.verdict);
    frame_.verdict = verdict_;
    push_obliged(oblige_names_.data() + oblige_base_[d], frame_.out_obliged, out);
    return;
  }
  obligations(d, out);
}

void Vm::decide_decision(uint32_t d, Outcome& out, const DecideOptions& opt) {
  out.clear();
  begin_decision();
  const DecisionInfo& di = prog_.decisions[d];
  out.decision = static_cast<int32_t>(d);
  out.policy = static_cast<int32_t>(di.policy);
  // The policy's window holds for each of its decisions, asked for one by one too.
  Value in_force = window_state(prog_.policies[di.policy].window, as_of_value(opt));
  if (in_force != kTrue) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::PolicyNotInForce;
    if (in_force == kUnknown && prog_.schema.as_of_path >= 0)
      out.missing.add(static_cast<uint32_t>(prog_.schema.as_of_path));
    return;
  }
  Value g = eval(di.guard);
  if (!error_.empty()) {
    out.error = located_error("the condition of decision", prog_.str(di.name), di.pos);
    return;
  }
  if (g == kFalse) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::DecisionNotApplicable;
    out.reason_a = static_cast<int32_t>(d);
    return;
  }
  if (g == kUnknown) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::DecisionMayApply;
    out.reason_a = static_cast<int32_t>(d);
    FactSet mask, reads;
    eval_traced(di.guard, mask, reads);
    out.missing |= mask;
    return;
  }
  resolve(d, out, opt);
}

void Vm::decide_policy(uint32_t p, Outcome& out, const DecideOptions& opt) {
  begin_decision();
  const PolicyInfo& pi = prog_.policies[p];
  const Value as_of = as_of_of(opt, as_of_slot_, facts_);
  const Value in_force = window_of(pi.window, as_of);
  // The policy compiled whole: its guards, then the decision's function (native.h). The
  // outcome is cleared after it ran, by what fills it.
  const NativeFn f = in_force == kTrue && native_policies_fast_ ? native_policies_fast_[p] : nullptr;
  if (f) {
    NativeFrame& fr = frame_;
    fr.as_of = as_of;
    fr.steps = 0;  // steps_, new
    share_strings();
    const Value r = f(&fr);
    if (r == kNativeDecided) {
      ++native_policies_;
      steps_ = fr.steps;
      native_outcome(static_cast<uint32_t>(fr.out_decision), out);
      return;
    }
    out.clear();
    out.policy = static_cast<int32_t>(p);
    if (r == kNativeNoDecision) {
      ++native_policies_;
      steps_ = fr.steps;
      out.verdict = VerdictCode::Review;
      out.reason = Reason::NoDecisionApplies;
      return;
    }
    if (r == kNativeStates || r == kNativeStatesObliged || r == kNativeStatesTraced) {
      ++native_policies_;
      steps_ = fr.steps;
      resolve_after(static_cast<uint32_t>(fr.out_decision), out, as_of, r);
      return;
    }
    native_failed();
    interpret_policy(p, out, opt);
    return;
  }
  out.clear();
  out.policy = static_cast<int32_t>(p);
  if (in_force != kTrue) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::PolicyNotInForce;
    if (in_force == kUnknown && prog_.schema.as_of_path >= 0)
      out.missing.add(static_cast<uint32_t>(prog_.schema.as_of_path));
    return;
  }
  interpret_policy(p, out, opt);
}

void Vm::interpret_policy(uint32_t p, Outcome& out, const DecideOptions& opt) {
  const PolicyInfo& pi = prog_.policies[p];
  int32_t applies = -1;
  int32_t maybe = -1;
  for (uint32_t d : pi.decisions) {
    Value g = eval(prog_.decisions[d].guard);
    if (!error_.empty()) {
      out.error = located_error("the condition of decision", prog_.str(prog_.decisions[d].name), prog_.decisions[d].pos);
      return;
    }
    if (g == kTrue) {
      if (applies >= 0) {
        out.verdict = VerdictCode::Review;
        out.reason = Reason::DecisionsOverlap;
        out.reason_a = applies;
        out.reason_b = static_cast<int32_t>(d);
        return;
      }
      applies = static_cast<int32_t>(d);
    } else if (g == kUnknown && maybe < 0) {
      maybe = static_cast<int32_t>(d);
    }
  }
  if (maybe >= 0) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::DecisionMayApply;
    out.reason_a = maybe;
    for (uint32_t d : pi.decisions) {
      FactSet mask, reads;
      if (eval_traced(prog_.decisions[d].guard, mask, reads) == kUnknown) out.missing |= mask;
    }
    return;
  }
  if (applies < 0) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::NoDecisionApplies;
    return;
  }
  resolve(static_cast<uint32_t>(applies), out, opt);
}

// route_of is inlined by decide_routed: the outcome is written only when no policy is found.
inline int32_t Vm::route_of(Reason& why) const {
  why = Reason::NoPolicyForCountry;
  if (route_slot_ < 0) return -1;
  const Value c = facts_->slots[static_cast<size_t>(route_slot_)];
  if (c == kUnknown) {
    why = Reason::CountryUnknown;
    return -1;
  }
  std::string_view text = facts_->text(c);
  if (text.size() == 2) {  // an ISO code: by the table (every two-letter route is in it)
    const unsigned a = (static_cast<unsigned char>(text[0]) | 0x20u) - 'a';
    const unsigned b = (static_cast<unsigned char>(text[1]) | 0x20u) - 'a';
    if (a < 26 && b < 26) return route2_[a * 26 + b];
  }
  // Any other length: the routes are in country case, the contact's text is compared in it.
  auto before = [](const std::pair<std::string, int32_t>& route, std::string_view t) {
    const std::string& k = route.first;
    for (size_t i = 0; i < k.size() && i < t.size(); ++i) {
      const unsigned char a = static_cast<unsigned char>(k[i]), b = static_cast<unsigned char>(country_case(t[i]));
      if (a != b) return a < b;
    }
    return k.size() < t.size();
  };
  auto it = std::lower_bound(routes_.begin(), routes_.end(), text, before);
  if (it != routes_.end() && it->first.size() == text.size() && it->second >= 0) {
    bool same = true;
    for (size_t i = 0; i < text.size() && same; ++i) same = it->first[i] == country_case(text[i]);
    if (same) return it->second;
  }
  return -1;
}

void Vm::route_failed(Outcome& out, Reason why) const {
  out.verdict = VerdictCode::Review;
  out.reason = why;
  // Without a routing fact nothing is missing; else the country is.
  if (route_slot_ >= 0) out.missing.add(static_cast<uint32_t>(route_path_));
}

int32_t Vm::route(Outcome& out) {
  Reason why;
  const int32_t p = route_of(why);
  out.verdict = VerdictCode::Review;
  if (p < 0) route_failed(out, why);
  return p;
}

void Vm::decide_routed(Outcome& out, const DecideOptions& opt) {
  Reason why;
  const int32_t p = route_of(why);
  if (p >= 0) {
    decide_policy(static_cast<uint32_t>(p), out, opt);  // which clears the outcome
    return;
  }
  out.clear();
  route_failed(out, why);
}

void Vm::trace_decision(uint32_t d, DecisionTrace& trace, const DecideOptions& opt) {
  begin_decision();
  const DecisionInfo& di = prog_.decisions[d];
  FactSet gm;
  trace.guard_reads.clear();
  Value g = eval_traced(di.guard, gm, trace.guard_reads);
  trace.guard = g == kTrue ? RuleState::Applies : g == kFalse ? RuleState::NotApplicable : RuleState::Unknown;
  Value as_of = as_of_value(opt);
  trace.rules.assign(di.rules.size(), RuleTrace{});
  for (size_t i = 0; i < di.rules.size(); ++i) {
    RuleTrace& rt = trace.rules[i];
    Value w = window_state(di.rules[i].window, as_of);
    rt.window_excludes = w == kFalse;
    Value c = eval_traced(di.rules[i].cond, rt.missing, rt.reads);
    if (c != kUnknown) rt.missing.clear();
    if (w == kUnknown && prog_.schema.as_of_path >= 0) {
      rt.missing.add(static_cast<uint32_t>(prog_.schema.as_of_path));
      rt.reads.add(static_cast<uint32_t>(prog_.schema.as_of_path));
    }
    Value s = w == kFalse ? kFalse : and3(w, c);
    rt.state = s == kTrue ? RuleState::Applies : s == kFalse ? RuleState::NotApplicable : RuleState::Unknown;
  }
}

Value Vm::trace_let(uint32_t let, FactSet& reads) {
  if (let >= prog_.lets.size()) return kUnknown;
  FactSet mask;
  return call_let<true>(let, &mask, &reads);
}

}  // namespace lawful
