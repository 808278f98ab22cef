// What the editor asks about a compilation: every named thing its modules declare (a
// symbol) and every place a name in the text refers to one (an occurrence), resolved from
// the compiler's ASTs the way sema resolves them (scopes of `use` and `extends`, fact
// paths through the schema's records, bare words by the enumeration the context expects).
// Built from the ASTs alone, so it works on a file whose analysis failed, and on the part
// of a half-typed file the parser could read.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/compiler.h"

namespace lawful::lsp {

enum class SymKind : uint8_t {
  Module,      // a policy or library module (by its dotted name)
  Let,         // a definition
  Local,       // a definition's parameter or a quantifier's variable
  Decision,
  Rule,
  Obligation,  // a policy's own `obligation NAME "..."`
  Enum,
  Member,      // an enumeration's member
  Record,
  Field,       // a record's field
  Root,        // a root of the facts: contact, campaign
  Test,
};

struct Symbol {
  SymKind kind = SymKind::Let;
  std::string name;    // as written
  std::string key;     // unique within the index: "rule uk.pecr/electronic_mail/consented"
  Span name_span;      // where it is declared (the name)
  Span decl_span;      // the whole declaration
  const ast::Module* module = nullptr;
  const void* node = nullptr;  // the declaration: LetDecl, RuleDecl, DecisionDecl, FieldDecl, ...
  int parent = -1;     // Field: its Record; Member: its Enum; Rule: its Decision; Local: its Let
  int type = -1;       // Field, Root, Local: the Record or Enum symbol of its type (or element type)
  bool list = false;   // Field, Local: a list of `type`
  std::string type_text;  // Field: as written ("list of Consent"); Local: the annotation
  std::string doc;     // its `///` documentation, or the comment after an enumeration member
  int replaces = -1;   // `replace let` / `replace rule`: the parent policy's Let or Rule it replaces
};

struct Occurrence {
  Span span;
  uint32_t symbol = 0;
  bool declaration = false;
};

class Index {
 public:
  // Resolves every module of `c` (the user's, those available to them, the standard
  // library's).
  void build(const Compilation& c);

  const std::vector<Symbol>& symbols() const { return symbols_; }
  // The occurrence that covers byte `offset` of `file` (the innermost), or null.
  const Occurrence* at(FileId file, uint32_t offset) const;
  // Every occurrence of a symbol, declaration first.
  std::vector<Occurrence> occurrences_of(uint32_t symbol) const;
  int find(const std::string& key) const;
  // The symbols that must be renamed together with `symbol`: it, the definitions or rules
  // that `replace` it in policies that extend its own, and those it replaces (one name in
  // a chain of `extends`).
  std::vector<uint32_t> rename_group(uint32_t symbol) const;

  // The schema, for completion: the symbol of a record or enumeration by name, and the
  // fields, members or rules under a symbol.
  int record(const std::string& name) const { return find("record " + name); }
  int enumeration(const std::string& name) const { return find("enum " + name); }
  std::vector<uint32_t> children(uint32_t parent, SymKind kind) const;
  // The module symbol of a module's AST, or -1.
  int module_symbol(const ast::Module* m) const;

 private:
  friend class Resolver;
  std::vector<Symbol> symbols_;
  std::vector<Occurrence> occurrences_;  // sorted by file, then begin, outermost first
  std::map<std::string, uint32_t> by_key_;
};

}  // namespace lawful::lsp
