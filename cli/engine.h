// --engine vm|jit|auto, shared by the commands that decide (check, test, diff): which
// engine runs the program's functions, and the compiled code when it is the native one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/jit/jit.h"

namespace lawful::cli {

// `auto` picks the native back end for inputs of at least this many bytes (about 2.4
// million contacts of gen-contacts): below it, compiling the policies costs more than it
// saves (docs/performance.md, "The native back end" and "Errors checked where they can
// happen": an estimate from the compile time and the instructions saved per decision).
inline constexpr uint64_t kJitBreakEvenBytes = uint64_t{1} << 30;
// From this many bytes, `auto` picks the native back end when the machine-code cache
// already holds the program's code (runtime/jit/README.md): then start-up costs opening
// LLVM and linking the cached object, not compiling (docs/performance.md, "The native
// back end": twice the break-even with a warm cache). Not cached, the interpreter decides
// and nothing is compiled.
inline constexpr uint64_t kJitCachedBreakEvenBytes = uint64_t{16} << 20;

struct Engine {
  std::unique_ptr<jit::Code> code;  // null: the interpreter
  // For Vm::use_native: null for the interpreter.
  const NativeFn* native() const { return code ? code->functions() : nullptr; }
};

// The engine `name` asks for ("vm", "jit" or "auto"; `input_bytes` is the size of the
// input, or 0 when not known), for the command `command` (in messages). "" or a usage
// error. `--engine jit` where the back end cannot compile the program (a build without
// LLVM, a program past its limits) says so on standard error and runs the interpreter.
// The compiled code goes through the machine-code cache in default_cache_dir() (the
// program cache's folder) unless `no_cache`. With LAWFUL_JIT_STATS set (not "" or "0"),
// one line on standard error says what compiling cost and what the cache did.
std::string choose_engine(const std::string& name, const Program& prog, uint64_t input_bytes, const char* command,
                          Engine& engine, bool no_cache = false);

// The size of a regular file, or 0 (standard input, a pipe, missing).
uint64_t input_size(const std::string& path);

// The option's help text, and its values (checked when the options are parsed).
inline constexpr const char* kEngineHelp =
    "Engine: vm (the interpreter), jit (machine code compiled by LLVM), or auto (the JIT for large inputs, "
    "and for medium ones when its code is cached)";
inline const std::vector<std::string> kEngineNames = {"vm", "jit", "auto"};

}  // namespace lawful::cli
