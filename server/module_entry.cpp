// The entry point of lawful-serve.so (server/module.h): server::run behind one C function
// that first compares the caller's build with its own.
#include <exception>
#include <string>

#include "server/module.h"
#include "server/serve_abi.h"

namespace {

int run_c(const lawful::server::Options* options) {
  try {
    return lawful::server::run(*options);
  } catch (const std::exception& e) {
    if (options->say) options->say(std::string("lawful serve: internal error: ") + e.what());
    return lawful::server::kFailed;
  }
}

const lawful::server::ModuleTable table{run_c};

}  // namespace

extern "C" const lawful::server::ModuleTable* lawful_serve_module_v1(const lawful::server::ModuleAbi* caller,
                                                                     const char** error) {
  static std::string why;
  const lawful::server::ModuleAbi own = lawful::server::this_abi(LAWFUL_SERVE_ABI);
  if (std::string(caller->abi) != own.abi || caller->options_size != own.options_size) {
    why =
        std::string("lawful-serve.so is of another build (its ABI ") + own.abi + ", the caller's " + caller->abi + ")";
    *error = why.c_str();
    return nullptr;
  }
  return &table;
}
