// What a condition says for certain about single facts (private to compiler/sema): for
// each slot, the values it allows, a bit per enumeration member or per bool value (Atoms),
// and, for the conflict check, ranges of numbers and dates and sets of texts (Limits).
// Only conjunctions are looked into. The conflict check (checks.cpp) uses it to see that
// two conditions exclude each other, lint (lint.cpp) to see that one implies another.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "compiler/sema/ir.h"

namespace lawful::sema {

using Atoms = std::map<int64_t, uint64_t>;

inline void constrain(Atoms& atoms, int64_t slot, uint64_t allowed) {
  auto it = atoms.find(slot);
  if (it == atoms.end()) atoms[slot] = allowed;
  else it->second &= allowed;
}

inline void collect_atoms(const Ir* ir, Atoms& atoms) {
  if (!ir) return;
  switch (ir->op) {
    case IrOp::And:
      collect_atoms(ir->kids[0].get(), atoms);
      collect_atoms(ir->kids[1].get(), atoms);
      return;
    case IrOp::Slot:
      if (ir->type == types::kBool) constrain(atoms, ir->imm, 0b10);
      return;
    case IrOp::Not: {
      const Ir* k = ir->kids[0].get();
      if (k->op == IrOp::Slot && k->type == types::kBool) constrain(atoms, k->imm, 0b01);
      if (k->op == IrOp::InSet && k->kids[0]->op == IrOp::Slot && k->kids[1]->op == IrOp::Const)
        constrain(atoms, k->kids[0]->imm, ~static_cast<uint64_t>(k->kids[1]->imm));
      return;
    }
    case IrOp::InSet:
      if (ir->kids[0]->op == IrOp::Slot && ir->kids[1]->op == IrOp::Const)
        constrain(atoms, ir->kids[0]->imm, static_cast<uint64_t>(ir->kids[1]->imm));
      return;
    case IrOp::Cmp: {
      const Ir* a = ir->kids[0].get();
      const Ir* b = ir->kids[1].get();
      if (a->op == IrOp::Const && b->op == IrOp::Slot) std::swap(a, b);
      if (a->op != IrOp::Slot || b->op != IrOp::Const || b->imm < 0 || b->imm > 63) return;
      uint64_t bit = uint64_t{1} << b->imm;
      if (ir->aux == static_cast<int32_t>(CmpOp::Eq)) constrain(atoms, a->imm, bit);
      if (ir->aux == static_cast<int32_t>(CmpOp::Ne)) constrain(atoms, a->imm, ~bit);
      return;
    }
    default:
      return;
  }
}

}  // namespace lawful::sema

namespace lawful::sema {

// What a conjunction says for certain about single facts, for the conflict check W100:
// the values of enumerations and flags (Atoms), the range an integer or date fact lies in
// and the points it is not, and the texts a string fact is one of, or none of. Sound with
// unknowns: a condition that is true has every conjunct true, so every fact it compares
// is known and meets each comparison.
struct Limits {
  Atoms bits;
  std::map<int64_t, std::pair<int64_t, int64_t>> range;  // [lo, hi]
  std::map<int64_t, std::set<int64_t>> not_at;
  std::map<int64_t, std::set<int64_t>> texts;  // string ids; a slot absent: any text
  std::map<int64_t, std::set<int64_t>> not_texts;
};

namespace limits_detail {

inline CmpOp negated(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return CmpOp::Ne;
    case CmpOp::Ne: return CmpOp::Eq;
    case CmpOp::Lt: return CmpOp::Ge;
    case CmpOp::Le: return CmpOp::Gt;
    case CmpOp::Gt: return CmpOp::Le;
    case CmpOp::Ge: return CmpOp::Lt;
  }
  return op;
}

inline void narrow(Limits& l, int64_t slot, int64_t lo, int64_t hi) {
  auto [it, fresh] = l.range.try_emplace(slot, lo, hi);
  if (fresh) return;
  it->second.first = std::max(it->second.first, lo);
  it->second.second = std::min(it->second.second, hi);
}

// x OP c, x an integer or date fact.
inline void compare(Limits& l, int64_t slot, CmpOp op, int64_t c) {
  constexpr int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  switch (op) {
    case CmpOp::Eq: narrow(l, slot, c, c); break;
    case CmpOp::Ne: l.not_at[slot].insert(c); break;
    case CmpOp::Lt: c == lo ? narrow(l, slot, 1, 0) : narrow(l, slot, lo, c - 1); break;  // 1 > 0: never
    case CmpOp::Le: narrow(l, slot, lo, c); break;
    case CmpOp::Gt: c == hi ? narrow(l, slot, 1, 0) : narrow(l, slot, c + 1, hi); break;
    case CmpOp::Ge: narrow(l, slot, c, hi); break;
  }
}

inline void only_texts(Limits& l, int64_t slot, std::set<int64_t> ids) {
  auto it = l.texts.find(slot);
  if (it == l.texts.end()) {
    l.texts.emplace(slot, std::move(ids));
    return;
  }
  std::set<int64_t> both;
  for (int64_t id : ids)
    if (it->second.count(id)) both.insert(id);
  it->second = std::move(both);
}

}  // namespace limits_detail

// `string_sets`: the program's constant sets of strings (InStrSet's imm).
inline void collect_limits(const Ir* ir, const std::vector<std::vector<uint32_t>>& string_sets, Limits& l,
                           bool negate = false) {
  using namespace limits_detail;
  if (!ir) return;
  if (!negate) collect_atoms(ir, l.bits);  // enumerations and flags, and `not` of them
  switch (ir->op) {
    case IrOp::And:
      if (negate) return;
      collect_limits(ir->kids[0].get(), string_sets, l);
      collect_limits(ir->kids[1].get(), string_sets, l);
      return;
    case IrOp::Not:
      collect_limits(ir->kids[0].get(), string_sets, l, !negate);
      return;
    case IrOp::Cmp: {
      const Ir* a = ir->kids[0].get();
      const Ir* b = ir->kids[1].get();
      CmpOp op = static_cast<CmpOp>(ir->aux);
      if (a->op == IrOp::Const && b->op == IrOp::Slot) {
        std::swap(a, b);
        op = flip(op);
      }
      if (a->op != IrOp::Slot || b->op != IrOp::Const) return;
      if (negate) op = negated(op);
      if (a->type == types::kInt || a->type == types::kDate) {
        compare(l, a->imm, op, b->imm);
      } else if (b->imm >= 0 && b->imm <= 63 && (op == CmpOp::Eq || op == CmpOp::Ne)) {  // a flag or an enumeration
        const uint64_t bit = uint64_t{1} << b->imm;
        constrain(l.bits, a->imm, op == CmpOp::Eq ? bit : ~bit);
      }
      return;
    }
    case IrOp::StrCmp: {
      const Ir* a = ir->kids[0].get();
      const Ir* b = ir->kids[1].get();
      if (a->op == IrOp::Str && b->op == IrOp::Slot) std::swap(a, b);
      if (a->op != IrOp::Slot || b->op != IrOp::Str) return;
      const bool eq = (static_cast<CmpOp>(ir->aux) == CmpOp::Eq) != negate;
      if (eq) only_texts(l, a->imm, {b->imm});
      else l.not_texts[a->imm].insert(b->imm);
      return;
    }
    case IrOp::InStrSet: {
      const Ir* a = ir->kids[0].get();
      if (a->op != IrOp::Slot || ir->imm < 0 || static_cast<size_t>(ir->imm) >= string_sets.size()) return;
      const std::vector<uint32_t>& set = string_sets[static_cast<size_t>(ir->imm)];
      if (negate) l.not_texts[a->imm].insert(set.begin(), set.end());
      else only_texts(l, a->imm, std::set<int64_t>(set.begin(), set.end()));
      return;
    }
    default:
      return;
  }
}

// Whether two conjunctions' limits cannot both hold (or one of them never holds).
inline bool limits_disjoint(const Limits& x, const Limits& y) {
  for (const auto& [slot, bits] : x.bits) {
    auto it = y.bits.find(slot);
    if ((it != y.bits.end() && (bits & it->second) == 0) || bits == 0) return true;
  }
  for (const auto& [slot, bits] : y.bits)
    if (bits == 0) return true;
  auto range_of = [](const Limits& l, int64_t slot) {
    auto it = l.range.find(slot);
    return it != l.range.end() ? it->second
                               : std::make_pair(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  };
  auto excluded = [](const std::map<int64_t, std::set<int64_t>>& m, int64_t slot, int64_t v) {
    auto it = m.find(slot);
    return it != m.end() && it->second.count(v) > 0;
  };
  for (const Limits* l : {&x, &y}) {
    const Limits& other = l == &x ? y : x;
    for (const auto& [slot, r] : l->range) {
      auto [lo2, hi2] = range_of(other, slot);
      const int64_t lo = std::max(r.first, lo2), hi = std::min(r.second, hi2);
      if (lo > hi) return true;
      if (lo == hi && (excluded(x.not_at, slot, lo) || excluded(y.not_at, slot, lo))) return true;
    }
    for (const auto& [slot, ids] : l->texts) {
      auto it = other.texts.find(slot);
      bool any = false;
      for (int64_t id : ids)
        if ((it == other.texts.end() || it->second.count(id)) && !excluded(x.not_texts, slot, id) &&
            !excluded(y.not_texts, slot, id))
          any = true;
      if (!any) return true;
    }
  }
  return false;
}

}  // namespace lawful::sema
