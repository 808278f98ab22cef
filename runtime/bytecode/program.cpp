// Lookups on a compiled program; see program.h.
#include "runtime/bytecode/program.h"

#include <algorithm>

#include "runtime/bytecode/opcodes.h"

namespace lawful {

namespace {
uint64_t frame_need(const Program& prog, uint32_t fi, std::vector<uint64_t>& memo) {
  if (memo[fi] != 0) return memo[fi];
  const Function& f = prog.functions[fi];
  uint64_t inner = 0;
  for (uint32_t pc = f.begin; pc < f.end;) {
    const Op op = decode_op(prog.code[pc]);
    if (op == Op::Let) inner = std::max(inner, frame_need(prog, prog.lets[decode_a(prog.code[pc])].fn, memo));
    pc += static_cast<uint32_t>(op_words(op_info(op).format));
  }
  return memo[fi] = f.frame_size() + inner;
}
}  // namespace

std::vector<uint64_t> frame_needs(const Program& prog) {
  std::vector<uint64_t> memo(prog.functions.size(), 0);
  for (uint32_t fi = 0; fi < prog.functions.size(); ++fi) frame_need(prog, fi, memo);
  return memo;
}

const SourcePos* Program::span_at(uint32_t pc) const {
  auto after = std::upper_bound(code_spans.begin(), code_spans.end(), pc,
                                [](uint32_t at, const CodeSpan& s) { return at < s.pc; });
  if (after == code_spans.begin()) return nullptr;
  const SourcePos& pos = std::prev(after)->pos;
  return pos.file == kNoSourceFile || pos.file >= files.size() ? nullptr : &pos;
}

int Program::find_policy(const std::string& name) const {
  for (size_t i = 0; i < policies.size(); ++i)
    if (strings[policies[i].name] == name) return static_cast<int>(i);
  return -1;
}

int Program::find_decision(uint32_t policy, const std::string& name) const {
  if (policy >= policies.size()) return -1;
  for (uint32_t d : policies[policy].decisions)
    if (strings[decisions[d].name] == name) return static_cast<int>(d);
  return -1;
}

std::string Program::basis_name(int32_t b) const {
  if (b < 0 || basis_enum < 0) return {};
  return schema.enums[static_cast<size_t>(basis_enum)].members[static_cast<size_t>(b)];
}

std::string Program::obligation_name(uint32_t o) const {
  if (obligation_enum < 0) return {};
  return schema.enums[static_cast<size_t>(obligation_enum)].members[o];
}

}  // namespace lawful
