// --engine; see engine.h.
#include "cli/engine.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "compiler/program_cache.h"

namespace lawful::cli {

namespace {

bool stats_wanted() {
  const char* v = std::getenv("LAWFUL_JIT_STATS");
  return v && *v && std::strcmp(v, "0") != 0;
}

}  // namespace

std::string choose_engine(const std::string& name, const Program& prog, uint64_t input_bytes, const char* command,
                          Engine& engine, bool no_cache) {
  engine.code.reset();
  if (name == "vm") return {};
  if (name != "jit" && name != "auto") return fmt::format("--engine must be vm, jit or auto, not '{}'", name);
  std::string why;
  jit::Options options;
  if (!no_cache) options.cache_dir = default_cache_dir();
  if (name == "auto") {
    // The size first: available() loads the back end, and LLVM with it. Below the
    // cold break-even, only code the cache already holds is worth its start-up.
    if (input_bytes < kJitCachedBreakEvenBytes) return {};
    options.cache_only = input_bytes < kJitBreakEvenBytes;
    if ((options.cache_only && options.cache_dir.empty()) || !jit::available()) return {};
  }
  engine.code = jit::Code::compile(prog, options, why);
  if (engine.code && stats_wanted()) {
    const jit::Stats& s = engine.code->stats();
    fmt::print(stderr,
               "lawful {}: native code for {} functions: cache {}{}, LLVM {}, translate {:.1f} ms, optimise {:.1f} ms, "
               "code generation and link {:.1f} ms, cached load {:.1f} ms\n",
               command, s.functions, jit::cache_state_name(s.cache), s.cache_written ? " (written)" : "",
               s.llvm_compiled ? "compiled" : "did not compile", s.translate_ms, s.optimize_ms, s.codegen_ms, s.load_ms);
    std::fflush(stderr);
  }
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
