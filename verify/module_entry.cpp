// The entry point of lawful-verify.so (verify/module.h): the encoder and the checks of
// checks.cpp, behind one C function that first compares the caller's build with its own.
#include <exception>
#include <string>

#include "verify/module.h"
#include "verify/verify_abi.h"

namespace {

std::string solver_text;

const char* solver_version_c() {
  solver_text = lawful::verify::solver_version();
  return solver_text.c_str();
}

void verify_program_c(const lawful::Program* prog, const lawful::verify::Options* opt, lawful::verify::Report* out) {
  try {
    *out = lawful::verify::verify_program(*prog, *opt);
  } catch (const std::exception& e) {
    *out = lawful::verify::Report{};
    out->error = std::string("the solver failed: ") + e.what();
  }
}

void verify_equiv_c(const lawful::Program* a, const lawful::Program* b, const lawful::verify::Options* opt,
                    lawful::verify::Report* out) {
  try {
    *out = lawful::verify::verify_equiv(*a, *b, *opt);
  } catch (const std::exception& e) {
    *out = lawful::verify::Report{};
    out->error = std::string("the solver failed: ") + e.what();
  }
}

void verify_conflicts_c(const lawful::Program* prog, const std::vector<lawful::verify::RulePair>* pairs,
                        const lawful::verify::Options* opt, lawful::verify::Report* out) {
  try {
    *out = lawful::verify::verify_conflicts(*prog, *pairs, *opt);
  } catch (const std::exception& e) {
    *out = lawful::verify::Report{};
    out->error = std::string("the solver failed: ") + e.what();
  }
}

const lawful::verify::ModuleTable table{solver_version_c, verify_program_c, verify_equiv_c, verify_conflicts_c};

}  // namespace

extern "C" const lawful::verify::ModuleTable* lawful_verify_module_v1(const lawful::verify::ModuleAbi* caller,
                                                                      const char** error) {
  static std::string why;
  const lawful::verify::ModuleAbi own = lawful::verify::this_abi(LAWFUL_VERIFY_ABI);
  if (std::string(caller->abi) != own.abi || caller->program_size != own.program_size ||
      caller->options_size != own.options_size || caller->report_size != own.report_size) {
    why = std::string("lawful-verify.so is of another build (its ABI ") + own.abi + ", the caller's " + caller->abi + ")";
    *error = why.c_str();
    return nullptr;
  }
  return &table;
}
