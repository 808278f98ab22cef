// A compiled program: everything the VM needs to decide, and nothing it would have to
// look up by name while deciding. Produced by compiler/codegen, written to and read from
// `.lawc` files by serialize.cpp, checked by verifier.cpp before it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/core/schema.h"

namespace lawful {

// A source position kept in the program so that decisions and traces point at the text.
struct SourcePos {
  uint32_t file = 0;  // index into Program::files
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t begin = 0;  // byte offsets
  uint32_t end = 0;
};

struct Function {
  uint32_t begin = 0;  // first code word
  uint32_t end = 0;    // one past the last
  uint32_t max_stack = 0;
  uint32_t n_locals = 0;

  // Values of the VM's stack one call of this function takes: its locals, its operand
  // stack and one more.
  uint64_t frame_size() const { return uint64_t{n_locals} + max_stack + 1; }
};

// Where code comes from (as Lua's line info): the instructions from `pc` up to the next
// entry's were compiled from the expression at `pos`, so that a run-time error points at
// the expression that failed, not only at its rule.
struct CodeSpan {
  uint32_t pc = 0;
  SourcePos pos;  // file kNoSourceFile: code of no known expression
};
inline constexpr uint32_t kNoSourceFile = 0xffffffffu;

inline constexpr int32_t kNoFunction = -1;
inline constexpr int32_t kAlwaysFrom = INT32_MIN;  // effective window bounds when absent
inline constexpr int32_t kAlwaysUntil = INT32_MAX;

struct Window {
  int32_t from = kAlwaysFrom;
  int32_t until = kAlwaysUntil;  // excluded
  bool always() const { return from == kAlwaysFrom && until == kAlwaysUntil; }
};

struct RuleInfo {
  uint32_t name = 0;           // string
  uint8_t verdict = 1;         // VerdictCode
  int32_t basis = -1;          // member of the Basis enumeration, or -1
  int32_t cond = kNoFunction;  // kNoFunction: the rule always applies
  Window window;
  std::vector<uint32_t> overrides;  // rule indices in the same decision
  std::vector<uint32_t> cites;      // strings
  std::vector<uint32_t> needs;      // paths a `review` rule asks for
  SourcePos pos;
  uint32_t origin = 0;  // policy whose text declared the rule (differs under `extends`)
};

struct ObligeInfo {
  uint32_t name = 0;  // member of the Obligation enumeration
  int32_t cond = kNoFunction;
  // `oblige NAME for R, ...`: only when one of these rules (indices in the decision)
  // decided: certainly applied, among the rules the outcome lists, of its verdict.
  // Empty: whatever rules decided. Read by Vm::obligations, shared by both engines.
  std::vector<uint32_t> rules;
  std::vector<uint32_t> cites;
  SourcePos pos;
};

struct DecisionInfo {
  uint32_t name = 0;  // string
  uint32_t policy = 0;
  int32_t guard = kNoFunction;
  std::vector<RuleInfo> rules;
  std::vector<ObligeInfo> obliges;
  SourcePos pos;
};

struct PolicyInfo {
  uint32_t name = 0;   // string: "uk.pecr"
  uint32_t title = 0;  // string
  std::vector<uint32_t> jurisdictions;  // strings
  std::vector<uint32_t> decisions;      // indices into Program::decisions
  Window window;
  SourcePos pos;
};

struct LetInfo {
  uint32_t name = 0;  // string: "uk.pecr.soft_opt_in"
  uint32_t fn = 0;
  // Its type, for explain to show its value; not kept in a .lawc file (read: kError).
  TypeId type = types::kError;
};

struct Route {
  uint32_t country = 0;  // string, e.g. "GB"
  int32_t policy = -1;   // -1: review
};

struct Program {
  // The `.lawc` format written: 2 added the code spans, 3 the rules of obligations
  // (ObligeInfo::rules). Versions 1 and 2 are read too.
  static constexpr uint32_t kFormatVersion = 3;
  static constexpr uint32_t kOldestFormatVersion = 1;

  uint64_t source_hash = 0;
  Schema schema;
  std::vector<std::string> files;    // source paths, for SourcePos
  std::vector<std::string> strings;  // the constant pool's strings
  std::vector<int64_t> consts;       // numeric constants
  std::vector<std::vector<uint32_t>> string_sets;  // constant sets of strings (string ids)
  std::vector<uint32_t> code;
  std::vector<int16_t> code_paths;   // per code word: the path a load reads, or -1
  std::vector<CodeSpan> code_spans;  // by ascending pc; empty in a version 1 file
  std::vector<Function> functions;
  std::vector<LetInfo> lets;
  std::vector<DecisionInfo> decisions;
  std::vector<PolicyInfo> policies;
  std::vector<Route> routes;
  bool has_router = false;
  int32_t route_path = -1;  // the fact the router reads (contact.country)
  int32_t entry_policy = -1;  // the policy of a single compiled file, when there is no router
  int32_t basis_enum = -1;
  int32_t obligation_enum = -1;

  int find_policy(const std::string& name) const;
  // A decision of a policy by name, or -1.
  int find_decision(uint32_t policy, const std::string& name) const;
  const std::string& str(uint32_t id) const { return strings[id]; }
  std::string basis_name(int32_t b) const;
  std::string obligation_name(uint32_t o) const;
  // The source of the instruction at pc, or null when the program does not say.
  const SourcePos* span_at(uint32_t pc) const;
};

// Values of the VM's stack each function needs, with those of the definitions it calls
// (the deepest chain of them). For a program whose definitions do not call each other in
// a circle: the compiler's, or one the verifier accepted.
std::vector<uint64_t> frame_needs(const Program& prog);

}  // namespace lawful
