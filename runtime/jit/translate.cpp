// Bytecode to LLVM IR; see translate.h.
//
// Each function of the program becomes `i64 f<N>(i8* frame)`. The operand stack and the
// locals become one alloca each (LLVM's mem2reg turns them into SSA values), the
// instructions that start a path become basic blocks, and each opcode of opcodes.def is
// translated by the member of Translator named after it: the dispatch below is made from
// the table, so an opcode added there without a translation here does not compile.
// The stack height at every instruction is the verifier's (verify_program's `heights`);
// code no path reaches is not translated.
#include "runtime/jit/translate.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/core/builtins.h"
#include "runtime/core/outcome.h"
#include "runtime/jit/jit.h"

namespace lawful::jit {

namespace {

namespace L = native_layout;

class Translator {
 public:
  Translator(const Program& prog, const std::vector<SortedSet>& sets, const std::vector<int32_t>& heights,
             uint64_t* probes, llvm::Module& m)
      : prog_(prog), sets_(sets), heights_(heights), probes_(probes), m_(m), ctx_(m.getContext()), b_(ctx_) {
    i1_ = llvm::Type::getInt1Ty(ctx_);
    i8_ = llvm::Type::getInt8Ty(ctx_);
    i32_ = llvm::Type::getInt32Ty(ctx_);
    i64_ = llvm::Type::getInt64Ty(ctx_);
    ptr_ = i8_->getPointerTo();
    fn_type_ = llvm::FunctionType::get(i64_, {ptr_}, false);
    tfn_type_ = llvm::FunctionType::get(i64_, {ptr_, ptr_}, false);
    m256_ = llvm::Type::getIntNTy(ctx_, 256);
  }

  std::string run() {
    if (prog_.code.size() > kMaxCodeWords)
      return fmt::format("the program has {} code words; the native back end compiles at most {}", prog_.code.size(),
                         kMaxCodeWords);
    for (size_t i = 0; i < prog_.functions.size(); ++i) {
      if (prog_.functions[i].n_locals > kMaxLocals)
        return fmt::format("function {} has {} locals; the native back end compiles at most {}", i,
                           prog_.functions[i].n_locals, kMaxLocals);
      fns_.push_back(llvm::Function::Create(fn_type_, llvm::Function::ExternalLinkage, fmt::format("f{}", i), m_));
      fns_.back()->addFnAttr(llvm::Attribute::NoUnwind);
    }
    // Decisions of at most 64 rules and 64 obligations (every real one), whole: their
    // rule states are bits of one word.
    for (uint32_t d = 0; d < prog_.decisions.size(); ++d) {
      const DecisionInfo& di = prog_.decisions[d];
      llvm::Function* f = nullptr;
      if (di.rules.size() <= 64 && di.obliges.size() <= 64) {
        f = llvm::Function::Create(fn_type_, llvm::Function::ExternalLinkage, fmt::format("d{}", d), m_);
        f->addFnAttr(llvm::Attribute::NoUnwind);
      }
      decisions_.push_back(f);
    }
    // Policies whose decisions are all compiled whole.
    for (uint32_t p = 0; p < prog_.policies.size(); ++p) {
      llvm::Function* f = nullptr;
      bool whole = true;
      for (uint32_t d : prog_.policies[p].decisions) whole = whole && d < decisions_.size() && decisions_[d];
      if (whole) {
        f = llvm::Function::Create(fn_type_, llvm::Function::ExternalLinkage, fmt::format("p{}", p), m_);
        f->addFnAttr(llvm::Attribute::NoUnwind);
      }
      policies_.push_back(f);
    }
    find_raisers();
    // A rule's or an obligation's condition is inlined into its decision's function: when
    // every decision that uses it is compiled whole and no definition calls it, its own
    // copy would only serve the Vm's rare paths (a run-time error decided again, the
    // obligations of a review that names missing facts), which interpret it instead
    // (a null entry in the table, Vm::eval). LLVM inlines it and drops it: half the code
    // to generate.
    std::vector<bool> inlined_only(fns_.size(), false);
    for (uint32_t d = 0; d < prog_.decisions.size(); ++d) {
      if (!decisions_[d]) continue;
      for (const RuleInfo& r : prog_.decisions[d].rules)
        if (r.cond >= 0 && static_cast<size_t>(r.cond) < fns_.size()) inlined_only[static_cast<size_t>(r.cond)] = true;
      for (const ObligeInfo& o : prog_.decisions[d].obliges)
        if (o.cond >= 0 && static_cast<size_t>(o.cond) < fns_.size()) inlined_only[static_cast<size_t>(o.cond)] = true;
    }
    auto keep = [&](int32_t f) {
      if (f >= 0 && static_cast<size_t>(f) < fns_.size()) inlined_only[static_cast<size_t>(f)] = false;
    };
    for (uint32_t d = 0; d < prog_.decisions.size(); ++d) {
      keep(prog_.decisions[d].guard);
      if (decisions_[d]) continue;
      for (const RuleInfo& r : prog_.decisions[d].rules) keep(r.cond);
      for (const ObligeInfo& o : prog_.decisions[d].obliges) keep(o.cond);
    }
    for (const LetInfo& l : prog_.lets) keep(static_cast<int32_t>(l.fn));
    for (size_t i = 0; i < fns_.size(); ++i)
      if (inlined_only[i]) {
        fns_[i]->setLinkage(llvm::GlobalValue::InternalLinkage);
        fns_[i]->addFnAttr(llvm::Attribute::AlwaysInline);
      }
    // The traced twins of the rule conditions of the decisions whose review's missing
    // facts are named by compiled code (decision()).
    find_traceable();
    tfns_.assign(prog_.functions.size(), nullptr);
    traced_.assign(prog_.decisions.size(), false);
    for (uint32_t d = 0; d < prog_.decisions.size(); ++d) {
      if (!decisions_[d] || !decision_traceable(prog_.decisions[d])) continue;
      traced_[d] = true;
      for (const RuleInfo& r : prog_.decisions[d].rules)
        if (r.cond >= 0) need_twin(static_cast<uint32_t>(r.cond));
    }
    for (uint32_t i = 0; i < prog_.functions.size(); ++i) function(i);
    for (uint32_t i = 0; i < prog_.functions.size(); ++i)
      if (tfns_[i]) function(i, true);
    for (uint32_t d = 0; d < prog_.decisions.size(); ++d)
      if (decisions_[d]) decision(d);
    for (uint32_t p = 0; p < prog_.policies.size(); ++p)
      if (policies_[p]) policy(p);
    // The table the host reads the functions from, then the decisions, then the policies.
    std::vector<llvm::Constant*> entries;
    for (llvm::Function* f : fns_)
      entries.push_back(f->hasLocalLinkage() ? llvm::ConstantPointerNull::get(ptr_) : llvm::ConstantExpr::getBitCast(f, ptr_));
    for (const auto* list : {&decisions_, &policies_})
      for (llvm::Function* f : *list)
        entries.push_back(f ? llvm::ConstantExpr::getBitCast(f, ptr_) : llvm::ConstantPointerNull::get(ptr_));
    auto* type = llvm::ArrayType::get(ptr_, entries.size());
    new llvm::GlobalVariable(m_, type, true, llvm::GlobalValue::ExternalLinkage, llvm::ConstantArray::get(type, entries),
                             kTableName);
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyModule(m_, &os)) return "the native back end made invalid IR: " + os.str();
    return {};
  }

 private:
  // ---------------------------------------------------------------- values
  llvm::Constant* i64c(int64_t v) { return llvm::ConstantInt::get(i64_, static_cast<uint64_t>(v), true); }
  llvm::Constant* unknown() { return i64c(kUnknown); }
  llvm::Value* is_u(llvm::Value* v) { return b_.CreateICmpEQ(v, unknown()); }
  llvm::Value* either_u(llvm::Value* a, llvm::Value* b) { return b_.CreateOr(is_u(a), is_u(b)); }
  llvm::Value* boolean(llvm::Value* bit) { return b_.CreateZExt(bit, i64_); }
  // A bool computed from operands, unknown when one of them is.
  llvm::Value* known_or_u(llvm::Value* any_u, llvm::Value* bit) { return b_.CreateSelect(any_u, unknown(), boolean(bit)); }
  llvm::Value* get(int i) { return b_.CreateLoad(i64_, stack_[static_cast<size_t>(i)]); }
  void put(int i, llvm::Value* v) { b_.CreateStore(v, stack_[static_cast<size_t>(i)]); }
  llvm::Value* local(uint32_t i) { return b_.CreateLoad(i64_, locals_[i]); }
  void set_local(uint32_t i, llvm::Value* v) { b_.CreateStore(v, locals_[i]); }
  llvm::Value* field(size_t offset, llvm::Type* type) {
    llvm::Value* p = b_.CreateConstInBoundsGEP1_64(i8_, frame_, offset);
    return b_.CreatePointerCast(p, type->getPointerTo());
  }
  // A field of the frame that no compiled code writes and the Vm sets before the call
  // (the facts, the caches' arrays, the generation, the date): loaded once, so that
  // LLVM may reuse it across calls and stores (inlined conditions load it again).
  llvm::Value* frame_const(size_t offset, llvm::Type* type) {
    llvm::LoadInst* l = b_.CreateLoad(type, field(offset, type));
    l->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(ctx_, {}));
    return l;
  }
  llvm::Value* slot(llvm::Value* index) {
    return b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, slots_, index));
  }
  llvm::Value* address(const void* p) {
    return b_.CreateIntToPtr(i64c(static_cast<int64_t>(reinterpret_cast<uintptr_t>(p))), ptr_);
  }
  template <class R, class... A>
  llvm::Value* call(R (*fn)(A...), std::vector<llvm::Value*> args) {
    std::vector<llvm::Type*> params;
    for (llvm::Value* a : args) params.push_back(a->getType());
    auto* type = llvm::FunctionType::get(i64_, params, false);
    static_assert(sizeof(R) == 8, "helpers return a Value");
    llvm::Value* callee = b_.CreateIntToPtr(i64c(static_cast<int64_t>(reinterpret_cast<uintptr_t>(fn))),
                                            type->getPointerTo());
    llvm::CallInst* c = b_.CreateCall(type, callee, args);
    c->addFnAttr(llvm::Attribute::NoUnwind);
    return c;
  }

  // ---------------------------------------------------------------- control
  llvm::BasicBlock* block(const char* name = "") { return llvm::BasicBlock::Create(ctx_, name, fn_); }
  llvm::BasicBlock* at(uint32_t pc) { return blocks_[pc - begin_]; }
  // Runs `then` only when `cond` holds, then goes on after it.
  template <class F>
  void when(llvm::Value* cond, F then) {
    llvm::BasicBlock* yes = block();
    llvm::BasicBlock* after = block();
    b_.CreateCondBr(cond, yes, after);
    b_.SetInsertPoint(yes);
    then();
    b_.CreateBr(after);
    b_.SetInsertPoint(after);
  }
  // Stops with the run-time error `what` when `cond` holds.
  void fail_if(llvm::Value* cond, const char* what) {
    llvm::BasicBlock* bad = block("error");
    llvm::BasicBlock* ok = block();
    b_.CreateCondBr(cond, bad, ok, unlikely_);
    b_.SetInsertPoint(bad);
    raise(address(what));
    b_.SetInsertPoint(ok);
  }
  void raise(llvm::Value* what) {
    b_.CreateStore(what, field(L::kError, ptr_));
    b_.CreateStore(i64c(pc_), field(L::kErrorPc, i64_));
    b_.CreateBr(fail_);
  }
  // Which functions may raise a run-time error: those with an instruction that can
  // (its translation calls fail_if, raise or check_error), and those that compute a
  // definition that may. After a call of one that cannot, no check is needed.
  static bool can_raise(Op op) {
    switch (op) {
      case Op::LoadField: case Op::SubRecord: case Op::Add: case Op::Sub: case Op::Mul: case Op::DateAdd:
      case Op::DateSub: case Op::SpanSplit: case Op::DurAdd: case Op::InList: case Op::InListStr:
      case Op::IterNext: case Op::CountStep:
        return true;
      default: return false;
    }
  }
  void find_raisers() {
    raises_.assign(prog_.functions.size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < prog_.functions.size(); ++i) {
        if (raises_[i]) continue;
        const Function& f = prog_.functions[i];
        for (uint32_t pc = f.begin; pc < f.end && !raises_[i];) {
          const uint32_t w = prog_.code[pc];
          const Op op = decode_op(w);
          if (heights_[pc] >= 0) {
            if (can_raise(op)) raises_[i] = true;
            if (op == Op::Let && decode_a(w) < prog_.lets.size()) {
              const uint32_t fn = prog_.lets[decode_a(w)].fn;
              if (fn >= raises_.size() || raises_[fn]) raises_[i] = true;
            }
          }
          pc += static_cast<uint32_t>(op_words(op_info(op).format));
        }
        changed = changed || raises_[i];
      }
    }
  }
  bool raises(int32_t f) const { return f >= 0 && (static_cast<size_t>(f) >= raises_.size() || raises_[static_cast<size_t>(f)]); }
  // After a helper that may have failed (or a definition's function): stop if it did.
  void check_error() {
    llvm::Value* e = b_.CreateLoad(ptr_, field(L::kError, ptr_));
    llvm::BasicBlock* ok = block();
    b_.CreateCondBr(b_.CreateIsNotNull(e), fail_, ok, unlikely_);
    b_.SetInsertPoint(ok);
  }
  void jump(uint32_t to) {
    b_.CreateBr(at(to));
    open_ = false;
  }
  void branch(llvm::Value* cond, uint32_t yes, uint32_t no) {
    b_.CreateCondBr(cond, at(yes), at(no));
    open_ = false;
  }

  // ---------------------------------------------------------------- functions
  void function(uint32_t fi, bool traced = false) {
    const Function& f = prog_.functions[fi];
    fn_ = traced ? tfns_[fi] : fns_[fi];
    tracing_ = traced;
    begin_ = f.begin;
    end_ = f.end;
    const uint32_t n = f.end - f.begin;
    llvm::BasicBlock* entry = block("entry");
    b_.SetInsertPoint(entry);
    frame_ = fn_->getArg(0);
    args_ = nullptr;
    stack_.clear();
    locals_.clear();
    for (uint32_t i = 0; i < f.max_stack + 1; ++i) stack_.push_back(b_.CreateAlloca(i64_));
    for (uint32_t i = 0; i < f.n_locals; ++i) locals_.push_back(b_.CreateAlloca(i64_));
    for (uint32_t i = 0; i < f.n_locals; ++i) set_local(i, unknown());
    if (traced) {
      trace_depths(fi);  // this function's own, should another's code overlap it
      // Beside each value, its missing facts and its sources (FactSet's two halves).
      auto pairs = [&](std::vector<llvm::AllocaInst*>& w, std::vector<llvm::AllocaInst*>& s, size_t count, bool zero) {
        w.clear();
        s.clear();
        for (size_t i = 0; i < count; ++i) {
          w.push_back(b_.CreateAlloca(m256_));
          s.push_back(b_.CreateAlloca(m256_));
          if (zero) {
            b_.CreateStore(none256(), w.back());
            b_.CreateStore(none256(), s.back());
          }
        }
      };
      pairs(mw_, ms_, f.max_stack + 1, false);
      pairs(lw_, ls_, f.n_locals, true);
      pairs(iw_, is_, static_cast<size_t>(if_depth_max_[fi]) + 1, false);
      mask_out_ = fn_->getArg(1);
    }
    slots_ = frame_const(L::kSlots, i64_->getPointerTo());
    nslots_ = frame_const(L::kNslots, i64_);
    facts_ = frame_const(L::kFacts, ptr_);
    unlikely_ = llvm::MDBuilder(ctx_).createBranchWeights(1, 1000);
    fail_ = block("fail");
    // Blocks: where jumps land, and after every instruction that may jump.
    blocks_.assign(n, nullptr);
    auto mark = [&](uint32_t pc) {
      if (pc >= f.begin && pc < f.end && heights_[pc] >= 0 && !blocks_[pc - f.begin])
        blocks_[pc - f.begin] = block();
    };
    for (uint32_t pc = f.begin; pc < f.end;) {
      uint32_t w = prog_.code[pc];
      const OpInfo& info = op_info(decode_op(w));
      uint32_t words = static_cast<uint32_t>(op_words(info.format));
      if (heights_[pc] >= 0) {
        for_each_jump_target(prog_.code.data(), pc, mark);
        if (info.taken_pushes >= 0) mark(pc + words);
      }
      pc += words;
    }
    b_.CreateBr(at(f.begin) ? at(f.begin) : (blocks_[0] = block()));
    open_ = false;
    for (uint32_t pc = f.begin; pc < f.end;) {
      uint32_t w = prog_.code[pc];
      Op op = decode_op(w);
      uint32_t words = static_cast<uint32_t>(op_words(op_info(op).format));
      int h = heights_[pc];
      if (h >= 0) {
        if (llvm::BasicBlock* bb = at(pc)) {
          if (open_) b_.CreateBr(bb);
          b_.SetInsertPoint(bb);
          open_ = true;
        }
        pc_ = pc;
        h_ = h;
        next_ = pc + words;
        skip_to_ = 0;
        if (traced) {
          depth_ = if_depth_[pc];
          trace(op, w);
        } else {
          emit(op, w);
        }
        if (skip_to_) {  // translated together with the instructions up to there
          pc = skip_to_;
          continue;
        }
      }
      pc += words;
    }
    b_.SetInsertPoint(fail_);
    b_.CreateRet(unknown());
    tracing_ = false;
  }

  // ---------------------------------------------------------------- the traced path
  // A function's traced twin, `t<N>(frame, mask)`, computes what the interpreter's
  // exec<true> computes (runtime/vm/vm.cpp): beside each value of the stack and of the
  // locals, the set of absent facts it came from and its sources (FactSet's two halves,
  // as i256: paths 0 to 255), and on return writes them (nothing for a known value) to
  // `mask`. A definition's twin is computed once per decision (NativeFrame::tlet_*). The
  // `if`s whose condition is unknown keep it on a stack whose depth at each instruction
  // is known when compiling (trace_depths): a function where it is not, or that calls
  // such a one, has no twin, and neither has a decision that would need one.
  llvm::Constant* none256() { return llvm::ConstantInt::get(m256_, 0); }
  llvm::Constant* path_bit(int p) {
    if (p < 0 || p >= 256) return none256();  // FactSet keeps paths below 256
    return llvm::ConstantInt::get(ctx_, llvm::APInt::getOneBitSet(256, static_cast<unsigned>(p)));
  }
  llvm::Value* mw(int i) { return b_.CreateLoad(m256_, mw_[static_cast<size_t>(i)]); }
  llvm::Value* ms(int i) { return b_.CreateLoad(m256_, ms_[static_cast<size_t>(i)]); }
  void put_m(int i, llvm::Value* w, llvm::Value* s) {
    b_.CreateStore(w, mw_[static_cast<size_t>(i)]);
    b_.CreateStore(s, ms_[static_cast<size_t>(i)]);
  }
  llvm::Value* sel(llvm::Value* c, llvm::Value* a, llvm::Value* b) { return b_.CreateSelect(c, a, b); }
  // The depth of the stack of unknown `if`s at each instruction of function `fi`
  // (if_depth_), as exec<true> keeps it: a Branch3's unknown way one deeper, a MergeIf
  // one less; false if it is not one number at each instruction, a MergeIf has nothing
  // to take or a Ret leaves one.
  bool trace_depths(uint32_t fi) {
    const Function& f = prog_.functions[fi];
    if (f.begin >= f.end || heights_[f.begin] < 0) return false;
    std::fill(if_depth_.begin() + f.begin, if_depth_.begin() + f.end, -1);
    std::vector<uint32_t> work{f.begin};
    if_depth_[f.begin] = 0;
    int most = 0;
    auto reach = [&](uint32_t to, int d) {
      if (to < f.begin || to >= f.end || heights_[to] < 0) return false;
      if (if_depth_[to] < 0) {
        if_depth_[to] = d;
        work.push_back(to);
        return true;
      }
      return if_depth_[to] == d;
    };
    while (!work.empty()) {
      const uint32_t pc = work.back();
      work.pop_back();
      const uint32_t w = prog_.code[pc];
      const Op op = decode_op(w);
      const uint32_t next = pc + static_cast<uint32_t>(op_words(op_info(op).format));
      const int d = if_depth_[pc];
      most = std::max(most, d);
      bool ok = true;
      switch (op) {
        case Op::Ret: ok = d == 0; break;
        case Op::Jump: ok = reach(decode_a(w), d); break;
        case Op::Branch3:
          ok = reach(next, d) && reach(decode_a(w), d) && reach(prog_.code[pc + 1], d + 1);
          most = std::max(most, d + 1);
          break;
        case Op::MergeIf: ok = d >= 1 && reach(next, d - 1); break;
        default:
          for_each_jump_target(prog_.code.data(), pc, [&](uint32_t to) { ok = ok && reach(to, d); });
          ok = ok && reach(next, d);
      }
      if (!ok) return false;
    }
    if_depth_max_[fi] = most;
    return true;
  }
  // Which functions can have a twin: their depths are known and every definition they
  // use has one (definitions do not recurse; one that did would have none).
  void find_traceable() {
    if_depth_.assign(prog_.code.size(), -1);
    if_depth_max_.assign(prog_.functions.size(), 0);
    std::vector<bool> depths(prog_.functions.size());
    for (uint32_t i = 0; i < prog_.functions.size(); ++i) depths[i] = trace_depths(i);
    traceable_.assign(prog_.functions.size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      for (uint32_t i = 0; i < prog_.functions.size(); ++i) {
        if (traceable_[i] || !depths[i]) continue;
        bool ok = true;
        const Function& f = prog_.functions[i];
        for (uint32_t pc = f.begin; pc < f.end && ok;) {
          const uint32_t w = prog_.code[pc];
          const Op op = decode_op(w);
          if (heights_[pc] >= 0 && op == Op::Let)
            ok = decode_a(w) < prog_.lets.size() && prog_.lets[decode_a(w)].fn < traceable_.size() &&
                 traceable_[prog_.lets[decode_a(w)].fn];
          pc += static_cast<uint32_t>(op_words(op_info(op).format));
        }
        if (ok) traceable_[i] = changed = true;
      }
    }
  }
  // The twins a decision needs: its rules' conditions and the definitions they use.
  void need_twin(uint32_t fi) {
    if (tfns_[fi]) return;
    tfns_[fi] = llvm::Function::Create(tfn_type_, llvm::Function::InternalLinkage, fmt::format("t{}", fi), m_);
    tfns_[fi]->addFnAttr(llvm::Attribute::NoUnwind);
    const Function& f = prog_.functions[fi];
    for (uint32_t pc = f.begin; pc < f.end;) {
      const uint32_t w = prog_.code[pc];
      const Op op = decode_op(w);
      if (heights_[pc] >= 0 && op == Op::Let) need_twin(prog_.lets[decode_a(w)].fn);
      pc += static_cast<uint32_t>(op_words(op_info(op).format));
    }
  }
  bool decision_traceable(const DecisionInfo& di) const {
    if (obligation_raises(di)) return false;  // only the kNativeStatesObliged way is traced
    for (const RuleInfo& r : di.rules)
      if (r.cond >= 0 && (static_cast<size_t>(r.cond) >= traceable_.size() || !traceable_[static_cast<size_t>(r.cond)]))
        return false;
    return true;
  }
  // The result of an operation on the top `n` operands (LAW_RESULT): unknown, the union
  // of theirs; known, no missing facts and their sources.
  struct Operands {
    std::vector<llvm::Value*> values, w, s;
  };
  Operands operands(int n) {
    Operands o;
    for (int i = n; i >= 1; --i) {
      o.values.push_back(get(h_ - i));
      o.w.push_back(mw(h_ - i));
      o.s.push_back(ms(h_ - i));
    }
    return o;
  }
  void result_masks(const Operands& o, llvm::Value* r, bool promote) {
    llvm::Value* w = none256();
    llvm::Value* s = none256();
    for (size_t i = 0; i < o.w.size(); ++i) {
      w = b_.CreateOr(w, o.w[i]);
      s = b_.CreateOr(s, o.s[i]);
    }
    llvm::Value* u = is_u(r);
    w = sel(u, w, none256());
    if (promote) {  // known arguments a builtin cannot read: their sources would settle it
      llvm::Value* any_u = b_.getFalse();
      for (llvm::Value* v : o.values) any_u = b_.CreateOr(any_u, is_u(v));
      w = sel(b_.CreateAnd(u, b_.CreateNot(any_u)), b_.CreateOr(w, s), w);
    }
    put_m(h_ - static_cast<int>(o.w.size()), w, s);
  }
  // A load of the fact at `path` gave `v`: absent, its path; its source, the path.
  void load_masks(int i, llvm::Value* v, int path, bool source = true) {
    put_m(i, sel(is_u(v), path_bit(path), none256()), source ? path_bit(path) : none256());
  }
  // One instruction of a twin: its value as emit() computes it (without the fused forms
  // of op_Builtin), and its masks as exec<true> does.
  void trace(Op op, uint32_t w) {
    const int path = prog_.code_paths[pc_];
    switch (op) {
      case Op::PushInt: case Op::PushConst: case Op::PushUnknown: case Op::LoadVerdict:
        emit(op, w);
        put_m(h_, none256(), none256());
        return;
      case Op::LoadSlot:
        emit(op, w);
        load_masks(h_, get(h_), path);
        return;
      case Op::RecordRef:
        emit(op, w);
        load_masks(h_, get(h_), path, false);
        return;
      case Op::LoadField: case Op::SubRecord: {  // a known reference: the load's; else as it was
        llvm::Value* known = b_.CreateNot(is_u(get(h_ - 1)));
        llvm::Value* w0 = mw(h_ - 1);
        llvm::Value* s0 = ms(h_ - 1);
        emit(op, w);
        llvm::Value* v = get(h_ - 1);
        llvm::Value* s1 = op == Op::LoadField ? path_bit(path) : none256();
        put_m(h_ - 1, sel(known, sel(is_u(v), path_bit(path), none256()), w0), sel(known, s1, s0));
        return;
      }
      case Op::LoadLocal:
        emit(op, w);
        put_m(h_, b_.CreateLoad(m256_, lw_[decode_a(w)]), b_.CreateLoad(m256_, ls_[decode_a(w)]));
        return;
      case Op::StoreLocal:
        emit(op, w);
        b_.CreateStore(mw(h_ - 1), lw_[decode_a(w)]);
        b_.CreateStore(ms(h_ - 1), ls_[decode_a(w)]);
        return;
      case Op::Let: trace_let(decode_a(w)); return;
      case Op::Known:
        emit(op, w);
        put_m(h_ - 1, none256(), none256());
        return;
      case Op::MergeIf: {
        Operands o = operands(2);
        emit(op, w);
        llvm::Value* u = is_u(get(h_ - 2));
        llvm::Value* cw = b_.CreateLoad(m256_, iw_[static_cast<size_t>(depth_ - 1)]);
        llvm::Value* cs = b_.CreateLoad(m256_, is_[static_cast<size_t>(depth_ - 1)]);
        put_m(h_ - 2, sel(u, b_.CreateOr(b_.CreateOr(o.w[0], o.w[1]), cw), none256()),
              sel(u, b_.CreateOr(b_.CreateOr(o.s[0], o.s[1]), cs), none256()));
        return;
      }
      case Op::Branch3:  // kept for its unknown way (only a MergeIf one deeper reads it)
        b_.CreateStore(mw(h_ - 1), iw_[static_cast<size_t>(depth_)]);
        b_.CreateStore(ms(h_ - 1), is_[static_cast<size_t>(depth_)]);
        emit(op, w);
        return;
      case Op::Ret: {
        llvm::Value* u = is_u(get(h_ - 1));
        llvm::Value* out = b_.CreatePointerCast(mask_out_, m256_->getPointerTo());
        b_.CreateAlignedStore(sel(u, mw(h_ - 1), none256()), out, llvm::MaybeAlign(8));
        b_.CreateAlignedStore(sel(u, ms(h_ - 1), none256()), b_.CreateConstInBoundsGEP1_64(m256_, out, 1),
                              llvm::MaybeAlign(8));
        emit(op, w);
        return;
      }
      case Op::And: case Op::Or: case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
      case Op::StrEq: case Op::StrNe: case Op::Add: case Op::Sub: case Op::Mul: case Op::DateAdd: case Op::DateSub:
      case Op::DateDiff: case Op::DurAdd: case Op::InSet: case Op::InList: case Op::InListStr: {
        Operands o = operands(2);
        emit(op, w);
        result_masks(o, get(h_ - 2), false);
        return;
      }
      case Op::SpanSplit: {  // either unknown: both take the union; else as they were
        Operands o = operands(2);
        emit(op, w);
        llvm::Value* u = either_u(o.values[0], o.values[1]);
        llvm::Value* uw = b_.CreateOr(o.w[0], o.w[1]);
        llvm::Value* us = b_.CreateOr(o.s[0], o.s[1]);
        put_m(h_ - 2, sel(u, uw, o.w[0]), sel(u, us, o.s[0]));
        put_m(h_ - 1, sel(u, uw, o.w[1]), sel(u, us, o.s[1]));
        return;
      }
      case Op::IterBegin:  // on the way on (the list known), the list's local has none
        emit(op, w);
        b_.CreateStore(none256(), lw_[decode_a(w)]);
        b_.CreateStore(none256(), ls_[decode_a(w)]);
        return;
      case Op::IterNext:
        emit(op, w);
        b_.CreateStore(none256(), lw_[decode_a(w) + 2]);
        b_.CreateStore(none256(), ls_[decode_a(w) + 2]);
        return;
      case Op::AnyStep: case Op::AllStep: case Op::CountStep: {
        // The accumulator: unknown, it takes the step's facts; known again, none.
        const uint32_t a = decode_a(w) + 3;
        llvm::Value* b = get(h_ - 1);
        llvm::Value* acc = local(a);
        llvm::Value* u = is_u(b);
        llvm::Value* settles = op == Op::AnyStep   ? b_.CreateICmpEQ(b, i64c(kTrue))
                               : op == Op::AllStep ? b_.CreateICmpEQ(b, i64c(kFalse))
                                                   : b_.getFalse();
        llvm::Value* unknown_after = b_.CreateOr(u, b_.CreateAnd(is_u(acc), b_.CreateNot(settles)));
        llvm::Value* aw = b_.CreateLoad(m256_, lw_[a]);
        llvm::Value* as = b_.CreateLoad(m256_, ls_[a]);
        b_.CreateStore(sel(unknown_after, sel(u, b_.CreateOr(aw, mw(h_ - 1)), aw), none256()), lw_[a]);
        b_.CreateStore(sel(unknown_after, sel(u, b_.CreateOr(as, ms(h_ - 1)), as), none256()), ls_[a]);
        emit(op, w);
        return;
      }
      case Op::Builtin: {
        const int n = builtin_arity(static_cast<BuiltinId>(decode_a(w)));
        Operands o = operands(n);
        emit(op, w);
        if (n == 0)
          put_m(h_, none256(), none256());
        else
          result_masks(o, get(h_ - n), true);
        return;
      }
      // The value only: its masks stay (Not, Neg; InStrSet as exec<true>); no value.
      case Op::Not: case Op::Neg: case Op::InStrSet: case Op::Jump: case Op::JumpIfFalseKeep:
      case Op::JumpIfTrueKeep: case Op::Count_:
        emit(op, w);
        return;
    }
  }
  // A definition, traced once per decision (call_let<true>): its value and masks kept in
  // the frame's tlet_ arrays for the generation.
  void trace_let(uint32_t k) {
    const uint32_t fn = prog_.lets[k].fn;
    llvm::Value* gen = frame_const(L::kGen, i32_);
    llvm::Value* gen_at = b_.CreateConstInBoundsGEP1_64(i32_, frame_const(L::kTletGen, i32_->getPointerTo()), k);
    llvm::Value* value_at = b_.CreateConstInBoundsGEP1_64(i64_, frame_const(L::kTletValue, i64_->getPointerTo()), k);
    llvm::Value* mask_at = b_.CreateConstInBoundsGEP1_64(m256_, b_.CreatePointerCast(frame_const(L::kTletMask, ptr_), m256_->getPointerTo()), 2 * k);
    llvm::BasicBlock* compute = block();
    llvm::BasicBlock* done = block();
    b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateLoad(i32_, gen_at), gen), done, compute);
    b_.SetInsertPoint(compute);
    llvm::CallInst* v = b_.CreateCall(tfn_type_, tfns_[fn], {frame_, b_.CreatePointerCast(mask_at, ptr_)});
    v->addFnAttr(llvm::Attribute::NoUnwind);
    b_.CreateStore(v, value_at);
    b_.CreateStore(gen, gen_at);
    if (raises(static_cast<int32_t>(fn))) check_error();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::Value* r = b_.CreateLoad(i64_, value_at);
    put(h_, r);
    llvm::Value* u = is_u(r);
    put_m(h_, sel(u, b_.CreateAlignedLoad(m256_, mask_at, llvm::MaybeAlign(8)), none256()),
          sel(u, b_.CreateAlignedLoad(m256_, b_.CreateConstInBoundsGEP1_64(m256_, mask_at, 1), llvm::MaybeAlign(8)), none256()));
  }

  // ---------------------------------------------------------------- decisions
  // A decision whole, as Vm::resolve and Vm::obligations do it: each rule's state (its
  // window against NativeFrame::as_of, then its condition, inlined) as a bit of
  // `applies` or `unknown`; the overrides, the rules' verdicts and the reasons are
  // constants of the program. The outcome goes to the frame's out_ fields, with
  // kNativeDecided. When the traced interpreter must finish (a rule that might apply and
  // would change the verdict, whose missing facts must be named) the rules' states and
  // conditions go to the frame, with kNativeStates, so that the Vm does not evaluate
  // them again; any run-time error returns kNativeInterpret, and the Vm decides again by
  // its own code.
  llvm::CallInst* inline_call(uint32_t f) {
    llvm::CallInst* c = b_.CreateCall(fn_type_, fns_[f], {frame_});
    c->addFnAttr(llvm::Attribute::NoUnwind);
    c->addFnAttr(llvm::Attribute::AlwaysInline);
    return c;
  }
  llvm::Value* bit(llvm::Value* cond, size_t i) {
    return b_.CreateShl(b_.CreateZExt(cond, i64_), i64c(static_cast<int64_t>(i)));
  }
  // The obligations of decision `di` with `verdict` known to them (LoadVerdict), in order,
  // as Vm::obligations: `oblige NAME for R, ...` only when one of R decided (a bit of
  // `decided_rules`: a winner, of the verdict), its condition evaluated only then; a
  // name once, at its first obligation that holds. Their bits, by index in the decision.
  llvm::Value* obligations(const DecisionInfo& di, llvm::Value* verdict, llvm::Value* decided_rules) {
    b_.CreateStore(verdict, field(L::kVerdict, i64_));
    llvm::Value* obliged = i64c(0);
    for (size_t k = 0; k < di.obliges.size(); ++k) {
      const ObligeInfo& o = di.obliges[k];
      llvm::Value* pass = b_.getTrue();
      if (!o.rules.empty()) {
        uint64_t for_mask = 0;
        for (uint32_t r : o.rules)
          if (r < di.rules.size()) for_mask |= uint64_t{1} << r;
        pass = b_.CreateICmpNE(b_.CreateAnd(decided_rules, i64c(static_cast<int64_t>(for_mask))), i64c(0));
      }
      uint64_t same_name = 0;  // the obligations before this one of the same name
      for (size_t j = 0; j < k; ++j)
        if (di.obliges[j].name == o.name) same_name |= uint64_t{1} << j;
      if (same_name) pass = b_.CreateAnd(pass, b_.CreateICmpEQ(b_.CreateAnd(obliged, i64c(static_cast<int64_t>(same_name))), i64c(0)));
      llvm::Value* holds;
      if (o.cond < 0) {
        holds = pass;
      } else {
        llvm::BasicBlock* before = b_.GetInsertBlock();
        llvm::BasicBlock* eval = block();
        llvm::BasicBlock* join = block();
        b_.CreateCondBr(pass, eval, join);
        b_.SetInsertPoint(eval);
        llvm::Value* c = inline_call(static_cast<uint32_t>(o.cond));
        if (raises(o.cond)) check_error();
        // An obligation that might apply is kept: a duty in doubt is a duty.
        llvm::Value* kept = b_.CreateICmpNE(c, i64c(kFalse));
        llvm::BasicBlock* from_eval = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
        llvm::PHINode* phi = b_.CreatePHI(i1_, 2);
        phi->addIncoming(b_.getFalse(), before);
        phi->addIncoming(kept, from_eval);
        holds = phi;
      }
      obliged = b_.CreateOr(obliged, bit(holds, k));
    }
    return obliged;
  }
  // Whether an obligation's condition can raise a run-time error (the step limit among
  // them): then a `review` that names missing facts leaves its obligations to the Vm.
  bool obligation_raises(const DecisionInfo& di) const {
    for (const ObligeInfo& o : di.obliges)
      if (o.cond >= 0 && raises(o.cond)) return true;
    return false;
  }
  // The missing facts of the review the Vm will make (Vm::resolve_after's add_missing):
  // of each rule that might apply (when none applies), or that might apply, is not
  // overridden and is of another verdict than the winners (`set_aside`), the date's
  // path when its window is unknown, and its condition's missing facts, by its twin.
  // Into out_missing, returning kNativeStatesTraced; on a run-time error in a twin (the
  // step limit), the steps of before and no error, and on to kNativeStatesObliged: the
  // Vm's traced path then does it all, and reports the error as it does.
  void missing_facts(const DecisionInfo& di, llvm::Value* none, llvm::Value* unknown_rules, llvm::Value* set_aside,
                     llvm::Value* as_of) {
    llvm::Value* traced = b_.CreateSelect(none, unknown_rules, b_.CreateAnd(unknown_rules, b_.CreateNot(set_aside)));
    llvm::Value* steps_at = field(L::kSteps, i64_);
    llvm::Value* steps = b_.CreateLoad(i64_, steps_at);
    llvm::AllocaInst* missing;
    llvm::AllocaInst* mask;
    {
      llvm::IRBuilderBase::InsertPointGuard guard(b_);
      b_.SetInsertPoint(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
      missing = b_.CreateAlloca(m256_);
      mask = b_.CreateAlloca(m256_, i64c(2));
    }
    b_.CreateStore(none256(), missing);
    llvm::BasicBlock* bail = block("bail");
    const int as_of_path = prog_.schema.as_of_path;
    for (size_t i = 0; i < di.rules.size(); ++i) {
      const RuleInfo& r = di.rules[i];
      if (r.window.always() && r.cond < 0) continue;  // applies, never unknown
      when(b_.CreateICmpNE(b_.CreateAnd(traced, i64c(static_cast<int64_t>(uint64_t{1} << i))), i64c(0)), [&] {
        if (!r.window.always() && as_of_path >= 0)
          b_.CreateStore(b_.CreateOr(b_.CreateLoad(m256_, missing), sel(is_u(as_of), path_bit(as_of_path), none256())),
                         missing);
        if (r.cond < 0) return;
        llvm::CallInst* v = b_.CreateCall(tfn_type_, tfns_[static_cast<size_t>(r.cond)], {frame_, b_.CreatePointerCast(mask, ptr_)});
        v->addFnAttr(llvm::Attribute::NoUnwind);
        if (raises(r.cond)) {
          llvm::BasicBlock* ok = block();
          b_.CreateCondBr(b_.CreateIsNotNull(b_.CreateLoad(ptr_, field(L::kError, ptr_))), bail, ok, unlikely_);
          b_.SetInsertPoint(ok);
        }
        b_.CreateStore(b_.CreateOr(b_.CreateLoad(m256_, missing), sel(is_u(v), b_.CreateLoad(m256_, mask), none256())),
                       missing);
      });
    }
    probe(kProbeTraced);
    b_.CreateAlignedStore(b_.CreateLoad(m256_, missing),
                          b_.CreatePointerCast(field(L::kOutMissing, i64_), m256_->getPointerTo()), llvm::MaybeAlign(8));
    b_.CreateRet(i64c(kNativeStatesTraced));
    b_.SetInsertPoint(bail);
    probe(kProbeTracedError);
    b_.CreateStore(llvm::ConstantPointerNull::get(ptr_), field(L::kError, ptr_));
    b_.CreateStore(steps, steps_at);
  }
  void decision(uint32_t d) {
    const DecisionInfo& di = prog_.decisions[d];
    fn_ = decisions_[d];
    frame_ = fn_->getArg(0);
    b_.SetInsertPoint(block("entry"));
    unlikely_ = llvm::MDBuilder(ctx_).createBranchWeights(1, 1000);
    fail_ = block("interpreter");
    pc_ = 0;
    llvm::Value* as_of = frame_const(L::kAsOf, i64_);
    llvm::Value* applies = i64c(0);
    llvm::Value* unknown_rules = i64c(0);
    uint64_t by_verdict[3] = {0, 0, 0};
    // Per rule, the value of its condition, and whether it was evaluated (its window
    // did not exclude the date), as Vm::resolve keeps them in conds_ for obligations.
    std::vector<llvm::Value*> conds(di.rules.size()), evaluated(di.rules.size());
    for (size_t i = 0; i < di.rules.size(); ++i) {
      const RuleInfo& r = di.rules[i];
      by_verdict[r.verdict] |= uint64_t{1} << i;
      llvm::Value* state;
      if (r.window.always()) {
        state = r.cond < 0 ? static_cast<llvm::Value*>(i64c(kTrue)) : inline_call(static_cast<uint32_t>(r.cond));
        if (raises(r.cond)) check_error();
        conds[i] = state;
        evaluated[i] = b_.getTrue();
      } else {
        llvm::Value* inside = b_.CreateAnd(b_.CreateICmpSGE(as_of, i64c(r.window.from)), b_.CreateICmpSLT(as_of, i64c(r.window.until)));
        llvm::Value* w = b_.CreateSelect(is_u(as_of), unknown(), boolean(inside));
        // The condition only when the window does not exclude the date.
        llvm::BasicBlock* before = b_.GetInsertBlock();
        llvm::BasicBlock* eval = block();
        llvm::BasicBlock* join = block();
        llvm::Value* excluded = b_.CreateICmpEQ(w, i64c(kFalse));
        b_.CreateCondBr(excluded, join, eval);
        b_.SetInsertPoint(eval);
        llvm::Value* c = r.cond < 0 ? static_cast<llvm::Value*>(i64c(kTrue)) : inline_call(static_cast<uint32_t>(r.cond));
        if (raises(r.cond)) check_error();
        llvm::Value* s = kleene(w, c, kFalse);
        llvm::BasicBlock* from_eval = b_.GetInsertBlock();
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
        llvm::PHINode* phi = b_.CreatePHI(i64_, 2);
        phi->addIncoming(i64c(kFalse), before);
        phi->addIncoming(s, from_eval);
        llvm::PHINode* cond = b_.CreatePHI(i64_, 2);
        cond->addIncoming(unknown(), before);
        cond->addIncoming(c, from_eval);
        state = phi;
        conds[i] = cond;
        evaluated[i] = b_.CreateNot(excluded);
      }
      applies = b_.CreateOr(applies, bit(b_.CreateICmpEQ(state, i64c(kTrue)), i));
      unknown_rules = b_.CreateOr(unknown_rules, bit(is_u(state), i));
    }
    // Rules overridden by a rule that applies; the winners: the applicable others.
    std::vector<uint64_t> overridden_by(di.rules.size(), 0);
    for (size_t j = 0; j < di.rules.size(); ++j)
      for (uint32_t t : di.rules[j].overrides)
        if (t < di.rules.size()) overridden_by[t] |= uint64_t{1} << j;
    llvm::Value* overridden = i64c(0);
    for (size_t i = 0; i < di.rules.size(); ++i)
      if (overridden_by[i])
        overridden = b_.CreateOr(overridden, bit(b_.CreateICmpNE(b_.CreateAnd(applies, i64c(static_cast<int64_t>(overridden_by[i]))), i64c(0)), i));
    llvm::Value* winners = b_.CreateAnd(applies, b_.CreateNot(overridden));
    llvm::Value* none = b_.CreateICmpEQ(winners, i64c(0));
    llvm::Value* first = b_.CreateBinaryIntrinsic(llvm::Intrinsic::cttz, winners, b_.getFalse());
    llvm::Value* first_bit = b_.CreateAnd(winners, b_.CreateNeg(winners));
    auto mask = [&](int v) { return i64c(static_cast<int64_t>(by_verdict[v])); };
    auto has = [&](llvm::Value* m, int v) { return b_.CreateICmpNE(b_.CreateAnd(m, mask(v)), i64c(0)); };
    const auto allow = static_cast<int64_t>(VerdictCode::Allow), deny = static_cast<int64_t>(VerdictCode::Deny),
               review = static_cast<int64_t>(VerdictCode::Review);
    // The rules of verdict v, for a verdict computed here.
    auto of_verdict = [&](llvm::Value* v) {
      return b_.CreateSelect(b_.CreateICmpEQ(v, i64c(allow)), mask(static_cast<int>(allow)),
                             b_.CreateSelect(b_.CreateICmpEQ(v, i64c(deny)), mask(static_cast<int>(deny)), mask(static_cast<int>(review))));
    };
    llvm::Value* v_first = b_.CreateSelect(has(first_bit, static_cast<int>(allow)), i64c(allow),
                                           b_.CreateSelect(has(first_bit, static_cast<int>(deny)), i64c(deny), i64c(review)));
    llvm::Value* same = of_verdict(v_first);
    llvm::Value* others = b_.CreateAnd(winners, b_.CreateNot(same));
    llvm::Value* conflict = b_.CreateAnd(b_.CreateNot(none), b_.CreateICmpNE(others, i64c(0)));
    llvm::Value* review_rule = b_.CreateAnd(b_.CreateNot(none), b_.CreateAnd(b_.CreateNot(conflict), b_.CreateICmpEQ(v_first, i64c(review))));
    // Unknown rules, not overridden, of another verdict than the winners': undetermined.
    llvm::Value* undetermined = b_.CreateICmpNE(b_.CreateAnd(unknown_rules, b_.CreateNot(b_.CreateOr(overridden, same))), i64c(0));
    llvm::Value* to_interpreter = b_.CreateSelect(
        none, b_.CreateICmpNE(unknown_rules, i64c(0)),
        b_.CreateAnd(b_.CreateNot(conflict), b_.CreateAnd(b_.CreateICmpNE(v_first, i64c(review)), undetermined)));
    llvm::BasicBlock* decided = block();
    llvm::BasicBlock* states = block("states");
    b_.CreateCondBr(to_interpreter, states, decided);
    // The states for the Vm to finish with (Vm::resolve_after): no rule is evaluated
    // twice.
    b_.SetInsertPoint(states);
    {
      b_.CreateStore(applies, field(L::kOutRules, i64_));
      b_.CreateStore(unknown_rules, field(L::kOutUnknown, i64_));
      llvm::Value* gen = frame_const(L::kGen, i32_);
      llvm::Value* values = frame_const(L::kRuleCond, i64_->getPointerTo());
      llvm::Value* gens = frame_const(L::kRuleCondGen, i32_->getPointerTo());
      for (size_t i = 0; i < di.rules.size(); ++i) {
        b_.CreateStore(conds[i], b_.CreateConstInBoundsGEP1_64(i64_, values, i));
        b_.CreateStore(b_.CreateSelect(evaluated[i], gen, b_.getInt32(0)), b_.CreateConstInBoundsGEP1_64(i32_, gens, i));
      }
      if (obligation_raises(di)) {
        b_.CreateRet(i64c(kNativeStates));
      } else {
        // The Vm will make it a `review` (NoRuleApplies or Undetermined), whose
        // obligations are these: no rule decided it (the winners, if any, are of another
        // verdict), so no `oblige ... for R` holds. None of them can raise, so computing
        // them before the Vm's traced path changes nothing; the verdict is unknown again
        // for that path, as before.
        b_.CreateStore(obligations(di, i64c(review), i64c(0)), field(L::kOutObliged, i64_));
        b_.CreateStore(unknown(), field(L::kVerdict, i64_));
        if (traced_[d]) missing_facts(di, none, unknown_rules, b_.CreateOr(overridden, same), as_of);
        b_.CreateRet(i64c(kNativeStatesObliged));
      }
    }
    b_.SetInsertPoint(decided);
    llvm::Value* verdict = b_.CreateSelect(b_.CreateOr(none, conflict), i64c(review), v_first);
    auto reason_c = [&](Reason r) { return i64c(static_cast<int64_t>(r)); };
    llvm::Value* reason = b_.CreateSelect(
        none, reason_c(Reason::NoRuleApplies),
        b_.CreateSelect(conflict, reason_c(Reason::Conflict), b_.CreateSelect(review_rule, reason_c(Reason::ReviewRule), reason_c(Reason::None))));
    llvm::Value* reason_a = b_.CreateSelect(b_.CreateOr(conflict, review_rule), first, i64c(-1));
    llvm::Value* reason_b = b_.CreateSelect(conflict, b_.CreateBinaryIntrinsic(llvm::Intrinsic::cttz, others, b_.getFalse()), i64c(-1));
    // The obligations (every rule this function lists applies for certain).
    llvm::Value* obliged = obligations(di, verdict, b_.CreateAnd(winners, of_verdict(verdict)));
    b_.CreateStore(winners, field(L::kOutRules, i64_));
    b_.CreateStore(obliged, field(L::kOutObliged, i64_));
    b_.CreateStore(b_.CreateTrunc(verdict, i32_), field(L::kOutVerdict, i32_));
    b_.CreateStore(b_.CreateTrunc(reason, i32_), field(L::kOutReason, i32_));
    b_.CreateStore(b_.CreateTrunc(reason_a, i32_), field(L::kOutReasonA, i32_));
    b_.CreateStore(b_.CreateTrunc(reason_b, i32_), field(L::kOutReasonB, i32_));
    b_.CreateRet(i64c(kNativeDecided));
    b_.SetInsertPoint(fail_);
    b_.CreateRet(i64c(kNativeInterpret));
  }

  // A policy whole, as Vm::decide_policy once the policy is in force: its decisions'
  // guards in order (inlined), then the function of the one that holds, called. Two that
  // hold, one unknown (its missing facts must be named) or a run-time error: the Vm
  // decides by its own code.
  void policy(uint32_t p) {
    const PolicyInfo& pi = prog_.policies[p];
    fn_ = policies_[p];
    frame_ = fn_->getArg(0);
    b_.SetInsertPoint(block("entry"));
    unlikely_ = llvm::MDBuilder(ctx_).createBranchWeights(1, 1000);
    fail_ = block("interpreter");
    pc_ = 0;
    llvm::Value* chosen = i64c(-1);
    llvm::Value* maybe = b_.getFalse();
    for (uint32_t d : pi.decisions) {
      const int32_t g = prog_.decisions[d].guard;
      llvm::Value* v = g < 0 ? static_cast<llvm::Value*>(i64c(kTrue)) : inline_call(static_cast<uint32_t>(g));
      if (raises(g)) check_error();
      llvm::Value* holds = b_.CreateICmpEQ(v, i64c(kTrue));
      llvm::BasicBlock* ok = block();
      b_.CreateCondBr(b_.CreateAnd(holds, b_.CreateICmpSGE(chosen, i64c(0))), fail_, ok, unlikely_);  // two hold
      b_.SetInsertPoint(ok);
      chosen = b_.CreateSelect(holds, i64c(d), chosen);
      maybe = b_.CreateOr(maybe, is_u(v));
    }
    llvm::BasicBlock* known = block();
    b_.CreateCondBr(maybe, fail_, known);
    b_.SetInsertPoint(known);
    llvm::BasicBlock* none = block("none");
    llvm::SwitchInst* s = b_.CreateSwitch(chosen, none);
    std::vector<uint32_t> seen;
    for (uint32_t d : pi.decisions) {
      if (std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
      seen.push_back(d);
      llvm::BasicBlock* run = block();
      s->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i64_), d), run);
      b_.SetInsertPoint(run);
      b_.CreateStore(b_.getInt32(d), field(L::kOutDecision, i32_));
      llvm::CallInst* c = b_.CreateCall(fn_type_, decisions_[d], {frame_});
      c->addFnAttr(llvm::Attribute::NoUnwind);
      b_.CreateRet(c);
    }
    b_.SetInsertPoint(none);
    b_.CreateRet(i64c(kNativeNoDecision));
    b_.SetInsertPoint(fail_);
    b_.CreateRet(i64c(kNativeInterpret));
  }

  void emit(Op op, uint32_t w) {
    switch (op) {
#define LAW_OP(Name, ...) \
  case Op::Name:          \
    op_##Name(w);         \
    break;
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
      case Op::Count_: break;
    }
    // Straight on to the next instruction: a block of its own starts there when a jump
    // lands on it (the loop in function() branches to it).
  }
  uint32_t word(uint32_t k) const { return prog_.code[pc_ + k]; }

  // ---------------------------------------------------------------- the opcodes
  void op_PushInt(uint32_t w) { put(h_, i64c(decode_imm(w))); }
  void op_PushConst(uint32_t w) { put(h_, i64c(prog_.consts[decode_a(w)])); }
  void op_PushUnknown(uint32_t) { put(h_, unknown()); }
  void op_LoadSlot(uint32_t w) { put(h_, slot(i64c(decode_a(w)))); }
  void op_LoadField(uint32_t w) {
    llvm::Value* r = get(h_ - 1);
    when(b_.CreateNot(is_u(r)), [&] {
      llvm::Value* where = b_.CreateAdd(r, i64c(decode_a(w)));
      fail_if(b_.CreateOr(b_.CreateICmpSLT(r, i64c(0)), b_.CreateICmpUGE(where, nslots_)), kRecordRange);
      put(h_ - 1, slot(where));
    });
  }
  void op_RecordRef(uint32_t w) {
    uint32_t presence = word(1);
    if (presence == kNone) {
      put(h_, i64c(decode_a(w)));
    } else {
      put(h_, b_.CreateSelect(is_u(slot(i64c(presence))), unknown(), i64c(decode_a(w))));
    }
  }
  void op_SubRecord(uint32_t w) {
    uint32_t presence = word(1);
    llvm::Value* r = get(h_ - 1);
    when(b_.CreateNot(is_u(r)), [&] {
      llvm::Value* bad = b_.CreateOr(b_.CreateICmpSLT(r, i64c(0)), b_.CreateICmpUGE(b_.CreateAdd(r, i64c(decode_a(w))), nslots_));
      if (presence != kNone) bad = b_.CreateOr(bad, b_.CreateICmpUGE(b_.CreateAdd(r, i64c(presence)), nslots_));
      fail_if(bad, kRecordRange);
      llvm::Value* v = b_.CreateAdd(r, i64c(decode_a(w)));
      if (presence != kNone) v = b_.CreateSelect(is_u(slot(b_.CreateAdd(r, i64c(presence)))), unknown(), v);
      put(h_ - 1, v);
    });
  }
  void op_LoadLocal(uint32_t w) { put(h_, local(decode_a(w))); }
  void op_StoreLocal(uint32_t w) { set_local(decode_a(w), get(h_ - 1)); }
  void op_Let(uint32_t w) {
    // Computed once per decision: the Vm's cache (NativeFrame::let_value, let_gen).
    uint32_t k = decode_a(w);
    llvm::Value* gen = frame_const(L::kGen, i32_);
    llvm::Value* gens = frame_const(L::kLetGen, i32_->getPointerTo());
    llvm::Value* values = frame_const(L::kLetValue, i64_->getPointerTo());
    llvm::Value* gen_at = b_.CreateConstInBoundsGEP1_64(i32_, gens, k);
    llvm::Value* value_at = b_.CreateConstInBoundsGEP1_64(i64_, values, k);
    llvm::Value* cached = b_.CreateICmpEQ(b_.CreateLoad(i32_, gen_at), gen);
    llvm::BasicBlock* compute = block();
    llvm::BasicBlock* done = block();
    b_.CreateCondBr(cached, done, compute);
    b_.SetInsertPoint(compute);
    llvm::CallInst* v = b_.CreateCall(fn_type_, fns_[prog_.lets[k].fn], {frame_});
    v->addFnAttr(llvm::Attribute::NoUnwind);
    b_.CreateStore(v, value_at);
    b_.CreateStore(gen, gen_at);
    if (raises(static_cast<int32_t>(prog_.lets[k].fn))) check_error();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    put(h_, b_.CreateLoad(i64_, value_at));
  }
  void op_LoadVerdict(uint32_t) { put(h_, b_.CreateLoad(i64_, field(L::kVerdict, i64_))); }
  void op_Not(uint32_t) {
    llvm::Value* a = get(h_ - 1);
    put(h_ - 1, b_.CreateSelect(is_u(a), unknown(), boolean(b_.CreateICmpEQ(a, i64c(kFalse)))));
  }
  // Kleene: `dominant` (false for and, true for or) wins over unknown.
  llvm::Value* kleene(llvm::Value* a, llvm::Value* b, Value dominant) {
    llvm::Value* dom = b_.CreateOr(b_.CreateICmpEQ(a, i64c(dominant)), b_.CreateICmpEQ(b, i64c(dominant)));
    return b_.CreateSelect(dom, i64c(dominant), b_.CreateSelect(either_u(a, b), unknown(), i64c(dominant ^ 1)));
  }
  void op_And(uint32_t) { put(h_ - 2, kleene(get(h_ - 2), get(h_ - 1), kFalse)); }
  void op_Or(uint32_t) { put(h_ - 2, kleene(get(h_ - 2), get(h_ - 1), kTrue)); }
  void op_Known(uint32_t) { put(h_ - 1, boolean(b_.CreateNot(is_u(get(h_ - 1))))); }
  void op_MergeIf(uint32_t) {
    llvm::Value* b = get(h_ - 1);
    llvm::Value* a = get(h_ - 2);
    put(h_ - 2, b_.CreateSelect(b_.CreateICmpEQ(a, b), a, unknown()));
  }
  void op_Jump(uint32_t w) { jump(decode_a(w)); }
  void op_JumpIfFalseKeep(uint32_t w) { branch(b_.CreateICmpEQ(get(h_ - 1), i64c(kFalse)), decode_a(w), next_); }
  void op_JumpIfTrueKeep(uint32_t w) { branch(b_.CreateICmpEQ(get(h_ - 1), i64c(kTrue)), decode_a(w), next_); }
  void op_Branch3(uint32_t w) {
    llvm::SwitchInst* s = b_.CreateSwitch(get(h_ - 1), at(word(1)), 2);
    s->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i64_), kTrue), at(next_));
    s->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i64_), kFalse), at(decode_a(w)));
    open_ = false;
  }
  void op_Ret(uint32_t) {
    b_.CreateRet(get(h_ - 1));
    open_ = false;
  }
  template <class Cmp>
  void compare(Cmp cmp) {
    llvm::Value* b = get(h_ - 1);
    llvm::Value* a = get(h_ - 2);
    put(h_ - 2, known_or_u(either_u(a, b), cmp(a, b)));
  }
  void op_Eq(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpEQ(a, b); }); }
  void op_Ne(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpNE(a, b); }); }
  void op_Lt(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpSLT(a, b); }); }
  void op_Le(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpSLE(a, b); }); }
  void op_Gt(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpSGT(a, b); }); }
  void op_Ge(uint32_t) { compare([&](llvm::Value* a, llvm::Value* b) { return b_.CreateICmpSGE(a, b); }); }
  // The top `n` operands all known: `f` computes the result from them, into the lowest
  // operand's slot; else the result is unknown.
  template <class F>
  void on_known(int n, F f) {
    std::vector<llvm::Value*> ops;
    llvm::Value* any = b_.getFalse();
    for (int i = n; i >= 1; --i) {
      ops.push_back(get(h_ - i));
      any = b_.CreateOr(any, is_u(ops.back()));
    }
    put(h_ - n, unknown());
    when(b_.CreateNot(any), [&] { put(h_ - n, f(ops)); });
  }
  // ---------------------------------------------------------------- texts
  // Where a std::string_view (FactStore::strings' element) keeps its length and its
  // data, found by looking at one; {-1, -1} if it is not two such words, and the
  // comparisons call the helpers instead.
  struct ViewLayout {
    int len = -1, data = -1;
  };
  static ViewLayout view_layout() {
    static const char kText[] = "ab";
    const std::string_view v(kText, 2);
    ViewLayout out;
    if (sizeof v != 16) return out;
    uint64_t w[2];
    std::memcpy(w, &v, sizeof w);
    const auto at = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(kText));
    if (w[0] == 2 && w[1] == at) out = {0, 8};
    if (w[1] == 2 && w[0] == at) out = {8, 0};
    return out;
  }
  bool inline_texts() const { return layout_.len >= 0; }
  // Counts a way taken (Options::probes), when the tests ask for it.
  void probe(Probe p) {
    if (!probes_) return;
    llvm::Value* at = b_.CreatePointerCast(address(probes_ + p), i64_->getPointerTo());
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, at), i64c(1)), at);
  }
  // The text of `x` as FactStore::text gives it: its length and its first byte, or an
  // empty text (length 0) when x is not one of the facts' strings.
  std::pair<llvm::Value*, llvm::Value*> text(llvm::Value* x) {
    // Not invariant: a builtin may grow the strings (helper::builtin sets them again).
    llvm::Value* strings = b_.CreateLoad(ptr_, field(L::kStrings, ptr_));
    llvm::Value* n = b_.CreateLoad(i64_, field(L::kNstrings, i64_));
    llvm::BasicBlock* before = b_.GetInsertBlock();
    llvm::BasicBlock* yes = block();
    llvm::BasicBlock* join = block();
    b_.CreateCondBr(b_.CreateICmpULT(x, n), yes, join);
    b_.SetInsertPoint(yes);
    llvm::Value* entry = b_.CreateInBoundsGEP(i8_, strings, b_.CreateMul(x, i64c(sizeof(std::string_view))));
    llvm::Value* len = b_.CreateLoad(i64_, b_.CreatePointerCast(b_.CreateConstInBoundsGEP1_64(i8_, entry, static_cast<uint64_t>(layout_.len)), i64_->getPointerTo()));
    llvm::Value* data = b_.CreateLoad(ptr_, b_.CreatePointerCast(b_.CreateConstInBoundsGEP1_64(i8_, entry, static_cast<uint64_t>(layout_.data)), ptr_->getPointerTo()));
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* l = b_.CreatePHI(i64_, 2);
    l->addIncoming(i64c(0), before);
    l->addIncoming(len, yes);
    llvm::PHINode* d = b_.CreatePHI(ptr_, 2);
    d->addIncoming(llvm::ConstantPointerNull::get(ptr_), before);
    d->addIncoming(data, yes);
    return {l, d};
  }
  llvm::Constant* splat(llvm::IntegerType* t, uint8_t byte) {
    return llvm::ConstantInt::get(t, llvm::APInt::getSplat(t->getBitWidth(), llvm::APInt(8, byte)));
  }
  // `bytes` bytes (1, 2, 4 or 8) of a text from `offset`, as one integer (unaligned).
  llvm::Value* load_bytes(llvm::Value* data, llvm::Value* offset, unsigned bytes) {
    llvm::IntegerType* t = b_.getIntNTy(bytes * 8);
    llvm::Value* p = b_.CreatePointerCast(b_.CreateInBoundsGEP(i8_, data, offset), t->getPointerTo());
    return b_.CreateAlignedLoad(t, p, llvm::MaybeAlign(1));
  }
  // Each byte 'A' to 'Z' of `x` made lower case, the others kept: lower8 of
  // runtime/core/builtins.h, at any width.
  llvm::Value* lower_bytes(llvm::Value* x) {
    auto* t = llvm::cast<llvm::IntegerType>(x->getType());
    llvm::Value* high = splat(t, 0x80);
    llvm::Value* low7 = b_.CreateAnd(x, b_.CreateNot(high));
    llvm::Value* from_a = b_.CreateAdd(low7, splat(t, 0x80 - 'A'));
    llvm::Value* past_z = b_.CreateAdd(low7, splat(t, 0x7f - 'Z'));
    llvm::Value* upper = b_.CreateAnd(b_.CreateAnd(from_a, b_.CreateNot(past_z)), b_.CreateAnd(b_.CreateNot(x), high));
    return b_.CreateOr(x, b_.CreateLShr(upper, 2));
  }
  // A text of a length `n` known when compiling, as a few loads: whole words, then the
  // last (overlapping the one before); below 8 bytes, two overlapping loads of 4, 2 or
  // 1 byte. `loaded` holds them (lowered, with `lower`), `constant` a text's same bytes.
  struct Words {
    unsigned width = 1;
    std::vector<size_t> offsets;
    std::vector<llvm::Value*> loaded;
    llvm::Constant* constant(std::string_view k, size_t j) const {
      uint64_t kw = 0;
      std::memcpy(&kw, k.data() + offsets[j], width);  // the same byte order as the load
      return llvm::ConstantInt::get(loaded[j]->getType(), kw);
    }
  };
  Words text_words(llvm::Value* data, size_t n, bool lower) {
    Words w;
    w.width = n >= 8 ? 8 : n >= 4 ? 4 : n >= 2 ? 2 : 1;
    for (size_t i = 0; i + w.width <= n; i += w.width) w.offsets.push_back(i);
    if (w.offsets.back() + w.width != n) w.offsets.push_back(n - w.width);
    for (size_t off : w.offsets) {
      llvm::Value* x = load_bytes(data, i64c(static_cast<int64_t>(off)), w.width);
      w.loaded.push_back(lower ? lower_bytes(x) : x);
    }
    return w;
  }
  // The `len` bytes from `data` (lowered, with `lower`) are one of `set`'s texts, as a
  // binary search of the set finds them: a switch on the length, then on the first
  // word among the texts of that length, then the other words of the texts that begin
  // so. A text with a capital never equals a lowered one. i1.
  llvm::Value* in_constant_set(llvm::Value* len, llvm::Value* data, const SortedSet& set, bool lower) {
    std::map<size_t, std::vector<std::string_view>> by_length;
    for (std::string_view k : set)
      if (!lower || std::none_of(k.begin(), k.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        by_length[k.size()].push_back(k);
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* join = block();
    llvm::BasicBlock* no = block();
    b_.SetInsertPoint(join);
    llvm::PHINode* r = b_.CreatePHI(i1_, 4);
    b_.SetInsertPoint(start);
    llvm::SwitchInst* by_len = b_.CreateSwitch(len, no, static_cast<unsigned>(by_length.size()));
    for (const auto& [n, texts] : by_length) {
      llvm::BasicBlock* here = block();
      by_len->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i64_), n), here);
      b_.SetInsertPoint(here);
      probe(kProbeSetText);
      if (n == 0) {
        r->addIncoming(b_.getTrue(), b_.GetInsertBlock());
        b_.CreateBr(join);
        continue;
      }
      const Words words = text_words(data, n, lower);
      std::map<uint64_t, std::vector<std::string_view>> by_first;
      for (std::string_view k : texts)
        by_first[llvm::cast<llvm::ConstantInt>(words.constant(k, 0))->getZExtValue()].push_back(k);
      llvm::SwitchInst* first = b_.CreateSwitch(words.loaded[0], no, static_cast<unsigned>(by_first.size()));
      for (const auto& [w0, group] : by_first) {
        llvm::BasicBlock* case_ = block();
        first->addCase(llvm::cast<llvm::ConstantInt>(words.constant(group[0], 0)), case_);
        b_.SetInsertPoint(case_);
        llvm::Value* any = b_.getFalse();
        for (std::string_view k : group) {
          llvm::Value* all = b_.getTrue();
          for (size_t j = 1; j < words.offsets.size(); ++j)
            all = b_.CreateAnd(all, b_.CreateICmpEQ(words.loaded[j], words.constant(k, j)));
          any = b_.CreateOr(any, all);
        }
        r->addIncoming(any, b_.GetInsertBlock());
        b_.CreateBr(join);
      }
    }
    b_.SetInsertPoint(no);
    r->addIncoming(b_.getFalse(), no);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    return r;
  }
  // The bytes of `w` equal to '@', as 0x80 in their place and 0 elsewhere: exactly (no
  // carry between bytes, unlike the quicker test for a zero byte).
  llvm::Value* at_bytes(llvm::Value* w) {
    auto* t = llvm::cast<llvm::IntegerType>(w->getType());
    llvm::Value* y = b_.CreateXor(w, splat(t, '@'));
    llvm::Value* low = b_.CreateAdd(b_.CreateAnd(y, splat(t, 0x7f)), splat(t, 0x7f));
    return b_.CreateNot(b_.CreateOr(b_.CreateOr(low, y), splat(t, 0x7f)));
  }
  // The index of the last '@' of the `len` bytes from `data`, or -1, as
  // std::string_view::rfind: from the end a word at a time, the first word last
  // (overlapping the ones before, which hold no '@'); shorter than a word, byte by byte.
  llvm::Value* last_at(llvm::Value* len, llvm::Value* data) {
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* join = block();
    b_.SetInsertPoint(join);
    llvm::PHINode* r = b_.CreatePHI(i64_, 4);
    b_.SetInsertPoint(start);
    llvm::BasicBlock* words = block();
    llvm::BasicBlock* short_ = block();
    b_.CreateCondBr(b_.CreateICmpUGE(len, i64c(8)), words, short_);
    // Whole words while more than one is left, then the first.
    b_.SetInsertPoint(words);
    probe(kProbeAtWords);
    llvm::BasicBlock* loop = block();
    llvm::BasicBlock* body = block();
    llvm::BasicBlock* found = block();
    llvm::BasicBlock* next = block();
    llvm::BasicBlock* first = block();
    b_.CreateBr(loop);
    b_.SetInsertPoint(loop);
    llvm::PHINode* i = b_.CreatePHI(i64_, 2);  // the bytes from i on hold no '@'
    i->addIncoming(len, words);
    b_.CreateCondBr(b_.CreateICmpUGT(i, i64c(8)), body, first);
    b_.SetInsertPoint(body);
    llvm::Value* base = b_.CreateSub(i, i64c(8));
    llvm::Value* t = at_bytes(load_bytes(data, base, 8));
    b_.CreateCondBr(b_.CreateICmpNE(t, i64c(0)), found, next);
    b_.SetInsertPoint(found);
    auto highest = [&](llvm::Value* bits) {  // the byte of the highest bit
      return b_.CreateLShr(b_.CreateSub(i64c(63), b_.CreateBinaryIntrinsic(llvm::Intrinsic::ctlz, bits, b_.getFalse())), i64c(3));
    };
    r->addIncoming(b_.CreateAdd(base, highest(t)), found);
    b_.CreateBr(join);
    b_.SetInsertPoint(next);
    i->addIncoming(base, next);
    b_.CreateBr(loop);
    b_.SetInsertPoint(first);
    llvm::Value* t0 = at_bytes(load_bytes(data, i64c(0), 8));
    r->addIncoming(b_.CreateSelect(b_.CreateICmpNE(t0, i64c(0)), highest(t0), i64c(-1)), first);
    b_.CreateBr(join);
    // Byte by byte from the end.
    b_.SetInsertPoint(short_);
    llvm::BasicBlock* sloop = block();
    llvm::BasicBlock* sbody = block();
    llvm::BasicBlock* sfound = block();
    llvm::BasicBlock* snext = block();
    llvm::BasicBlock* none = block();
    b_.CreateBr(sloop);
    b_.SetInsertPoint(sloop);
    llvm::PHINode* j = b_.CreatePHI(i64_, 2);
    j->addIncoming(len, short_);
    b_.CreateCondBr(b_.CreateICmpEQ(j, i64c(0)), none, sbody);
    b_.SetInsertPoint(sbody);
    probe(kProbeAtShort);
    llvm::Value* k = b_.CreateSub(j, i64c(1));
    b_.CreateCondBr(b_.CreateICmpEQ(load_bytes(data, k, 1), b_.getInt8('@')), sfound, snext);
    b_.SetInsertPoint(sfound);
    r->addIncoming(k, sfound);
    b_.CreateBr(join);
    b_.SetInsertPoint(snext);
    j->addIncoming(k, snext);
    b_.CreateBr(sloop);
    b_.SetInsertPoint(none);
    r->addIncoming(i64c(-1), none);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    return r;
  }
  // domain(x) in SET (`domain`), local_part(x) in SET: the part of x's text after (or
  // before) its last '@' compared lowered with the set's texts, without the lowered copy
  // run_builtin makes; unknown when x has no '@', as the builtin is.
  llvm::Value* address_part_in_set(llvm::Value* x, const SortedSet& set, bool domain) {
    auto [len, data_] = text(x);
    llvm::Value* data = data_;  // a copy: a lambda may not capture a structured binding (clang, C++17)
    llvm::Value* at = last_at(len, data);
    llvm::Value* none = b_.CreateICmpSLT(at, i64c(0));
    if (probes_) when(none, [&] { probe(kProbeAtNone); });
    llvm::BasicBlock* before = b_.GetInsertBlock();
    llvm::BasicBlock* found = block();
    llvm::BasicBlock* join = block();
    b_.CreateCondBr(none, join, found);
    b_.SetInsertPoint(found);
    llvm::Value* after = b_.CreateAdd(at, i64c(1));
    llvm::Value* in = domain ? in_constant_set(b_.CreateSub(len, after), b_.CreateInBoundsGEP(i8_, data, after), set, true)
                             : in_constant_set(at, data, set, true);
    llvm::Value* known = boolean(in);
    llvm::BasicBlock* from_found = b_.GetInsertBlock();
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* r = b_.CreatePHI(i64_, 2);
    r->addIncoming(unknown(), before);
    r->addIncoming(known, from_found);
    return r;
  }
  // text(a) == `k` (with `lower_a`, lower(text(a)) == k), as lower_equal and text
  // equality compute it: the length first, then the whole text in at most a few loads
  // compared with constants. kTrue or kFalse.
  llvm::Value* text_equals_constant(llvm::Value* a, const std::string& k, bool lower_a) {
    const size_t n = k.size();
    // lower() makes no capital: a constant with one never equals it.
    if (lower_a && std::any_of(k.begin(), k.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return i64c(kFalse);
    auto [len, data] = text(a);
    llvm::Value* same_length = b_.CreateICmpEQ(len, i64c(static_cast<int64_t>(n)));
    if (n == 0) return boolean(same_length);
    llvm::BasicBlock* before = b_.GetInsertBlock();
    llvm::BasicBlock* words = block();
    llvm::BasicBlock* join = block();
    b_.CreateCondBr(same_length, words, join);
    b_.SetInsertPoint(words);
    probe(kProbeTextConstant);
    const Words loads = text_words(data, n, lower_a);
    llvm::Value* all = b_.getTrue();
    for (size_t j = 0; j < loads.offsets.size(); ++j)
      all = b_.CreateAnd(all, b_.CreateICmpEQ(loads.loaded[j], loads.constant(k, j)));
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* r = b_.CreatePHI(i1_, 2);
    r->addIncoming(b_.getFalse(), before);
    r->addIncoming(all, words);
    return boolean(r);
  }
  // text(a) == text(b), with `lower` lower(text(a)) == lower(text(b)): the lengths, then
  // the texts a word at a time (the last word overlapping the one before), or in two
  // overlapping loads of 4, 2 or 1 byte when shorter than a word. kTrue or kFalse.
  llvm::Value* texts_equal(llvm::Value* a, llvm::Value* b, bool lower) {
    auto [la, da_] = text(a);
    auto [lb, db_] = text(b);
    // Plain copies: a lambda may not capture a structured binding in C++17 (clang).
    llvm::Value* da = da_;
    llvm::Value* db = db_;
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* join = block();
    b_.SetInsertPoint(join);
    llvm::PHINode* r = b_.CreatePHI(i1_, 8);
    b_.SetInsertPoint(start);
    r->addIncoming(b_.getFalse(), start);
    llvm::BasicBlock* same = block();
    b_.CreateCondBr(b_.CreateICmpEQ(la, lb), same, join);
    b_.SetInsertPoint(same);
    llvm::Value* n = la;
    auto pair_equal = [&](llvm::Value* off, unsigned width) {
      llvm::Value* x = load_bytes(da, off, width);
      llvm::Value* y = load_bytes(db, off, width);
      if (lower) {
        x = lower_bytes(x);
        y = lower_bytes(y);
      }
      return b_.CreateICmpEQ(x, y);
    };
    // Shorter than a word: by size, 0 (equal), 1, 2 to 3, 4 to 7.
    llvm::BasicBlock* longer = block();
    llvm::BasicBlock* short_ = block();
    b_.CreateCondBr(b_.CreateICmpUGE(n, i64c(8)), longer, short_);
    b_.SetInsertPoint(short_);
    for (unsigned width : {4u, 2u, 1u}) {
      llvm::BasicBlock* here = block();
      llvm::BasicBlock* next = block();
      b_.CreateCondBr(b_.CreateICmpUGE(n, i64c(width)), here, next);
      b_.SetInsertPoint(here);
      probe(kProbeTextShort);
      llvm::Value* last = b_.CreateSub(n, i64c(width));
      llvm::Value* eq = b_.CreateAnd(pair_equal(i64c(0), width), pair_equal(last, width));
      r->addIncoming(eq, b_.GetInsertBlock());
      b_.CreateBr(join);
      b_.SetInsertPoint(next);
    }
    probe(kProbeTextEmpty);
    r->addIncoming(b_.getTrue(), b_.GetInsertBlock());  // both empty
    b_.CreateBr(join);
    // A word at a time while a whole word is left, then the last word.
    b_.SetInsertPoint(longer);
    probe(kProbeTextWords);
    llvm::BasicBlock* loop = block();
    llvm::BasicBlock* body = block();
    llvm::BasicBlock* tail = block();
    b_.CreateBr(loop);
    b_.SetInsertPoint(loop);
    llvm::PHINode* i = b_.CreatePHI(i64_, 2);
    i->addIncoming(i64c(0), longer);
    b_.CreateCondBr(b_.CreateICmpULE(b_.CreateAdd(i, i64c(8)), n), body, tail);
    b_.SetInsertPoint(body);
    llvm::BasicBlock* go_on = block();
    llvm::Value* eq = pair_equal(i, 8);
    r->addIncoming(b_.getFalse(), b_.GetInsertBlock());
    b_.CreateCondBr(eq, go_on, join);
    b_.SetInsertPoint(go_on);
    i->addIncoming(b_.CreateAdd(i, i64c(8)), go_on);
    b_.CreateBr(loop);
    b_.SetInsertPoint(tail);
    r->addIncoming(pair_equal(b_.CreateSub(n, i64c(8)), 8), b_.GetInsertBlock());
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    return boolean(r);
  }
  void text_compare(bool equal) {
    on_known(2, [&](const std::vector<llvm::Value*>& x) {
      llvm::Value* r = inline_texts() ? texts_equal(x[0], x[1], false) : call(&helper::str_eq, {facts_, x[0], x[1]});
      return equal ? r : b_.CreateXor(r, i64c(1));
    });
  }
  void op_StrEq(uint32_t) { text_compare(true); }
  void op_StrNe(uint32_t) { text_compare(false); }
  void arithmetic(llvm::Intrinsic::ID id) {
    on_known(2, [&](const std::vector<llvm::Value*>& x) {
      llvm::Value* pair = b_.CreateBinaryIntrinsic(id, x[0], x[1]);
      llvm::Value* r = b_.CreateExtractValue(pair, 0);
      fail_if(b_.CreateOr(b_.CreateExtractValue(pair, 1), is_u(r)), kOverflow);
      return r;
    });
  }
  void op_Add(uint32_t) { arithmetic(llvm::Intrinsic::sadd_with_overflow); }
  void op_Sub(uint32_t) { arithmetic(llvm::Intrinsic::ssub_with_overflow); }
  void op_Mul(uint32_t) { arithmetic(llvm::Intrinsic::smul_with_overflow); }
  void op_Neg(uint32_t) {
    llvm::Value* a = get(h_ - 1);
    put(h_ - 1, b_.CreateSelect(is_u(a), unknown(), b_.CreateSub(i64c(0), a)));
  }
  void date_shift(int64_t sign) {
    on_known(2, [&](const std::vector<llvm::Value*>& x) {
      llvm::Value* r = call(&helper::date_shift, {frame_, x[0], x[1], i64c(sign), i64c(pc_)});
      check_error();
      return r;
    });
  }
  void op_DateAdd(uint32_t) { date_shift(1); }
  void op_DateSub(uint32_t) { date_shift(-1); }
  llvm::Value* low32(llvm::Value* v) { return b_.CreateZExt(b_.CreateTrunc(v, i32_), i64_); }
  void op_DateDiff(uint32_t) {
    llvm::Value* b = get(h_ - 1);
    llvm::Value* a = get(h_ - 2);
    llvm::Value* span = b_.CreateOr(b_.CreateShl(low32(a), 32), low32(b));
    put(h_ - 2, b_.CreateSelect(either_u(a, b), unknown(), span));
  }
  void op_SpanSplit(uint32_t) {
    llvm::Value* d = get(h_ - 1);
    llvm::Value* s = get(h_ - 2);
    put(h_ - 1, unknown());
    put(h_ - 2, unknown());
    when(b_.CreateNot(either_u(d, s)), [&] {
      llvm::Value* end = call(&helper::span_end, {frame_, s, d, i64c(pc_)});
      check_error();
      put(h_ - 2, b_.CreateSExt(b_.CreateTrunc(b_.CreateLShr(s, 32), i32_), i64_));
      put(h_ - 1, end);
    });
  }
  void op_DurAdd(uint32_t) {
    on_known(2, [&](const std::vector<llvm::Value*>& x) {
      llvm::Value* r = call(&helper::dur_add, {frame_, x[0], x[1], i64c(pc_)});
      check_error();
      return r;
    });
  }
  void op_InSet(uint32_t) {
    llvm::Value* s = get(h_ - 1);
    llvm::Value* x = get(h_ - 2);
    llvm::Value* in_range = b_.CreateICmpULT(x, i64c(64));  // 0 <= x < 64
    llvm::Value* bit = b_.CreateTrunc(b_.CreateLShr(s, b_.CreateSelect(in_range, x, i64c(0))), i1_);
    put(h_ - 2, known_or_u(either_u(s, x), b_.CreateAnd(in_range, bit)));
  }
  // x in a list (of values, or by text): the list's range checked against the facts (the
  // interpreter's error), then its elements compared in a loop, as helper::in_list.
  void in_list(bool by_text) {
    on_known(2, [&](const std::vector<llvm::Value*>& x) {
      if (by_text && !inline_texts()) {
        llvm::Value* r = call(&helper::in_list, {frame_, x[1], x[0], i64c(1), i64c(pc_)});
        check_error();
        return r;
      }
      llvm::Value* start = b_.CreateLShr(x[1], 32);
      llvm::Value* n = b_.CreateAnd(x[1], i64c(0xffffffff));
      fail_if(b_.CreateICmpUGT(b_.CreateAdd(start, n), nslots_), kListRange);
      llvm::BasicBlock* before = b_.GetInsertBlock();
      llvm::BasicBlock* loop = block();
      llvm::BasicBlock* body = block();
      llvm::BasicBlock* done = block();
      b_.CreateBr(loop);
      b_.SetInsertPoint(loop);
      llvm::PHINode* i = b_.CreatePHI(i64_, 2);
      i->addIncoming(i64c(0), before);
      b_.CreateCondBr(b_.CreateICmpULT(i, n), body, done);
      b_.SetInsertPoint(body);
      probe(by_text ? kProbeListText : kProbeListElement);
      llvm::Value* e = slot(b_.CreateAdd(start, i));
      llvm::Value* found =
          by_text ? b_.CreateICmpEQ(texts_equal(e, x[0], false), i64c(kTrue)) : b_.CreateICmpEQ(e, x[0]);
      llvm::BasicBlock* at_found = b_.GetInsertBlock();
      llvm::BasicBlock* next = block();
      b_.CreateCondBr(found, done, next);
      b_.SetInsertPoint(next);
      i->addIncoming(b_.CreateAdd(i, i64c(1)), next);
      b_.CreateBr(loop);
      b_.SetInsertPoint(done);
      llvm::PHINode* r = b_.CreatePHI(i1_, 2);
      r->addIncoming(b_.getFalse(), loop);
      r->addIncoming(b_.getTrue(), at_found);
      return boolean(r);
    });
  }
  void op_InList(uint32_t) { in_list(false); }
  void op_InListStr(uint32_t) { in_list(true); }
  void op_InStrSet(uint32_t w) {
    const SortedSet* set = &sets_[decode_a(w)];
    on_known(1, [&](const std::vector<llvm::Value*>& x) {
      if (!inline_texts()) return call(&helper::in_str_set, {address(set), facts_, x[0]});
      auto [len, data] = text(x[0]);
      return boolean(in_constant_set(len, data, *set, false));
    });
  }
  void op_IterBegin(uint32_t w) {
    llvm::Value* l = get(h_ - 1);
    llvm::BasicBlock* go = block();
    b_.CreateCondBr(is_u(l), at(word(1)), go);  // the unknown stays on the stack as the result
    b_.SetInsertPoint(go);
    set_local(decode_a(w), l);
    set_local(decode_a(w) + 1, i64c(0));
  }
  void op_IterNext(uint32_t w) {
    uint32_t a = decode_a(w);
    uint32_t exit = iter_exit(word(1));
    uint64_t stride = iter_stride(word(1));
    llvm::Value* l = local(a);
    llvm::Value* i = local(a + 1);
    llvm::Value* count = low32(l);
    llvm::Value* done = b_.CreateOr(b_.CreateOr(is_u(l), b_.CreateICmpSLT(i, i64c(0))), b_.CreateICmpUGE(i, count));
    llvm::BasicBlock* go = block();
    b_.CreateCondBr(done, at(exit), go);
    b_.SetInsertPoint(go);
    llvm::Value* start = b_.CreateLShr(l, 32);
    llvm::Value* where = b_.CreateAdd(start, stride == 0 ? i : b_.CreateMul(i, i64c(static_cast<int64_t>(stride))));
    fail_if(b_.CreateICmpUGT(b_.CreateAdd(where, i64c(stride == 0 ? 1 : static_cast<int64_t>(stride))), nslots_), kListRange);
    llvm::Value* steps_at = field(L::kSteps, i64_);
    llvm::Value* steps = b_.CreateAdd(b_.CreateLoad(i64_, steps_at), i64c(1));
    b_.CreateStore(steps, steps_at);
    llvm::Value* max = frame_const(L::kMaxSteps, i64_);
    llvm::BasicBlock* over = block("error");
    llvm::BasicBlock* ok = block();
    b_.CreateCondBr(b_.CreateICmpUGT(steps, max), over, ok, unlikely_);
    b_.SetInsertPoint(over);
    raise(frame_const(L::kStepsError, ptr_));
    b_.SetInsertPoint(ok);
    set_local(a + 2, stride == 0 ? slot(where) : where);
    set_local(a + 1, b_.CreateAdd(i, i64c(1)));
  }
  // A quantifier's step: `b` decides, the accumulator takes `acc`, and the loop exits when `exit`.
  void step(uint32_t w, llvm::Value* acc, llvm::Value* exit) {
    set_local(decode_a(w) + 3, acc);
    branch(exit, word(1), next_);
  }
  void op_AnyStep(uint32_t w) {
    llvm::Value* b = get(h_ - 1);
    llvm::Value* acc = local(decode_a(w) + 3);
    llvm::Value* t = b_.CreateICmpEQ(b, i64c(kTrue));
    step(w, b_.CreateSelect(t, i64c(kTrue), b_.CreateSelect(is_u(b), unknown(), acc)), t);
  }
  void op_AllStep(uint32_t w) {
    llvm::Value* b = get(h_ - 1);
    llvm::Value* acc = local(decode_a(w) + 3);
    llvm::Value* f = b_.CreateICmpEQ(b, i64c(kFalse));
    step(w, b_.CreateSelect(f, i64c(kFalse), b_.CreateSelect(is_u(b), unknown(), acc)), f);
  }
  void op_CountStep(uint32_t w) {
    uint32_t a = decode_a(w) + 3;
    llvm::Value* b = get(h_ - 1);
    when(b_.CreateAnd(b_.CreateICmpEQ(b, i64c(kTrue)), b_.CreateNot(is_u(local(a)))), [&] {
      llvm::Value* pair = b_.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_with_overflow, local(a), i64c(1));
      llvm::Value* r = b_.CreateExtractValue(pair, 0);
      fail_if(b_.CreateOr(b_.CreateExtractValue(pair, 1), is_u(r)), kOverflow);
      set_local(a, r);
    });
    llvm::Value* u = is_u(b);
    step(w, b_.CreateSelect(u, unknown(), local(a)), u);
  }
  Op op_at(uint32_t pc) const { return pc < end_ ? decode_op(prog_.code[pc]) : Op::Count_; }
  // No jump lands on the `n` words after this instruction: they may be translated with it.
  bool alone(uint32_t n) const {
    for (uint32_t k = 1; k <= n; ++k)
      if (pc_ + k >= end_ || blocks_[pc_ + k - begin_]) return false;
    return true;
  }
  bool is_lower(uint32_t pc) const {
    return op_at(pc) == Op::Builtin && static_cast<BuiltinId>(decode_a(prog_.code[pc])) == BuiltinId::Lower;
  }
  void op_Builtin(uint32_t w) {
    BuiltinId id = static_cast<BuiltinId>(decode_a(w));
    // lower(x) == "text" and lower(x) == lower(fact): compared without the lowered copy,
    // as the interpreter's fused instructions do.
    if (id == BuiltinId::Lower && op_at(pc_ + 1) == Op::PushInt && op_at(pc_ + 2) == Op::StrEq && alone(2) && !tracing_) {
      const int64_t k = decode_imm(word(1));
      // A string of the program (the first of the facts' strings): compared with its
      // text, known now.
      const bool constant = inline_texts() && k >= 0 && static_cast<uint64_t>(k) < prog_.strings.size();
      on_known(1, [&](const std::vector<llvm::Value*>& x) {
        return constant ? text_equals_constant(x[0], prog_.strings[static_cast<size_t>(k)], true)
                        : call(&helper::lower_eq, {facts_, x[0], i64c(k), i64c(0)});
      });
      skip_to_ = pc_ + 3;
      return;
    }
    if (id == BuiltinId::Lower && op_at(pc_ + 1) == Op::LoadSlot && is_lower(pc_ + 2) && op_at(pc_ + 3) == Op::StrEq &&
        alone(3) && !tracing_) {
      put(h_, slot(i64c(decode_a(word(1)))));
      ++h_;
      on_known(2, [&](const std::vector<llvm::Value*>& x) {
        return inline_texts() ? texts_equal(x[0], x[1], true) : call(&helper::lower_eq, {facts_, x[0], x[1], i64c(1)});
      });
      skip_to_ = pc_ + 4;
      return;
    }
    // domain(x) in SET, local_part(x) in SET: compared in place with the set's texts.
    if ((id == BuiltinId::Domain || id == BuiltinId::LocalPart) && op_at(pc_ + 1) == Op::InStrSet && alone(1) &&
        inline_texts() && !tracing_) {
      const SortedSet& set = sets_[decode_a(word(1))];
      on_known(1, [&](const std::vector<llvm::Value*>& x) {
        return address_part_in_set(x[0], set, id == BuiltinId::Domain);
      });
      skip_to_ = pc_ + 2;
      return;
    }
    int n = builtin_arity(id);
    if (!args_) {
      llvm::IRBuilderBase::InsertPointGuard guard(b_);
      b_.SetInsertPoint(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
      int most = 1;
      for (int i = 0; i < kBuiltinCount; ++i) most = std::max(most, builtin_arity(static_cast<BuiltinId>(i)));
      args_ = b_.CreateAlloca(i64_, i64c(most));
    }
    auto run = [&](const std::vector<llvm::Value*>& x) {
      for (size_t i = 0; i < x.size(); ++i) b_.CreateStore(x[i], b_.CreateConstInBoundsGEP1_64(i64_, args_, i));
      return call(&helper::builtin, {frame_, i64c(static_cast<int64_t>(id)), b_.CreatePointerCast(args_, ptr_)});
    };
    if (n == 0) {
      put(h_, run({}));
      return;
    }
    on_known(n, run);
  }

  const Program& prog_;
  const std::vector<SortedSet>& sets_;
  const std::vector<int32_t>& heights_;  // the verifier's, by code word
  uint64_t* const probes_;  // Options::probes
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Type *i1_, *i8_, *i32_, *i64_;
  llvm::PointerType* ptr_;
  llvm::FunctionType* fn_type_;
  llvm::FunctionType* tfn_type_;  // a twin's: (frame, mask)
  llvm::IntegerType* m256_;       // a FactSet's half
  std::vector<llvm::Function*> fns_;
  std::vector<llvm::Function*> tfns_;  // by function: its twin, or null
  std::vector<bool> traceable_;        // by function: it may have a twin (find_traceable)
  std::vector<int> if_depth_;          // by code word: the unknown ifs open there (trace_depths)
  std::vector<int> if_depth_max_;      // by function: the deepest
  bool tracing_ = false;               // translating a twin
  int depth_ = 0;                      // if_depth_ of the instruction
  llvm::Value* mask_out_ = nullptr;
  std::vector<llvm::AllocaInst*> mw_, ms_, lw_, ls_, iw_, is_;  // the masks of the stack, locals, ifs
  std::vector<bool> raises_;  // by function: may raise a run-time error (find_raisers)
  std::vector<llvm::Function*> decisions_;  // null: not compiled (more than 64 rules or obligations)
  std::vector<llvm::Function*> policies_;   // null: not compiled (a decision of theirs is not)
  std::vector<bool> traced_;  // by decision: its review's missing facts named by compiled code
  // The function being translated.
  llvm::Function* fn_ = nullptr;
  llvm::Value* frame_ = nullptr;
  llvm::Value* slots_ = nullptr;
  llvm::Value* nslots_ = nullptr;
  llvm::Value* facts_ = nullptr;
  llvm::AllocaInst* args_ = nullptr;
  llvm::MDNode* unlikely_ = nullptr;
  llvm::BasicBlock* fail_ = nullptr;
  const ViewLayout layout_ = view_layout();
  std::vector<llvm::AllocaInst*> stack_, locals_;
  std::vector<llvm::BasicBlock*> blocks_;
  uint32_t begin_ = 0, end_ = 0;
  uint32_t skip_to_ = 0;  // set by an instruction translated with those after it
  bool open_ = false;  // the current block has no terminator yet
  // The instruction being translated.
  uint32_t pc_ = 0;
  int h_ = 0;  // stack height before it
  uint32_t next_ = 0;
};

}  // namespace

std::string translate(const Program& prog, const std::vector<SortedSet>& sets, const std::vector<int32_t>& heights,
                      uint64_t* probes, llvm::Module& module) {
  return Translator(prog, sets, heights, probes, module).run();
}

}  // namespace lawful::jit
