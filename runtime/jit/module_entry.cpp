// The entry point of the native back end's module (lawful-jit.so; module.h): the only
// symbol it exports (runtime/jit/module.map). Wraps this module's own Code::compile.
#include <cstring>
#include <string>

#include "runtime/jit/jit_abi.h"
#include "runtime/jit/module.h"

namespace lawful::jit {
namespace {

thread_local std::string t_error;

int compile_entry(const Program* prog, const Options* opt, CompiledModule* out, const char** error) {
  try {
    std::unique_ptr<Code> code = Code::compile(*prog, *opt, t_error);
    if (!code) {
      *error = t_error.c_str();
      return 0;
    }
    out->fns = code->functions();
    out->stats = code->stats();
    out->handle = code.release();
    return 1;
  } catch (const std::exception& e) {
    t_error = std::string("the native back end failed: ") + e.what();
  } catch (...) {
    t_error = "the native back end failed";
  }
  *error = t_error.c_str();
  return 0;
}

void free_entry(void* handle) { delete static_cast<Code*>(handle); }

const ModuleTable kTable{compile_entry, free_entry};

}  // namespace
}  // namespace lawful::jit

extern "C" const lawful::jit::ModuleTable* lawful_jit_module_v1(const lawful::jit::ModuleAbi* caller,
                                                                const char** error) {
  using namespace lawful::jit;
  const ModuleAbi mine = this_abi(LAWFUL_JIT_ABI);
  if (std::strcmp(caller->abi, mine.abi) != 0 || caller->program_size != mine.program_size ||
      caller->frame_size != mine.frame_size || caller->stats_size != mine.stats_size ||
      caller->options_size != mine.options_size) {
    t_error = std::string("the module is from another build of lawful (its ABI is ") + mine.abi + ", lawful's is " +
              caller->abi + ")";
    *error = t_error.c_str();
    return nullptr;
  }
  return &kTable;
}
