// Fuzz target: a .lawc file from another system. The checksum would stop almost every
// mutation at the door, so the target writes the right length and checksum into the
// header before loading: what is fuzzed is the decoder, the verifier and, for what
// passes them, the VM deciding fixed cases, the records, the tracer and the
// disassembler. A program that verifies must run without a crash; it may stop a
// decision with a run-time error. Files of every format read (1 and 2) are fuzzed.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_common.h"
#include "runtime/bytecode/disasm.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"

namespace {

constexpr size_t kHeader = 4 + 4 + 8 + 8 + 8;

void put64(std::string& s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lawful;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= kHeader) {
    put64(bytes, 16, bytes.size() - kHeader);
    std::string_view all(bytes);
    put64(bytes, 24, fnv1a64(all.substr(kHeader), fnv1a64(all.substr(0, kHeader - 8))));
  }
  Program prog;
  std::string why = deserialize_program(bytes, prog);
  if (!why.empty()) return 0;
  why = verify_program(prog);
  if (!why.empty()) return 0;

  (void)disassemble(prog);
  Vm vm(prog);
  Binder binder(prog);
  Entry entry;
  if (choose_entry(prog, "", entry).empty())
    for (const std::string& line : fuzz::fixed_cases()) fuzz::bind_case_and_decide(vm, binder, entry, line, true);
  // Every decision on its own, as `--decision` and the tests reach them.
  Outcome out;
  for (uint32_t d = 0; d < prog.decisions.size() && d < 64; ++d) {
    vm.decide_decision(d, out);
    DecisionTrace t;
    vm.trace_decision(d, t);
  }
  for (uint32_t p = 0; p < prog.policies.size() && p < 16; ++p) vm.decide_policy(p, out);

  // The code span table (which the run-time errors above read): every offset has a
  // position in one of the program's files, or none.
  for (uint32_t pc = 0; pc < prog.code.size(); ++pc) {
    const SourcePos* at = prog.span_at(pc);
    if (at && at->file >= prog.files.size()) fuzz::finding("a code span names a file the program does not have");
  }

  // What loads and verifies must serialize to bytes that load and verify again, the
  // same (code spans included).
  std::string again = serialize_program(prog);
  Program back;
  if (!deserialize_program(again, back).empty() || !verify_program(back).empty())
    fuzz::finding("a verified program does not survive its own round trip");
  else if (serialize_program(back) != again || back.code_spans.size() != prog.code_spans.size())
    fuzz::finding("a verified program changes in its round trip");
  return 0;
}
