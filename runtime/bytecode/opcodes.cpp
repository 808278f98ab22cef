// The opcode and fused-instruction info tables, from opcodes.def and fused.def.
#include "runtime/bytecode/opcodes.h"

namespace lawful {

namespace {
const OpInfo kOps[] = {
#define LAW_OP(Name, Format, Pops, Pushes, Taken, Meaning) {#Name, OpFormat::Format, Pops, Pushes, Taken, Meaning},
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
};
const FusedInfo kFused[] = {
#define LAW_FUSED(Name, Words, Sequence) {#Name, Words, Sequence},
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
};
}  // namespace

const OpInfo& op_info(Op op) { return kOps[static_cast<int>(op)]; }
const FusedInfo& fused_info(Fused f) { return kFused[static_cast<int>(f) - kOpCount]; }

int op_words(OpFormat f) {
  switch (f) {
    case OpFormat::SlotSlot:
    case OpFormat::FieldField:
    case OpFormat::JumpJump:
    case OpFormat::LocalJump:
    case OpFormat::IterJump:
      return 2;
    default:
      return 1;
  }
}

}  // namespace lawful
