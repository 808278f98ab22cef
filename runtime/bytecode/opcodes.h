// Opcodes and instruction encoding, generated from opcodes.def.
//
// An instruction is one 32-bit word: the opcode in the low 8 bits and operand A in the
// high 24. Formats with a second operand take one more word, B. Jump targets are word
// indices into the program's code array.
#pragma once

#include <cstdint>

namespace lawful {

enum class Op : uint8_t {
#define LAW_OP(Name, Format, Pops, Pushes, Taken, Meaning) Name,
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
  Count_
};

inline constexpr int kOpCount = static_cast<int>(Op::Count_);

enum class OpFormat : uint8_t {
  None,        // no operand
  Imm,         // A: signed 24-bit immediate
  Const,       // A: numeric constant index
  Slot,        // A: fact slot
  Field,       // A: slot offset within a record
  Local,       // A: local index
  Let,         // A: definition index
  Jump,        // A: jump target
  StrSet,      // A: constant string-set index
  Builtin,     // A: builtin id
  SlotSlot,    // A: record base slot, B: presence slot or kNone
  FieldField,  // A: offset of a nested record, B: its presence offset or kNone
  JumpJump,    // A, B: jump targets
  LocalJump,   // A: local base, B: jump target
  IterJump,    // A: local base, B: jump target | stride << 24
};

struct OpInfo {
  const char* name;
  OpFormat format;
  int8_t pops;
  int8_t pushes;
  int8_t taken_pushes;  // -1: does not branch
  const char* meaning;
};

// The table of opcodes.def (opcodes.cpp); inline, as the loader, the verifier and every
// machine's set-up walk the code with these two (a call each was 0.8 M instructions of a
// warm start-up, docs/performance.md).
extern const OpInfo kOpInfo[];
inline const OpInfo& op_info(Op op) { return kOpInfo[static_cast<int>(op)]; }
// Words an instruction of this format occupies.
constexpr int op_words(OpFormat f) {
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

inline constexpr uint32_t kNone = 0xffffffffu;  // a B operand meaning "none"
inline constexpr uint32_t kMaxOperand = 0xffffffu;

// The fast path's fused instructions (fused.def), numbered after the opcodes. They never
// appear in a program: the verifier refuses any code past kOpCount.
enum class Fused : uint8_t {
  Before_ = kOpCount - 1,
#define LAW_FUSED(Name, Words, Sequence) Name,
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
  End_
};
inline constexpr int kAllOpCount = static_cast<int>(Fused::End_);  // opcodes and fused instructions
static_assert(kAllOpCount <= 256, "an instruction's code is 8 bits");

struct FusedInfo {
  const char* name;
  int8_t words;  // of the sequence it replaces, skipped as one
  const char* sequence;
};
const FusedInfo& fused_info(Fused f);
inline constexpr int8_t kFusedWords[] = {
#define LAW_FUSED(Name, Words, Sequence) Words,
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
};
constexpr uint32_t fused_words(Fused f) { return static_cast<uint32_t>(kFusedWords[static_cast<int>(f) - kOpCount]); }

// IterNext's B operand packs the loop's exit (low 24 bits) and the element stride in
// slots (high 8 bits; 0 for a list of scalars). Read and written only through these.
inline uint32_t iter_exit(uint32_t b) { return b & kMaxOperand; }
inline uint32_t iter_stride(uint32_t b) { return b >> 24; }
inline uint32_t iter_operand(uint32_t exit, uint32_t stride) { return (exit & kMaxOperand) | (stride << 24); }

// The bits of word k of an instruction of format f that hold a jump target (0: none):
// the one description of where jump targets are, which the functions below, the VM's
// comparison of code and the tests' relocation of code read.
constexpr uint32_t jump_bits(OpFormat f, int k) {
  switch (f) {
    case OpFormat::Jump: return k == 0 ? ~0xffu : 0;
    case OpFormat::JumpJump: return k == 0 ? ~0xffu : ~0u;
    case OpFormat::LocalJump: return k == 1 ? ~0u : 0;
    case OpFormat::IterJump: return k == 1 ? kMaxOperand : 0;
    default: return 0;
  }
}
constexpr int jump_shift(uint32_t bits) { return (bits & 1u) ? 0 : 1 + jump_shift(bits >> 1); }

// Calls f(target) for each place the instruction at code[pc] may jump to (besides the
// next instruction).
template <class F>
void for_each_jump_target(const uint32_t* code, uint32_t pc, F f) {
  const OpFormat format = op_info(static_cast<Op>(code[pc] & 0xff)).format;
  for (int k = 0, n = op_words(format); k < n; ++k)
    if (const uint32_t bits = jump_bits(format, k)) f((code[pc + k] & bits) >> jump_shift(bits));
}

inline uint32_t encode(Op op, uint32_t a = 0) { return static_cast<uint32_t>(op) | (a << 8); }
inline Op decode_op(uint32_t w) { return static_cast<Op>(w & 0xff); }
inline uint32_t decode_a(uint32_t w) { return w >> 8; }
inline int32_t decode_imm(uint32_t w) { return static_cast<int32_t>(w) >> 8; }

}  // namespace lawful
