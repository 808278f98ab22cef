// Code generation: the typed IR of each function to bytecode words, with the stack
// accounting of runtime/bytecode/opcodes.def and a path per load for `missing`.
#pragma once

#include <vector>

#include "compiler/sema/sema.h"
#include "compiler/syntax/source.h"
#include "runtime/bytecode/program.h"

namespace lawful::codegen {

// Appends one bytecode function per IR function, in order, to prog.functions and
// prog.code, and where each instruction comes from to prog.code_spans (positions from
// `sources`). Function indices in the program's metadata are the IR indices.
void generate(const std::vector<sema::FunctionIr>& functions, const SourceManager& sources, Program& prog);

}  // namespace lawful::codegen
