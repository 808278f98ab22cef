// The verifier: before a program runs, every index is checked against what it indexes,
// every instruction's operands against its format, every jump against the function's
// bounds and instruction boundaries, the stack height along every path (no underflow, the
// same height where paths join, within the declared maximum, exactly one value at Ret),
// and termination: the only backward jump is a quantifier loop that advances its index,
// and definitions do not call each other in a circle. A program from an untrusted
// `.lawc` file is run only after this passes.
#pragma once

#include <string>

#include "runtime/bytecode/program.h"

namespace lawful {

struct VerifyLimits {
  uint32_t max_stack = 4096;
  uint32_t max_locals = 65536;
  uint32_t max_rules = 1024;  // per decision
};

// Returns "" when the program is sound, else the first problem, naming the function
// and the instruction.
std::string verify_program(const Program& prog, const VerifyLimits& limits = {});

}  // namespace lawful
