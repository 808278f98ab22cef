// The virtual machine: runs a verified Program's functions over one FactStore and
// resolves decisions as LANGUAGE.md says (rules, overrides, conflicts, unknowns). One
// Vm per thread; it keeps its stacks and caches between decisions and allocates nothing
// per decision in the steady state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/facts/fact_store.h"
#include "runtime/vm/native.h"

namespace lawful {

struct DecideOptions {
  std::optional<Days> as_of;  // instead of the facts' own date (campaign.send_date)
};

// What explain needs beyond the outcome: every rule's state and the facts it read.
struct RuleTrace {
  RuleState state = RuleState::NotApplicable;
  bool window_excludes = false;
  FactSet reads;
  FactSet missing;
};
struct DecisionTrace {
  RuleState guard = RuleState::Applies;
  FactSet guard_reads;
  std::vector<RuleTrace> rules;
};

// What one decision may take. Loops are the only code that runs more than once per
// decision (a quantifier over a list, nested ones multiply), so their steps are counted;
// a decision that needs more stops with an error record instead of running for hours.
struct VmLimits {
  uint64_t max_steps = 100'000'000;  // quantifier steps (elements visited) per decision
};

class Vm {
 public:
  // The program must have passed the verifier.
  explicit Vm(const Program& prog, const VmLimits& limits = {});

  FactStore& facts() { return *facts_; }
  // Decide over another store (bound by the caller, for the same program) until told
  // otherwise; null returns to the Vm's own store. Lets a caller keep many contacts
  // bound and decide them in turn without copying.
  void use_facts(FactStore* fs) { facts_ = fs ? fs : &own_facts_; }
  const Program& program() const { return prog_; }

  // Machine code for the program's functions (runtime/jit/: one per function, same
  // index, then one per decision, native.h), or null to interpret. The caller keeps it
  // alive while this Vm uses it. The functions replace exec() on the fast path; a
  // decision's replaces resolve() except where it needs the traced path that finds
  // missing facts, or a run-time error's place (resolve_after), and coverage; a
  // policy's replaces decide_policy's guard loop.
  void use_native(const NativeFn* fns) {
    native_ = fns;
    native_decisions_ = fns ? fns + prog_.functions.size() : nullptr;
    native_policies_fn_ = fns ? native_decisions_ + prog_.decisions.size() : nullptr;
    native_policies_fast_ = coverage_ ? nullptr : native_policies_fn_;
  }
  bool native() const { return native_ != nullptr; }
  // Decisions resolved by their compiled function, and handed back by it to resolve()
  // (for tests/jit, which checks that each way was taken).
  uint64_t native_resolved() const { return native_resolved_; }
  uint64_t native_deferred() const { return native_deferred_; }
  // Of the deferred, those finished from the rule states the compiled function gave
  // (native.h, kNativeStates); and the policies whose compiled function chose the
  // decision (decide_policy).
  uint64_t native_states() const { return native_states_; }
  uint64_t native_policies() const { return native_policies_; }
  // Of the states, those whose obligations the compiled function evaluated too
  // (kNativeStatesObliged).
  uint64_t native_states_obliged() const { return native_states_obliged_; }

  // Through the router (by the contact's country).
  void decide_routed(Outcome& out, const DecideOptions& opt = {});
  // All decisions of one policy, by their conditions.
  void decide_policy(uint32_t policy, Outcome& out, const DecideOptions& opt = {});
  // One decision.
  void decide_decision(uint32_t decision, Outcome& out, const DecideOptions& opt = {});

  // Re-evaluates a decision with tracing, for explain. Call after a decide_* call on the
  // same facts.
  void trace_decision(uint32_t decision, DecisionTrace& trace, const DecideOptions& opt = {});
  // A definition's value in the decision trace_decision last traced (computed now if its
  // rules did not need it), and the facts it read. Call after trace_decision.
  Value trace_let(uint32_t let, FactSet& reads);
  // The policy the router picks for the bound contact, or -1 (and why in `out`).
  int32_t route(Outcome& out);

  // Coverage, per decision and rule, over every decision resolved with coverage on:
  // the rules that decided, and the rules shown not to apply (their window or condition
  // false, or overridden by a rule that applies).
  const std::vector<std::vector<bool>>& decisive() const { return decisive_; }
  const std::vector<std::vector<bool>>& set_aside() const { return set_aside_; }
  void record_coverage(bool on) {
    coverage_ = on;
    native_policies_fast_ = coverage_ ? nullptr : native_policies_fn_;
  }
  // The date effective windows are read at for the bound facts: `opt.as_of`, else the
  // campaign's send date, else unknown (test coverage reports it per window).
  Value as_of_value(const DecideOptions& opt) const;

  // How the fast path computes function fn, and the code it runs (the program's, with
  // jumps threaded and sequences fused: fused.def): for tests that check it fires.
  enum class FastForm : uint8_t { Code, CampaignOnly, Native, JustLet, Tiny, Chain };
  FastForm fast_form(uint32_t fn) const;
  const std::vector<uint32_t>& fast_code() const { return fast_code_; }

  // Functions that are a chain of simple tests all joined by `and`, or all by `or` (a
  // rule `when corporate_subscriber and organisation_mailbox`, an obligation `when
  // verdict == allow and ... and not campaign.lia_recorded`), computed term by term
  // without a frame, stopping at the first false (true for `or`) as the code does.
  // The VM's own; public only for the code analysis in vm.cpp.
  struct Term {
    enum Kind : uint8_t { Let, Slot, NotSlot, SlotEq, SlotNe, SlotInSet, VerdictEq, LetEq, LetNe } kind;
    uint32_t a;  // a slot or a definition
    Value imm;
  };
  struct Chain {
    bool is_or = false;
    uint32_t first = 0, count = 0;  // terms_[first, first + count); 0: not a chain
  };
 private:
  template <bool kTrace>
  Value exec(uint32_t fn, FactSet* mask, FactSet* reads);
  template <bool kTrace>
  Value call_let(uint32_t let, FactSet* mask, FactSet* reads);
  Value eval(int32_t fn) {
    if (fn < 0) return kTrue;
    const size_t f = static_cast<size_t>(fn);
    if (campaign_only_[f]) return eval_campaign_only(static_cast<uint32_t>(fn));
    if (native_ && native_[f]) return eval_native(static_cast<uint32_t>(fn));  // null: inlined only (runtime/jit)
    if (only_let_[f] >= 0) return call_let<false>(static_cast<uint32_t>(only_let_[f]), nullptr, nullptr);
    const Tiny& t = tiny_[f];
    if (t.kind != Tiny::None) return eval_tiny(t);
    if (chain_[f].count) return eval_chain(chain_[f]);
    return exec<false>(static_cast<uint32_t>(fn), nullptr, nullptr);
  }
  Value eval_chain(const Chain& c);
  // Functions of one test on a fact (a rule `when contact.entity == unknown`, a
  // definition `contact.objected or contact.suppressed`), computed without a frame.
  struct Tiny {
    enum Kind : uint8_t { None, SlotEq, SlotInSet, SlotOrSlot } kind = None;
    uint32_t a = 0, b = 0;  // slots
    Value imm = 0;
  };
  Value eval_tiny(const Tiny& t) const {
    const Value* slots = facts_->slots.data();
    Value x = slots[t.a];
    switch (t.kind) {
      case Tiny::SlotEq: return x == kUnknown ? kUnknown : (x == t.imm ? kTrue : kFalse);
      case Tiny::SlotInSet:
        return x == kUnknown ? kUnknown : (x >= 0 && x < 64 && ((static_cast<uint64_t>(t.imm) >> x) & 1)) ? kTrue : kFalse;
      case Tiny::SlotOrSlot: {
        if (x == kTrue) return kTrue;
        Value y = slots[t.b];
        if (y == kTrue) return kTrue;
        return x == kUnknown || y == kUnknown ? kUnknown : kFalse;
      }
      default: return kUnknown;
    }
  }
  Value eval_campaign_only(uint32_t fn);
  Value eval_native(uint32_t fn);
  // Before each call of compiled code: the facts' strings as they are now (the
  // interpreter's builtins may have grown them since the decision began).
  void share_strings() {
    frame_.strings = facts_->strings.data();
    frame_.nstrings = facts_->strings.size();
  }
  Value eval_traced(int32_t fn, FactSet& mask, FactSet& reads);
  Value window_state(const Window& w, Value as_of) const;
  void begin_decision();
  void next_generation();  // a new generation of the per-decision caches
  // The decision's compiled function, run: what it returned (native.h), after which
  // resolve_after finishes; kNativeInterpret when there is none or it failed.
  Value run_native_decision(uint32_t decision, Value as_of);
  // After compiled code that failed: the decision starts again, its definitions forgotten.
  void native_failed();
  void resolve(uint32_t decision, Outcome& out, const DecideOptions& opt);
  // The rest of resolve, once `native` (what run_native_decision returned) is known.
  void resolve_after(uint32_t decision, Outcome& out, Value as_of, Value native);
  void native_outcome(uint32_t decision, Outcome& out);
  // decide_policy once the policy is in force and its compiled function did not decide:
  // the decisions' guards interpreted, in order, then the one that applies resolved.
  void interpret_policy(uint32_t policy, Outcome& out, const DecideOptions& opt);
  // The policy the router picks for the bound contact's country, or -1 with why (route).
  int32_t route_of(Reason& why) const;
  void route_failed(Outcome& out, Reason why) const;
  void obligations(uint32_t decision, Outcome& out);
  bool runtime_error(uint32_t pc, const char* what);
  // The run-time error, said where it happened: "<what> in rule 'far' (uk.law:3:3;
  // bytecode 2)". `kind` and `name` say which part of the policy was being evaluated;
  // the position is the failing expression's (Program::span_at), or else `pos`, where
  // that part is declared.
  std::string located_error(const char* kind, const std::string& name, const SourcePos& pos) const;

  const Program& prog_;
  const NativeFn* native_ = nullptr;
  const NativeFn* native_decisions_ = nullptr;   // native_'s decisions, then
  const NativeFn* native_policies_fn_ = nullptr;  // its policies (native.h)
  const NativeFn* native_policies_fast_ = nullptr;  // the same, null while coverage is recorded
  uint64_t native_resolved_ = 0, native_deferred_ = 0, native_states_ = 0, native_policies_ = 0,
           native_states_obliged_ = 0;
  NativeFrame frame_;
  // The code the fast path runs: the program's, with jumps threaded and common
  // sequences fused into instructions of the VM's own (see fuse() in vm.cpp). The
  // tracing path runs the program's code as it is.
  std::vector<uint32_t> fast_code_;
  FactStore own_facts_;
  FactStore* facts_;
  std::vector<Value> stack_;
  std::vector<FactSet> masks_;       // parallel to stack_ when tracing
  std::vector<FactSet> if_masks_;    // conditions of `if`s evaluated both ways
  size_t sp_ = 0;
  std::vector<Value> let_value_;
  std::vector<uint32_t> let_gen_;
  std::vector<FactSet> let_mask_;
  std::vector<FactSet> let_reads_;
  std::vector<uint32_t> let_tgen_;
  // The compiled traced path's own cache of definitions (NativeFrame::tlet_*).
  std::vector<uint32_t> tlet_gen_;
  std::vector<Value> tlet_value_;
  std::vector<uint64_t> tlet_mask_;
  uint32_t gen_ = 0;
  VmLimits limits_;
  uint64_t steps_ = 0;
  std::string steps_error_;
  Value verdict_ = kUnknown;
  std::string error_;      // the first run-time error of the decision, or empty
  uint32_t error_pc_ = 0;  // where in the code it happened
  // Per-decision scratch.
  std::vector<Value> states_;
  // Per decision, its obligations in order (oblige_steps_[oblige_base_[d],
  // oblige_base_[d + 1])): the verdict its condition starts with (`when verdict == allow
  // and ...`), -1 if none; whether that comparison is all of it; and the rule whose
  // condition is the same code as the rest (`... and valid_for(...)` repeats a rule's
  // `when`), else -1: resolve keeps the rules' values in conds_, with cond_gen_ telling
  // which it computed, so the obligation reuses them. oblige_unique_: no obligation is
  // named twice in the decision, so none needs looking for in the outcome first.
  // for_begin, for_count: the rules of `oblige NAME for R, ...` (oblige_for_), one of
  // which must have decided; none: any.
  struct ObligeStep {
    int32_t verdict = -1;
    int32_t rule = -1;
    int32_t fn = -1;
    uint32_t name = 0;
    uint32_t for_begin = 0, for_count = 0;
    uint8_t always = 0;
  };
  std::vector<uint32_t> oblige_for_;
  // Whether one of an `oblige NAME for R, ...`'s rules decided `out` (listed, with its
  // verdict, and with `states_known` applying for certain in states_).
  bool oblige_for_decided(const ObligeStep& o, uint32_t d, const Outcome& out, bool states_known) const;
  std::vector<ObligeStep> oblige_steps_;
  std::vector<uint32_t> oblige_names_;  // oblige_steps_' names, packed: an outcome's from a mask of them
  std::vector<uint32_t> oblige_base_;
  std::vector<uint8_t> oblige_unique_;
  std::vector<Value> conds_;
  std::vector<uint32_t> cond_gen_;  // gen_ of the decision that computed conds_[i]
  // Per decision rule (at decision_rule_base_): what resolve reads of it for every
  // contact, side by side.
  struct RuleFast {
    int32_t cond;
    int32_t basis;   // RuleInfo::basis, for the outcome of an `allow`
    uint8_t always;  // no effective window
  };
  std::vector<RuleFast> rule_fast_;
  // Per decision, what native_outcome reads of it: its policy, its first rule in
  // rule_fast_ and first obligation in oblige_names_.
  struct DecisionFast {
    uint32_t policy, rule_base, oblige_base;
  };
  std::vector<DecisionFast> decision_fast_;
  std::vector<uint64_t> applies_;
  size_t max_rules_ = 0;
  size_t max_obliges_ = 0;
  std::vector<std::vector<uint64_t>> overridden_by_;  // per decision rule: bitset of rules overriding it
  std::vector<uint32_t> decision_rule_base_;
  std::vector<uint64_t> overridden64_;  // the same as one word, for decisions of at most 64 rules
  // Functions that read the campaign's facts only (the guard `campaign.channel in
  // {email, sms}`, a sender's identification) give the same value for every contact:
  // computed once per campaign (FactStore::campaign_epoch).
  std::vector<uint8_t> campaign_only_;
  std::vector<Tiny> tiny_;
  std::vector<Chain> chain_;  // per function
  std::vector<Term> terms_;
  std::vector<int32_t> only_let_;  // a function that is `Let k; Ret` (a rule `when name`): k, else -1
  std::vector<Value> campaign_value_;
  std::vector<uint64_t> campaign_value_epoch_;
  std::vector<std::vector<std::string_view>> sorted_sets_;  // string sets, sorted, for lookup
  std::vector<std::pair<std::string, int32_t>> routes_;     // sorted by country
  std::vector<int32_t> route2_;  // two-letter countries, 26 * 26, in either case: the policy or -1
  int32_t route_slot_ = -1;
  int32_t route_path_ = -1;
  int32_t as_of_slot_ = -1;
  std::vector<std::vector<bool>> decisive_;
  std::vector<std::vector<bool>> set_aside_;
  bool coverage_ = false;
};


}  // namespace lawful
