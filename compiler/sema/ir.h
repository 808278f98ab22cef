// The typed intermediate form: an expression after names are resolved to slots, locals
// and definitions, enumeration words to numbers, and types checked. Sema builds it from
// the AST; codegen turns it into bytecode; the conflict check reads it. Calls to
// functions with parameters are already inlined here (a Bind node per call).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/syntax/source.h"
#include "runtime/core/schema.h"

namespace lawful::sema {

enum class IrOp : uint8_t {
  Const,      // imm: a raw value (bool, int, enum member, date, duration, set of enum)
  Str,        // imm: string id
  StrSet,     // imm: string-set id (only as the right side of InStrSet)
  Unknown,
  Slot,       // imm: absolute fact slot
  Field,      // kids[0]: record reference; imm: slot offset
  RecordRef,  // imm: base slot; aux: presence slot or -1
  SubRecord,  // kids[0]: record reference; imm: offset; aux: presence offset or -1
  Local,      // imm: local index
  Let,        // imm: definition id
  Verdict,    // the verdict an obligation is computed for
  Not,
  And,
  Or,
  Known,
  Cmp,        // aux: CmpOp
  StrCmp,     // aux: CmpOp (Eq or Ne)
  Arith,      // aux: ArithOp
  Neg,
  DateAdd,
  DateSub,
  DateDiff,
  DurAdd,
  SpanCmp,    // kids: span, duration; aux: CmpOp
  InSet,      // kids: x, set
  InList,     // kids: x, list
  InListStr,  // kids: x, list of strings
  InStrSet,   // kids: x; imm: string-set id
  Quant,      // kids: collection, body; aux: ast::Quant; imm: first of 4 locals; stride
  If,         // kids: cond, then, else
  Builtin,    // imm: builtin id; kids: arguments
  Bind,       // kids: arguments..., body; imm: local of the first argument
};

enum class CmpOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
// `a OP b` as `b OP' a`.
inline CmpOp flip(CmpOp op) {
  switch (op) {
    case CmpOp::Lt: return CmpOp::Gt;
    case CmpOp::Le: return CmpOp::Ge;
    case CmpOp::Gt: return CmpOp::Lt;
    case CmpOp::Ge: return CmpOp::Le;
    default: return op;
  }
}

enum class ArithOp : uint8_t { Add, Sub, Mul };

struct Ir;
using IrPtr = std::unique_ptr<Ir>;

struct Ir {
  IrOp op = IrOp::Unknown;
  TypeId type = types::kError;
  Span span;
  int64_t imm = 0;
  int32_t aux = 0;
  int32_t path = -1;      // Slot, Field: the schema path read (for `missing`)
  int32_t rec = -1;       // Slot, Field: the schema field read, as its record and
  int32_t field = -1;     // index there (for lint W107)
  uint32_t stride = 0;    // Quant over records: slots per element
  std::string path_name;  // record and list values that come from facts: "contact.consents"
  std::vector<IrPtr> kids;
};

inline IrPtr make_ir(IrOp op, TypeId type, Span span) {
  auto ir = std::make_unique<Ir>();
  ir->op = op;
  ir->type = type;
  ir->span = span;
  return ir;
}

}  // namespace lawful::sema
