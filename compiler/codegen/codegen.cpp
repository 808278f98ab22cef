// IR to bytecode; see codegen.h. Short-circuit `and`/`or` keep their left operand when
// it decides; `if` with an unknown condition evaluates both branches and keeps the
// result only where they agree; quantifiers become the IterBegin/IterNext/Step loop of
// opcodes.def.
#include "compiler/codegen/codegen.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/verifier.h"

namespace lawful::codegen {

namespace {

using sema::Ir;
using sema::IrOp;

class Emitter {
 public:
  Emitter(const SourceManager& sources, Program& prog) : sources_(sources), prog_(prog) {}

  void function(const sema::FunctionIr& f) {
    Function fn;
    fn.begin = static_cast<uint32_t>(prog_.code.size());
    depth_ = 0;
    max_depth_ = 0;
    label_ = &f.label;
    span_ = Span{};
    gen(*f.body);
    emit(Op::Ret);
    fn.end = static_cast<uint32_t>(prog_.code.size());
    fn.max_stack = static_cast<uint32_t>(max_depth_);
    fn.n_locals = f.n_locals;
    if (fn.max_stack > limits_.max_stack)
      throw std::runtime_error(fmt::format("'{}' needs a stack of {} values; the limit is {}", f.label, fn.max_stack,
                                           limits_.max_stack));
    if (fn.n_locals > limits_.max_locals)
      throw std::runtime_error(fmt::format("'{}' needs {} local values; the limit is {}", f.label, fn.n_locals,
                                           limits_.max_locals));
    prog_.functions.push_back(fn);
  }

  // The VM's stack for the deepest chain of definitions (as the verifier computes it).
  void check_frames() {
    for (uint64_t need : frame_needs(prog_))
      if (need > limits_.max_frame)
        throw std::runtime_error(fmt::format("its definitions, one inside another, need more than {} stack values",
                                             limits_.max_frame));
  }

 private:
  uint32_t here() const { return static_cast<uint32_t>(prog_.code.size()); }

  void account(Op op) {
    const OpInfo& info = op_info(op);
    int pops = info.pops;
    depth_ -= pops < 0 ? 0 : pops;
    depth_ += info.pushes;
    if (depth_ > max_depth_) max_depth_ = depth_;
  }

  uint32_t emit(Op op, uint32_t a = 0, int32_t path = -1) {
    if (a > kMaxOperand) throw std::runtime_error("an operand does not fit in 24 bits");
    // `if` inside the branches of `if` doubles the code at each level (an unknown
    // condition evaluates both branches): stop at the bytecode's limit, saying where.
    if (prog_.code.size() + 2 > limits_.max_code)
      throw std::runtime_error(fmt::format(
          "'{}' compiles to more than {} instructions; `if` inside the branches of `if` doubles the code at each "
          "level: put inner `if`s in definitions without parameters",
          label_ ? *label_ : std::string(), limits_.max_code));
    uint32_t at = here();
    note_span(at);
    prog_.code.push_back(encode(op, a));
    prog_.code_paths.push_back(static_cast<int16_t>(path));
    account(op);
    return at;
  }
  uint32_t emit2(Op op, uint32_t a, uint32_t b, int32_t path = -1) {
    uint32_t at = emit(op, a, path);
    prog_.code.push_back(b);
    prog_.code_paths.push_back(-1);
    return at;
  }
  // A new code span where the expression being compiled changes (code_spans is sorted:
  // code is only appended).
  // Code of no known expression (none in practice) gets a span of no file, so that it
  // never takes the span of the code before it.
  void note_span(uint32_t at) {
    std::vector<CodeSpan>& spans = prog_.code_spans;
    const uint32_t file = span_.valid() ? span_.file : kNoSourceFile;
    if (!spans.empty()) {
      const SourcePos& last = spans.back().pos;
      if (last.file == file && last.begin == span_.begin && last.end == span_.end) return;
    }
    CodeSpan cs;
    cs.pc = at;
    cs.pos.file = file;
    if (span_.valid()) {
      const LineCol lc = sources_.line_col(span_.file, span_.begin);
      cs.pos = SourcePos{span_.file, lc.line, lc.col, span_.begin, span_.end};
    }
    spans.push_back(cs);
  }
  // Branch targets are filled in when the label is placed.
  void patch_a(uint32_t at, uint32_t target) { prog_.code[at] = encode(decode_op(prog_.code[at]), target); }
  void patch_b(uint32_t at, uint32_t target) {
    uint32_t& b = prog_.code[at + 1];
    b = op_info(decode_op(prog_.code[at])).format == OpFormat::IterJump ? iter_operand(target, iter_stride(b)) : target;
  }

  void push_value(int64_t v) {
    if (v >= -(1 << 23) && v < (1 << 23)) {
      emit(Op::PushInt, static_cast<uint32_t>(v) & kMaxOperand);
      return;
    }
    auto it = const_ids_.find(v);
    uint32_t id;
    if (it != const_ids_.end()) {
      id = it->second;
    } else {
      id = static_cast<uint32_t>(prog_.consts.size());
      prog_.consts.push_back(v);
      const_ids_[v] = id;
    }
    emit(Op::PushConst, id);
  }

  // The span of the innermost expression being compiled is that of its instructions.
  void gen(const Ir& ir) {
    const Span outer = span_;
    if (ir.span.valid()) span_ = ir.span;
    gen_node(ir);
    span_ = outer;
  }
  void gen_node(const Ir& ir) {
    switch (ir.op) {
      case IrOp::Const:
      case IrOp::Str:
        push_value(ir.imm);
        return;
      case IrOp::StrSet:
        throw std::runtime_error("a string set outside `in`");
      case IrOp::Unknown:
        emit(Op::PushUnknown);
        return;
      case IrOp::Slot:
        emit(Op::LoadSlot, static_cast<uint32_t>(ir.imm), ir.path);
        return;
      case IrOp::Field:
        gen(*ir.kids[0]);
        emit(Op::LoadField, static_cast<uint32_t>(ir.imm), ir.path);
        return;
      case IrOp::RecordRef:
        emit2(Op::RecordRef, static_cast<uint32_t>(ir.imm), ir.aux < 0 ? kNone : static_cast<uint32_t>(ir.aux), ir.path);
        return;
      case IrOp::SubRecord:
        gen(*ir.kids[0]);
        emit2(Op::SubRecord, static_cast<uint32_t>(ir.imm), ir.aux < 0 ? kNone : static_cast<uint32_t>(ir.aux), ir.path);
        return;
      case IrOp::Local:
        emit(Op::LoadLocal, static_cast<uint32_t>(ir.imm));
        return;
      case IrOp::Let:
        emit(Op::Let, static_cast<uint32_t>(ir.imm));
        return;
      case IrOp::Verdict:
        emit(Op::LoadVerdict);
        return;
      case IrOp::Not:
        gen(*ir.kids[0]);
        emit(Op::Not);
        return;
      case IrOp::And:
      case IrOp::Or: {
        gen(*ir.kids[0]);
        uint32_t j = emit(ir.op == IrOp::And ? Op::JumpIfFalseKeep : Op::JumpIfTrueKeep);
        gen(*ir.kids[1]);
        emit(ir.op == IrOp::And ? Op::And : Op::Or);
        patch_a(j, here());
        return;
      }
      case IrOp::Known:
        gen(*ir.kids[0]);
        emit(Op::Known);
        return;
      case IrOp::Cmp:
      case IrOp::SpanCmp: {
        gen(*ir.kids[0]);
        gen(*ir.kids[1]);
        if (ir.op == IrOp::SpanCmp) emit(Op::SpanSplit);
        static const Op kCmp[] = {Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge};
        emit(kCmp[ir.aux]);
        return;
      }
      case IrOp::StrCmp:
        gen(*ir.kids[0]);
        gen(*ir.kids[1]);
        emit(ir.aux == static_cast<int32_t>(sema::CmpOp::Eq) ? Op::StrEq : Op::StrNe);
        return;
      case IrOp::Arith: {
        gen(*ir.kids[0]);
        gen(*ir.kids[1]);
        static const Op kArith[] = {Op::Add, Op::Sub, Op::Mul};
        emit(kArith[ir.aux]);
        return;
      }
      case IrOp::Neg:
        gen(*ir.kids[0]);
        emit(Op::Neg);
        return;
      case IrOp::DateAdd:
      case IrOp::DateSub:
      case IrOp::DateDiff:
      case IrOp::DurAdd: {
        gen(*ir.kids[0]);
        gen(*ir.kids[1]);
        emit(ir.op == IrOp::DateAdd   ? Op::DateAdd
             : ir.op == IrOp::DateSub ? Op::DateSub
             : ir.op == IrOp::DateDiff ? Op::DateDiff
                                       : Op::DurAdd);
        return;
      }
      case IrOp::InSet:
      case IrOp::InList:
      case IrOp::InListStr:
        gen(*ir.kids[0]);
        gen(*ir.kids[1]);
        emit(ir.op == IrOp::InSet ? Op::InSet : ir.op == IrOp::InList ? Op::InList : Op::InListStr);
        return;
      case IrOp::InStrSet:
        gen(*ir.kids[0]);
        emit(Op::InStrSet, static_cast<uint32_t>(ir.imm));
        return;
      case IrOp::Quant: {
        uint32_t base = static_cast<uint32_t>(ir.imm);
        if (ir.stride > 255) throw std::runtime_error("a list element record is larger than 255 slots");
        gen(*ir.kids[0]);
        uint32_t begin = emit2(Op::IterBegin, base, 0);
        int after_begin = depth_;
        push_value(ir.aux == 1 ? 1 : 0);  // all starts true; any starts false; count at 0
        emit(Op::StoreLocal, base + 3);
        uint32_t loop = here();
        uint32_t next = emit2(Op::IterNext, base, iter_operand(0, ir.stride));
        gen(*ir.kids[1]);
        static const Op kStep[] = {Op::AnyStep, Op::AllStep, Op::CountStep};
        uint32_t step = emit2(kStep[ir.aux], base, 0);
        emit(Op::Jump, loop);
        uint32_t done = here();
        depth_ = after_begin;
        emit(Op::LoadLocal, base + 3);
        uint32_t end = here();
        patch_b(begin, end);
        patch_b(next, done);
        patch_b(step, done);
        return;
      }
      case IrOp::If: {
        gen(*ir.kids[0]);
        uint32_t br = emit2(Op::Branch3, 0, 0);
        int base = depth_;
        gen(*ir.kids[1]);
        uint32_t j1 = emit(Op::Jump);
        depth_ = base;
        patch_a(br, here());
        gen(*ir.kids[2]);
        uint32_t j2 = emit(Op::Jump);
        depth_ = base;
        patch_b(br, here());
        gen(*ir.kids[1]);
        gen(*ir.kids[2]);
        emit(Op::MergeIf);
        patch_a(j1, here());
        patch_a(j2, here());
        return;
      }
      case IrOp::Builtin: {
        for (const auto& k : ir.kids) gen(*k);
        emit(Op::Builtin, static_cast<uint32_t>(ir.imm));
        depth_ -= static_cast<int>(ir.kids.size());
        return;
      }
      case IrOp::Bind: {
        uint32_t first = static_cast<uint32_t>(ir.imm);
        for (size_t i = 0; i + 1 < ir.kids.size(); ++i) {
          gen(*ir.kids[i]);
          emit(Op::StoreLocal, first + static_cast<uint32_t>(i));
        }
        gen(*ir.kids.back());
        return;
      }
    }
  }

  const SourceManager& sources_;
  Program& prog_;
  const VerifyLimits limits_;
  Span span_;
  const std::string* label_ = nullptr;
  int depth_ = 0;
  int max_depth_ = 0;
  std::map<int64_t, uint32_t> const_ids_;
};

}  // namespace

void generate(const std::vector<sema::FunctionIr>& functions, const SourceManager& sources, Program& prog) {
  Emitter em(sources, prog);
  for (const sema::FunctionIr& f : functions) em.function(f);
  em.check_frames();
}

}  // namespace lawful::codegen
