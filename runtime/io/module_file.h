// Modules lawful opens on first use (dlopen): the native back end's lawful-jit.so
// (runtime/jit/loader.cpp) and lawful verify's lawful-verify.so (verify/loader.cpp). How
// one is found and opened is here once; what each entry point returns, and the check that
// the module is of the caller's build, stay with its loader.
#pragma once

#include <string>
#include <vector>

namespace lawful::io {

// The folder of the running executable (/proc/self/exe), or "".
std::string executable_folder();

// The file the environment variable `env_var` names when it is set, else the first of
// `candidates` that exists; "" when none does, with `looked` listing them.
std::string find_module(const char* env_var, const std::vector<std::string>& candidates, std::string& looked);

struct OpenedModule {
  void* handle = nullptr;  // dlopen's, or null
  void* entry = nullptr;   // the entry point, or null (then handle is null too and `why` says why)
  std::string why;
};

// Opens `path` (RTLD_NOW | RTLD_LOCAL) and finds the symbol `entry`. `what` names the
// module in messages ("the native back end's module"). A file that is not such a module is
// closed again.
OpenedModule open_module(const std::string& path, const char* entry, const std::string& what);

}  // namespace lawful::io
