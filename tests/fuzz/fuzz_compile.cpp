// Fuzz target: policy source. The input is one or more files: the first is fuzz.law,
// and a line `//@file NAME` starts another, so that `extends`, `use` and routing files
// are reached. Whatever compiles must also verify, survive the .lawc round trip
// unchanged, decide fixed cases (each record one line of valid JSON) and run its own
// tests without a crash, the fast path agreeing with the traced code on every rule.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"

namespace {

std::vector<lawful::SourceFile> split_files(std::string_view text) {
  static constexpr std::string_view kMarker = "//@file ";
  std::vector<lawful::SourceFile> files;
  files.push_back({"fuzz.law", {}});
  size_t at = 0;
  while (at <= text.size()) {
    size_t nl = text.find('\n', at);
    std::string_view line = text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    if (line.substr(0, kMarker.size()) == kMarker && files.size() < 8) {
      std::string name(line.substr(kMarker.size()));
      if (name.empty() || name.find('/') != std::string::npos) name = "f" + std::to_string(files.size());
      files.push_back({name + ".law", {}});
    } else {
      files.back().text.append(line);
      if (nl != std::string_view::npos) files.back().text += '\n';
    }
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lawful;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Compilation c = compile_sources(split_files(text));
  // Rendering is part of what a user sees: it must not fail on any span, and its size
  // (like every phase's memory) grows at most linearly with the source: diagnostics
  // about pairs of rules, one per pair, once took 528 MB for a 26 KB policy.
  const std::string shown = c.diags.render(c.sources);
  if (shown.size() > 64 * size + (size_t{4} << 20))
    fuzz::finding("diagnostics of " + std::to_string(shown.size()) + " bytes for a source of " + std::to_string(size));
  if (!c.ok()) {
    if (!c.diags.has_errors()) fuzz::finding("no program and no error");
    return 0;
  }
  const Program& prog = *c.program;
  std::string why = verify_program(prog);
  if (!why.empty()) fuzz::finding("the compiler's output does not verify: " + why);
  std::string bytes = serialize_program(prog);
  Program back;
  why = deserialize_program(bytes, back);
  if (!why.empty()) fuzz::finding("the compiler's .lawc does not load: " + why);
  why = verify_program(back);
  if (!why.empty()) fuzz::finding("the compiler's .lawc does not verify: " + why);
  if (serialize_program(back) != bytes) fuzz::finding("the .lawc round trip changes the program");

  Vm vm(prog);
  Binder binder(prog);
  Entry entry;
  if (choose_entry(prog, "", entry).empty())
    for (const std::string& line : fuzz::fixed_cases()) fuzz::bind_case_and_decide(vm, binder, entry, line, true);
  // The policy's own tests, as `lawful test` runs them.
  Outcome out;
  for (const sema::CompiledTest& t : c.tests) {
    std::string json = "{\"contact\": " + t.contact_json + ", \"campaign\": " + t.campaign_json + "}";
    BindResult br = binder.bind_case(vm.facts(), json.data(), json.size(), json.size());
    if (!br.ok) continue;
    DecideOptions opt;
    if (t.as_of) opt.as_of = *t.as_of;
    for (const sema::CompiledExpect& e : t.expects) {
      if (e.decision < 0 || static_cast<size_t>(e.decision) >= prog.decisions.size())
        fuzz::finding("a compiled test names a decision that does not exist");
      vm.decide_decision(static_cast<uint32_t>(e.decision), out, opt);
      if (out.error.empty()) {
        DecisionTrace trace;
        vm.trace_decision(static_cast<uint32_t>(e.decision), trace, opt);
        fuzz::check_fast_against_traced(prog, out, trace);
      }
    }
  }
  return 0;
}
