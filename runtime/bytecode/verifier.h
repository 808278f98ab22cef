// The verifier: before a program runs, every index is checked against what it indexes,
// every instruction's operands against its format, every jump against the function's
// bounds and instruction boundaries, the stack height along every path (no underflow, the
// same height where paths join, within the declared maximum, exactly one value at Ret),
// and termination: the only backward jump is a quantifier loop that advances its index
// and leaves for good when the list is done, and definitions do not call each other in
// a circle (nor more than max_let_depth deep). A program from an untrusted `.lawc` file
// is run only after this passes.
//
// What it cannot see: values carry no type at run time, so a forged program can treat an
// integer as a list or a record. The VM bounds-checks every such use against the facts
// and stops the decision with an error (vm.cpp); docs/security.md says more.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/program.h"

namespace lawful {

// What a program may ask of the VM. The compiler checks the same limits (codegen.cpp,
// sema) so that what it makes always verifies; docs/security.md lists them all.
struct VerifyLimits {
  uint32_t max_stack = 4096;       // values on one function's stack
  uint32_t max_locals = 65536;     // locals of one function
  uint32_t max_rules = 1024;       // per decision
  uint32_t max_let_depth = 64;     // definitions calling definitions, one inside another
  uint32_t max_frame = 1u << 20;   // values of the VM's stack for the deepest chain of calls
  uint32_t max_code = 1u << 22;    // code words in the program
  uint32_t max_records = 1024;     // records, enumerations and fields per record in the schema
};

// Returns "" when the program is sound, else the first problem, naming the function
// and the instruction. With `heights`, a sound program's stack height before each of its
// instructions, by code word (-1 where no path goes, and on an instruction's operand
// words): what the native back end translates the operand stack by (runtime/jit/).
std::string verify_program(const Program& prog, const VerifyLimits& limits = {}, std::vector<int32_t>* heights = nullptr);

// Reads a .lawc file's bytes (header, checksum, contents) and verifies the program: ""
// when it may run, else why it is refused.
std::string load_verified_program(std::string_view bytes, Program& prog);

}  // namespace lawful
