// The analyzer's shared state (private to compiler/sema). One Analyzer turns the parsed
// modules into a Program's metadata plus one typed IR function per rule condition,
// guard, obligation and definition; codegen then emits the bytecode. Its work is split
// by concern over analyzer.cpp (modules, scopes, extends, assembly), schema_builder.cpp,
// lower.cpp (names and types), checks.cpp (cycles, conflicts, unused), lint.cpp (the
// checks of `lawful lint`) and tests.cpp.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/sema/ir.h"
#include "compiler/sema/sema.h"
#include "compiler/syntax/ast.h"
#include "compiler/syntax/diagnostics.h"
#include "runtime/bytecode/program.h"

namespace lawful::sema {

struct Scope {
  std::string name;
  const ast::Module* module = nullptr;
  bool is_policy = false;
  std::map<std::string, const ast::LetDecl*> lets;
  std::map<std::string, Scope*> modules;  // by full name and by alias
};

struct MergedRule {
  const ast::RuleDecl* decl = nullptr;
  const ast::Module* origin = nullptr;
};

struct MergedOblige {
  const ast::ObligeDecl* decl = nullptr;
  const ast::Module* origin = nullptr;
};

struct MergedDecision {
  const ast::DecisionDecl* head = nullptr;  // where the decision (and its guard) was declared
  std::vector<MergedRule> rules;
  std::vector<MergedOblige> obliges;
};

struct PolicyUnit {
  const ast::Module* module = nullptr;
  std::unique_ptr<Scope> scope;
  std::vector<MergedDecision> decisions;
  PolicyUnit* parent = nullptr;
  int state = 0;  // 0 new, 1 merging, 2 merged
  uint32_t index = 0;
};

struct LocalVar {
  std::string name;
  uint32_t index = 0;
  TypeId type = types::kError;
  std::string path_name;
};

// Locals of the function being compiled (a rule condition, a definition, ...).
struct FnCtx {
  uint32_t next_local = 0;
  uint32_t max_locals = 0;
  uint32_t alloc(uint32_t n) {
    uint32_t first = next_local;
    next_local += n;
    if (next_local > max_locals) max_locals = next_local;
    return first;
  }
};

struct Env {
  Scope* scope = nullptr;
  FnCtx* fn = nullptr;
  std::vector<LocalVar> locals;
  bool in_oblige = false;
};

struct LetInst {
  Scope* scope = nullptr;
  const ast::LetDecl* decl = nullptr;
  int state = 0;  // 0 new, 1 in progress, 2 done
  TypeId type = types::kError;
  int32_t program_let = -1;  // -1 when folded to a constant
  IrPtr constant;            // the folded value
  std::string path_name;
};

// Where rule `a` says it overrides `b` (the name, else `every <verdict>`), and that
// in words for a note: "'a' overrides 'b'<tail>", naming an `every` clause. checks.cpp.
Span override_span(const ast::RuleDecl& a, const ast::RuleDecl& b);
std::string override_note(const ast::RuleDecl& a, const ast::RuleDecl& b, const char* tail);

class Analyzer {
 public:
  Analyzer(const SourceManager& sm, Diagnostics& diags, Program& prog);

  void run(const std::vector<const ast::Module*>& modules);

  std::vector<FunctionIr> functions;
  std::vector<CompiledTest> tests;
  std::vector<CompiledProperty> properties;
  std::vector<ConflictPair> conflicts;  // W100's pairs (sema.h)
  std::map<uint32_t, const ast::Module*> policy_modules;  // program policy index → module
  bool lint = false;  // also the checks only `lawful lint` runs (lint.cpp)

 private:
  // analyzer.cpp
  void collect(const std::vector<const ast::Module*>& modules);
  Scope* library_scope(const std::string& name);
  void bind_uses(Scope& scope, const ast::Module& m);
  void merge_policy(PolicyUnit& unit);
  void assemble_policy(PolicyUnit& unit);
  void assemble_decision(PolicyUnit& unit, const MergedDecision& md, uint32_t decision_index);
  void assemble_routes();
  // A policy's own obligations (`obligation NAME`) join the Obligation enumeration after
  // the standard library's; each policy sees its own and those of the policies it extends.
  void declare_obligations();
  uint32_t obligation_member(const PolicyUnit& unit, const ast::Name& n);
  static constexpr size_t kMaxObligations = 62;  // an enumeration's limit (verifier)
  size_t std_obligations_ = 0;
  std::map<const ast::Module*, std::set<std::string>> declared_obligations_;
  int32_t add_function(IrPtr body, const FnCtx& fn, std::string label);
  uint32_t intern(const std::string& s);
  SourcePos pos(Span s) const;
  Window window(const ast::Effective& e);

  // schema_builder.cpp
  void build_schema();
  TypeId resolve_type(const ast::TypeRef& t, bool* optional);
  std::optional<int64_t> default_value(const ast::FactValue& v, TypeId type);

  // lower.cpp
 public:
  // Lowers one expression, within the limits on depth and size (SemaLimits).
  IrPtr lower(const ast::Expr& e, Env& env, TypeId expected = types::kError);
  IrPtr lower_condition(const ast::Expr& e, Env& env, const char* what);

 private:
  IrPtr lower_node(const ast::Expr& e, Env& env, TypeId expected);
  bool call_too_deep(const ast::LetDecl* decl, Span span);
  IrPtr lower_chain(const ast::Expr& e, Env& env, TypeId expected);
  IrPtr lower_call(const ast::Expr& e, Env& env);
  IrPtr lower_binary(const ast::Expr& e, Env& env);
  IrPtr lower_compare(const ast::Expr& e, Env& env);
  IrPtr lower_in(const ast::Expr& e, Env& env);
  IrPtr lower_quant(const ast::Expr& e, Env& env);
  IrPtr lower_if(const ast::Expr& e, Env& env, TypeId expected);
  IrPtr lower_set_literal(const ast::Expr& e, Env& env, TypeId elem);
  IrPtr lower_word(const std::string& word, Span span, TypeId expected);
  IrPtr let_ref(Scope* scope, const ast::LetDecl* decl, Span span);
  IrPtr instantiate(Scope* home, const ast::LetDecl* decl, std::vector<IrPtr> args, Env& env, Span span);
  IrPtr field_access(IrPtr base, const std::vector<ast::Name>& fields, size_t from, Span whole);
  IrPtr error_ir(Span s) { return make_ir(IrOp::Unknown, types::kError, s); }
  bool is_bare_word(const ast::Expr& e, const Env& env) const;
  std::vector<std::string> visible_names(const Env& env) const;
  int32_t path_id(const std::string& name) const;

  // checks.cpp
  void check_cycles(const MergedDecision& md, const std::vector<std::vector<uint32_t>>& overrides);
  void check_conflicts(const std::string& policy, const MergedDecision& md, const DecisionInfo& info, const std::vector<const Ir*>& conds);
  void check_unused();

  // lint.cpp: W103 no citation, W104 no default rule, W105 never decides, W106 windows,
  // W107 known() of a defaulted fact
  void lint_decision(const PolicyUnit& unit, const MergedDecision& md, const DecisionInfo& info,
                     const std::vector<const Ir*>& conds);
  bool implied(const std::vector<const Ir*>& facts, const std::map<int64_t, uint64_t>& atoms, const Ir* s, int depth);
  void conjuncts(const Ir* ir, std::vector<const Ir*>& out, int depth);
  bool covers_an_enumeration(const DecisionInfo& info, const std::vector<const Ir*>& conds) const;
  // W107: known(x) of a field with a schema default, once per place (a definition with
  // parameters is lowered at each use).
  void lint_known(const Ir& x, Span span);
  std::set<std::pair<FileId, uint32_t>> known_warned_;

  // tests.cpp
  void compile_tests(PolicyUnit& unit);
  void compile_properties(PolicyUnit& unit);
  bool compile_expect(const PolicyUnit& unit, const ast::Expectation& e, CompiledExpect& ce);
  void check_as_of(const ast::TestDecl& t);
  bool fact_json(const ast::FactValue& v, TypeId type, const std::string& path, std::string& out);

 public:
  const SourceManager& sm_;
  Diagnostics& diags_;
  Program& prog_;
  Schema& schema_;

 private:
  std::vector<const ast::Module*> libraries_;
  std::vector<const ast::Module*> routers_;
  std::map<std::string, std::unique_ptr<Scope>> library_scopes_;
  std::map<std::string, std::unique_ptr<PolicyUnit>> policies_;
  std::map<std::pair<Scope*, const ast::LetDecl*>, std::unique_ptr<LetInst>> lets_;
  std::vector<std::pair<Scope*, const ast::LetDecl*>> call_stack_;
  std::map<const ast::Module*, uint32_t> policy_of_module_;  // each policy module's index
  SemaLimits limits_;
  uint32_t lower_depth_ = 0;
  uint64_t lowered_ = 0;
  bool limit_hit_ = false;            // a size or depth limit was reported: lowering stops
  std::vector<uint32_t> let_depth_;   // per program let: its function and the lets below it
  std::set<const ast::LetDecl*> used_lets_;
  std::map<std::string, uint32_t> string_ids_;
};

}  // namespace lawful::sema
