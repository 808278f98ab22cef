// What a condition says for certain about single facts (private to compiler/sema): for
// each slot, the values it allows, a bit per enumeration member or per bool value. Only
// conjunctions are looked into. The conflict check (checks.cpp) uses it to see that two
// conditions exclude each other, lint (lint.cpp) to see that one implies another.
#pragma once

#include <cstdint>
#include <map>

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
