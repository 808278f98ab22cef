// The interpreter loop and decision resolution; see vm.h.
//
// exec<false> is the fast path: values only. exec<true> also carries, beside every
// value, the set of absent facts it came from (to fill `missing`) and collects every
// fact read (for explain); it runs only when a decision needs it.
#include "runtime/vm/vm.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <iterator>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/routes.h"
#include "runtime/vm/builtins.h"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(LAWFUL_VM_SWITCH)
#define LAW_COMPUTED_GOTO 1
// Labels as values are an extension of GCC and Clang.
#pragma GCC diagnostic ignored "-Wpedantic"
#else
#define LAW_COMPUTED_GOTO 0
#endif

namespace lawful {

namespace {

inline Value and3(Value a, Value b) {
  if (a == kFalse || b == kFalse) return kFalse;
  if (a == kUnknown || b == kUnknown) return kUnknown;
  return kTrue;
}
inline Value or3(Value a, Value b) {
  if (a == kTrue || b == kTrue) return kTrue;
  if (a == kUnknown || b == kUnknown) return kUnknown;
  return kFalse;
}

struct Bits {
  static bool test(const std::vector<uint64_t>& v, size_t i) { return (v[i >> 6] >> (i & 63)) & 1; }
  static void set(std::vector<uint64_t>& v, size_t i) { v[i >> 6] |= uint64_t{1} << (i & 63); }
  static bool intersects(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] & b[i]) return true;
    return false;
  }
};

// The fused instructions (runtime/bytecode/fused.def) as the fast path's code words.
constexpr uint32_t fused(Fused f, uint32_t a = 0) { return static_cast<uint32_t>(f) | (a << 8); }
constexpr size_t words_of(Fused f) { return fused_words(f); }


// Whether code[a, a + n) and code[b, b + n) are the same instructions, jumps landing at
// the same places relative to their starts (and within them), reading no verdict.
bool same_code(const Program& prog, uint32_t a, uint32_t b, uint32_t n) {
  const std::vector<uint32_t>& code = prog.code;
  if (a + n > code.size() || b + n > code.size()) return false;
  auto inside = [&](uint32_t t, uint32_t start) { return t >= start && t <= start + n; };
  for (uint32_t i = 0; i < n;) {
    Op op = decode_op(code[a + i]);
    if (decode_op(code[b + i]) != op || op == Op::LoadVerdict || op >= Op::Count_) return false;
    OpFormat f = op_info(op).format;
    const int words = op_words(f);
    if (i + static_cast<uint32_t>(words) > n) return false;
    // Equal apart from their jump targets, which land at the same relative places.
    for (int k = 0; k < words; ++k)
      if ((code[a + i + k] & ~jump_bits(f, k)) != (code[b + i + k] & ~jump_bits(f, k))) return false;
    uint32_t ta[2], tb[2];
    int na = 0, nb = 0;
    for_each_jump_target(code.data(), a + i, [&](uint32_t t) { ta[na++] = t; });
    for_each_jump_target(code.data(), b + i, [&](uint32_t t) { tb[nb++] = t; });
    for (int k = 0; k < na; ++k)
      if (!inside(ta[k], a) || !inside(tb[k], b) || ta[k] - a != tb[k] - b) return false;
    i += static_cast<uint32_t>(words);
  }
  return true;
}

std::vector<uint32_t> fuse(const Program& prog) {
  std::vector<uint32_t> code = prog.code;
  const size_t n = code.size();
  // Where jumps land.
  std::vector<bool> target(n + 1, false);
  for (size_t pc = 0; pc < n;) {
    for_each_jump_target(code.data(), static_cast<uint32_t>(pc), [&](uint32_t t) { target[t] = true; });
    pc += static_cast<size_t>(op_words(op_info(decode_op(code[pc])).format));
  }
  auto op_at = [&](size_t pc) { return pc < n ? decode_op(prog.code[pc]) : Op::Count_; };
  // Thread jumps: a jump to a jump goes straight on; a "keep" jump whose value decides
  // the next conditional jump goes where that one would.
  for (size_t pc = 0; pc < n;) {
    uint32_t w = code[pc];
    Op op = decode_op(w);
    if (op == Op::Jump || op == Op::JumpIfFalseKeep || op == Op::JumpIfTrueKeep) {
      uint32_t t = decode_a(w);
      for (int hops = 0; hops < 16 && t < n; ++hops) {
        Op at = op_at(t);
        if (at == Op::Jump) t = decode_a(prog.code[t]);
        else if (op != Op::Jump && at == op) t = decode_a(prog.code[t]);
        else if ((op == Op::JumpIfFalseKeep && at == Op::JumpIfTrueKeep) ||
                 (op == Op::JumpIfTrueKeep && at == Op::JumpIfFalseKeep))
          t = t + 1;
        else break;
      }
      code[pc] = encode(op, t);
    }
    pc += static_cast<size_t>(op_words(op_info(op).format));
  }
  // Fuse.
  auto inside_free = [&](size_t pc, size_t len) {
    for (size_t i = pc + 1; i < pc + len; ++i)
      if (i >= n || target[i]) return false;
    return true;
  };
  for (size_t pc = 0; pc < n;) {
    uint32_t w = prog.code[pc];
    Op op = decode_op(w);
    size_t len = static_cast<size_t>(op_words(op_info(op).format));
    if (op == Op::LoadLocal) {
      if (op_at(pc + 1) == Op::PushInt && op_at(pc + 2) == Op::Eq && op_at(pc + 3) == Op::JumpIfFalseKeep &&
          inside_free(pc, 4)) {
        code[pc] = fused(Fused::EqLocalImmJumpIfFalse, decode_a(w));
        len = words_of(Fused::EqLocalImmJumpIfFalse);
      } else if (op_at(pc + 1) == Op::LoadField && op_at(pc + 2) == Op::PushInt && op_at(pc + 3) == Op::Eq && inside_free(pc, 4)) {
        code[pc] = fused(Fused::EqLocalFieldImm, decode_a(w));
        len = words_of(Fused::EqLocalFieldImm);
      } else if (op_at(pc + 1) == Op::LoadField && inside_free(pc, 2)) {
        code[pc] = fused(Fused::LoadLocalField, decode_a(w));
        len = words_of(Fused::LoadLocalField);
      } else if (op_at(pc + 1) == Op::PushInt && op_at(pc + 2) == Op::Eq && inside_free(pc, 3)) {
        code[pc] = fused(Fused::EqLocalImm, decode_a(w));
        len = words_of(Fused::EqLocalImm);
      } else if (op_at(pc + 1) == Op::StoreLocal && op_at(pc + 2) == Op::LoadLocal && op_at(pc + 3) == Op::LoadField &&
                 decode_a(prog.code[pc + 1]) == decode_a(prog.code[pc + 2]) && inside_free(pc, 4)) {
        code[pc] = fused(Fused::CopyLoadField, decode_a(w));
        len = words_of(Fused::CopyLoadField);
      } else if (op_at(pc + 1) == Op::StoreLocal && op_at(pc + 2) == Op::LoadLocal && op_at(pc + 3) == Op::StoreLocal &&
                 inside_free(pc, 4)) {
        code[pc] = fused(Fused::CopyLocal2, decode_a(w));
        len = words_of(Fused::CopyLocal2);
      } else if (op_at(pc + 1) == Op::StoreLocal && inside_free(pc, 2)) {
        code[pc] = fused(Fused::CopyLocal, decode_a(w));
        len = words_of(Fused::CopyLocal);
      }
    } else if (op == Op::PushInt && inside_free(pc, 2) &&
               (op_at(pc + 1) == Op::Eq || op_at(pc + 1) == Op::StrEq || op_at(pc + 1) == Op::InSet)) {
      Op next = op_at(pc + 1);
      Fused f = next == Op::Eq ? Fused::EqImm : next == Op::StrEq ? Fused::ImmStrEq : Fused::ImmInSet;
      code[pc] = fused(f, decode_a(w));
      len = words_of(f);
    } else if (op == Op::Builtin && static_cast<BuiltinId>(decode_a(w)) == BuiltinId::Lower) {
      auto lower_at = [&](size_t at) {
        return op_at(at) == Op::Builtin && static_cast<BuiltinId>(decode_a(prog.code[at])) == BuiltinId::Lower;
      };
      if (op_at(pc + 1) == Op::PushInt && op_at(pc + 2) == Op::StrEq && inside_free(pc, 3)) {
        code[pc] = fused(Fused::LowerImmStrEq);  // the string is the PushInt's, read from there
        len = words_of(Fused::LowerImmStrEq);
      } else if (op_at(pc + 1) == Op::LoadSlot && lower_at(pc + 2) && op_at(pc + 3) == Op::StrEq && inside_free(pc, 4)) {
        code[pc] = fused(Fused::LowerSlotLowerStrEq);  // the slot is the LoadSlot's
        len = words_of(Fused::LowerSlotLowerStrEq);
      }
    } else if (op == Op::And && op_at(pc + 1) == Op::JumpIfTrueKeep && inside_free(pc, 2)) {
      code[pc] = fused(Fused::AndJumpIfTrue);
      len = words_of(Fused::AndJumpIfTrue);
    } else if (op == Op::Or && op_at(pc + 1) == Op::JumpIfFalseKeep && inside_free(pc, 2)) {
      code[pc] = fused(Fused::OrJumpIfFalse);
      len = words_of(Fused::OrJumpIfFalse);
    } else if (op == Op::Not && op_at(pc + 1) == Op::And && op_at(pc + 2) == Op::JumpIfFalseKeep && inside_free(pc, 3)) {
      code[pc] = fused(Fused::NotAndJumpIfFalse);
      len = words_of(Fused::NotAndJumpIfFalse);
    } else if (op == Op::And && op_at(pc + 1) == Op::And && inside_free(pc, 2)) {
      code[pc] = fused(Fused::AndAnd);
      len = words_of(Fused::AndAnd);
    } else if (op == Op::Or && op_at(pc + 1) == Op::JumpIfTrueKeep && inside_free(pc, 2)) {
      code[pc] = fused(Fused::OrJumpIfTrue);
      len = words_of(Fused::OrJumpIfTrue);
    } else if ((op == Op::AnyStep || op == Op::AllStep) && op_at(pc + 2) == Op::Jump && inside_free(pc, 3)) {
      const Fused f = op == Op::AnyStep ? Fused::AnyStepJump : Fused::AllStepJump;
      code[pc] = fused(f, decode_a(w));
      len = words_of(f);
    } else if (op == Op::And && op_at(pc + 1) == Op::JumpIfFalseKeep && inside_free(pc, 2)) {
      code[pc] = fused(Fused::AndJumpIfFalse);
      len = words_of(Fused::AndJumpIfFalse);
    } else if (op == Op::LoadSlot && inside_free(pc, 2) &&
               (op_at(pc + 1) == Op::Le || op_at(pc + 1) == Op::Gt || op_at(pc + 1) == Op::StrEq)) {
      Op next = op_at(pc + 1);
      Fused f = next == Op::Le ? Fused::SlotLe : next == Op::Gt ? Fused::SlotGt : Fused::SlotStrEq;
      code[pc] = fused(f, decode_a(w));
      len = words_of(f);
    }
    pc += len;
  }
  return code;
}

// Which functions read only constants and the campaign's own slots (directly or through
// definitions that do), and so give one value per campaign. Conservative: locals,
// quantifiers, builtins and the verdict make a function depend on the contact.
std::vector<bool> campaign_only(const Program& prog) {
  const size_t nf = prog.functions.size();
  std::vector<bool> only(nf, false);
  int root = prog.schema.find_root("campaign");
  if (root < 0) return only;
  const RootDef& r = prog.schema.roots[static_cast<size_t>(root)];
  const uint64_t lo = r.base, hi = r.base + prog.schema.records[r.record].size;
  auto in_campaign = [&](uint64_t slot) { return slot >= lo && slot < hi; };
  // 0 unknown yet, 1 yes, 2 no; definitions do not recurse (the verifier checks), so a
  // depth-first walk ends.
  std::vector<int> state(nf, 0);
  std::function<bool(uint32_t)> check = [&](uint32_t fi) -> bool {
    if (state[fi]) return state[fi] == 1;
    state[fi] = 2;
    const Function& f = prog.functions[fi];
    bool ok = true;
    for (uint32_t pc = f.begin; pc < f.end && ok;) {
      uint32_t w = prog.code[pc];
      Op op = decode_op(w);
      switch (op) {
        case Op::PushInt: case Op::PushConst: case Op::PushUnknown: case Op::Not: case Op::And: case Op::Or:
        case Op::Known: case Op::MergeIf: case Op::Jump: case Op::JumpIfFalseKeep: case Op::JumpIfTrueKeep:
        case Op::Branch3: case Op::Ret: case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        case Op::StrEq: case Op::StrNe: case Op::Add: case Op::Sub: case Op::Mul: case Op::Neg: case Op::DateAdd:
        case Op::DateSub: case Op::DateDiff: case Op::SpanSplit: case Op::DurAdd: case Op::InSet: case Op::InStrSet:
        case Op::SubRecord: case Op::LoadField:
          break;  // on values that can only have come from the campaign
        case Op::LoadSlot: ok = in_campaign(decode_a(w)); break;
        case Op::RecordRef: {
          uint32_t presence = prog.code[pc + 1];
          ok = in_campaign(decode_a(w)) && (presence == kNone || in_campaign(presence));
          break;
        }
        case Op::Let: ok = check(prog.lets[decode_a(w)].fn); break;
        default: ok = false;  // locals, lists, quantifiers, builtins, the verdict
      }
      pc += static_cast<uint32_t>(op_words(op_info(op).format));
    }
    state[fi] = ok ? 1 : 2;
    return ok;
  };
  for (uint32_t fi = 0; fi < nf; ++fi) only[fi] = check(fi);
  return only;
}

// One simple test at code[pc] for a chain (see Vm::Chain): its term and where the code
// after it begins, or false.
bool chain_term(const Program& prog, uint32_t pc, uint32_t end, size_t nslots, Vm::Term& t, uint32_t& next) {
  auto op = [&](uint32_t at) { return at < end ? decode_op(prog.code[at]) : Op::Ret; };
  const Op first = op(pc);
  const bool slot = first == Op::LoadSlot && decode_a(prog.code[pc]) < nslots;
  const bool let = first == Op::Let && decode_a(prog.code[pc]) < prog.lets.size();
  const bool verdict = first == Op::LoadVerdict;
  if (!slot && !let && !verdict) return false;
  t.a = verdict ? 0 : decode_a(prog.code[pc]);
  t.imm = 0;
  if (op(pc + 1) == Op::PushInt && pc + 2 < end) {
    const Op cmp = op(pc + 2);
    t.imm = decode_imm(prog.code[pc + 1]);
    next = pc + 3;
    if (cmp == Op::Eq) t.kind = slot ? Vm::Term::SlotEq : let ? Vm::Term::LetEq : Vm::Term::VerdictEq;
    else if (cmp == Op::Ne && !verdict) t.kind = slot ? Vm::Term::SlotNe : Vm::Term::LetNe;
    else if (cmp == Op::InSet && slot) t.kind = Vm::Term::SlotInSet;
    else return false;
    return true;
  }
  if (verdict) return false;
  if (slot && op(pc + 1) == Op::Not) {
    t.kind = Vm::Term::NotSlot;
    next = pc + 2;
    return true;
  }
  t.kind = slot ? Vm::Term::Slot : Vm::Term::Let;
  next = pc + 1;
  return true;
}

// Whether function fi is `t0 (JumpIfFalseKeep L; t; And; L:)* Ret` (or the same with
// JumpIfTrueKeep and Or) of at least two simple terms; if so, its terms are appended.
bool chain_of(const Program& prog, uint32_t fi, size_t nslots, Vm::Chain& c, std::vector<Vm::Term>& terms) {
  const Function& f = prog.functions[fi];
  if (f.n_locals != 0 || f.end <= f.begin) return false;
  std::vector<Vm::Term> found(1);
  uint32_t pc = f.begin;
  if (!chain_term(prog, pc, f.end, nslots, found[0], pc)) return false;
  int joined = -1;  // 0 and, 1 or
  while (pc < f.end && decode_op(prog.code[pc]) != Op::Ret) {
    const Op j = decode_op(prog.code[pc]);
    const int kind = j == Op::JumpIfFalseKeep ? 0 : j == Op::JumpIfTrueKeep ? 1 : -1;
    if (kind < 0 || (joined >= 0 && kind != joined)) return false;
    joined = kind;
    const uint32_t target = decode_a(prog.code[pc]);
    Vm::Term t;
    if (!chain_term(prog, pc + 1, f.end, nslots, t, pc)) return false;
    if (pc >= f.end || decode_op(prog.code[pc]) != (kind == 0 ? Op::And : Op::Or)) return false;
    ++pc;
    if (target != pc) return false;  // the jump lands after this term's And (Or)
    found.push_back(t);
  }
  if (joined < 0 || pc != f.end - 1) return false;
  c.is_or = joined == 1;
  c.first = static_cast<uint32_t>(terms.size());
  c.count = static_cast<uint32_t>(found.size());
  terms.insert(terms.end(), found.begin(), found.end());
  return true;
}

}  // namespace

Value Vm::eval_chain(const Chain& c) {
  const Value stop = c.is_or ? kTrue : kFalse;
  Value acc = c.is_or ? kFalse : kTrue;
  const Value* slots = facts_->slots.data();
  for (const Term* t = terms_.data() + c.first, *e = t + c.count; t != e; ++t) {
    Value x;
    switch (t->kind) {
      case Term::Let:
      case Term::LetEq:
      case Term::LetNe:
        x = call_let<false>(t->a, nullptr, nullptr);
        if (!error_.empty()) return kUnknown;
        if (t->kind != Term::Let && x != kUnknown) x = (x == t->imm) == (t->kind == Term::LetEq) ? kTrue : kFalse;
        break;
      case Term::Slot: x = slots[t->a]; break;
      case Term::NotSlot: x = slots[t->a]; x = x == kUnknown ? kUnknown : x == kFalse ? kTrue : kFalse; break;
      case Term::SlotEq: x = slots[t->a]; if (x != kUnknown) x = x == t->imm ? kTrue : kFalse; break;
      case Term::SlotNe: x = slots[t->a]; if (x != kUnknown) x = x != t->imm ? kTrue : kFalse; break;
      case Term::SlotInSet:
        x = slots[t->a];
        if (x != kUnknown) x = (x >= 0 && x < 64 && ((static_cast<uint64_t>(t->imm) >> x) & 1)) ? kTrue : kFalse;
        break;
      case Term::VerdictEq: x = verdict_ == kUnknown ? kUnknown : verdict_ == t->imm ? kTrue : kFalse; break;
      default: x = kUnknown;
    }
    if (x == stop) return stop;
    if (x == kUnknown) acc = kUnknown;
  }
  return acc;
}

Value Vm::eval_campaign_only(uint32_t fn) {
  const uint64_t epoch = facts_->campaign_epoch();
  if (campaign_value_epoch_[fn] == epoch) return campaign_value_[fn];
  Value v = exec<false>(fn, nullptr, nullptr);
  if (error_.empty()) {
    campaign_value_[fn] = v;
    campaign_value_epoch_[fn] = epoch;
  }
  return v;
}

Vm::FastForm Vm::fast_form(uint32_t fn) const {
  if (campaign_only_[fn]) return FastForm::CampaignOnly;
  if (native_) return FastForm::Native;
  if (only_let_[fn] >= 0) return FastForm::JustLet;
  if (tiny_[fn].kind != Tiny::None) return FastForm::Tiny;
  if (chain_[fn].count) return FastForm::Chain;
  return FastForm::Code;
}

Value Vm::eval_native(uint32_t fn) {
  NativeFrame& fr = frame_;  // the rest is set once per decision (begin_decision, obligations)
  fr.steps = steps_;
  Value v = native_[fn](&fr);
  steps_ = fr.steps;
  if (fr.error) {
    runtime_error(static_cast<uint32_t>(fr.error_pc), fr.error);
    fr.error = nullptr;
  }
  return v;
}

Vm::Vm(const Program& prog, const VmLimits& limits)
    : prog_(prog), fast_code_(fuse(prog)), own_facts_(prog), facts_(&own_facts_), limits_(limits) {
  steps_error_ = fmt::format("the decision takes more than {} steps of quantifiers", limits_.max_steps);
  size_t need = 16;
  for (uint64_t n : frame_needs(prog)) need = std::max(need, static_cast<size_t>(n));
  stack_.assign(need, kUnknown);
  masks_.assign(need, FactSet{});
  let_value_.assign(prog.lets.size(), kUnknown);
  let_gen_.assign(prog.lets.size(), 0);
  let_tgen_.assign(prog.lets.size(), 0);
  let_mask_.assign(prog.lets.size(), FactSet{});
  let_reads_.assign(prog.lets.size(), FactSet{});
  frame_.let_value = let_value_.data();
  frame_.let_gen = let_gen_.data();
  frame_.max_steps = limits_.max_steps;
  frame_.steps_error = steps_error_.c_str();
  // An `if` whose condition is unknown keeps its condition's facts on if_masks_ until
  // both branches are merged. Each Branch3 instruction is open at most once at a time
  // (definitions do not recurse), so their number bounds the stack: reserved now, it
  // never grows while deciding.
  size_t branches = 0;
  for (uint32_t pc = 0; pc < prog.code.size();) {
    Op op = decode_op(prog.code[pc]);
    if (op == Op::Branch3) ++branches;
    pc += static_cast<uint32_t>(op_words(op_info(op).format));
  }
  if_masks_.reserve(branches + 1);
  // The most rules and obligations one outcome can list, to reserve them once.
  for (const DecisionInfo& d : prog.decisions) {
    max_rules_ = std::max(max_rules_, d.rules.size());
    max_obliges_ = std::max(max_obliges_, d.obliges.size());
  }
  states_.assign(max_rules_, kUnknown);
  conds_.assign(max_rules_, kUnknown);
  cond_gen_.assign(max_rules_, 0);
  frame_.rule_cond = conds_.data();
  frame_.rule_cond_gen = cond_gen_.data();
  for (bool b : campaign_only(prog)) campaign_only_.push_back(b ? 1 : 0);
  for (const Function& f : prog.functions) {
    bool just_let = f.end == f.begin + 2 && decode_op(prog.code[f.begin]) == Op::Let && decode_op(prog.code[f.begin + 1]) == Op::Ret;
    only_let_.push_back(just_let ? static_cast<int32_t>(decode_a(prog.code[f.begin])) : -1);
    // LoadSlot s; PushInt k; Eq or InSet; Ret, and LoadSlot a; JumpIfTrueKeep ret; LoadSlot b; Or; Ret.
    Tiny t;
    const uint32_t* c = prog.code.data() + f.begin;
    const uint32_t len = f.end - f.begin;
    if (len == 4 && decode_op(c[0]) == Op::LoadSlot && decode_op(c[1]) == Op::PushInt &&
        (decode_op(c[2]) == Op::Eq || decode_op(c[2]) == Op::InSet) && decode_op(c[3]) == Op::Ret &&
        decode_a(c[0]) < own_facts_.slots.size()) {
      t.kind = decode_op(c[2]) == Op::Eq ? Tiny::SlotEq : Tiny::SlotInSet;
      t.a = decode_a(c[0]);
      t.imm = decode_imm(c[1]);
    } else if (len == 5 && decode_op(c[0]) == Op::LoadSlot && decode_op(c[1]) == Op::JumpIfTrueKeep &&
               decode_a(c[1]) == f.end - 1 && decode_op(c[2]) == Op::LoadSlot && decode_op(c[3]) == Op::Or &&
               decode_op(c[4]) == Op::Ret && decode_a(c[0]) < own_facts_.slots.size() &&
               decode_a(c[2]) < own_facts_.slots.size()) {
      t.kind = Tiny::SlotOrSlot;
      t.a = decode_a(c[0]);
      t.b = decode_a(c[2]);
    }
    tiny_.push_back(t);
    Chain ch;
    if (t.kind == Tiny::None && !just_let) chain_of(prog, static_cast<uint32_t>(tiny_.size() - 1), own_facts_.slots.size(), ch, terms_);
    chain_.push_back(ch);
  }
  // A function that starts `verdict == v` (an obligation's `when verdict == allow ...`):
  // v, else -1; only: that comparison is all of it.
  std::vector<int32_t> verdict_guard;
  std::vector<uint8_t> verdict_only;
  for (const Function& f : prog.functions) {
    // LoadVerdict; PushInt v; Eq; then Ret, or JumpIfFalseKeep to the closing Ret.
    const uint32_t* c = prog.code.data() + f.begin;
    bool starts = f.end >= f.begin + 4 && decode_op(c[0]) == Op::LoadVerdict && decode_op(c[1]) == Op::PushInt &&
                  decode_op(c[2]) == Op::Eq && decode_op(prog.code[f.end - 1]) == Op::Ret;
    bool only = starts && f.end == f.begin + 4;
    bool guard = starts && (only || (decode_op(c[3]) == Op::JumpIfFalseKeep && decode_a(c[3]) == f.end - 1));
    verdict_guard.push_back(guard ? decode_imm(c[1]) : -1);
    verdict_only.push_back(only ? 1 : 0);
  }
  for (const DecisionInfo& d : prog.decisions) {
    oblige_base_.push_back(static_cast<uint32_t>(oblige_steps_.size()));
    bool unique = true;
    for (size_t k = 0; k < d.obliges.size(); ++k) {
      const int32_t fo = d.obliges[k].cond;
      ObligeStep step;
      step.name = d.obliges[k].name;
      step.fn = fo;
      step.for_begin = static_cast<uint32_t>(oblige_for_.size());
      step.for_count = static_cast<uint32_t>(d.obliges[k].rules.size());
      oblige_for_.insert(oblige_for_.end(), d.obliges[k].rules.begin(), d.obliges[k].rules.end());
      for (size_t j = 0; j < k; ++j) unique = unique && d.obliges[j].name != step.name;
      if (fo < 0) {
        step.always = 1;
        oblige_steps_.push_back(step);
        continue;
      }
      step.verdict = verdict_guard[static_cast<size_t>(fo)];
      step.always = verdict_only[static_cast<size_t>(fo)];
      oblige_steps_.push_back(step);
      if (step.verdict < 0 || step.always) continue;
      // LoadVerdict; PushInt v; Eq; JumpIfFalseKeep end; <the rule's code>; And; Ret
      const Function& of = prog.functions[static_cast<size_t>(fo)];
      if (of.end < of.begin + 7 || decode_op(prog.code[of.end - 2]) != Op::And) continue;
      const uint32_t body = of.begin + 4, len = of.end - 2 - body;
      for (size_t i = 0; i < d.rules.size(); ++i) {
        int32_t fr = d.rules[i].cond;
        if (fr < 0) continue;
        const Function& rf = prog.functions[static_cast<size_t>(fr)];
        if (rf.end - rf.begin != len + 1 || rf.n_locals != of.n_locals || decode_op(prog.code[rf.end - 1]) != Op::Ret)
          continue;
        if (same_code(prog, rf.begin, body, len)) {
          oblige_steps_.back().rule = static_cast<int32_t>(i);
          break;
        }
      }
    }
    oblige_unique_.push_back(unique ? 1 : 0);
  }
  oblige_base_.push_back(static_cast<uint32_t>(oblige_steps_.size()));
  campaign_value_.assign(prog.functions.size(), kUnknown);
  campaign_value_epoch_.assign(prog.functions.size(), 0);
  for (const DecisionInfo& d : prog.decisions) {
    decision_rule_base_.push_back(static_cast<uint32_t>(overridden_by_.size()));
    for (const RuleInfo& r : d.rules) rule_fast_.push_back({r.cond, static_cast<uint8_t>(r.window.always() ? 1 : 0)});
    size_t words = (d.rules.size() + 63) / 64;
    for (size_t i = 0; i < d.rules.size(); ++i) overridden_by_.emplace_back(words, 0);
    for (size_t j = 0; j < d.rules.size(); ++j)
      for (uint32_t target : d.rules[j].overrides)
        Bits::set(overridden_by_[decision_rule_base_.back() + target], j);
    for (size_t i = 0; i < d.rules.size(); ++i)
      overridden64_.push_back(d.rules.size() <= 64 ? overridden_by_[decision_rule_base_.back() + i][0] : 0);
    decisive_.emplace_back(d.rules.size(), false);
    set_aside_.emplace_back(d.rules.size(), false);
  }
  for (const auto& set : prog.string_sets) {
    std::vector<std::string_view> texts;
    for (uint32_t s : set) texts.emplace_back(prog.strings[s]);
    std::sort(texts.begin(), texts.end());
    sorted_sets_.push_back(std::move(texts));
  }
  // In country case (program.h) whatever the compiler that wrote the program did.
  for (const Route& r : prog.routes) routes_.emplace_back(country_key(prog.strings[r.country]), r.policy);
  std::sort(routes_.begin(), routes_.end());
  route2_.assign(26 * 26, -1);
  for (const auto& [country, policy] : routes_)
    if (country.size() == 2 && country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' && country[1] <= 'Z')
      route2_[static_cast<size_t>((country[0] - 'A') * 26 + (country[1] - 'A'))] = policy;
  if (prog.route_path >= 0) {
    route_path_ = prog.route_path;
    route_slot_ = prog.schema.paths[static_cast<size_t>(prog.route_path)].slot;
  }
  if (prog.schema.as_of_path >= 0) as_of_slot_ = prog.schema.paths[static_cast<size_t>(prog.schema.as_of_path)].slot;
}

bool Vm::runtime_error(uint32_t pc, const char* what) {
  if (error_.empty()) {
    error_ = what;
    error_pc_ = pc;
  }
  return false;
}

std::string Vm::located_error(const char* kind, const std::string& name, const SourcePos& rule_pos) const {
  // The failing expression when the program says where its code comes from (format 2),
  // else the rule (or obligation, or decision) as a whole.
  const SourcePos* at = prog_.span_at(error_pc_);
  const SourcePos& pos = at ? *at : rule_pos;
  std::string where = pos.file < prog_.files.size() ? fmt::format("{}:{}:{}; ", prog_.files[pos.file], pos.line, pos.col)
                                                    : std::string();
  return fmt::format("{} in {} '{}' ({}bytecode {})", error_, kind, name, where, error_pc_);
}

template <bool kTrace>
Value Vm::call_let(uint32_t k, FactSet* mask, FactSet* reads) {
  if constexpr (!kTrace) {
    if (let_gen_[k] == gen_) return let_value_[k];
    Value v = eval(static_cast<int32_t>(prog_.lets[k].fn));
    let_value_[k] = v;
    let_gen_[k] = gen_;
    return v;
  } else {
    if (let_tgen_[k] != gen_) {
      FactSet m, r;
      let_value_[k] = exec<true>(prog_.lets[k].fn, &m, &r);
      let_mask_[k] = m;
      let_reads_[k] = r;
      let_tgen_[k] = gen_;
      let_gen_[k] = gen_;
    }
    *mask = let_mask_[k];
    if (reads) *reads |= let_reads_[k];
    return let_value_[k];
  }
}

template <bool kTrace>
Value Vm::exec(uint32_t fi, FactSet* out_mask, FactSet* reads) {
  const Function& f = prog_.functions[fi];
  const size_t base = sp_;
  // Every way out, a run-time error included, gives the frame back: the next function
  // evaluated (explain traces every rule, even after one failed) starts where this did.
  struct FrameGuard {
    size_t& sp;
    size_t base;
    ~FrameGuard() { sp = base; }
  } frame_guard{sp_, base};
  Value* const locals = stack_.data() + base;
  Value* const st = locals + f.n_locals;
  FactSet* const mlocals = kTrace ? masks_.data() + base : nullptr;
  FactSet* const mst = kTrace ? mlocals + f.n_locals : nullptr;
  sp_ = base + f.frame_size();
  for (uint32_t i = 0; i < f.n_locals; ++i) {
    locals[i] = kUnknown;
    if constexpr (kTrace) mlocals[i].clear();
  }
  const uint32_t* const code = kTrace ? prog_.code.data() : fast_code_.data();
  const Value* facts = facts_->slots.data();
  const size_t nfacts = facts_->slots.size();
  std::ptrdiff_t top = 0;  // not int: no sign extension on every stack access
  uint32_t pc = f.begin;

// The result of an operation on the top `n` values replaces them; when tracing, an
// unknown result carries the union of its operands' absent facts.
#define LAW_RESULT(n, expr)                                                   \
  do {                                                                        \
    Value r_ = (expr);                                                        \
    if constexpr (kTrace) {                                                   \
      FactSet m_;                                                             \
      for (int i_ = 1; i_ <= (n); ++i_) {                                     \
        if (r_ == kUnknown) m_ |= mst[top - i_];                              \
        else m_.merge_sources(mst[top - i_]);                                 \
      }                                                                       \
      mst[top - (n)] = m_;                                                    \
    }                                                                         \
    top -= (n)-1;                                                             \
    st[top - 1] = r_;                                                         \
  } while (0)

  // Dispatch: a `switch` in a loop, or (GCC and Clang, unless LAWFUL_VM_SWITCH is
  // defined) computed goto, each instruction jumping straight to the next one's code,
  // which lets the branch predictor learn per instruction (bench/ compares the two).
#if LAW_COMPUTED_GOTO
  static const void* const kLabels[kAllOpCount] = {
#define LAW_OP(Name, ...) &&op_##Name,
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
#define LAW_FUSED(Name, ...) &&op_##Name,
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
  };
#define LAW_CASE(Name) case static_cast<unsigned>(Op::Name): op_##Name
#define LAW_FUSED_CASE(Name) case static_cast<unsigned>(Fused::Name): op_##Name
#define LAW_NEXT()                                          \
  do {                                                      \
    w = code[pc];                                           \
    unsigned o_ = w & 0xffu;                                \
    if (o_ >= static_cast<unsigned>(kAllOpCount)) goto op_default_; \
    goto* kLabels[o_];                                      \
  } while (0)
#else
#define LAW_CASE(Name) case static_cast<unsigned>(Op::Name)
#define LAW_FUSED_CASE(Name) case static_cast<unsigned>(Fused::Name)
#define LAW_NEXT() break
#endif
  uint32_t w;
  for (;;) {
    w = code[pc];
    switch (w & 0xffu) {  // the program's opcodes, then the fused ones
      LAW_CASE(PushInt):
        st[top] = decode_imm(w);
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(PushConst):
        st[top] = prog_.consts[decode_a(w)];
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(PushUnknown):
        st[top] = kUnknown;
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(LoadSlot): {
        Value v = facts[decode_a(w)];
        st[top] = v;
        if constexpr (kTrace) {
          mst[top].clear();
          int16_t p = prog_.code_paths[pc];
          if (p >= 0) {
            if (reads) reads->add(static_cast<uint32_t>(p));
            if (v == kUnknown) mst[top].add(static_cast<uint32_t>(p));
            mst[top].add_source(static_cast<uint32_t>(p));
          }
        }
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(LoadField): {
        Value r = st[top - 1];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(w);
          if (r < 0 || at >= nfacts) return runtime_error(pc, "a record reference is out of range"), kUnknown;
          Value v = facts[at];
          st[top - 1] = v;
          if constexpr (kTrace) {
            mst[top - 1].clear();
            int16_t p = prog_.code_paths[pc];
            if (p >= 0) {
              if (reads) reads->add(static_cast<uint32_t>(p));
              if (v == kUnknown) mst[top - 1].add(static_cast<uint32_t>(p));
              mst[top - 1].add_source(static_cast<uint32_t>(p));
            }
          }
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(RecordRef): {
        uint32_t presence = code[pc + 1];
        Value v = presence == kNone || facts[presence] != kUnknown ? static_cast<Value>(decode_a(w)) : kUnknown;
        st[top] = v;
        if constexpr (kTrace) {
          mst[top].clear();
          int16_t p = prog_.code_paths[pc];
          if (p >= 0 && reads) reads->add(static_cast<uint32_t>(p));
          if (p >= 0 && v == kUnknown) mst[top].add(static_cast<uint32_t>(p));
        }
        ++top;
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(SubRecord): {
        Value r = st[top - 1];
        uint32_t presence = code[pc + 1];
        if (r != kUnknown) {
          if (r < 0 || static_cast<uint64_t>(r) + decode_a(w) >= nfacts ||
              (presence != kNone && static_cast<uint64_t>(r) + presence >= nfacts))
            return runtime_error(pc, "a record reference is out of range"), kUnknown;
          bool absent = presence != kNone && facts[static_cast<uint64_t>(r) + presence] == kUnknown;
          st[top - 1] = absent ? kUnknown : r + decode_a(w);
          if constexpr (kTrace) {
            mst[top - 1].clear();
            int16_t p = prog_.code_paths[pc];
            if (p >= 0 && absent) mst[top - 1].add(static_cast<uint32_t>(p));
          }
        }
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(LoadLocal): {
        uint32_t a = decode_a(w);
        st[top] = locals[a];
        if constexpr (kTrace) mst[top] = mlocals[a];
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(StoreLocal): {
        uint32_t a = decode_a(w);
        --top;
        locals[a] = st[top];
        if constexpr (kTrace) mlocals[a] = mst[top];
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Let): {
        FactSet m;
        Value v = call_let<kTrace>(decode_a(w), &m, reads);
        if (!error_.empty()) return kUnknown;
        st[top] = v;
        if constexpr (kTrace) mst[top] = v == kUnknown ? m : FactSet{};
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(LoadVerdict):
        st[top] = verdict_;
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(Not): {
        Value a = st[top - 1];
        st[top - 1] = a == kUnknown ? kUnknown : (a == kFalse ? kTrue : kFalse);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(And):
        LAW_RESULT(2, and3(st[top - 2], st[top - 1]));
        ++pc;
        LAW_NEXT();
      LAW_CASE(Or):
        LAW_RESULT(2, or3(st[top - 2], st[top - 1]));
        ++pc;
        LAW_NEXT();
      LAW_CASE(Known):
        st[top - 1] = st[top - 1] != kUnknown ? kTrue : kFalse;
        if constexpr (kTrace) mst[top - 1].clear();
        ++pc;
        LAW_NEXT();
      LAW_CASE(MergeIf): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = a == b ? a : kUnknown;
        if constexpr (kTrace) {
          FactSet m;
          if (r == kUnknown) {
            m = mst[top - 1];
            m |= mst[top - 2];
            if (!if_masks_.empty()) m |= if_masks_.back();
          }
          if (!if_masks_.empty()) if_masks_.pop_back();
          mst[top - 2] = m;
        }
        --top;
        st[top - 1] = r;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Jump):
        pc = decode_a(w);
        LAW_NEXT();
      LAW_CASE(JumpIfFalseKeep):
        pc = st[top - 1] == kFalse ? decode_a(w) : pc + 1;
        LAW_NEXT();
      LAW_CASE(JumpIfTrueKeep):
        pc = st[top - 1] == kTrue ? decode_a(w) : pc + 1;
        LAW_NEXT();
      LAW_CASE(Branch3): {
        Value c = st[--top];
        if (c == kTrue) {
          pc += 2;
        } else if (c == kFalse) {
          pc = decode_a(w);
        } else {
          if constexpr (kTrace) if_masks_.push_back(mst[top]);
          pc = code[pc + 1];
        }
        LAW_NEXT();
      }
      LAW_CASE(Ret): {
        Value r = st[top - 1];
        if constexpr (kTrace) {
          if (out_mask) *out_mask = r == kUnknown ? mst[top - 1] : FactSet{};
        }
        sp_ = base;
        return r;
      }
#define LAW_CMP(OP, EXPR)                                                                  \
  LAW_CASE(OP): {                                                                           \
    Value b = st[top - 1], a = st[top - 2];                                                \
    LAW_RESULT(2, (a == kUnknown || b == kUnknown) ? kUnknown : ((EXPR) ? kTrue : kFalse)); \
    ++pc;                                                                                  \
    LAW_NEXT();                                                                                 \
  }
        LAW_CMP(Eq, a == b)
        LAW_CMP(Ne, a != b)
        LAW_CMP(Lt, a < b)
        LAW_CMP(Le, a <= b)
        LAW_CMP(Gt, a > b)
        LAW_CMP(Ge, a >= b)
        LAW_CMP(StrEq, facts_->text(a) == facts_->text(b))
        LAW_CMP(StrNe, facts_->text(a) != facts_->text(b))
#undef LAW_CMP
      LAW_CASE(Add):
      LAW_CASE(Sub):
      LAW_CASE(Mul): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && b != kUnknown) {
          Op op = decode_op(w);
          bool overflow = op == Op::Add   ? __builtin_add_overflow(a, b, &r)
                          : op == Op::Sub ? __builtin_sub_overflow(a, b, &r)
                                          : __builtin_mul_overflow(a, b, &r);
          if (overflow || r == kUnknown) return runtime_error(pc, "arithmetic overflow"), kUnknown;
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Neg): {
        Value a = st[top - 1];
        if (a != kUnknown) st[top - 1] = -a;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DateAdd):
      LAW_CASE(DateSub): {
        Value d = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && d != kUnknown) {
          if (a >= kDateNever) {
            r = kDateNever;
          } else {
            auto out = add_duration(static_cast<Days>(a), duration_of(d), decode_op(w) == Op::DateAdd ? 1 : -1);
            if (!out) return runtime_error(pc, "a date outside the years 1 to 9999"), kUnknown;
            r = *out;
          }
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DateDiff): {
        Value b = st[top - 1], a = st[top - 2];
        LAW_RESULT(2, (a == kUnknown || b == kUnknown) ? kUnknown
                                                       : make_span(static_cast<Days>(a), static_cast<Days>(b)));
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(SpanSplit): {
        Value d = st[top - 1], s = st[top - 2];
        if (d == kUnknown || s == kUnknown) {
          if constexpr (kTrace) {
            FactSet m = mst[top - 1];
            m |= mst[top - 2];
            mst[top - 1] = m;
            mst[top - 2] = m;
          }
          st[top - 1] = st[top - 2] = kUnknown;
        } else {
          Days a = span_a(s), b = span_b(s);
          Value end = kDateNever;
          if (b < kDateNever) {
            auto out = add_duration(b, duration_of(d));
            if (!out) return runtime_error(pc, "a date outside the years 1 to 9999"), kUnknown;
            end = *out;
          }
          st[top - 2] = a;
          st[top - 1] = end;
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DurAdd): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && b != kUnknown) {
          Duration x = duration_of(a), y = duration_of(b);
          int32_t months, days;
          if (__builtin_add_overflow(x.months, y.months, &months) || __builtin_add_overflow(x.days, y.days, &days))
            return runtime_error(pc, "arithmetic overflow"), kUnknown;
          r = make_duration(months, days);
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InSet): {
        Value s = st[top - 1], x = st[top - 2];
        Value r = kUnknown;
        if (s != kUnknown && x != kUnknown) r = (x >= 0 && x < 64 && ((static_cast<uint64_t>(s) >> x) & 1)) ? kTrue : kFalse;
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InList):
      LAW_CASE(InListStr): {
        Value l = st[top - 1], x = st[top - 2];
        Value r = kUnknown;
        if (l != kUnknown && x != kUnknown) {
          uint64_t start = list_start(l), n = list_count(l);
          if (start + n > nfacts) return runtime_error(pc, "a list reference is out of range"), kUnknown;
          r = kFalse;
          if (decode_op(w) == Op::InList) {
            for (uint64_t i = 0; i < n; ++i)
              if (facts[start + i] == x) r = kTrue;
          } else {
            std::string_view t = facts_->text(x);
            for (uint64_t i = 0; i < n; ++i)
              if (facts_->text(facts[start + i]) == t) r = kTrue;
          }
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InStrSet): {
        Value x = st[top - 1];
        if (x != kUnknown) {
          const auto& set = sorted_sets_[decode_a(w)];
          st[top - 1] = std::binary_search(set.begin(), set.end(), facts_->text(x)) ? kTrue : kFalse;
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(IterBegin): {
        Value l = st[top - 1];
        if (l == kUnknown) {
          pc = code[pc + 1];  // the unknown stays on the stack as the result
        } else {
          --top;
          uint32_t a = decode_a(w);
          locals[a] = l;
          locals[a + 1] = 0;
          if constexpr (kTrace) mlocals[a].clear();
          pc += 2;
        }
        LAW_NEXT();
      }
      LAW_CASE(IterNext): {
        uint32_t a = decode_a(w);
        uint32_t b = code[pc + 1];
        Value l = locals[a];
        Value i = locals[a + 1];
        if (l == kUnknown || i < 0 || static_cast<uint64_t>(i) >= list_count(l)) {
          pc = iter_exit(b);
          LAW_NEXT();
        }
        uint64_t stride = iter_stride(b);
        uint64_t start = list_start(l);
        uint64_t at = stride == 0 ? start + static_cast<uint64_t>(i) : start + static_cast<uint64_t>(i) * stride;
        if (at + (stride == 0 ? 1 : stride) > nfacts) return runtime_error(pc, "a list reference is out of range"), kUnknown;
        if (++steps_ > limits_.max_steps) return runtime_error(pc, steps_error_.c_str()), kUnknown;
        locals[a + 2] = stride == 0 ? facts[at] : static_cast<Value>(at);
        if constexpr (kTrace) mlocals[a + 2].clear();
        locals[a + 1] = i + 1;
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(AnyStep):
      LAW_CASE(AllStep):
      LAW_CASE(CountStep): {
        uint32_t a = decode_a(w);
        Value b = st[--top];
        Value& acc = locals[a + 3];
        Op op = decode_op(w);
        bool exit = false;
        if (b == kUnknown) {
          acc = kUnknown;
          if constexpr (kTrace) mlocals[a + 3] |= mst[top];
          exit = op == Op::CountStep;
        } else if (op == Op::AnyStep && b == kTrue) {
          acc = kTrue;
          exit = true;
        } else if (op == Op::AllStep && b == kFalse) {
          acc = kFalse;
          exit = true;
        } else if (op == Op::CountStep && b == kTrue && acc != kUnknown) {
          // Only a forged program can start the count near the top; never wrap.
          if (__builtin_add_overflow(acc, 1, &acc) || acc == kUnknown)
            return runtime_error(pc, "arithmetic overflow"), kUnknown;
        }
        if constexpr (kTrace) {
          if (acc != kUnknown) mlocals[a + 3].clear();
        }
        pc = exit ? code[pc + 1] : pc + 2;
        LAW_NEXT();
      }
      LAW_CASE(Builtin): {
        BuiltinId id = static_cast<BuiltinId>(decode_a(w));
        int n = builtin_arity(id);
        Value* args = st + top - n;
        bool any_unknown = false;
        for (int i = 0; i < n; ++i) any_unknown = any_unknown || args[i] == kUnknown;
        Value r = any_unknown ? kUnknown : run_builtin(*facts_, id, args);
        if (n == 0) {
          st[top] = r;
          if constexpr (kTrace) mst[top].clear();
          ++top;
        } else {
          LAW_RESULT(n, r);
          // Known arguments a builtin cannot read (an address without '@'): the facts
          // they came from would settle it.
          if constexpr (kTrace)
            if (r == kUnknown && !any_unknown) mst[top - 1].promote_sources();
        }
        // Builtins may add strings; the facts array itself does not move.
        ++pc;
        LAW_NEXT();
      }
      // The fused instructions (fast path only: the tracing path runs the program's code).
      LAW_FUSED_CASE(LoadLocalField): {
        Value r = locals[decode_a(w)];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 1]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 1, "a record reference is out of range"), kUnknown;
          r = facts[at];
        }
        st[top++] = r;
        pc += fused_words(Fused::LoadLocalField);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqImm): {
        Value a = st[top - 1];
        st[top - 1] = a == kUnknown ? kUnknown : (a == decode_imm(w) ? kTrue : kFalse);
        pc += fused_words(Fused::EqImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalImm): {
        Value a = locals[decode_a(w)];
        st[top++] = a == kUnknown ? kUnknown : (a == decode_imm(code[pc + 1]) ? kTrue : kFalse);
        pc += fused_words(Fused::EqLocalImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalFieldImm): {
        Value r = locals[decode_a(w)];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 1]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 1, "a record reference is out of range"), kUnknown;
          r = facts[at];
          if (r != kUnknown) r = r == decode_imm(code[pc + 2]) ? kTrue : kFalse;
        }
        st[top++] = r;
        pc += fused_words(Fused::EqLocalFieldImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(CopyLocal):
        locals[decode_a(code[pc + 1])] = locals[decode_a(w)];
        pc += fused_words(Fused::CopyLocal);
        LAW_NEXT();
      LAW_FUSED_CASE(CopyLoadField): {
        Value r = locals[decode_a(w)];
        locals[decode_a(code[pc + 1])] = r;
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 3]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 3, "a record reference is out of range"), kUnknown;
          r = facts[at];
        }
        st[top++] = r;
        pc += fused_words(Fused::CopyLoadField);
        LAW_NEXT();
      }
// A Kleene `and`/`or` of the two values on top, then a jump when it gives `when`
// (the "keep" jumps: the value stays on the stack either way).
#define LAW_LOGIC_JUMP(Name, fn, when)                              \
  LAW_FUSED_CASE(Name) : {                                               \
    Value r_ = fn(st[top - 2], st[top - 1]);                        \
    --top;                                                          \
    st[top - 1] = r_;                                               \
    pc = r_ == (when) ? decode_a(code[pc + 1]) : pc + fused_words(Fused::Name);            \
    LAW_NEXT();                                                     \
  }
      LAW_LOGIC_JUMP(AndJumpIfFalse, and3, kFalse);
      LAW_FUSED_CASE(SlotLe): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (a <= b ? kTrue : kFalse);
        pc += fused_words(Fused::SlotLe);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(SlotGt): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (a > b ? kTrue : kFalse);
        pc += fused_words(Fused::SlotGt);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(SlotStrEq): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (facts_->text(a) == facts_->text(b) ? kTrue : kFalse);
        pc += fused_words(Fused::SlotStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(ImmStrEq): {
        Value a = st[top - 1], b = decode_imm(w);
        st[top - 1] = a == kUnknown ? kUnknown : (facts_->text(a) == facts_->text(b) ? kTrue : kFalse);
        pc += fused_words(Fused::ImmStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(ImmInSet): {
        Value x = st[top - 1], set = decode_imm(w);
        st[top - 1] = x == kUnknown ? kUnknown
                                    : (x >= 0 && x < 64 && ((static_cast<uint64_t>(set) >> x) & 1)) ? kTrue : kFalse;
        pc += fused_words(Fused::ImmInSet);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalImmJumpIfFalse): {
        Value a = locals[decode_a(w)];
        Value r = a == kUnknown ? kUnknown : (a == decode_imm(code[pc + 1]) ? kTrue : kFalse);
        st[top++] = r;
        pc = r == kFalse ? decode_a(code[pc + 3]) : pc + fused_words(Fused::EqLocalImmJumpIfFalse);
        LAW_NEXT();
      }
      LAW_LOGIC_JUMP(OrJumpIfTrue, or3, kTrue);
      LAW_LOGIC_JUMP(AndJumpIfTrue, and3, kTrue);
      LAW_LOGIC_JUMP(OrJumpIfFalse, or3, kFalse);
      LAW_FUSED_CASE(NotAndJumpIfFalse): {
        Value b = st[top - 1];
        b = b == kUnknown ? kUnknown : (b == kFalse ? kTrue : kFalse);
        Value r = and3(st[top - 2], b);
        --top;
        st[top - 1] = r;
        pc = r == kFalse ? decode_a(code[pc + 2]) : pc + fused_words(Fused::NotAndJumpIfFalse);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(AndAnd): {
        Value r = and3(st[top - 3], and3(st[top - 2], st[top - 1]));
        top -= 2;
        st[top - 1] = r;
        pc += fused_words(Fused::AndAnd);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(CopyLocal2):
        locals[decode_a(code[pc + 1])] = locals[decode_a(w)];
        locals[decode_a(code[pc + 3])] = locals[decode_a(code[pc + 2])];
        pc += fused_words(Fused::CopyLocal2);
        LAW_NEXT();
      LAW_FUSED_CASE(AnyStepJump): {
        Value b = st[--top];
        Value& acc = locals[decode_a(w) + 3];
        if (b == kTrue) {
          acc = kTrue;
          pc = code[pc + 1];
        } else {
          if (b == kUnknown) acc = kUnknown;
          pc = decode_a(code[pc + 2]);
        }
        LAW_NEXT();
      }
      LAW_FUSED_CASE(AllStepJump): {
        Value b = st[--top];
        Value& acc = locals[decode_a(w) + 3];
        if (b == kFalse) {
          acc = kFalse;
          pc = code[pc + 1];
        } else {
          if (b == kUnknown) acc = kUnknown;
          pc = decode_a(code[pc + 2]);
        }
        LAW_NEXT();
      }
      LAW_FUSED_CASE(LowerImmStrEq): {
        Value a = st[top - 1];
        if (a != kUnknown)
          st[top - 1] = lower_equal(facts_->text(a), facts_->text(decode_imm(code[pc + 1])), false) ? kTrue : kFalse;
        pc += fused_words(Fused::LowerImmStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(LowerSlotLowerStrEq): {
        Value a = st[top - 1], b = facts[decode_a(code[pc + 1])];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown
                                                     : (lower_equal(facts_->text(a), facts_->text(b), true) ? kTrue : kFalse);
        pc += fused_words(Fused::LowerSlotLowerStrEq);
        LAW_NEXT();
      }
      default:
#if LAW_COMPUTED_GOTO
      op_default_:
#endif
        return runtime_error(pc, "an unknown instruction"), kUnknown;
    }
  }
#undef LAW_RESULT
#undef LAW_CASE
#undef LAW_FUSED_CASE
#undef LAW_LOGIC_JUMP
#undef LAW_NEXT
}

template Value Vm::exec<false>(uint32_t, FactSet*, FactSet*);
template Value Vm::exec<true>(uint32_t, FactSet*, FactSet*);

Value Vm::eval_traced(int32_t fn, FactSet& mask, FactSet& reads) {
  if (fn < 0) return kTrue;
  return exec<true>(static_cast<uint32_t>(fn), &mask, &reads);
}

Value Vm::as_of_value(const DecideOptions& opt) const {
  if (opt.as_of) return *opt.as_of;
  return as_of_slot_ >= 0 ? facts_->slots[static_cast<size_t>(as_of_slot_)] : kUnknown;
}

Value Vm::window_state(const Window& w, Value as_of) const {
  if (w.always()) return kTrue;
  if (as_of == kUnknown) return kUnknown;
  return as_of >= w.from && as_of < w.until ? kTrue : kFalse;
}

void Vm::next_generation() {
  ++gen_;
  if (gen_ == 0) {  // wrapped: forget every cache
    std::fill(let_gen_.begin(), let_gen_.end(), 0);
    std::fill(let_tgen_.begin(), let_tgen_.end(), 0);
    std::fill(cond_gen_.begin(), cond_gen_.end(), 0);
    gen_ = 1;
  }
  frame_.gen = gen_;
}

void Vm::begin_decision() {
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
  const NativeFn f = native_[prog_.functions.size() + d];
  if (!f) return kNativeInterpret;
  NativeFrame& fr = frame_;
  fr.as_of = as_of;
  fr.steps = steps_;
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

void Vm::native_outcome(uint32_t d, Outcome& out) {
  const NativeFrame& fr = frame_;
  const DecisionInfo& di = prog_.decisions[d];
  out.verdict = static_cast<VerdictCode>(fr.out_verdict);
  out.reason = static_cast<Reason>(fr.out_reason);
  out.reason_a = fr.out_reason_a;
  out.reason_b = fr.out_reason_b;
  // Reserved by resolve_after: at most 64 of each.
  for (uint64_t m = fr.out_rules; m; m &= m - 1) out.rules.push_back(static_cast<uint32_t>(__builtin_ctzll(m)));
  if (out.reason == Reason::ReviewRule) {
    for (uint32_t i : out.rules)
      for (uint32_t p : di.rules[i].needs) out.missing.add(p);
  } else if (out.verdict == VerdictCode::Allow) {
    out.basis = di.rules[out.rules.front()].basis;
  }
  verdict_ = static_cast<Value>(out.verdict);
  // The compiled code checked `oblige NAME for R, ...` and kept each name once.
  const ObligeStep* steps = oblige_steps_.data() + oblige_base_[d];
  for (uint64_t m = fr.out_obliged; m; m &= m - 1) out.obligations.push_back(steps[__builtin_ctzll(m)].name);
}

void Vm::resolve(uint32_t d, Outcome& out, const DecideOptions& opt) {
  const Value as_of = as_of_value(opt);
  // The decision compiled whole, when it is and coverage is not asked for; it leaves to
  // resolve_after what needs the traced path or a run-time error's place.
  resolve_after(d, out, as_of, native_ && !coverage_ ? run_native_decision(d, as_of) : kNativeInterpret);
}

void Vm::resolve_after(uint32_t d, Outcome& out, Value as_of, Value native) {
  const DecisionInfo& di = prog_.decisions[d];
  // Once per Outcome: its lists never grow after this, whatever the contact.
  if (out.rules.capacity() < max_rules_) out.rules.reserve(max_rules_);
  if (out.obligations.capacity() < max_obliges_) out.obligations.reserve(max_obliges_);
  const size_t n = di.rules.size();
  const uint32_t rb = decision_rule_base_[d];
  out.decision = static_cast<int32_t>(d);
  out.policy = static_cast<int32_t>(di.policy);
  if (native == kNativeDecided) {
    ++native_resolved_;
    native_outcome(d, out);
    return;
  }
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
  if (native == kNativeStates) {
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
  for (size_t i = 0; native != kNativeStates && i < n; ++i) {
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
  out.clear();
  begin_decision();
  const PolicyInfo& pi = prog_.policies[p];
  out.policy = static_cast<int32_t>(p);
  Value as_of = as_of_value(opt);
  Value in_force = window_state(pi.window, as_of);
  if (in_force != kTrue) {
    out.verdict = VerdictCode::Review;
    out.reason = Reason::PolicyNotInForce;
    if (in_force == kUnknown && prog_.schema.as_of_path >= 0)
      out.missing.add(static_cast<uint32_t>(prog_.schema.as_of_path));
    return;
  }
  // The policy compiled whole: its guards, then the decision's function (native.h).
  if (native_ && !coverage_) {
    if (const NativeFn f = native_[prog_.functions.size() + prog_.decisions.size() + p]) {
      NativeFrame& fr = frame_;
      fr.as_of = as_of;
      fr.steps = steps_;
      const Value r = f(&fr);
      if (r == kNativeNoDecision) {
        ++native_policies_;
        steps_ = fr.steps;
        out.verdict = VerdictCode::Review;
        out.reason = Reason::NoDecisionApplies;
        return;
      }
      if (r == kNativeDecided || r == kNativeStates) {
        ++native_policies_;
        steps_ = fr.steps;
        resolve_after(static_cast<uint32_t>(fr.out_decision), out, as_of, r);
        return;
      }
      native_failed();
    }
  }
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

int32_t Vm::route(Outcome& out) {
  out.verdict = VerdictCode::Review;
  if (route_slot_ < 0) {
    out.reason = Reason::NoPolicyForCountry;
    return -1;
  }
  Value c = facts_->slots[static_cast<size_t>(route_slot_)];
  if (c == kUnknown) {
    out.reason = Reason::CountryUnknown;
    out.missing.add(static_cast<uint32_t>(route_path_));
    return -1;
  }
  std::string_view text = facts_->text(c);
  if (text.size() == 2) {  // an ISO code: by the table (every two-letter route is in it)
    const unsigned a = (static_cast<unsigned char>(text[0]) | 0x20u) - 'a';
    const unsigned b = (static_cast<unsigned char>(text[1]) | 0x20u) - 'a';
    if (a < 26 && b < 26) {
      const int32_t p = route2_[a * 26 + b];
      if (p >= 0) return p;
      out.reason = Reason::NoPolicyForCountry;
      out.missing.add(static_cast<uint32_t>(route_path_));
      return -1;
    }
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
  out.reason = Reason::NoPolicyForCountry;
  out.missing.add(static_cast<uint32_t>(route_path_));
  return -1;
}

void Vm::decide_routed(Outcome& out, const DecideOptions& opt) {
  out.clear();
  int32_t p = route(out);
  if (p < 0) return;
  decide_policy(static_cast<uint32_t>(p), out, opt);
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

void append_reason_text(std::string& text, const Program& prog, const Outcome& out) {
  auto rule = [&](int32_t i) -> std::string_view {
    if (out.decision < 0 || i < 0) return "?";
    return prog.str(prog.decisions[static_cast<size_t>(out.decision)].rules[static_cast<size_t>(i)].name);
  };
  auto verdict = [&](int32_t i) -> const char* {
    return verdict_name(prog.decisions[static_cast<size_t>(out.decision)].rules[static_cast<size_t>(i)].verdict);
  };
  auto decision = [&](int32_t d) -> std::string_view {
    return d < 0 ? std::string_view("?") : std::string_view(prog.str(prog.decisions[static_cast<size_t>(d)].name));
  };
  auto to = std::back_inserter(text);
  switch (out.reason) {
    case Reason::None: return;
    case Reason::NoPolicyForCountry: text += "no policy for this country"; return;
    case Reason::CountryUnknown: text += "the country is unknown"; return;
    case Reason::PolicyNotInForce:
      text += out.missing.empty() ? "the policy is not in force on this date" : "the date of the campaign is unknown";
      return;
    case Reason::NoDecisionApplies: text += "no rule covers this channel"; return;
    case Reason::DecisionsOverlap:
      fmt::format_to(to, "decisions '{}' and '{}' both apply", decision(out.reason_a), decision(out.reason_b));
      return;
    case Reason::DecisionMayApply: fmt::format_to(to, "decision '{}' might apply", decision(out.reason_a)); return;
    case Reason::NoRuleApplies: text += "no rule applies"; return;
    case Reason::Conflict:
      fmt::format_to(to, "rules '{}' ({}) and '{}' ({}) both apply and neither overrides the other", rule(out.reason_a),
                     verdict(out.reason_a), rule(out.reason_b), verdict(out.reason_b));
      return;
    case Reason::Undetermined:
      fmt::format_to(to, "rule '{}' might apply, and would change the outcome", rule(out.reason_a));
      return;
    case Reason::ReviewRule: fmt::format_to(to, "rule '{}' asks for review", rule(out.reason_a)); return;
    case Reason::DecisionNotApplicable:
      fmt::format_to(to, "decision '{}' does not apply", decision(out.reason_a));
      return;
  }
}

std::string reason_text(const Program& prog, const Outcome& out) {
  std::string text;
  append_reason_text(text, prog, out);
  return text;
}

}  // namespace lawful
