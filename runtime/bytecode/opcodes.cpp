// The opcode and fused-instruction info tables, from opcodes.def and fused.def.
#include "runtime/bytecode/opcodes.h"

namespace lawful {

const OpInfo kOpInfo[] = {
#define LAW_OP(Name, Format, Pops, Pushes, Taken, Meaning) {#Name, OpFormat::Format, Pops, Pushes, Taken, Meaning},
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
};

namespace {
const FusedInfo kFused[] = {
#define LAW_FUSED(Name, Words, Sequence) {#Name, Words, Sequence},
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
};
}  // namespace

const FusedInfo& fused_info(Fused f) { return kFused[static_cast<int>(f) - kOpCount]; }

}  // namespace lawful
