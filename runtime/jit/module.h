// The native back end as a module loaded on first use (lawful-jit.so; runtime/jit/README.md):
// the one entry point the module exports, and the table of functions it returns.
// The command and the library (loader.cpp) never link LLVM; the module does, and has its
// own copy of the runtime code it calls. What crosses the boundary (Program, NativeFn and
// its NativeFrame, Stats, Options) is C++ of the same build: the entry refuses a caller
// whose LAWFUL_JIT_ABI (the version and a hash of those headers, jit_abi.h made by
// cmake/jit_abi.cmake) or sizes differ.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/jit/jit.h"

namespace lawful::jit {

struct ModuleAbi {
  const char* abi;  // LAWFUL_JIT_ABI
  size_t program_size, frame_size, stats_size, options_size;
};

struct CompiledModule {
  void* handle;           // for free_code
  const NativeFn* fns;    // one per function of the program
  Stats stats;
};

struct ModuleTable {
  // Null and `error` (text owned by the module until the next call on this thread).
  int (*compile)(const Program* prog, const Options* opt, CompiledModule* out, const char** error);
  void (*free_code)(void* handle);
};

inline ModuleAbi this_abi(const char* abi) {
  return ModuleAbi{abi, sizeof(Program), sizeof(NativeFrame), sizeof(Stats), sizeof(Options)};
}

}  // namespace lawful::jit

// Returns the table when `caller` is the module's own ABI, else null and `error` says why.
#define LAWFUL_JIT_ENTRY "lawful_jit_module_v1"
extern "C" const lawful::jit::ModuleTable* lawful_jit_module_v1(const lawful::jit::ModuleAbi* caller,
                                                                const char** error);
