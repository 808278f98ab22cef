// server::run for the command: it opens lawful-serve.so (server/module.h) and runs the
// service there, so that only `lawful serve` maps cpp-httplib and OpenSSL.
//
// The module is the file named by the environment variable LAWFUL_SERVE_MODULE when it
// is set, else the one beside the running executable (as lawful-verify.so, verify/loader.cpp).
#include <string>
#include <vector>

#include "runtime/io/module_file.h"
#include "server/module.h"
#include "server/serve_abi.h"

namespace lawful::server {

int run(const Options& options) {
  constexpr const char* kModuleName = "lawful-serve.so";
  std::vector<std::string> candidates;
  if (std::string exe = io::executable_folder(); !exe.empty()) candidates.push_back(exe + "/" + kModuleName);
  const io::LoadedModule<ModuleTable> m =
      io::load_module<ModuleTable>("LAWFUL_SERVE_MODULE", candidates, kModuleName, LAWFUL_SERVE_ENTRY,
                                   "lawful serve's module", this_abi(LAWFUL_SERVE_ABI));
  if (!m.table) {
    if (options.say) options.say("lawful serve: error: " + m.why);
    return kFailed;
  }
  return m.table->run(&options);
}

}  // namespace lawful::server
