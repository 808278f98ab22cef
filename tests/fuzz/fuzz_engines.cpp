// Fuzz target: the native back end against the interpreter. The input's first byte picks
// a program (the project's policies through the router, or one file of the language
// corpus), the rest makes the facts (tests/jit/engine_diff.h: which fields are absent,
// which values, near the edges); both engines decide the case by every entry, with and
// without an as-of date, and with a step limit small enough to stop quantifiers. Any
// difference in an outcome (verdict, basis, rules, obligations, missing facts, reason,
// error) is a finding. In a build without LLVM there is nothing to compare.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_common.h"
#include "runtime/jit/jit.h"
#include "tests/jit/engine_diff.h"

namespace {

struct Target {
  std::shared_ptr<const lawful::Program> prog;
  std::unique_ptr<lawful::jit::Code> code;
  std::unique_ptr<lawful::jit_test::FactMaker> maker;
  std::unique_ptr<lawful::jit_test::Pair> pair, tight;
};

std::vector<std::unique_ptr<Target>> load() {
  using namespace lawful;
  std::vector<std::unique_ptr<Target>> out;
  std::vector<std::shared_ptr<const Program>> progs{fuzz::project_program()};
  std::string err;
  for (const std::string& f : law_files(LAWFUL_SOURCE_DIR "/tests/lang", &err)) {
    Compilation c = compile_path(f);
    if (c.ok()) progs.push_back(c.program);
  }
  for (auto& p : progs) {
    auto t = std::make_unique<Target>();
    t->prog = p;
    std::string why;
    t->code = jit::Code::compile(*p, jit::Options{}, why);
    if (!t->code) fuzz::finding("the native back end cannot compile a program of the corpus: " + why);
    t->maker = std::make_unique<jit_test::FactMaker>(*p);
    t->pair = std::make_unique<jit_test::Pair>(*p, t->code->functions());
    VmLimits few;
    few.max_steps = 2;
    t->tight = std::make_unique<jit_test::Pair>(*p, t->code->functions(), few);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::unique_ptr<Target>>& targets() {
  static std::vector<std::unique_ptr<Target>> all = load();
  return all;
}

}  // namespace

// Compiling every program (seconds under the sanitizers on a busy machine) before the
// first input, so that it does not count against the input's -timeout. The replay
// program (replay_main.cpp) does not call this: its first input loads them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (lawful::jit::available()) targets();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lawful;
  if (!jit::available() || size < 2) return 0;
  Target& t = *targets()[data[0] % targets().size()];
  jit_test::Choices c(data + 2, size - 2);
  jit_test::Pair& pair = data[1] & 1 ? *t.tight : *t.pair;
  std::string line = t.maker->make_case(c);
  if (!pair.bind(line)) return 0;
  Days as_of = days_from_civil(2015, 1, 1) + static_cast<Days>(c.below(365 * 15));
  std::string diff = pair.decide_all(as_of);
  if (!diff.empty()) fuzz::finding("the engines disagree on " + line + ": " + diff);
  return 0;
}
