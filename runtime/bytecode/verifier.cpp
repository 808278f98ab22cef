// Bytecode and metadata verification; see verifier.h.
#include "runtime/bytecode/verifier.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/routes.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/core/builtins.h"

namespace lawful {

namespace {

// Strings of a program end up in decision records, which are JSON: they must be UTF-8
// (the compiler's are: sources are checked when read). Overlong forms, surrogates and
// code points past U+10FFFF are refused as JSON parsers refuse them.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

class Verifier {
 public:
  Verifier(const Program& p, const VerifyLimits& l, std::vector<int32_t>* heights) : p_(p), lim_(l), heights_(heights) {}

  std::string run() {
    if (!schema() || !tables() || !code() || !lets() || !decisions() || !policies() || !routes()) return error_;
    return {};
  }

 private:
  struct Loop {
    uint32_t head;  // the IterNext jumped back to
    uint32_t back;  // the Jump
  };

  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }
  bool str_ok(uint32_t s) const { return s < p_.strings.size(); }
  bool fn_ok(int32_t f) const { return f == kNoFunction || (f >= 0 && static_cast<size_t>(f) < p_.functions.size()); }
  bool pos_ok(const SourcePos& pos) const { return p_.files.empty() || pos.file < p_.files.size(); }

  bool schema() {
    const Schema& s = p_.schema;
    if (s.types.size() < 8) return fail("schema: the basic types are missing");
    for (size_t i = 0; i < s.types.size(); ++i) {
      const Type& t = s.types[i];
      if (static_cast<uint8_t>(t.kind) > static_cast<uint8_t>(TypeKind::Record)) return fail(fmt::format("schema: type {} has an unknown kind", i));
      if (t.kind == TypeKind::Enum && t.ref >= s.enums.size()) return fail(fmt::format("schema: type {} names no enumeration", i));
      if (t.kind == TypeKind::Record && t.ref >= s.records.size()) return fail(fmt::format("schema: type {} names no record", i));
      if ((t.kind == TypeKind::List || t.kind == TypeKind::Set) && t.ref >= i)
        return fail(fmt::format("schema: type {} has an element type that is not defined before it", i));
    }
    for (const EnumDef& e : s.enums)
      if (e.members.size() > 62) return fail(fmt::format("schema: enumeration {} has too many values", e.name));
    // Names go into decision records (missing facts, bases, obligations): UTF-8 only.
    for (const EnumDef& e : s.enums) {
      if (!valid_utf8(e.name)) return fail("schema: a name that is not valid UTF-8");
      for (const std::string& m : e.members)
        if (!valid_utf8(m)) return fail("schema: a name that is not valid UTF-8");
    }
    for (const RecordDef& r : s.records) {
      if (!valid_utf8(r.name)) return fail("schema: a name that is not valid UTF-8");
      for (const FieldDef& f : r.fields)
        if (!valid_utf8(f.name)) return fail("schema: a name that is not valid UTF-8");
    }
    for (const RootDef& r : s.roots)
      if (!valid_utf8(r.name)) return fail("schema: a name that is not valid UTF-8");
    // Bounds first: the layout below follows these indices.
    if (s.types.size() > 64 * lim_.max_records || s.enums.size() > lim_.max_records ||
        s.records.size() > lim_.max_records || s.roots.size() > 16)
      return fail("schema: more types, enumerations, records or roots than the limits allow");
    for (const RecordDef& r : s.records) {
      if (r.fields.size() > lim_.max_records) return fail(fmt::format("schema: record {} has too many fields", r.name));
      for (const FieldDef& f : r.fields)
        if (f.type >= s.types.size()) return fail(fmt::format("schema: field {} has an unknown type", f.name));
    }
    for (const RootDef& r : s.roots)
      if (r.record >= s.records.size()) return fail(fmt::format("schema: root {} names no record", r.name));
    // Record sizes must be what the layout gives; recompute and compare.
    Schema copy = s;
    std::string err = copy.layout();
    if (!err.empty()) return fail("schema: " + err);
    if (copy.root_slots != s.root_slots || copy.paths.size() != s.paths.size())
      return fail("schema: the slot layout does not match the records");
    for (size_t r = 0; r < s.records.size(); ++r) {
      if (copy.records[r].size != s.records[r].size) return fail(fmt::format("schema: record {} has the wrong size", s.records[r].name));
      for (size_t f = 0; f < s.records[r].fields.size(); ++f) {
        const FieldDef& fd = s.records[r].fields[f];
        if (fd.type >= s.types.size()) return fail(fmt::format("schema: field {} has an unknown type", fd.name));
        if (copy.records[r].fields[f].offset != fd.offset || copy.records[r].fields[f].path != fd.path)
          return fail(fmt::format("schema: field {} has the wrong offset", fd.name));
        const Type& ft = s.types[fd.type];
        if (fd.has_default && ft.kind == TypeKind::String && !str_ok(static_cast<uint32_t>(fd.default_value)))
          return fail(fmt::format("schema: field {} has a default string that does not exist", fd.name));
        if (fd.has_default && ft.kind == TypeKind::List && fd.default_value != 0)
          return fail(fmt::format("schema: field {} has a default list that is not empty", fd.name));
        if (ft.kind == TypeKind::List && s.types[ft.ref].kind == TypeKind::Record && s.records[s.types[ft.ref].ref].size > 255)
          return fail(fmt::format("schema: the elements of {} are larger than 255 slots", fd.name));
      }
    }
    for (size_t i = 0; i < s.roots.size(); ++i)
      if (copy.roots[i].base != s.roots[i].base) return fail(fmt::format("schema: root {} is not where the layout puts it", s.roots[i].name));
    for (size_t i = 0; i < s.paths.size(); ++i) {
      if (copy.paths[i].slot != s.paths[i].slot || copy.paths[i].name != s.paths[i].name ||
          copy.paths[i].type != s.paths[i].type)
        return fail("schema: the path table does not match the records");
    }
    if (s.paths.size() > 256) return fail("schema: more than 256 fact paths");
    if (s.as_of_path >= 0 && (static_cast<size_t>(s.as_of_path) >= s.paths.size() || s.paths[static_cast<size_t>(s.as_of_path)].slot < 0))
      return fail("schema: the `as of` date is not a fact slot");
    return true;
  }

  bool tables() {
    for (size_t i = 0; i < p_.strings.size(); ++i)
      if (!valid_utf8(p_.strings[i])) return fail(fmt::format("string {} is not valid UTF-8", i));
    // File names are shown too: in run-time errors, which records carry as JSON.
    for (size_t i = 0; i < p_.files.size(); ++i)
      if (!valid_utf8(p_.files[i])) return fail(fmt::format("file name {} is not valid UTF-8", i));
    for (const auto& set : p_.string_sets)
      for (uint32_t s : set)
        if (!str_ok(s)) return fail("a string set names a string that does not exist");
    if (p_.code_paths.size() != p_.code.size()) return fail("the load-path table does not cover the code");
    for (int16_t path : p_.code_paths)
      if (path < -1 || (path >= 0 && static_cast<size_t>(path) >= p_.schema.paths.size()))
        return fail("the load-path table names a fact that does not exist");
    // Code spans (format 2) in order of their code, each naming a file of the program.
    for (size_t i = 0; i < p_.code_spans.size(); ++i) {
      const CodeSpan& cs = p_.code_spans[i];
      if (cs.pc >= p_.code.size()) return fail(fmt::format("code span {} starts at {}, past the code", i, cs.pc));
      if (i > 0 && cs.pc <= p_.code_spans[i - 1].pc)
        return fail(fmt::format("code span {} is not after the one before it", i));
      if ((cs.pos.file != kNoSourceFile && cs.pos.file >= p_.files.size()) || cs.pos.begin > cs.pos.end)
        return fail(fmt::format("code span {} names a file or range that does not exist", i));
    }
    if (p_.basis_enum >= 0 && static_cast<size_t>(p_.basis_enum) >= p_.schema.enums.size()) return fail("the Basis enumeration does not exist");
    if (p_.obligation_enum >= 0 && static_cast<size_t>(p_.obligation_enum) >= p_.schema.enums.size())
      return fail("the Obligation enumeration does not exist");
    return true;
  }

  bool code() {
    if (p_.code.size() > lim_.max_code) return fail(fmt::format("more than {} code words", lim_.max_code));
    // Functions in order, each its own code, and together all of it: verification stays
    // linear in the file, and no word escapes it (the VM's set-up passes over the whole
    // code as instructions).
    if (!p_.code.empty() && (p_.functions.empty() || p_.functions.front().begin != 0))
      return fail("code before the first function");
    for (size_t i = 1; i < p_.functions.size(); ++i) {
      if (p_.functions[i].begin < p_.functions[i - 1].end)
        return fail(fmt::format("function {} overlaps the function before it", i));
      if (p_.functions[i].begin > p_.functions[i - 1].end)
        return fail(fmt::format("code between function {} and function {}", i - 1, i));
    }
    if (!p_.functions.empty() && p_.functions.back().end != p_.code.size())
      return fail("code after the last function");
    if (heights_) heights_->assign(p_.code.size(), -1);
    for (size_t i = 0; i < p_.functions.size(); ++i)
      if (!function(static_cast<uint32_t>(i))) return false;
    return true;
  }

  bool function(uint32_t fi) {
    const Function& f = p_.functions[fi];
    auto where = [&](uint32_t pc) { return fmt::format("function {} at {}", fi, pc); };
    if (f.begin >= f.end || f.end > p_.code.size()) return fail(fmt::format("function {} has bounds outside the code", fi));
    if (f.max_stack > lim_.max_stack || f.n_locals > lim_.max_locals)
      return fail(fmt::format("function {} asks for too much stack or too many locals", fi));

    // Instruction boundaries and operands. The per-function tables are the verifier's,
    // reused from one function to the next (282 functions in policies/: three or four
    // allocations each before).
    std::vector<uint8_t>& start = start_;
    start.assign(f.end - f.begin, 0);
    std::set<uint32_t> loop_bases;
    std::map<uint32_t, std::vector<uint32_t>> begins;  // loop base -> its IterBegins, in order
    for (uint32_t pc = f.begin; pc < f.end;) {
      uint32_t w = p_.code[pc];
      uint8_t raw = static_cast<uint8_t>(w & 0xff);
      if (raw >= kOpCount) return fail(fmt::format("{}: no instruction has code {}", where(pc), raw));
      Op op = decode_op(w);
      const OpInfo& info = op_info(op);
      int words = op_words(info.format);
      if (pc + static_cast<uint32_t>(words) > f.end) return fail(fmt::format("{}: {} runs past the end of its function", where(pc), info.name));
      start[pc - f.begin] = 1;
      uint32_t a = decode_a(w);
      uint32_t b = words == 2 ? p_.code[pc + 1] : 0;
      switch (info.format) {
        case OpFormat::Const:
          if (a >= p_.consts.size()) return fail(fmt::format("{}: {} names constant {}, which does not exist", where(pc), info.name, a));
          break;
        case OpFormat::Slot:
          if (a >= p_.schema.root_slots) return fail(fmt::format("{}: {} reads slot {}, outside the facts", where(pc), info.name, a));
          break;
        case OpFormat::Local:
          if (a >= f.n_locals) return fail(fmt::format("{}: {} uses local {}, which does not exist", where(pc), info.name, a));
          break;
        case OpFormat::Let:
          if (a >= p_.lets.size()) return fail(fmt::format("{}: {} names definition {}, which does not exist", where(pc), info.name, a));
          break;
        case OpFormat::StrSet:
          if (a >= p_.string_sets.size()) return fail(fmt::format("{}: {} names string set {}, which does not exist", where(pc), info.name, a));
          break;
        case OpFormat::Builtin:
          if (a >= static_cast<uint32_t>(kBuiltinCount)) return fail(fmt::format("{}: no builtin has number {}", where(pc), a));
          break;
        case OpFormat::SlotSlot:
          if (a >= p_.schema.root_slots || (b != kNone && b >= p_.schema.root_slots))
            return fail(fmt::format("{}: {} names a slot outside the facts", where(pc), info.name));
          break;
        case OpFormat::LocalJump:
        case OpFormat::IterJump:
          if (static_cast<uint64_t>(a) + 3 >= f.n_locals)
            return fail(fmt::format("{}: {} uses locals from {}, which do not exist", where(pc), info.name, a));
          loop_bases.insert(a);
          if (op == Op::IterBegin) begins[a].push_back(pc);
          break;
        default:
          break;
      }
      pc += static_cast<uint32_t>(words);
    }

    // Loops keep their list and index in four locals of their own.
    for (auto it = loop_bases.begin(); it != loop_bases.end(); ++it) {
      auto nx = std::next(it);
      if (nx != loop_bases.end() && *nx - *it < 4)
        return fail(fmt::format("function {}: two loops share locals {} and {}", fi, *it, *nx));
    }

    // Jump targets: every jump lands on an instruction of its function, reachable or not
    // (the VM's set-up reads all of them); then stack heights along every path.
    auto target_ok = [&](uint32_t t) { return t >= f.begin && t < f.end && start[t - f.begin] != 0; };
    for (uint32_t pc = f.begin; pc < f.end;) {
      const OpInfo& info = op_info(decode_op(p_.code[pc]));
      bool ok = true;
      for_each_jump_target(p_.code.data(), pc, [&](uint32_t t) {
        if (ok && !target_ok(t))
          ok = fail(fmt::format("{}: {} jumps to {}, which is not an instruction of this function", where(pc), info.name, t));
      });
      if (!ok) return false;
      pc += static_cast<uint32_t>(op_words(info.format));
    }
    std::vector<Loop>& loops = loops_;
    loops.clear();
    std::vector<int>& height = height_;
    height.assign(f.end - f.begin, -1);
    std::vector<uint32_t>& work = work_;
    work.assign(1, f.begin);
    height[0] = 0;
    while (!work.empty()) {
      uint32_t pc = work.back();
      work.pop_back();
      int h = height[pc - f.begin];
      uint32_t w = p_.code[pc];
      Op op = decode_op(w);
      const OpInfo& info = op_info(op);
      int words = op_words(info.format);
      uint32_t a = decode_a(w);
      uint32_t b = words == 2 ? p_.code[pc + 1] : 0;
      int pops = info.pops >= 0 ? info.pops : builtin_arity(static_cast<BuiltinId>(a));
      if (h < pops) return fail(fmt::format("{}: {} needs {} values but the stack holds {}", where(pc), info.name, pops, h));
      int fall = h - pops + info.pushes;
      if (static_cast<uint32_t>(fall) > f.max_stack)
        return fail(fmt::format("{}: the stack grows past its declared size {}", where(pc), f.max_stack));

      auto flow = [&](uint32_t to, int hh, bool backward_ok) -> bool {
        if (!target_ok(to)) return fail(fmt::format("{}: {} jumps to {}, which is not an instruction of this function", where(pc), info.name, to));
        if (to <= pc && !backward_ok) return fail(fmt::format("{}: {} jumps backward", where(pc), info.name));
        int& th = height[to - f.begin];
        if (th < 0) {
          th = hh;
          work.push_back(to);
        } else if (th != hh) {
          return fail(fmt::format("{}: paths reach {} with stacks of {} and {} values", where(pc), to, th, hh));
        }
        return true;
      };
      auto next = [&]() -> bool {
        uint32_t to = pc + static_cast<uint32_t>(words);
        if (to >= f.end) return fail(fmt::format("{}: the code runs off the end of its function", where(pc)));
        return flow(to, fall, false);
      };

      switch (op) {
        case Op::Ret:
          if (h != 1) return fail(fmt::format("{}: Ret with {} values on the stack; it needs exactly 1", where(pc), h));
          break;
        case Op::Jump: {
          // The one backward jump: the end of a quantifier's body, back to its IterNext,
          // with no IterBegin of the same loop in between (so the index only grows).
          bool back = a <= pc;
          if (back) {
            if (!target_ok(a) || decode_op(p_.code[a]) != Op::IterNext)
              return fail(fmt::format("{}: a backward jump that is not a quantifier loop", where(pc)));
            uint32_t base = decode_a(p_.code[a]);
            auto it = begins.find(base);
            if (it != begins.end()) {
              auto first = std::lower_bound(it->second.begin(), it->second.end(), a);
              if (first != it->second.end() && *first < pc) return fail(fmt::format("{}: a loop that restarts itself", where(pc)));
            }
            loops.push_back({a, pc});
          }
          if (!flow(a, h, back)) return false;
          break;
        }
        case Op::JumpIfFalseKeep:
        case Op::JumpIfTrueKeep:
          if (!flow(a, h - pops + info.taken_pushes, false) || !next()) return false;
          break;
        case Op::Branch3:
          if (!flow(a, h - pops + info.taken_pushes, false) || !flow(b, h - pops + info.taken_pushes, false) || !next()) return false;
          break;
        case Op::IterBegin:
        case Op::AnyStep:
        case Op::AllStep:
        case Op::CountStep:
          if (!flow(b, h - pops + info.taken_pushes, false) || !next()) return false;
          break;
        case Op::IterNext:
          if (!flow(iter_exit(b), h - pops + info.taken_pushes, false) || !next()) return false;
          break;
        case Op::StoreLocal:
          // The list and index of a loop are the loop's own.
          if (loop_bases.count(a) || (a > 0 && loop_bases.count(a - 1)))
            return fail(fmt::format("{}: StoreLocal overwrites the state of a loop", where(pc)));
          if (!next()) return false;
          break;
        default:
          if (!next()) return false;
      }
      if (!error_.empty()) return false;
    }
    if (heights_) std::copy(height.begin(), height.end(), heights_->begin() + f.begin);
    return loops_terminate(fi, loops);
  }

  // Every loop ends: a loop is the code from an IterNext to a Jump back to it. Loops
  // nest or are apart (never overlap), and the IterNext's exit lies after the Jump, so
  // once the list is done the loop is left for good; with the checks above (no IterBegin
  // of the same loop inside it, its list and index never stored to) its index only grows.
  bool loops_terminate(uint32_t fi, std::vector<Loop>& loops) {
    for (const Loop& l : loops) {
      uint32_t exit = iter_exit(p_.code[l.head + 1]);
      if (exit <= l.back) return fail(fmt::format("function {} at {}: a loop whose exit is inside it", fi, l.head));
    }
    std::sort(loops.begin(), loops.end(), [](const Loop& a, const Loop& b) {
      return a.head != b.head ? a.head < b.head : a.back > b.back;
    });
    std::vector<uint32_t>& open = open_;  // ends of the loops that enclose the current one
    open.clear();
    for (const Loop& l : loops) {
      while (!open.empty() && open.back() < l.head) open.pop_back();
      if (!open.empty() && l.back > open.back())
        return fail(fmt::format("function {} at {}: loops that overlap without nesting", fi, l.head));
      open.push_back(l.back);
    }
    return true;
  }

  bool lets() {
    for (const LetInfo& l : p_.lets) {
      if (!str_ok(l.name)) return fail("a definition's name does not exist");
      if (l.fn >= p_.functions.size()) return fail("a definition's function does not exist");
    }
    // Definitions may not call each other in a circle, nor more than max_let_depth deep
    // (the VM recurses once per call), and the deepest chain of calls must fit the VM's
    // stack: follow Let instructions. The recursion is as deep as the chain being
    // followed, which the depth check bounds.
    std::vector<int> color(p_.functions.size(), 0);
    std::vector<uint32_t> height(p_.functions.size(), 0);  // calls below, this one included
    std::vector<uint64_t> frame(p_.functions.size(), 0);   // VM stack for this call and below
    std::function<bool(uint32_t, uint32_t)> visit = [&](uint32_t fi, uint32_t depth) -> bool {
      if (color[fi] == 1) return fail(fmt::format("definitions call each other in a circle through function {}", fi));
      if (color[fi] == 2) return true;
      if (depth > lim_.max_let_depth)
        return fail(fmt::format("definitions call each other more than {} deep (at function {})", lim_.max_let_depth, fi));
      color[fi] = 1;
      const Function& f = p_.functions[fi];
      uint32_t h = 0;
      uint64_t inner = 0;
      for (uint32_t pc = f.begin; pc < f.end;) {
        Op op = decode_op(p_.code[pc]);
        if (op == Op::Let) {
          uint32_t callee = p_.lets[decode_a(p_.code[pc])].fn;
          if (!visit(callee, depth + 1)) return false;
          h = std::max(h, height[callee]);
          inner = std::max(inner, frame[callee]);
        }
        pc += static_cast<uint32_t>(op_words(op_info(op).format));
      }
      height[fi] = h + 1;
      frame[fi] = f.frame_size() + inner;
      if (height[fi] > lim_.max_let_depth + 1)
        return fail(fmt::format("definitions call each other more than {} deep (at function {})", lim_.max_let_depth, fi));
      if (frame[fi] > lim_.max_frame)
        return fail(fmt::format("function {} and the definitions it calls need more than {} stack values", fi, lim_.max_frame));
      color[fi] = 2;
      return true;
    };
    for (uint32_t fi = 0; fi < p_.functions.size(); ++fi)
      if (!visit(fi, 0)) return false;
    return true;
  }

  bool decisions() {
    size_t n_basis = p_.basis_enum >= 0 ? p_.schema.enums[static_cast<size_t>(p_.basis_enum)].members.size() : 0;
    size_t n_oblige = p_.obligation_enum >= 0 ? p_.schema.enums[static_cast<size_t>(p_.obligation_enum)].members.size() : 0;
    for (size_t di = 0; di < p_.decisions.size(); ++di) {
      const DecisionInfo& d = p_.decisions[di];
      if (!str_ok(d.name) || d.policy >= p_.policies.size() || !fn_ok(d.guard) || !pos_ok(d.pos))
        return fail(fmt::format("decision {} refers to something that does not exist", di));
      if (d.rules.size() > lim_.max_rules) return fail(fmt::format("decision {} has more than {} rules", di, lim_.max_rules));
      for (const RuleInfo& r : d.rules) {
        if (!str_ok(r.name) || r.verdict > 2 || !fn_ok(r.cond) || !pos_ok(r.pos) || r.origin >= p_.policies.size())
          return fail(fmt::format("a rule of decision {} refers to something that does not exist", di));
        if (r.basis < -1 || (r.basis >= 0 && static_cast<size_t>(r.basis) >= n_basis))
          return fail(fmt::format("a rule of decision {} has a basis that does not exist", di));
        for (uint32_t o : r.overrides)
          if (o >= d.rules.size()) return fail(fmt::format("a rule of decision {} overrides a rule that does not exist", di));
        for (uint32_t c : r.cites)
          if (!str_ok(c)) return fail(fmt::format("a rule of decision {} cites a string that does not exist", di));
        for (uint32_t n : r.needs)
          if (n >= p_.schema.paths.size()) return fail(fmt::format("a rule of decision {} needs a fact that does not exist", di));
      }
      // Overrides are acyclic.
      std::vector<int> color(d.rules.size(), 0);
      std::function<bool(size_t)> visit = [&](size_t i) -> bool {
        if (color[i] == 1) return fail(fmt::format("the rules of decision {} override each other in a circle", di));
        if (color[i] == 2) return true;
        color[i] = 1;
        for (uint32_t o : d.rules[i].overrides)
          if (!visit(o)) return false;
        color[i] = 2;
        return true;
      };
      for (size_t i = 0; i < d.rules.size(); ++i)
        if (!visit(i)) return false;
      for (const ObligeInfo& o : d.obliges) {
        if (o.name >= n_oblige || !fn_ok(o.cond) || !pos_ok(o.pos))
          return fail(fmt::format("an obligation of decision {} refers to something that does not exist", di));
        for (uint32_t c : o.cites)
          if (!str_ok(c)) return fail(fmt::format("an obligation of decision {} cites a string that does not exist", di));
        if (o.rules.size() > d.rules.size())
          return fail(fmt::format("an obligation of decision {} is for more rules than the decision has", di));
        for (uint32_t r : o.rules)
          if (r >= d.rules.size()) return fail(fmt::format("an obligation of decision {} is for a rule that does not exist", di));
      }
    }
    return true;
  }

  bool policies() {
    std::vector<int> owner(p_.decisions.size(), -1);
    for (size_t pi = 0; pi < p_.policies.size(); ++pi) {
      const PolicyInfo& p = p_.policies[pi];
      if (!str_ok(p.name) || !str_ok(p.title) || !pos_ok(p.pos)) return fail(fmt::format("policy {} refers to something that does not exist", pi));
      for (uint32_t j : p.jurisdictions)
        if (!str_ok(j)) return fail(fmt::format("policy {} names a jurisdiction string that does not exist", pi));
      for (uint32_t d : p.decisions) {
        if (d >= p_.decisions.size() || p_.decisions[d].policy != pi || owner[d] >= 0)
          return fail(fmt::format("policy {} lists a decision that is not its own", pi));
        owner[d] = static_cast<int>(pi);
      }
    }
    return true;
  }

  bool routes() {
    for (const Route& r : p_.routes)
      if (!str_ok(r.country) || r.policy < -1 || (r.policy >= 0 && static_cast<size_t>(r.policy) >= p_.policies.size()))
        return fail("a route refers to something that does not exist");
    // The router would pick one of the two routes of a country by chance.
    std::unordered_set<std::string> countries;
    for (const Route& r : p_.routes)
      if (!countries.insert(country_key(p_.strings[r.country])).second)
        return fail(fmt::format("route {} is for a country routed before (countries match whatever their case)",
                                &r - p_.routes.data()));
    if (p_.route_path >= 0) {
      if (static_cast<size_t>(p_.route_path) >= p_.schema.paths.size() || p_.schema.paths[static_cast<size_t>(p_.route_path)].slot < 0)
        return fail("the routing fact is not a fact slot");
    } else if (p_.has_router) {
      return fail("a router without a routing fact");
    }
    if (p_.entry_policy < -1 || (p_.entry_policy >= 0 && static_cast<size_t>(p_.entry_policy) >= p_.policies.size()))
      return fail("the entry policy does not exist");
    return true;
  }

  const Program& p_;
  const VerifyLimits& lim_;
  std::vector<int32_t>* heights_;
  std::string error_;
  // function()'s tables, kept between functions (cleared at each).
  std::vector<uint8_t> start_;   // per code word of the function: an instruction starts here
  std::vector<int> height_;      // per code word: the stack height there, or -1 (not reached)
  std::vector<uint32_t> work_;   // instructions to visit
  std::vector<Loop> loops_;
  std::vector<uint32_t> open_;   // loops_terminate's
};

}  // namespace

std::string verify_program(const Program& prog, const VerifyLimits& limits, std::vector<int32_t>* heights) {
  Verifier v(prog, limits, heights);
  return v.run();
}

std::string load_verified_program(std::string_view bytes, Program& prog) {
  std::string why = deserialize_program(bytes, prog);
  if (why.empty()) {
    why = verify_program(prog);
    if (!why.empty()) why = "the bytecode does not verify: " + why;
  }
  return why;
}

}  // namespace lawful
