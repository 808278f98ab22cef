// The verifier refuses hand-made malicious programs: bad jump targets, indices out of
// range, stack underflow, loops that do not advance, circular definitions, broken
// metadata. Each case damages a program the compiler made, in one place.
#include <doctest/doctest.h>

#include <functional>

#include "helpers.h"
#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/verifier.h"

using namespace lawful;
using namespace lawful::testing;

namespace {

Program sample() {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  return *c.program;
}

// The first instruction with this opcode, or npos.
size_t find_op(const Program& p, Op op) {
  for (uint32_t f = 0; f < p.functions.size(); ++f)
    for (uint32_t pc = p.functions[f].begin; pc < p.functions[f].end;) {
      Op o = decode_op(p.code[pc]);
      if (o == op) return pc;
      pc += static_cast<uint32_t>(op_words(op_info(o).format));
    }
  return std::string::npos;
}

std::string damaged(const std::function<void(Program&)>& damage) {
  Program p = sample();
  damage(p);
  return verify_program(p);
}

}  // namespace

TEST_CASE("the compiler's own output verifies") { CHECK(verify_program(sample()) == ""); }

TEST_CASE("jumps outside the function, backwards, or into an instruction are refused") {
  CHECK(damaged([](Program& p) {
          size_t at = find_op(p, Op::JumpIfFalseKeep);
          REQUIRE(at != std::string::npos);
          p.code[at] = encode(Op::JumpIfFalseKeep, static_cast<uint32_t>(p.code.size() + 10));
        }).find("not an instruction") != std::string::npos);
  CHECK(damaged([](Program& p) {
          size_t at = find_op(p, Op::JumpIfFalseKeep);
          p.code[at] = encode(Op::JumpIfFalseKeep, static_cast<uint32_t>(at));
        }).find("backward") != std::string::npos);
  CHECK(damaged([](Program& p) {
          size_t at = find_op(p, Op::IterBegin);
          REQUIRE(at != std::string::npos);
          p.code[at + 1] = static_cast<uint32_t>(at + 1);  // into the middle of itself
        }) != "");
}

TEST_CASE("a backward jump that is not a quantifier loop is refused") {
  CHECK(damaged([](Program& p) {
          size_t at = find_op(p, Op::Jump);
          REQUIRE(at != std::string::npos);
          uint32_t fn_begin = 0;
          for (const Function& f : p.functions)
            if (f.begin <= at && at < f.end) fn_begin = f.begin;
          p.code[at] = encode(Op::Jump, fn_begin);
        }).find("not a quantifier loop") != std::string::npos);
}

TEST_CASE("a loop whose index is overwritten is refused") {
  CHECK(damaged([](Program& p) {
          size_t at = find_op(p, Op::StoreLocal);
          size_t it = find_op(p, Op::IterBegin);
          REQUIRE(at != std::string::npos);
          p.code[at] = encode(Op::StoreLocal, decode_a(p.code[it]) + 1);
        }).find("state of a loop") != std::string::npos);
}

TEST_CASE("indices out of range are refused") {
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::LoadSlot)] = encode(Op::LoadSlot, 1u << 20); })
            .find("outside the facts") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::InStrSet)] = encode(Op::InStrSet, 99); })
            .find("string set") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::Let)] = encode(Op::Let, 99); }).find("definition") !=
        std::string::npos);
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::LoadLocal)] = encode(Op::LoadLocal, 9999); })
            .find("local") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::LoadSlot)] = encode(Op::PushConst, 12345); })
            .find("constant") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::LoadSlot)] = 0xfe; }).find("no instruction") !=
        std::string::npos);
  CHECK(damaged([](Program& p) { p.decisions[0].rules[1].cond = 999; }) != "");
  CHECK(damaged([](Program& p) { p.decisions[0].rules[1].cites.push_back(99999); }) != "");
  CHECK(damaged([](Program& p) { p.decisions[0].rules[1].basis = 60; }) != "");
  CHECK(damaged([](Program& p) { p.decisions[0].policy = 7; }) != "");
  CHECK(damaged([](Program& p) { p.code_paths.pop_back(); }) != "");
}

TEST_CASE("stack underflow, overflow and a wrong height at Ret are refused") {
  CHECK(damaged([](Program& p) { p.code[find_op(p, Op::LoadSlot)] = encode(Op::Not); }).find("needs 1 values") !=
        std::string::npos);
  CHECK(damaged([](Program& p) {
          for (Function& f : p.functions) f.max_stack = 0;
        }).find("stack grows") != std::string::npos);
  CHECK(damaged([](Program& p) {
          // An extra value left on the stack when the function returns.
          size_t at = find_op(p, Op::Not);
          if (at == std::string::npos) at = find_op(p, Op::Known);
          size_t ld = find_op(p, Op::LoadSlot);
          p.code[ld] = encode(Op::LoadSlot, decode_a(p.code[ld]));
          for (Function& f : p.functions) f.max_stack += 4;
          // Replace an And (2 -> 1) by a no-op pair: pop nothing, push nothing is not an op,
          // so turn it into Known (1 -> 1), leaving one value too many.
          size_t a = find_op(p, Op::And);
          REQUIRE(a != std::string::npos);
          p.code[a] = encode(Op::Known);
          (void)at;
        }) != "");
}

TEST_CASE("metadata that points nowhere or in a circle is refused") {
  CHECK(damaged([](Program& p) {
          p.decisions[0].rules[0].overrides.push_back(2);  // objection > consented > unsolicited > objection
        }).find("circle") != std::string::npos);
  CHECK(damaged([](Program& p) { p.lets[0].fn = 12345; }) != "");
  CHECK(damaged([](Program& p) { p.routes.push_back(Route{0, 5}); }) != "");
  CHECK(damaged([](Program& p) { p.schema.records[0].size += 1; }) != "");
  CHECK(damaged([](Program& p) { p.schema.paths[3].slot = 999; }) != "");
  CHECK(damaged([](Program& p) { p.entry_policy = 3; }) != "");
}

TEST_CASE("definitions that call each other in a circle are refused") {
  CHECK(damaged([](Program& p) {
          // Make the definition's own code call itself.
          const Function& f = p.functions[p.lets[0].fn];
          size_t slot = find_op(p, Op::LoadSlot);
          for (uint32_t pc = f.begin; pc < f.end; ++pc)
            if (decode_op(p.code[pc]) == Op::LoadSlot || decode_op(p.code[pc]) == Op::RecordRef) {
              slot = pc;
              break;
            }
          p.code[slot] = encode(Op::Let, 0);
          if (op_words(op_info(Op::RecordRef).format) == 2 && decode_op(p.code[slot + 1]) != Op::Let) {
            // RecordRef took two words; the second is now a stray word that must still decode.
          }
        }) != "");
}

TEST_CASE("code spans out of order, past the code, or naming no file are refused") {
  REQUIRE_FALSE(sample().code_spans.empty());
  CHECK(damaged([](Program& p) { p.code_spans.push_back({static_cast<uint32_t>(p.code.size()), p.code_spans[0].pos}); })
            .find("past the code") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code_spans.push_back(p.code_spans.back()); }).find("not after") != std::string::npos);
  CHECK(damaged([](Program& p) { std::swap(p.code_spans[0], p.code_spans[1]); }).find("not after") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code_spans[1].pos.file = static_cast<uint32_t>(p.files.size()); })
            .find("names a file") != std::string::npos);
  CHECK(damaged([](Program& p) { p.code_spans[1].pos.begin = p.code_spans[1].pos.end + 1; })
            .find("names a file or range") != std::string::npos);
  // Code of no known expression, and a program without spans (format 1), are fine.
  CHECK(damaged([](Program& p) { p.code_spans[1].pos = SourcePos{kNoSourceFile, 0, 0, 0, 0}; }) == "");
  CHECK(damaged([](Program& p) { p.code_spans.clear(); }) == "");
}
