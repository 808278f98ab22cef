// lawful verify for the command: verify.h's interface over the module lawful-verify.so
// (verify/module.h), opened on first use, so that nothing but `lawful verify` and
// `lawful --version` maps Z3. No Z3 here.
//
// The module is the file named by the environment variable LAWFUL_VERIFY_MODULE when it
// is set, else the one beside the running executable (the command is not installed by
// `cmake --install`, which installs the library; the module goes where the command goes).

#include <mutex>
#include <string>
#include <vector>

#include "runtime/io/module_file.h"
#include "verify/module.h"
#include "verify/verify_abi.h"

namespace lawful::verify {

namespace {

constexpr const char* kModuleName = "lawful-verify.so";

using Loaded = io::LoadedModule<ModuleTable>;

Loaded load() {
  std::vector<std::string> candidates;
  if (std::string exe = io::executable_folder(); !exe.empty()) candidates.push_back(exe + "/" + kModuleName);
  // Loaded once and kept.
  return io::load_module<ModuleTable>("LAWFUL_VERIFY_MODULE", candidates, kModuleName, LAWFUL_VERIFY_ENTRY,
                                      "lawful verify's module", this_abi(LAWFUL_VERIFY_ABI));
}

const Loaded& loaded() {
  static std::once_flag once;
  static Loaded l;
  std::call_once(once, [] { l = load(); });
  return l;
}

}  // namespace

bool available() { return loaded().table != nullptr; }

std::string unavailable_reason() { return loaded().why; }

std::string solver_version() { return available() ? loaded().table->solver_version() : ""; }

namespace {

// A report from the module's entry `call`, or one that says why there is no solver.
template <class Call>
Report through_module(Call call) {
  Report r;
  if (!available()) {
    r.error = "the SMT solver is not available: " + unavailable_reason();
    return r;
  }
  call(*loaded().table, &r);
  return r;
}

}  // namespace

Report verify_program(const Program& prog, const Options& opt) {
  return through_module([&](const auto& t, Report* r) { t.verify_program(&prog, &opt, r); });
}

Report verify_equiv(const Program& old_prog, const Program& new_prog, const Options& opt) {
  return through_module([&](const auto& t, Report* r) { t.verify_equiv(&old_prog, &new_prog, &opt, r); });
}

Report verify_conflicts(const Program& prog, const std::vector<RulePair>& pairs, const Options& opt) {
  return through_module([&](const auto& t, Report* r) { t.verify_conflicts(&prog, &pairs, &opt, r); });
}

}  // namespace lawful::verify
