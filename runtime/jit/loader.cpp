// The native back end for the command and the library: jit.h's interface over the module
// lawful-jit.so (module.h), opened on first use, so that nothing that does not ask for
// machine code maps LLVM (runtime/jit/README.md). No LLVM here.
//
// The module is the file named by the environment variable LAWFUL_JIT_MODULE when it is
// set; else the first that exists of: beside the running executable, beside the shared
// library holding this code and in its lawful/ folder, and where `cmake --install` puts
// it (LAWFUL_JIT_INSTALLED).
#include <dlfcn.h>

#include <mutex>
#include <string>
#include <vector>

#include "runtime/io/module_file.h"
#include "runtime/jit/jit_abi.h"
#include "runtime/jit/module.h"

namespace lawful::jit {

struct Code::Impl {
  const ModuleTable* table = nullptr;
  void* handle = nullptr;
  ~Impl() {
    if (handle) table->free_code(handle);
  }
};

namespace {

constexpr const char* kModuleName = "lawful-jit.so";

using Loaded = io::LoadedModule<ModuleTable>;

std::string folder_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (std::string exe = io::executable_folder(); !exe.empty()) out.push_back(exe + "/" + kModuleName);
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&candidates), &info) && info.dli_fname && info.dli_fname[0] == '/') {
    std::string lib = folder_of(info.dli_fname);
    out.push_back(lib + "/" + kModuleName);
    out.push_back(lib + "/lawful/" + kModuleName);
  }
#ifdef LAWFUL_JIT_INSTALLED
  out.push_back(LAWFUL_JIT_INSTALLED);
#endif
  return out;
}

Loaded load() {
  // Loaded once and kept: compiled code lives in it.
  return io::load_module<ModuleTable>("LAWFUL_JIT_MODULE", candidates(), kModuleName, LAWFUL_JIT_ENTRY,
                                      "the native back end's module", this_abi(LAWFUL_JIT_ABI));
}

const Loaded& loaded() {
  static std::once_flag once;
  static Loaded l;
  std::call_once(once, [] { l = load(); });
  return l;
}

}  // namespace

bool available() { return loaded().table != nullptr; }

const char* unavailable_reason() { return loaded().why.c_str(); }

Code::~Code() = default;

std::unique_ptr<Code> Code::compile(const Program& prog, const Options& opt, std::string& error) {
  const Loaded& l = loaded();
  if (!l.table) {
    error = l.why;
    return nullptr;
  }
  CompiledModule out{};
  const char* why = nullptr;
  if (!l.table->compile(&prog, &opt, &out, &why)) {
    error = why ? why : "the native back end failed";
    return nullptr;
  }
  std::unique_ptr<Code> code(new Code);
  code->impl_ = std::make_unique<Impl>();
  code->impl_->table = l.table;
  code->impl_->handle = out.handle;
  code->fns_.assign(out.fns, out.fns + native_table_size(prog));  // native.h
  code->stats_ = out.stats;
  return code;
}

}  // namespace lawful::jit
