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

const OpInfo& op_info(Op op);
// Words an instruction of this format occupies.
int op_words(OpFormat f);

inline constexpr uint32_t kNone = 0xffffffffu;  // a B operand meaning "none"
inline constexpr uint32_t kMaxOperand = 0xffffffu;

// Calls f(target) for each place the instruction at code[pc] may jump to.
template <class F>
void for_each_jump_target(const uint32_t* code, uint32_t pc, F f) {
  uint32_t w = code[pc];
  switch (op_info(static_cast<Op>(w & 0xff)).format) {
    case OpFormat::Jump: f(w >> 8); break;
    case OpFormat::JumpJump: f(w >> 8); f(code[pc + 1]); break;
    case OpFormat::LocalJump: f(code[pc + 1]); break;
    case OpFormat::IterJump: f(code[pc + 1] & 0xffffffu); break;
    default: break;
  }
}

inline uint32_t encode(Op op, uint32_t a = 0) { return static_cast<uint32_t>(op) | (a << 8); }
inline Op decode_op(uint32_t w) { return static_cast<Op>(w & 0xff); }
inline uint32_t decode_a(uint32_t w) { return w >> 8; }
inline int32_t decode_imm(uint32_t w) { return static_cast<int32_t>(w) >> 8; }

}  // namespace lawful
