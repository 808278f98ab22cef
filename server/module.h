// `lawful serve` as a module opened on first use (lawful-serve.so), as lawful verify's is
// (verify/module.h): the command does not link cpp-httplib and OpenSSL, whose libraries
// (about 5 MB, 4,000 relocations) and OpenSSL's initialisation (about 2.5 M instructions,
// reading openssl.cnf) every start of `lawful check` paid before (docs/performance.md,
// issue 14). What crosses the boundary (Options) is C++ of the same build: the entry
// refuses a caller whose LAWFUL_SERVE_ABI (the version and a hash of server.h, made by
// cmake/jit_abi.cmake) or sizes differ.
#pragma once

#include <cstddef>

#include "server/server.h"

namespace lawful::server {

struct ModuleAbi {
  const char* abi;  // LAWFUL_SERVE_ABI
  size_t options_size;
};

struct ModuleTable {
  // server::run; never throws (an exception is said through options->say, and kFailed).
  int (*run)(const Options* options);
};

inline ModuleAbi this_abi(const char* abi) { return ModuleAbi{abi, sizeof(Options)}; }

}  // namespace lawful::server

#define LAWFUL_SERVE_ENTRY "lawful_serve_module_v1"
extern "C" const lawful::server::ModuleTable* lawful_serve_module_v1(const lawful::server::ModuleAbi* caller,
                                                                     const char** error);
