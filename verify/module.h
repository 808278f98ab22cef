// `lawful verify` as a module loaded on first use (lawful-verify.so; verify/README.md), as
// the native back end is (runtime/jit/module.h): the command does not link Z3, so that a
// start that does not verify maps neither Z3 (about 20 MB) nor the module. What crosses
// the boundary (Program, Options, Report) is C++ of the same build: the entry refuses a
// caller whose LAWFUL_VERIFY_ABI (the version and a hash of verify.h and program.h, made
// by cmake/jit_abi.cmake) or sizes differ.
#pragma once

#include <cstddef>

#include "verify/verify.h"

namespace lawful::verify {

struct ModuleAbi {
  const char* abi;  // LAWFUL_VERIFY_ABI
  size_t program_size, options_size, report_size;
};

struct ModuleTable {
  const char* (*solver_version)();
  // Fills *out; never throws (an exception becomes out->error).
  void (*verify_program)(const Program* prog, const Options* opt, Report* out);
  void (*verify_equiv)(const Program* old_prog, const Program* new_prog, const Options* opt, Report* out);
  void (*verify_conflicts)(const Program* prog, const std::vector<RulePair>* pairs, const Options* opt, Report* out);
};

inline ModuleAbi this_abi(const char* abi) { return ModuleAbi{abi, sizeof(Program), sizeof(Options), sizeof(Report)}; }

}  // namespace lawful::verify

#define LAWFUL_VERIFY_ENTRY "lawful_verify_module_v1"
extern "C" const lawful::verify::ModuleTable* lawful_verify_module_v1(const lawful::verify::ModuleAbi* caller,
                                                                      const char** error);
