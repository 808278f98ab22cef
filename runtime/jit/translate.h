// Bytecode to LLVM IR: one LLVM function per function of the program, computing what
// the interpreter's fast path computes (runtime/vm/vm.cpp), and a table of them. See
// translate.cpp.
#pragma once

#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/jit/helpers.h"

namespace llvm {
class Module;
}

namespace lawful::jit {

// The name of the table of functions the module exports: [n x i8*].
inline constexpr const char* kTableName = "lawful_functions";

// Fills `module` with the program's functions. `sets` are the program's string sets,
// sorted, which the code reads in place (so they must outlive it); `heights` the stack
// heights verify_program found; `probes` Options::probes. "" or why not.
std::string translate(const Program& prog, const std::vector<SortedSet>& sets, const std::vector<int32_t>& heights,
                      uint64_t* probes, llvm::Module& module);

}  // namespace lawful::jit
