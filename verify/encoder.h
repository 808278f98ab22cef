// The encoding of a verified Program into Z3 (verify/README.md). It reads the bytecode,
// the same code the VM interprets and the native back end compiles, and executes it
// symbolically: every fact is a pair of Z3 terms (known, value), every instruction the
// formula of the VM's own case for it, every branch a fork of the path. Resolution
// (winners, overrides, conflicts, the undetermined rule) and decide_policy are encoded
// from runtime/vm/vm.cpp's rules, one formula per policy.
#pragma once

#include <z3++.h>

#include <map>
#include <utility>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/facts/fact_store.h"
#include "verify/verify.h"

namespace lawful::verify {

// Something the encoding does not cover: verify says "not proved", never "proved".
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One symbolic value: the VM's 64-bit word, split by what it holds.
struct SVal {
  enum Kind : uint8_t { Num, Str, List, Rec, Span } kind = Num;
  z3::expr known;  // Bool: the word is not "unknown"
  z3::expr num;    // Int: Num value; List count; Span first date
  z3::expr str;    // String (Str)
  z3::expr num2;   // Int: Span second date
  int64_t base = 0;     // List: first virtual slot; Rec: record's virtual slot
  uint32_t stride = 0;  // List: slots per element (0: scalars)
  bool is_const = false;
  int64_t cval = 0;  // the word, when is_const
  explicit SVal(z3::context& c) : known(c), num(c), str(c), num2(c) {}
};

// A fact slot of the virtual layout: the root records, then for every list a region of
// max_list elements (nested lists get theirs in turn).
struct VSlot {
  enum Kind : uint8_t { Scalar, Presence, List } kind = Scalar;
  TypeId type = 0;  // Scalar: its type; List: the element type
  bool has_default = false;
  int64_t default_value = 0;
  bool element = false;  // a scalar element of a list: always known
  uint32_t region = 0;   // List: first slot of the elements
  uint32_t stride = 0;   // List: slots per element (0: scalars, one slot each)
  std::string path;      // "contact.consents.given_at", for messages
};

// How the JSON of a root is laid out over the virtual slots.
struct JNode {
  std::string name;
  enum Kind : uint8_t { Scalar, Record, OptRecord, List } kind = Scalar;
  uint32_t slot = 0;  // Scalar and List: the slot; OptRecord: its presence slot
  std::vector<JNode> fields;             // Record, OptRecord
  std::vector<std::vector<JNode>> elems;  // List of records: each element's fields
  bool scalar_elems = false;              // List of scalars: elements at region + i
};

// The outcome of a decision of a policy, as terms.
struct SOutcome {
  z3::expr verdict;  // Int: VerdictCode
  z3::expr basis;    // Int: Basis member, -1 without
  std::vector<z3::expr> obliges;  // per obligation enum member: Bool, present in the record
  explicit SOutcome(z3::context& c) : verdict(c), basis(c) {}
};

// Per decision: each rule's state and whether it wins.
struct SRules {
  std::vector<z3::expr> applies;     // state true
  std::vector<z3::expr> unknown;     // state unknown
  std::vector<z3::expr> winner;      // applies and no applicable rule overrides it
  z3::expr reached;                  // decide_policy resolves this decision
  z3::expr verdict;                  // Int: its verdict when it is the one resolved
  explicit SRules(z3::context& c) : reached(c), verdict(c) {}
};

class Encoder {
 public:
  // With `values_of`: this encoding's facts have values_of's values, and only whether
  // each is known is its own (the missing-data check: the facts filled in). No loss: the
  // value of a fact that is absent is never read, so any refinement of values_of's facts
  // is one with the same values; and the date arithmetic on them is shared, not done twice.
  Encoder(z3::context& ctx, const Program& prog, const Options& opt, const std::string& prefix,
          const Encoder* values_of = nullptr);

  // The constraints every contact and campaign satisfies (domains, list bounds, dates).
  const std::vector<z3::expr>& domain() const { return domain_; }
  // Constraints the encoding added since the last call (the (year, month, day) of a date
  // that a duration is added to): the caller adds them to its solver, outside any
  // push/pop scope that a memoized definition could outlive.
  std::vector<z3::expr> take_side() { return std::exchange(side_, {}); }
  // What makes lower(), domain() and local_part() exact (verify/README.md): formulas true
  // of the VM's functions over the terms this encoding made. The encoding itself leaves
  // them functions the solver chooses (cheaper); a check adds these when a
  // counterexample does not replay.
  const std::vector<z3::expr>& exactness() const { return exact_; }
  // decide_policy(p): throws Unsupported.
  SOutcome decide_policy(uint32_t p);
  const SRules& rules_of(uint32_t d) const { return rules_.at(d); }
  // Decision d asked for alone (Vm::decide_decision), once decide_policy of its policy ran.
  const SOutcome& decision_outcome(uint32_t d) const { return alone_.at(d); }
  // A condition function (a property's `when`) is true: throws Unsupported naming `what`.
  z3::expr condition(uint32_t fn, const std::string& what);
  // The contact's facts refine another encoder's: every fact known there is known here
  // with the same value (the missing-data check).
  z3::expr refines(const Encoder& less) const;
  // contact.country is one that routes to policy p (when the program has a router), in
  // any letter case, as the router matches it (runtime/bytecode/routes.h).
  z3::expr routed_to(uint32_t p) const;
  // The model's facts as JSON (contact, campaign).
  // literal: as a `test` block writes it (`{ entity: company, send_date: 2026-01-01 }`).
  std::string root_json(const z3::model& m, const std::string& root, bool literal = false) const;
  // The facts of a bound FactStore (the differential test): one conjunction.
  z3::expr equals_facts(const FactStore& fs) const;

  const std::vector<VSlot>& slots() const { return slots_; }
  z3::context& ctx() { return ctx_; }

 private:
  struct Path {
    std::vector<SVal> st, loc;
    z3::expr cond;
    uint32_t pc;
  };
  std::vector<std::pair<z3::expr, SVal>> run_function(uint32_t fn, const z3::expr* verdict);
  SVal eval_function(uint32_t fn, const z3::expr* verdict);
  SVal merge(const std::vector<std::pair<z3::expr, SVal>>& outs);
  SVal load_slot(int64_t slot);
  SVal mk_bool(const z3::expr& known, const z3::expr& b);
  SVal mk_const(int64_t w);
  SVal unknown();
  z3::expr as_str(const SVal& v);
  // A string constant whose text the encoding knows (text_of gives it back).
  z3::expr text_val(const std::string& s);
  bool text_of(const z3::expr& e, std::string& out) const;
  // lower(t) == c, exactly as the VM lowers (ASCII capitals, byte by byte).
  z3::expr lower_equals(const z3::expr& t, const std::string& c) const;
  // a == b; when one is lower(t) and the other a known text, with its exactness.
  z3::expr str_equals(const z3::expr& a, const z3::expr& b);
  // s's parts around its last '@' (when it has one), memoized by term.
  std::pair<z3::expr, z3::expr> split_at_last_at(const z3::expr& s);
  // Conjunction, disjunction and negation that fold the constants true and false as
  // they build (no simplify() over large terms at every branch).
  z3::expr conj(const z3::expr& a, const z3::expr& b) {
    if (a.is_true() || b.is_false()) return b;
    if (b.is_true() || a.is_false()) return a;
    return a && b;
  }
  z3::expr disj(const z3::expr& a, const z3::expr& b) {
    if (a.is_false() || b.is_true()) return b;
    if (b.is_false() || a.is_true()) return a;
    return a || b;
  }
  z3::expr neg(const z3::expr& a) {
    if (a.is_true()) return ctx_.bool_val(false);
    if (a.is_false()) return ctx_.bool_val(true);
    return !a;
  }
  z3::expr truth(const SVal& v) {
    if (v.is_const) return ctx_.bool_val(v.cval == 1);
    return conj(v.known, v.num == 1);
  }
  z3::expr falsity(const SVal& v) {
    if (v.is_const) return ctx_.bool_val(v.cval == 0);
    return conj(v.known, v.num == 0);
  }
  z3::expr add_duration(const z3::expr& d, int32_t months, int32_t days, int sign);
  z3::expr days_from_civil(const z3::expr& y, const z3::expr& m, const z3::expr& d);
  uint32_t alloc_record(uint32_t rec, uint32_t base, std::vector<JNode>& out, const std::string& prefix, bool in_list);
  void json_fields(std::string& out, const z3::model& m, const std::vector<JNode>& fields, bool lit) const;
  void json_scalar(std::string& out, const z3::model& m, uint32_t slot, bool lit) const;
  void bind_record(z3::expr_vector& eqs, const FactStore& fs, uint32_t rec, uint32_t vbase, uint64_t rbase) const;
  SVal window_state(const Window& w, const SVal& as_of);
  template <class F>
  SVal located(const SourcePos& pos, const char* what, uint32_t name, F f);

 public:
  std::string where(const SourcePos& pos) const;

 private:
  SVal as_of();

  z3::context& ctx_;
  const Program& prog_;
  Options opt_;
  std::string prefix_;
  std::vector<VSlot> slots_;
  std::vector<z3::expr> known_, val_, str_;  // per slot
  std::vector<z3::expr> domain_;
  std::vector<z3::expr> side_;
  std::map<unsigned, std::vector<z3::expr>> civil_;  // a date term's id: its (year, month, day) and the term
  std::vector<JNode> roots_;                 // per root: a Record node
  std::map<uint32_t, SVal> lets_;
  std::map<uint32_t, SRules> rules_;
  std::map<uint32_t, SOutcome> alone_;
  z3::func_decl lower_, domain_fn_, local_fn_;
  std::vector<z3::expr> exact_;
  // By term id, with the term (kept, so that its id is not reused): a string constant's
  // text; a string's parts around its last '@'.
  std::map<unsigned, std::pair<z3::expr, std::string>> texts_;
  std::map<unsigned, std::vector<z3::expr>> splits_;  // the string, the part before, after
  std::set<std::pair<unsigned, std::string>> exact_done_;
  unsigned fresh_ = 0;
  std::set<std::pair<uint32_t, uint32_t>> index_locals_;  // (function, local): a quantifier's index
};

// Z3 rejects no string text, but `lawful check` needs JSON: escapes it.
std::string json_string(const std::string& s);

}  // namespace lawful::verify
