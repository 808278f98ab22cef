// Code generation: the typed IR of each function to bytecode words, with the stack
// accounting of runtime/bytecode/opcodes.def and a path per load for `missing`.
#pragma once

#include <vector>

#include "compiler/sema/sema.h"
#include "runtime/bytecode/program.h"

namespace lawful::codegen {

// Appends one bytecode function per IR function, in order, to prog.functions and
// prog.code. Function indices in the program's metadata are the IR indices.
void generate(const std::vector<sema::FunctionIr>& functions, Program& prog);

}  // namespace lawful::codegen
