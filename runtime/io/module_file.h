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

// Closes a module open_module opened.
void close_module(void* handle);

// Opens `path` (RTLD_NOW | RTLD_LOCAL) and finds the symbol `entry`. `what` names the
// module in messages ("the native back end's module"). A file that is not such a module is
// closed again.
OpenedModule open_module(const std::string& path, const char* entry, const std::string& what);

// A module's table, or why there is none.
template <class Table>
struct LoadedModule {
  const Table* table = nullptr;
  std::string why;  // when table is null
};

// The whole of a loader's first use: finds the module (`env_var`, else `candidates`, the
// file being `file_name`), opens it, and calls its entry point
// `const Table* ENTRY(const Abi* caller, const char** error)` with the caller's `abi`.
// A module that refuses the caller is closed again; one that accepts stays loaded for the
// life of the process. `what` names it in messages ("the native back end's module").
template <class Table, class Abi>
LoadedModule<Table> load_module(const char* env_var, const std::vector<std::string>& candidates, const char* file_name,
                                const char* entry, const std::string& what, const Abi& abi) {
  LoadedModule<Table> r;
  std::string looked;
  const std::string path = find_module(env_var, candidates, looked);
  if (path.empty()) {
    r.why = what + " " + file_name + " is not installed (looked for " + looked + "; " + env_var + " names it)";
    return r;
  }
  OpenedModule m = open_module(path, entry, what);
  if (!m.entry) {
    r.why = m.why;
    return r;
  }
  using Entry = const Table* (*)(const Abi*, const char**);
  const char* error = nullptr;
  r.table = reinterpret_cast<Entry>(m.entry)(&abi, &error);
  if (!r.table) {
    r.why = path + ": " + (error ? error : "refused");
    close_module(m.handle);
  }
  return r;
}

}  // namespace lawful::io
