// The disassembler: a program as text, one instruction a line, with the operand formats
// of opcodes.def, the names behind the indices, and the source of every function.
#pragma once

#include <string>

#include "runtime/bytecode/program.h"

namespace lawful {

std::string disassemble(const Program& prog);

}  // namespace lawful
