// The native back end: a verified Program's functions, and each of its decisions whole
// (rule states, overrides, conflicts, the verdict and reason, obligations), compiled to
// machine code by LLVM (ORC LLJIT, in process), for a Vm to run instead of interpreting
// them (Vm::use_native, runtime/vm/native.h). The traced path that names missing facts,
// and a run-time error's place, stay the Vm's own code: a compiled decision hands those
// decisions back to it. tests/jit compare the two engines outcome by outcome.
//
// Built only with LLVM (CMake option LAWFUL_JIT); without it, compile() says why not.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/vm/native.h"

namespace lawful::jit {

// Whether this build has the native back end.
bool available();
// Why not, when it has not.
const char* unavailable_reason();

struct Options {
  // 0: no IR passes, LLVM's fastest code generation; 1: the passes that matter here
  // (SROA, EarlyCSE, InstCombine, SimplifyCFG, function by function) and its code
  // generation at -O1; 2 and 3: LLVM's -O2 and -O3 pipelines (inlining included).
  int opt_level = 1;  // the fewest instructions per decision for its compile time (docs/performance.md)
  // The folder of the machine-code cache ("" for none): the compiled object of a program
  // is kept there and loaded instead of compiled when the same program is asked for again
  // by the same build on the same CPU at the same level (runtime/jit/README.md, "The
  // machine-code cache").
  std::string cache_dir;
  // Only load from the cache: when the program's code is not there, compile nothing and
  // return null with the error "not in the cache" (`--engine auto` on a medium input).
  bool cache_only = false;
  // For the differential tests (tests/jit): kProbeCount counters of the ways the code
  // takes inside the comparisons it compiles inline (Probe), which it increments; null
  // for none. Code made with probes is not cached.
  uint64_t* probes = nullptr;
};

// The ways counted by Options::probes.
enum Probe : uint32_t {
  kProbeTextConstant,  // a text of a constant's length compared with the constant
  kProbeTextWords,     // two texts of one length, 8 bytes or more, compared
  kProbeTextShort,     // two texts of one length, 1 to 7 bytes, compared
  kProbeTextEmpty,     // two empty texts
  kProbeListElement,   // an element of a list of values compared (x in list)
  kProbeListText,      // an element of a list of texts compared (x in list)
  kProbeSetText,       // a text compared with a set's texts of its length (x in SET)
  kProbeAtWords,       // the last '@' of a text of 8 bytes or more sought (domain(x) in SET)
  kProbeAtShort,       // the last '@' of a text of 1 to 7 bytes sought
  kProbeAtNone,        // a text without '@': domain(x) in SET unknown
  kProbeTraced,        // a review's missing facts named by compiled code (kNativeStatesTraced)
  kProbeTracedError,   // a run-time error there: the Vm names them
  kProbeCount
};
inline constexpr const char* kProbeNames[kProbeCount] = {"text-constant", "text-words", "text-short", "text-empty",
                                                          "list-element", "list-text", "set-text", "at-words",
                                                          "at-short", "at-none", "traced", "traced-error"};

inline constexpr const char* kNotCached = "not in the cache";

// What the machine-code cache did for one compile().
enum class CacheState : uint8_t {
  Off,          // no cache folder, or one that cannot be used (not the user's own, ...)
  Hit,          // the code was loaded from the cache: LLVM compiled nothing
  Miss,         // no entry: compiled, and the entry written (unless that failed)
  Refused,      // an entry was there but damaged, truncated or another program's: compiled, replaced
  Uncacheable,  // the code holds an address of this process only: compiled, not kept
};

inline const char* cache_state_name(CacheState s) {
  switch (s) {
    case CacheState::Off: return "off";
    case CacheState::Hit: return "hit";
    case CacheState::Miss: return "miss";
    case CacheState::Refused: return "refused";
    case CacheState::Uncacheable: return "uncacheable";
  }
  return "?";
}

// Limits on what is compiled, so that a forged program cannot make LLVM run for
// minutes: larger programs are refused with a message (the interpreter still runs them).
inline constexpr uint32_t kMaxCodeWords = 1u << 18;
inline constexpr uint32_t kMaxLocals = 4096;

struct Stats {
  uint32_t functions = 0;
  uint32_t code_words = 0;
  double translate_ms = 0;  // bytecode to IR
  double optimize_ms = 0;   // LLVM's IR passes
  double codegen_ms = 0;    // machine code, linked in memory
  double load_ms = 0;       // a cached object read, checked and linked in memory (a hit)
  bool llvm_compiled = false;  // LLVM made machine code in this call (false on a hit)
  bool cache_written = false;  // the entry was written
  CacheState cache = CacheState::Off;
};

class Code {
 public:
  // Compiles a program that has passed the verifier; null and `error` when it cannot.
  static std::unique_ptr<Code> compile(const Program& prog, const Options& opt, std::string& error);
  ~Code();
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;

  // One per function of the program, then one per decision (native.h), for
  // Vm::use_native.
  const NativeFn* functions() const { return fns_.data(); }
  const Stats& stats() const { return stats_; }

  struct Impl;

 private:
  Code() = default;
  std::unique_ptr<Impl> impl_;
  std::vector<NativeFn> fns_;
  Stats stats_;
};

}  // namespace lawful::jit
