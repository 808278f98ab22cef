// Finding and opening lawful's modules; see module_file.h.
#include "runtime/io/module_file.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace lawful::io {

std::string executable_folder() {
  std::string exe(4096, '\0');
  ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return {};
  exe.resize(static_cast<size_t>(n));
  size_t slash = exe.rfind('/');
  return slash == std::string::npos ? std::string(".") : exe.substr(0, slash);
}

std::string find_module(const char* env_var, const std::vector<std::string>& candidates, std::string& looked) {
  const char* env = std::getenv(env_var);
  if (env && *env) return env;
  looked.clear();
  for (const std::string& path : candidates) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) return path;
    looked += (looked.empty() ? "" : ", ") + path;
  }
  return {};
}

void close_module(void* handle) {
  if (handle) dlclose(handle);
}

OpenedModule open_module(const std::string& path, const char* entry, const std::string& what) {
  OpenedModule r;
  void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    const char* e = dlerror();
    r.why = what + " cannot be loaded: " + std::string(e ? e : path);
    return r;
  }
  void* sym = dlsym(dl, entry);
  if (!sym) {
    r.why = path + " is not " + what + " (it has no " + entry + ")";
    dlclose(dl);
    return r;
  }
  r.handle = dl;
  r.entry = sym;
  return r;
}

}  // namespace lawful::io
