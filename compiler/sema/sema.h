// Semantic analysis: parsed modules in; a Program's metadata (schema, policies,
// decisions, rules, routes), the typed IR of every function, and the compiled tests out.
// Names are resolved and types checked here; so are override cycles, conflicts the
// compiler can see, and unused definitions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/ir.h"
#include "compiler/syntax/ast.h"
#include "compiler/syntax/diagnostics.h"
#include "runtime/bytecode/program.h"

namespace lawful::sema {

struct FunctionIr {
  IrPtr body;
  uint32_t n_locals = 0;
  std::string label;  // "uk.pecr email consented", for the disassembler
};

struct CompiledExpect {
  ast::Expectation::Kind kind = ast::Expectation::Verdict;
  int32_t decision = -1;  // program decision index
  uint8_t verdict = 0;
  int32_t basis = -1;
  bool has_basis = false;
  std::string text;
  std::vector<uint32_t> ids;  // Missing: paths; Obliges: obligation members; Rules: rule indices
  bool negated = false;       // Verdict: `is not`
  int8_t for_every = -1;      // Obliges in a property: only when the verdict is this one
  Span span;
};

struct CompiledTest {
  std::string title;
  Span span;
  uint32_t policy = 0;
  std::optional<int32_t> as_of;
  std::string contact_json = "{}";
  std::string campaign_json = "{}";
  std::vector<CompiledExpect> expects;
};

// A `property` block (docs/reference.md, "Properties"): what `lawful verify` proves.
struct CompiledProperty {
  std::string title;
  Span span;
  uint32_t policy = 0;
  std::optional<int32_t> as_of;
  std::vector<int32_t> conds;  // functions: the `when` conditions, all true
  std::vector<CompiledExpect> expects;
};

// Limits of analysis (docs/security.md). Each one exceeded is a diagnostic at the place
// that exceeds it, never a crash, a stack overflow or a run without end; the ones the
// bytecode also has agree with VerifyLimits, so that what compiles also verifies.
struct SemaLimits {
  uint32_t max_rules = 1024;       // rules in one decision (E004)
  uint32_t max_decisions = 1024;   // decisions in one policy (E004)
  uint32_t max_lets = 4096;        // definitions in one module (E004)
  uint32_t max_call_depth = 64;    // definitions used inside definitions, while expanding (E106)
  uint32_t max_let_depth = 64;     // definitions computed inside definitions, at run time (E106)
  uint32_t max_expr_depth = 4096;  // expression nesting once calls are expanded (E106)
  uint64_t max_nodes = 1000000;    // expression nodes once calls are expanded (E004)
  uint32_t max_strings = 65536;    // distinct strings in one program: names, citations, literals (E004)
};

// A pair of rules the conflict check reports (W100): an allow and a deny rule of a decision
// that it cannot show exclude each other. `lawful lint` asks the solver about each, when
// there is one (verify/lint_conflicts.h). One per policy that decides the pair: the
// diagnostic (its place and words) is kept once, though an inherited pair is checked in
// every policy that inherits it.
struct ConflictPair {
  Span span;
  std::string message;
  std::string policy, decision, allow_rule, deny_rule;
};

struct SemaResult {
  std::vector<FunctionIr> functions;
  std::vector<CompiledTest> tests;
  std::vector<CompiledProperty> properties;
  std::vector<ConflictPair> conflicts;  // the W100 pairs shown (not those only counted)
};

struct SemaOptions {
  // Also the checks that only `lawful lint` runs: rules without a citation (W103),
  // decisions without a default rule (W104), rules that never decide (W105), effective
  // windows that nearly meet (W106), known() of a fact with a schema default (W107).
  bool lint = false;
};

// Fills `prog` (all but its code) and returns what codegen needs. Errors go to `diags`;
// the result is only meaningful when there are none.
SemaResult analyze(const std::vector<const ast::Module*>& modules, const SourceManager& sm, Diagnostics& diags,
                   Program& prog, const SemaOptions& options = {});

}  // namespace lawful::sema
