// The interpreter loop; see vm.h. The fast path's forms are made in specialise.cpp,
// decisions are resolved in resolve.cpp.
//
// exec<false> is the fast path: values only. exec<true> also carries, beside every
// value, the set of absent facts it came from (to fill `missing`) and collects every
// fact read (for explain); it runs only when a decision needs it.
#include "runtime/vm/vm.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/core/builtins.h"
#include "runtime/vm/run_builtin.h"
#include "runtime/vm/vm_internal.h"

#if (defined(__GNUC__) || defined(__clang__)) && !defined(LAWFUL_VM_SWITCH)
#define LAW_COMPUTED_GOTO 1
// Labels as values are an extension of GCC and Clang.
#pragma GCC diagnostic ignored "-Wpedantic"
#else
#define LAW_COMPUTED_GOTO 0
#endif

namespace lawful {

using vm_internal::and3;
using vm_internal::or3;

Value Vm::eval_native(uint32_t fn) {
  NativeFrame& fr = frame_;  // the rest is set once per decision (begin_decision, obligations)
  fr.steps = steps_;
  share_strings();
  Value v = native_[fn](&fr);
  steps_ = fr.steps;
  if (fr.error) {
    runtime_error(static_cast<uint32_t>(fr.error_pc), fr.error);
    fr.error = nullptr;
  }
  return v;
}

bool Vm::runtime_error(uint32_t pc, const char* what) {
  if (error_.empty()) {
    error_ = what;
    error_pc_ = pc;
  }
  return false;
}

std::string Vm::located_error(const char* kind, const std::string& name, const SourcePos& rule_pos) const {
  // The failing expression when the program says where its code comes from (format 2),
  // else the rule (or obligation, or decision) as a whole.
  const SourcePos* at = prog_.span_at(error_pc_);
  const SourcePos& pos = at ? *at : rule_pos;
  std::string where = pos.file < prog_.files.size() ? fmt::format("{}:{}:{}; ", prog_.files[pos.file], pos.line, pos.col)
                                                    : std::string();
  return fmt::format("{} in {} '{}' ({}bytecode {})", error_, kind, name, where, error_pc_);
}

template <bool kTrace>
Value Vm::exec(uint32_t fi, FactSet* out_mask, FactSet* reads) {
  const Function& f = prog_.functions[fi];
  const size_t base = sp_;
  // Every way out, a run-time error included, gives the frame back: the next function
  // evaluated (explain traces every rule, even after one failed) starts where this did.
  struct FrameGuard {
    size_t& sp;
    size_t base;
    ~FrameGuard() { sp = base; }
  } frame_guard{sp_, base};
  Value* const locals = stack_.data() + base;
  Value* const st = locals + f.n_locals;
  FactSet* const mlocals = kTrace ? masks_.data() + base : nullptr;
  FactSet* const mst = kTrace ? mlocals + f.n_locals : nullptr;
  sp_ = base + f.frame_size();
  for (uint32_t i = 0; i < f.n_locals; ++i) {
    locals[i] = kUnknown;
    if constexpr (kTrace) mlocals[i].clear();
  }
  const uint32_t* const code = kTrace ? prog_.code.data() : fast_code_.data();
  const Value* facts = facts_->slots.data();
  const size_t nfacts = facts_->slots.size();
  std::ptrdiff_t top = 0;  // not int: no sign extension on every stack access
  uint32_t pc = f.begin;

// The result of an operation on the top `n` values replaces them; when tracing, an
// unknown result carries the union of its operands' absent facts.
#define LAW_RESULT(n, expr)                                                   \
  do {                                                                        \
    Value r_ = (expr);                                                        \
    if constexpr (kTrace) {                                                   \
      FactSet m_;                                                             \
      for (int i_ = 1; i_ <= (n); ++i_) {                                     \
        if (r_ == kUnknown) m_ |= mst[top - i_];                              \
        else m_.merge_sources(mst[top - i_]);                                 \
      }                                                                       \
      mst[top - (n)] = m_;                                                    \
    }                                                                         \
    top -= (n)-1;                                                             \
    st[top - 1] = r_;                                                         \
  } while (0)

  // Dispatch: a `switch` in a loop, or (GCC and Clang, unless LAWFUL_VM_SWITCH is
  // defined) computed goto, each instruction jumping straight to the next one's code,
  // which lets the branch predictor learn per instruction (bench/ compares the two).
#if LAW_COMPUTED_GOTO
  static const void* const kLabels[kAllOpCount] = {
#define LAW_OP(Name, ...) &&op_##Name,
#include "runtime/bytecode/opcodes.def"
#undef LAW_OP
#define LAW_FUSED(Name, ...) &&op_##Name,
#include "runtime/bytecode/fused.def"
#undef LAW_FUSED
  };
#define LAW_CASE(Name) case static_cast<unsigned>(Op::Name): op_##Name
#define LAW_FUSED_CASE(Name) case static_cast<unsigned>(Fused::Name): op_##Name
#define LAW_NEXT()                                          \
  do {                                                      \
    w = code[pc];                                           \
    unsigned o_ = w & 0xffu;                                \
    if (o_ >= static_cast<unsigned>(kAllOpCount)) goto op_default_; \
    goto* kLabels[o_];                                      \
  } while (0)
#else
#define LAW_CASE(Name) case static_cast<unsigned>(Op::Name)
#define LAW_FUSED_CASE(Name) case static_cast<unsigned>(Fused::Name)
#define LAW_NEXT() break
#endif
  uint32_t w;
  for (;;) {
    w = code[pc];
    switch (w & 0xffu) {  // the program's opcodes, then the fused ones
      LAW_CASE(PushInt):
        st[top] = decode_imm(w);
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(PushConst):
        st[top] = prog_.consts[decode_a(w)];
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(PushUnknown):
        st[top] = kUnknown;
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(LoadSlot): {
        Value v = facts[decode_a(w)];
        st[top] = v;
        if constexpr (kTrace) {
          mst[top].clear();
          int16_t p = prog_.code_paths[pc];
          if (p >= 0) {
            if (reads) reads->add(static_cast<uint32_t>(p));
            if (v == kUnknown) mst[top].add(static_cast<uint32_t>(p));
            mst[top].add_source(static_cast<uint32_t>(p));
          }
        }
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(LoadField): {
        Value r = st[top - 1];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(w);
          if (r < 0 || at >= nfacts) return runtime_error(pc, "a record reference is out of range"), kUnknown;
          Value v = facts[at];
          st[top - 1] = v;
          if constexpr (kTrace) {
            mst[top - 1].clear();
            int16_t p = prog_.code_paths[pc];
            if (p >= 0) {
              if (reads) reads->add(static_cast<uint32_t>(p));
              if (v == kUnknown) mst[top - 1].add(static_cast<uint32_t>(p));
              mst[top - 1].add_source(static_cast<uint32_t>(p));
            }
          }
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(RecordRef): {
        uint32_t presence = code[pc + 1];
        Value v = presence == kNone || facts[presence] != kUnknown ? static_cast<Value>(decode_a(w)) : kUnknown;
        st[top] = v;
        if constexpr (kTrace) {
          mst[top].clear();
          int16_t p = prog_.code_paths[pc];
          if (p >= 0 && reads) reads->add(static_cast<uint32_t>(p));
          if (p >= 0 && v == kUnknown) mst[top].add(static_cast<uint32_t>(p));
        }
        ++top;
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(SubRecord): {
        Value r = st[top - 1];
        uint32_t presence = code[pc + 1];
        if (r != kUnknown) {
          if (r < 0 || static_cast<uint64_t>(r) + decode_a(w) >= nfacts ||
              (presence != kNone && static_cast<uint64_t>(r) + presence >= nfacts))
            return runtime_error(pc, "a record reference is out of range"), kUnknown;
          bool absent = presence != kNone && facts[static_cast<uint64_t>(r) + presence] == kUnknown;
          st[top - 1] = absent ? kUnknown : r + decode_a(w);
          if constexpr (kTrace) {
            mst[top - 1].clear();
            int16_t p = prog_.code_paths[pc];
            if (p >= 0 && absent) mst[top - 1].add(static_cast<uint32_t>(p));
          }
        }
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(LoadLocal): {
        uint32_t a = decode_a(w);
        st[top] = locals[a];
        if constexpr (kTrace) mst[top] = mlocals[a];
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(StoreLocal): {
        uint32_t a = decode_a(w);
        --top;
        locals[a] = st[top];
        if constexpr (kTrace) mlocals[a] = mst[top];
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Let): {
        FactSet m;
        Value v = call_let<kTrace>(decode_a(w), &m, reads);
        if (!error_.empty()) return kUnknown;
        st[top] = v;
        if constexpr (kTrace) mst[top] = v == kUnknown ? m : FactSet{};
        ++top;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(LoadVerdict):
        st[top] = verdict_;
        if constexpr (kTrace) mst[top].clear();
        ++top;
        ++pc;
        LAW_NEXT();
      LAW_CASE(Not): {
        Value a = st[top - 1];
        st[top - 1] = a == kUnknown ? kUnknown : (a == kFalse ? kTrue : kFalse);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(And):
        LAW_RESULT(2, and3(st[top - 2], st[top - 1]));
        ++pc;
        LAW_NEXT();
      LAW_CASE(Or):
        LAW_RESULT(2, or3(st[top - 2], st[top - 1]));
        ++pc;
        LAW_NEXT();
      LAW_CASE(Known):
        st[top - 1] = st[top - 1] != kUnknown ? kTrue : kFalse;
        if constexpr (kTrace) mst[top - 1].clear();
        ++pc;
        LAW_NEXT();
      LAW_CASE(MergeIf): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = a == b ? a : kUnknown;
        if constexpr (kTrace) {
          FactSet m;
          if (r == kUnknown) {
            m = mst[top - 1];
            m |= mst[top - 2];
            if (!if_masks_.empty()) m |= if_masks_.back();
          }
          if (!if_masks_.empty()) if_masks_.pop_back();
          mst[top - 2] = m;
        }
        --top;
        st[top - 1] = r;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Jump):
        pc = decode_a(w);
        LAW_NEXT();
      LAW_CASE(JumpIfFalseKeep):
        pc = st[top - 1] == kFalse ? decode_a(w) : pc + 1;
        LAW_NEXT();
      LAW_CASE(JumpIfTrueKeep):
        pc = st[top - 1] == kTrue ? decode_a(w) : pc + 1;
        LAW_NEXT();
      LAW_CASE(Branch3): {
        Value c = st[--top];
        if (c == kTrue) {
          pc += 2;
        } else if (c == kFalse) {
          pc = decode_a(w);
        } else {
          if constexpr (kTrace) if_masks_.push_back(mst[top]);
          pc = code[pc + 1];
        }
        LAW_NEXT();
      }
      LAW_CASE(Ret): {
        Value r = st[top - 1];
        if constexpr (kTrace) {
          if (out_mask) *out_mask = r == kUnknown ? mst[top - 1] : FactSet{};
        }
        sp_ = base;
        return r;
      }
#define LAW_CMP(OP, EXPR)                                                                  \
  LAW_CASE(OP): {                                                                           \
    Value b = st[top - 1], a = st[top - 2];                                                \
    LAW_RESULT(2, (a == kUnknown || b == kUnknown) ? kUnknown : ((EXPR) ? kTrue : kFalse)); \
    ++pc;                                                                                  \
    LAW_NEXT();                                                                                 \
  }
        LAW_CMP(Eq, a == b)
        LAW_CMP(Ne, a != b)
        LAW_CMP(Lt, a < b)
        LAW_CMP(Le, a <= b)
        LAW_CMP(Gt, a > b)
        LAW_CMP(Ge, a >= b)
        LAW_CMP(StrEq, facts_->text(a) == facts_->text(b))
        LAW_CMP(StrNe, facts_->text(a) != facts_->text(b))
#undef LAW_CMP
      LAW_CASE(Add):
      LAW_CASE(Sub):
      LAW_CASE(Mul): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && b != kUnknown) {
          Op op = decode_op(w);
          bool overflow = op == Op::Add   ? __builtin_add_overflow(a, b, &r)
                          : op == Op::Sub ? __builtin_sub_overflow(a, b, &r)
                                          : __builtin_mul_overflow(a, b, &r);
          if (overflow || r == kUnknown) return runtime_error(pc, "arithmetic overflow"), kUnknown;
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(Neg): {
        Value a = st[top - 1];
        if (a != kUnknown) st[top - 1] = -a;
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DateAdd):
      LAW_CASE(DateSub): {
        Value d = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && d != kUnknown) {
          if (a >= kDateNever) {
            r = kDateNever;
          } else {
            auto out = add_duration(static_cast<Days>(a), duration_of(d), decode_op(w) == Op::DateAdd ? 1 : -1);
            if (!out) return runtime_error(pc, "a date outside the years 1 to 9999"), kUnknown;
            r = *out;
          }
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DateDiff): {
        Value b = st[top - 1], a = st[top - 2];
        LAW_RESULT(2, (a == kUnknown || b == kUnknown) ? kUnknown
                                                       : make_span(static_cast<Days>(a), static_cast<Days>(b)));
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(SpanSplit): {
        Value d = st[top - 1], s = st[top - 2];
        if (d == kUnknown || s == kUnknown) {
          if constexpr (kTrace) {
            FactSet m = mst[top - 1];
            m |= mst[top - 2];
            mst[top - 1] = m;
            mst[top - 2] = m;
          }
          st[top - 1] = st[top - 2] = kUnknown;
        } else {
          Days a = span_a(s), b = span_b(s);
          Value end = kDateNever;
          if (b < kDateNever) {
            auto out = add_duration(b, duration_of(d));
            if (!out) return runtime_error(pc, "a date outside the years 1 to 9999"), kUnknown;
            end = *out;
          }
          st[top - 2] = a;
          st[top - 1] = end;
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(DurAdd): {
        Value b = st[top - 1], a = st[top - 2];
        Value r = kUnknown;
        if (a != kUnknown && b != kUnknown) {
          Duration x = duration_of(a), y = duration_of(b);
          int32_t months, days;
          if (__builtin_add_overflow(x.months, y.months, &months) || __builtin_add_overflow(x.days, y.days, &days))
            return runtime_error(pc, "arithmetic overflow"), kUnknown;
          r = make_duration(months, days);
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InSet): {
        Value s = st[top - 1], x = st[top - 2];
        Value r = kUnknown;
        if (s != kUnknown && x != kUnknown) r = (x >= 0 && x < 64 && ((static_cast<uint64_t>(s) >> x) & 1)) ? kTrue : kFalse;
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InList):
      LAW_CASE(InListStr): {
        Value l = st[top - 1], x = st[top - 2];
        Value r = kUnknown;
        if (l != kUnknown && x != kUnknown) {
          uint64_t start = list_start(l), n = list_count(l);
          if (start + n > nfacts) return runtime_error(pc, "a list reference is out of range"), kUnknown;
          r = kFalse;
          if (decode_op(w) == Op::InList) {
            for (uint64_t i = 0; i < n; ++i)
              if (facts[start + i] == x) r = kTrue;
          } else {
            std::string_view t = facts_->text(x);
            for (uint64_t i = 0; i < n; ++i)
              if (facts_->text(facts[start + i]) == t) r = kTrue;
          }
        }
        LAW_RESULT(2, r);
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(InStrSet): {
        Value x = st[top - 1];
        if (x != kUnknown) {
          const auto& set = sorted_sets_[decode_a(w)];
          st[top - 1] = std::binary_search(set.begin(), set.end(), facts_->text(x)) ? kTrue : kFalse;
        }
        ++pc;
        LAW_NEXT();
      }
      LAW_CASE(IterBegin): {
        Value l = st[top - 1];
        if (l == kUnknown) {
          pc = code[pc + 1];  // the unknown stays on the stack as the result
        } else {
          --top;
          uint32_t a = decode_a(w);
          locals[a] = l;
          locals[a + 1] = 0;
          if constexpr (kTrace) mlocals[a].clear();
          pc += 2;
        }
        LAW_NEXT();
      }
      LAW_CASE(IterNext): {
        uint32_t a = decode_a(w);
        uint32_t b = code[pc + 1];
        Value l = locals[a];
        Value i = locals[a + 1];
        if (l == kUnknown || i < 0 || static_cast<uint64_t>(i) >= list_count(l)) {
          pc = iter_exit(b);
          LAW_NEXT();
        }
        uint64_t stride = iter_stride(b);
        uint64_t start = list_start(l);
        uint64_t at = stride == 0 ? start + static_cast<uint64_t>(i) : start + static_cast<uint64_t>(i) * stride;
        if (at + (stride == 0 ? 1 : stride) > nfacts) return runtime_error(pc, "a list reference is out of range"), kUnknown;
        if (++steps_ > limits_.max_steps) return runtime_error(pc, steps_error_.c_str()), kUnknown;
        locals[a + 2] = stride == 0 ? facts[at] : static_cast<Value>(at);
        if constexpr (kTrace) mlocals[a + 2].clear();
        locals[a + 1] = i + 1;
        pc += 2;
        LAW_NEXT();
      }
      LAW_CASE(AnyStep):
      LAW_CASE(AllStep):
      LAW_CASE(CountStep): {
        uint32_t a = decode_a(w);
        Value b = st[--top];
        Value& acc = locals[a + 3];
        Op op = decode_op(w);
        bool exit = false;
        if (b == kUnknown) {
          acc = kUnknown;
          if constexpr (kTrace) mlocals[a + 3] |= mst[top];
          exit = op == Op::CountStep;
        } else if (op == Op::AnyStep && b == kTrue) {
          acc = kTrue;
          exit = true;
        } else if (op == Op::AllStep && b == kFalse) {
          acc = kFalse;
          exit = true;
        } else if (op == Op::CountStep && b == kTrue && acc != kUnknown) {
          // Only a forged program can start the count near the top; never wrap.
          if (__builtin_add_overflow(acc, 1, &acc) || acc == kUnknown)
            return runtime_error(pc, "arithmetic overflow"), kUnknown;
        }
        if constexpr (kTrace) {
          if (acc != kUnknown) mlocals[a + 3].clear();
        }
        pc = exit ? code[pc + 1] : pc + 2;
        LAW_NEXT();
      }
      LAW_CASE(Builtin): {
        BuiltinId id = static_cast<BuiltinId>(decode_a(w));
        int n = builtin_arity(id);
        Value* args = st + top - n;
        bool any_unknown = false;
        for (int i = 0; i < n; ++i) any_unknown = any_unknown || args[i] == kUnknown;
        Value r = any_unknown ? kUnknown : run_builtin(*facts_, id, args);
        if (n == 0) {
          st[top] = r;
          if constexpr (kTrace) mst[top].clear();
          ++top;
        } else {
          LAW_RESULT(n, r);
          // Known arguments a builtin cannot read (an address without '@'): the facts
          // they came from would settle it.
          if constexpr (kTrace)
            if (r == kUnknown && !any_unknown) mst[top - 1].promote_sources();
        }
        // Builtins may add strings; the facts array itself does not move.
        ++pc;
        LAW_NEXT();
      }
      // The fused instructions (fast path only: the tracing path runs the program's code).
      LAW_FUSED_CASE(LoadLocalField): {
        Value r = locals[decode_a(w)];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 1]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 1, "a record reference is out of range"), kUnknown;
          r = facts[at];
        }
        st[top++] = r;
        pc += fused_words(Fused::LoadLocalField);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqImm): {
        Value a = st[top - 1];
        st[top - 1] = a == kUnknown ? kUnknown : (a == decode_imm(w) ? kTrue : kFalse);
        pc += fused_words(Fused::EqImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalImm): {
        Value a = locals[decode_a(w)];
        st[top++] = a == kUnknown ? kUnknown : (a == decode_imm(code[pc + 1]) ? kTrue : kFalse);
        pc += fused_words(Fused::EqLocalImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalFieldImm): {
        Value r = locals[decode_a(w)];
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 1]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 1, "a record reference is out of range"), kUnknown;
          r = facts[at];
          if (r != kUnknown) r = r == decode_imm(code[pc + 2]) ? kTrue : kFalse;
        }
        st[top++] = r;
        pc += fused_words(Fused::EqLocalFieldImm);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(CopyLocal):
        locals[decode_a(code[pc + 1])] = locals[decode_a(w)];
        pc += fused_words(Fused::CopyLocal);
        LAW_NEXT();
      LAW_FUSED_CASE(CopyLoadField): {
        Value r = locals[decode_a(w)];
        locals[decode_a(code[pc + 1])] = r;
        if (r != kUnknown) {
          uint64_t at = static_cast<uint64_t>(r) + decode_a(code[pc + 3]);
          if (r < 0 || at >= nfacts) return runtime_error(pc + 3, "a record reference is out of range"), kUnknown;
          r = facts[at];
        }
        st[top++] = r;
        pc += fused_words(Fused::CopyLoadField);
        LAW_NEXT();
      }
// A Kleene `and`/`or` of the two values on top, then a jump when it gives `when`
// (the "keep" jumps: the value stays on the stack either way).
#define LAW_LOGIC_JUMP(Name, fn, when)                              \
  LAW_FUSED_CASE(Name) : {                                               \
    Value r_ = fn(st[top - 2], st[top - 1]);                        \
    --top;                                                          \
    st[top - 1] = r_;                                               \
    pc = r_ == (when) ? decode_a(code[pc + 1]) : pc + fused_words(Fused::Name);            \
    LAW_NEXT();                                                     \
  }
      LAW_LOGIC_JUMP(AndJumpIfFalse, and3, kFalse);
      LAW_FUSED_CASE(SlotLe): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (a <= b ? kTrue : kFalse);
        pc += fused_words(Fused::SlotLe);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(SlotGt): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (a > b ? kTrue : kFalse);
        pc += fused_words(Fused::SlotGt);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(SlotStrEq): {
        Value a = st[top - 1], b = facts[decode_a(w)];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown : (facts_->text(a) == facts_->text(b) ? kTrue : kFalse);
        pc += fused_words(Fused::SlotStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(ImmStrEq): {
        Value a = st[top - 1], b = decode_imm(w);
        st[top - 1] = a == kUnknown ? kUnknown : (facts_->text(a) == facts_->text(b) ? kTrue : kFalse);
        pc += fused_words(Fused::ImmStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(ImmInSet): {
        Value x = st[top - 1], set = decode_imm(w);
        st[top - 1] = x == kUnknown ? kUnknown
                                    : (x >= 0 && x < 64 && ((static_cast<uint64_t>(set) >> x) & 1)) ? kTrue : kFalse;
        pc += fused_words(Fused::ImmInSet);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(EqLocalImmJumpIfFalse): {
        Value a = locals[decode_a(w)];
        Value r = a == kUnknown ? kUnknown : (a == decode_imm(code[pc + 1]) ? kTrue : kFalse);
        st[top++] = r;
        pc = r == kFalse ? decode_a(code[pc + 3]) : pc + fused_words(Fused::EqLocalImmJumpIfFalse);
        LAW_NEXT();
      }
      LAW_LOGIC_JUMP(OrJumpIfTrue, or3, kTrue);
      LAW_LOGIC_JUMP(AndJumpIfTrue, and3, kTrue);
      LAW_LOGIC_JUMP(OrJumpIfFalse, or3, kFalse);
      LAW_FUSED_CASE(NotAndJumpIfFalse): {
        Value b = st[top - 1];
        b = b == kUnknown ? kUnknown : (b == kFalse ? kTrue : kFalse);
        Value r = and3(st[top - 2], b);
        --top;
        st[top - 1] = r;
        pc = r == kFalse ? decode_a(code[pc + 2]) : pc + fused_words(Fused::NotAndJumpIfFalse);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(AndAnd): {
        Value r = and3(st[top - 3], and3(st[top - 2], st[top - 1]));
        top -= 2;
        st[top - 1] = r;
        pc += fused_words(Fused::AndAnd);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(CopyLocal2):
        locals[decode_a(code[pc + 1])] = locals[decode_a(w)];
        locals[decode_a(code[pc + 3])] = locals[decode_a(code[pc + 2])];
        pc += fused_words(Fused::CopyLocal2);
        LAW_NEXT();
      LAW_FUSED_CASE(AnyStepJump): {
        Value b = st[--top];
        Value& acc = locals[decode_a(w) + 3];
        if (b == kTrue) {
          acc = kTrue;
          pc = code[pc + 1];
        } else {
          if (b == kUnknown) acc = kUnknown;
          pc = decode_a(code[pc + 2]);
        }
        LAW_NEXT();
      }
      LAW_FUSED_CASE(AllStepJump): {
        Value b = st[--top];
        Value& acc = locals[decode_a(w) + 3];
        if (b == kFalse) {
          acc = kFalse;
          pc = code[pc + 1];
        } else {
          if (b == kUnknown) acc = kUnknown;
          pc = decode_a(code[pc + 2]);
        }
        LAW_NEXT();
      }
      LAW_FUSED_CASE(LowerImmStrEq): {
        Value a = st[top - 1];
        if (a != kUnknown)
          st[top - 1] = lower_equal(facts_->text(a), facts_->text(decode_imm(code[pc + 1])), false) ? kTrue : kFalse;
        pc += fused_words(Fused::LowerImmStrEq);
        LAW_NEXT();
      }
      LAW_FUSED_CASE(LowerSlotLowerStrEq): {
        Value a = st[top - 1], b = facts[decode_a(code[pc + 1])];
        st[top - 1] = a == kUnknown || b == kUnknown ? kUnknown
                                                     : (lower_equal(facts_->text(a), facts_->text(b), true) ? kTrue : kFalse);
        pc += fused_words(Fused::LowerSlotLowerStrEq);
        LAW_NEXT();
      }
      default:
#if LAW_COMPUTED_GOTO
      op_default_:
#endif
        return runtime_error(pc, "an unknown instruction"), kUnknown;
    }
  }
#undef LAW_RESULT
#undef LAW_CASE
#undef LAW_FUSED_CASE
#undef LAW_LOGIC_JUMP
#undef LAW_NEXT
}

template Value Vm::exec<false>(uint32_t, FactSet*, FactSet*);
template Value Vm::exec<true>(uint32_t, FactSet*, FactSet*);

}  // namespace lawful
