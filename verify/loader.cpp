// lawful verify for the command: verify.h's interface over the module lawful-verify.so
// (verify/module.h), opened on first use, so that nothing but `lawful verify` and
// `lawful --version` maps Z3. No Z3 here.
//
// The module is the file named by the environment variable LAWFUL_VERIFY_MODULE when it
// is set, else the one beside the running executable (the command is not installed by
// `cmake --install`, which installs the library; the module goes where the command goes).
#include <dlfcn.h>

#include <mutex>
#include <string>
#include <vector>

#include "runtime/io/module_file.h"
#include "verify/module.h"
#include "verify/verify_abi.h"

namespace lawful::verify {

namespace {

constexpr const char* kModuleName = "lawful-verify.so";

struct Loaded {
  const ModuleTable* table = nullptr;
  std::string why;  // when table is null
};

Loaded load() {
  std::vector<std::string> candidates;
  if (std::string exe = io::executable_folder(); !exe.empty()) candidates.push_back(exe + "/" + kModuleName);
  Loaded r;
  std::string looked;
  const std::string path = io::find_module("LAWFUL_VERIFY_MODULE", candidates, looked);
  if (path.empty()) {
    r.why = std::string("lawful verify's module ") + kModuleName + " is not installed (looked for " + looked +
            "; LAWFUL_VERIFY_MODULE names it)";
    return r;
  }
  io::OpenedModule m = io::open_module(path, LAWFUL_VERIFY_ENTRY, "lawful verify's module");
  if (!m.entry) {
    r.why = m.why;
    return r;
  }
  using Entry = const ModuleTable* (*)(const ModuleAbi*, const char**);
  const ModuleAbi abi = this_abi(LAWFUL_VERIFY_ABI);
  const char* error = nullptr;
  r.table = reinterpret_cast<Entry>(m.entry)(&abi, &error);
  if (!r.table) {
    r.why = path + ": " + (error ? error : "refused");
    dlclose(m.handle);
  }
  return r;  // loaded once and kept
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

Report verify_program(const Program& prog, const Options& opt) {
  Report r;
  if (!available()) {
    r.error = "the SMT solver is not available: " + unavailable_reason();
    return r;
  }
  loaded().table->verify_program(&prog, &opt, &r);
  return r;
}

}  // namespace lawful::verify
