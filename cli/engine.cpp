// --engine; see engine.h.
#include "cli/engine.h"

#include <sys/stat.h>

#include <cstdio>

#include <fmt/format.h>

namespace lawful::cli {

std::string choose_engine(const std::string& name, const Program& prog, uint64_t input_bytes, const char* command,
                          Engine& engine) {
  engine.code.reset();
  if (name == "vm") return {};
  if (name != "jit" && name != "auto") return fmt::format("--engine must be vm, jit or auto, not '{}'", name);
  // (The size first: available() loads the back end, and LLVM with it.)
  if (name == "auto" && (input_bytes < kJitBreakEvenBytes || !jit::available())) return {};
  std::string why;
  engine.code = jit::Code::compile(prog, jit::Options{}, why);
  if (!engine.code && name == "jit") {
    fmt::print(stderr, "lawful {}: the native back end cannot run this program, so the interpreter decides: {}\n",
               command, why);
    std::fflush(stderr);
  }
  return {};
}

uint64_t input_size(const std::string& path) {
  struct stat st;
  if (path.empty() || path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace lawful::cli
