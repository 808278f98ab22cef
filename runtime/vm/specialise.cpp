// The fast path's forms of a program, computed once when a Vm is made (see vm.h): the
// code with jumps threaded and common sequences fused (runtime/bytecode/fused.def),
// the functions that read only the campaign's facts (computed once per campaign), the
// chains of simple tests, the tiny functions, the obligations that repeat a rule.
#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/routes.h"
#include "runtime/core/builtins.h"
#include "runtime/vm/vm.h"
#include "runtime/vm/vm_internal.h"

namespace lawful {

using vm_internal::Bits;

namespace {

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
  if (native_ && native_[fn]) return FastForm::Native;
  if (only_let_[fn] >= 0) return FastForm::JustLet;
  if (tiny_[fn].kind != Tiny::None) return FastForm::Tiny;
  if (chain_[fn].count) return FastForm::Chain;
  return FastForm::Code;
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
  tlet_gen_.assign(prog.lets.size(), 0);
  tlet_value_.assign(prog.lets.size(), kUnknown);
  tlet_mask_.assign(prog.lets.size() * 8, 0);
  frame_.tlet_gen = tlet_gen_.data();
  frame_.tlet_value = tlet_value_.data();
  frame_.tlet_mask = tlet_mask_.data();
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
      oblige_names_.push_back(step.name);
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
    decision_fast_.push_back({d.policy, decision_rule_base_.back(), oblige_base_[decision_fast_.size()]});
    for (const RuleInfo& r : d.rules)
      rule_fast_.push_back({r.cond, r.basis, static_cast<uint8_t>(r.window.always() ? 1 : 0)});
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

}  // namespace lawful
