// Program to text; see disasm.h. One switch on the operand format, not on the opcode.
#include "runtime/bytecode/disasm.h"

#include <fmt/format.h>

#include "runtime/bytecode/opcodes.h"
#include "runtime/core/builtins.h"
#include "runtime/core/dates.h"
#include "runtime/core/outcome.h"

namespace lawful {

namespace {

std::string where(const Program& p, const SourcePos& pos) {
  if (pos.file >= p.files.size()) return "?";
  return fmt::format("{}:{}:{}", p.files[pos.file], pos.line, pos.col);
}

std::string window_text(const Window& w) {
  if (w.always()) return {};
  std::string s = " effective ";
  s += w.from == kAlwaysFrom ? "always" : format_date(w.from);
  if (w.until != kAlwaysUntil) s += " until " + format_date(w.until);
  return s;
}

void function_text(const Program& p, uint32_t fi, const std::string& label, std::string& out) {
  const Function& f = p.functions[fi];
  out += fmt::format("  fn {} ({}): stack {}, locals {}\n", fi, label, f.max_stack, f.n_locals);
  const SourcePos* shown = nullptr;
  for (uint32_t pc = f.begin; pc < f.end;) {
    uint32_t w = p.code[pc];
    Op op = decode_op(w);
    if (static_cast<int>(op) >= kOpCount) {
      out += fmt::format("    {:5}  <bad {}>\n", pc, static_cast<int>(op));
      ++pc;
      continue;
    }
    const OpInfo& info = op_info(op);
    uint32_t a = decode_a(w);
    uint32_t b = op_words(info.format) == 2 && pc + 1 < p.code.size() ? p.code[pc + 1] : 0;
    std::string operands;
    switch (info.format) {
      case OpFormat::None: break;
      case OpFormat::Imm: operands = std::to_string(decode_imm(w)); break;
      case OpFormat::Const: operands = a < p.consts.size() ? fmt::format("#{} ({})", a, p.consts[a]) : fmt::format("#{}", a); break;
      case OpFormat::Slot:
      case OpFormat::Field:
      case OpFormat::Local:
        operands = std::to_string(a);
        break;
      case OpFormat::Let: operands = a < p.lets.size() ? fmt::format("{} ({})", a, p.str(p.lets[a].name)) : std::to_string(a); break;
      case OpFormat::Jump: operands = fmt::format("-> {}", a); break;
      case OpFormat::StrSet: operands = fmt::format("set {}", a); break;
      case OpFormat::Builtin:
        operands = a < static_cast<uint32_t>(kBuiltinCount) ? builtin_info(static_cast<BuiltinId>(a)).name : std::to_string(a);
        break;
      case OpFormat::SlotSlot:
      case OpFormat::FieldField:
        operands = b == kNone ? std::to_string(a) : fmt::format("{} if {}", a, b);
        break;
      case OpFormat::JumpJump: operands = fmt::format("false -> {}, unknown -> {}", a, b); break;
      case OpFormat::LocalJump: operands = fmt::format("locals {}, -> {}", a, b); break;
      case OpFormat::IterJump: operands = fmt::format("locals {}, stride {}, done -> {}", a, iter_stride(b), iter_exit(b)); break;
    }
    std::string line = fmt::format("    {:5}  {:<16} {}", pc, info.name, operands);
    while (!line.empty() && line.back() == ' ') line.pop_back();  // no trailing spaces: the text goes in docs
    if (pc < p.code_paths.size() && p.code_paths[pc] >= 0 && static_cast<size_t>(p.code_paths[pc]) < p.schema.paths.size())
      line += "  ; " + p.schema.paths[static_cast<size_t>(p.code_paths[pc])].name;
    // Where code from another place of the source starts, that place (the code span
    // table; expressions that start at the same place are shown once).
    const SourcePos* from = p.span_at(pc);
    if (from && (!shown || from->file != shown->file || from->line != shown->line || from->col != shown->col))
      line += fmt::format(" ({})", where(p, *from));
    if (from) shown = from;
    out += line + "\n";
    pc += static_cast<uint32_t>(op_words(info.format));
  }
}

}  // namespace

std::string disassemble(const Program& p) {
  std::string out;
  out += fmt::format("lawful bytecode, format {}, sources {:016x}\n", Program::kFormatVersion, p.source_hash);
  out += fmt::format("{} functions, {} code words, {} constants, {} strings, {} fact slots\n", p.functions.size(),
                     p.code.size(), p.consts.size(), p.strings.size(), p.schema.root_slots);
  std::vector<std::string> labels(p.functions.size());
  for (const LetInfo& l : p.lets)
    if (l.fn < labels.size()) labels[l.fn] = "let " + p.str(l.name);
  for (const PolicyInfo& pol : p.policies) {
    out += fmt::format("\npolicy {} \"{}\" ({}){}\n", p.str(pol.name), p.str(pol.title), where(p, pol.pos), window_text(pol.window));
    for (uint32_t di : pol.decisions) {
      const DecisionInfo& d = p.decisions[di];
      out += fmt::format(" decision {} ({})\n", p.str(d.name), where(p, d.pos));
      if (d.guard >= 0) function_text(p, static_cast<uint32_t>(d.guard), "when", out);
      for (size_t i = 0; i < d.rules.size(); ++i) {
        const RuleInfo& r = d.rules[i];
        std::string head = fmt::format(" rule {} {}: {}", i, p.str(r.name), verdict_name(r.verdict));
        if (r.basis >= 0) head += " basis " + p.basis_name(r.basis);
        for (uint32_t o : r.overrides) head += fmt::format(" overrides {}", o < d.rules.size() ? p.str(d.rules[o].name) : "?");
        head += window_text(r.window);
        out += fmt::format("{} ({})\n", head, where(p, r.pos));
        for (uint32_t c : r.cites) out += fmt::format("   cite \"{}\"\n", p.str(c));
        if (r.cond >= 0) function_text(p, static_cast<uint32_t>(r.cond), p.str(r.name), out);
      }
      for (const ObligeInfo& o : d.obliges) {
        std::string fors;
        for (uint32_t r : o.rules) fors += fmt::format("{}{}", fors.empty() ? " for " : ", ", r < d.rules.size() ? p.str(d.rules[r].name) : "?");
        out += fmt::format(" oblige {}{} ({})\n", p.obligation_name(o.name), fors, where(p, o.pos));
        if (o.cond >= 0) function_text(p, static_cast<uint32_t>(o.cond), "oblige " + p.obligation_name(o.name), out);
      }
    }
  }
  if (!p.lets.empty()) {
    out += "\ndefinitions\n";
    for (const LetInfo& l : p.lets) function_text(p, l.fn, labels[l.fn], out);
  }
  if (!p.string_sets.empty()) {
    out += "\nstring sets\n";
    for (size_t i = 0; i < p.string_sets.size(); ++i) {
      std::vector<std::string> items;
      for (uint32_t s : p.string_sets[i]) items.push_back("\"" + p.str(s) + "\"");
      out += fmt::format("  set {}: {{{}}}\n", i, fmt::join(items, ", "));
    }
  }
  if (p.has_router) {
    out += "\nroutes\n";
    for (const Route& r : p.routes)
      out += fmt::format("  {} -> {}\n", p.str(r.country), r.policy < 0 ? "review" : p.str(p.policies[static_cast<size_t>(r.policy)].name));
  }
  return out;
}

}  // namespace lawful
