// The abstract syntax tree of a `.law` file: what the author wrote, with a span on every
// node, and nothing resolved yet. Built by ast_builder.cpp (the only file that sees
// ANTLR); read by sema, fmt and lint. Names are not looked up here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/syntax/source.h"

namespace lawful::ast {

struct Name {
  std::string text;
  Span span;
};

// A dotted name: `std.consent`, `uk.pecr`.
struct QName {
  std::vector<Name> parts;
  Span span;
  std::string str() const;
};

enum class ExprKind : uint8_t {
  Bool,        // ival 0/1
  Int,         // ival
  String,      // text
  Date,        // ival = days
  Duration,    // months, days
  VerdictLit,  // ival = Verdict
  VerdictRef,  // `verdict` inside an obligation
  Name,        // text
  Field,       // kids[0] . text
  Call,        // kids[0] ( kids[1..] )
  Set,         // { kids }
  List,        // [ kids ]
  Neg,         // - kids[0]
  Not,         // not kids[0]
  Binary,      // kids[0] op kids[1]
  In,          // kids[0] [not] in kids[1]
  Quant,       // quant text(var) in kids[0] : kids[1]
  If,          // if kids[0] then kids[1] else kids[2]
  Error,       // a part the parser could not read (already reported)
};

enum class BinOp : uint8_t { And, Or, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul };
enum class Quant : uint8_t { Any, All, Count };
enum class Verdict : uint8_t { Allow = 0, Deny = 1, Review = 2 };

const char* binop_text(BinOp op);
const char* quant_text(Quant q);
const char* verdict_text(Verdict v);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::Error;
  Span span;
  BinOp op = BinOp::And;
  Quant quant = Quant::Any;
  bool negated = false;  // `not in`
  bool parens = false;   // written in parentheses (kept by `lawful fmt`; the span is inside them)
  int64_t ival = 0;
  int32_t months = 0;
  int32_t days = 0;
  std::string text;
  Span name_span;  // the field name of a Field, the variable of a Quant
  std::vector<ExprPtr> kids;

  ExprPtr clone() const;
};

struct TypeRef {
  enum Kind : uint8_t { Named, List, Optional } kind = Named;
  std::string name;
  Span span;
  std::unique_ptr<TypeRef> elem;
};

// A value in test facts or a schema default: JSON-like, with bare words for enums.
struct FactValue {
  enum Kind : uint8_t { Record, List, String, Date, Int, Bool, Null, Word } kind = Null;
  Span span;
  std::string text;  // String, Word, Date (as written)
  int64_t ival = 0;  // Int, Bool, Date (days)
  std::vector<std::pair<Name, FactValue>> fields;
  std::vector<FactValue> items;
};

struct Effective {
  bool present = false;
  int32_t from = 0;
  std::optional<int32_t> until;  // excluded
  Span span;
};

struct Cite {
  std::string text;
  Span span;
};

struct Param {
  Name name;
  std::unique_ptr<TypeRef> type;  // optional annotation
};

struct LetDecl {
  Name name;
  std::vector<Param> params;
  bool has_params = false;  // `let f() = ...` has params (none) and is a function
  ExprPtr body;
  bool replace = false;
  std::string doc;
  Span span;
};

// One target of `overrides`: a rule by name, or `every allow` (every other rule of the
// decision with that verdict, resolved on the merged decision). `text` is as written for
// a name, and `every allow` (single-spaced) for the other kind.
struct OverrideTarget : Name {
  std::optional<Verdict> every;
};

struct RuleDecl {
  Name name;
  Verdict verdict = Verdict::Deny;
  std::optional<Name> basis;
  ExprPtr when;  // null: the rule always applies
  std::vector<OverrideTarget> overrides;
  std::vector<Cite> cites;
  std::vector<QName> needs;  // facts a `review` rule asks for
  Effective effective;
  bool replace = false;
  std::string doc;
  Span span;
};

// `for consented` (a rule) or `for basis soft_opt_in` (every rule with that basis).
struct ObligeFor {
  bool basis = false;
  Name name;
};

struct ObligeDecl {
  Name name;
  std::vector<ObligeFor> for_rules;  // empty: whatever rules decided
  ExprPtr when;
  std::vector<Cite> cites;
  bool replace = false;
  Span span;
};

struct DecisionDecl {
  Name name;
  ExprPtr guard;
  std::vector<RuleDecl> rules;
  std::vector<ObligeDecl> obliges;
  std::string doc;
  Span span;
};

// `obligation NAME "what it asks"`: a policy's own obligation.
struct ObligationDecl {
  Name name;
  std::string title;
  std::string doc;
  Span span;
};

struct EnumDecl {
  Name name;
  std::vector<Name> members;
  std::string doc;
  Span span;
};

struct FieldDecl {
  Name name;
  TypeRef type;
  std::optional<FactValue> default_value;
  std::string doc;
  Span span;
};

struct RecordDecl {
  Name name;
  std::vector<FieldDecl> fields;
  std::string doc;
  Span span;
};

struct FactsDecl {
  std::vector<std::pair<Name, Name>> roots;  // contact: Contact
  std::optional<QName> as_of;                // as of campaign.send_date
  Span span;
};

struct RouteKey {
  bool is_string = false;
  std::string text;  // "GB" or a qualified name of a set of countries
  QName name;
  Span span;
};

struct RouteDecl {
  std::vector<RouteKey> keys;
  std::optional<QName> target;  // none: `to review`
  Span span;
};

struct Expectation {
  enum Kind : uint8_t { Verdict, Cites, Missing, Obliges, Rules } kind = Verdict;
  Name decision;
  ast::Verdict verdict = ast::Verdict::Deny;
  std::optional<Name> basis;
  std::string text;                // Cites
  std::vector<QName> items;        // Missing paths, Obliges / Rules names
  // Properties only: `expect d is not allow`; `expect d obliges x for every allow`.
  bool negated = false;
  std::optional<ast::Verdict> for_every;
  Span span;
};

struct TestDecl {
  std::string title;
  Span span;
  std::optional<int32_t> as_of;
  Span as_of_span;
  std::vector<std::pair<Name, FactValue>> facts;  // contact {...}, campaign {...}
  std::vector<Expectation> expects;
};

// `property "..." { when ... expect ... }`: what `lawful verify` proves for every contact
// and campaign (docs/reference.md, "Properties").
struct PropertyDecl {
  std::string title;
  Span span;
  std::optional<int32_t> as_of;
  Span as_of_span;
  std::vector<ExprPtr> when;  // all must hold
  std::vector<Expectation> expects;  // Verdict (maybe negated) and Obliges only
};

struct UseDecl {
  QName module;
  std::optional<Name> alias;
  Span span;
};

enum class ModuleKind : uint8_t { None, Policy, Library, Routing };

// A comment as written, with its position: the parser skips comments, `lawful fmt`
// puts each one back. `///` comments are also attached to the declaration they document
// (the `doc` fields).
struct Comment {
  enum Kind : uint8_t { Line, Hash, Doc } kind = Line;  // `//`, `#`, `///`
  std::string text;  // as written, from the marker to the end of the line
  Span span;
};

// One source file.
struct Module {
  FileId file = kNoFile;
  ModuleKind kind = ModuleKind::None;
  QName name;
  std::string title;
  Span header_span;
  std::optional<QName> extends;
  std::vector<Name> jurisdictions;
  std::vector<std::string> sources;
  std::vector<Span> source_spans;  // of each `source "..."` clause
  Effective effective;
  std::string doc;

  std::vector<UseDecl> uses;
  std::vector<LetDecl> lets;
  std::vector<DecisionDecl> decisions;
  std::vector<TestDecl> tests;
  std::vector<PropertyDecl> properties;
  std::vector<EnumDecl> enums;
  std::vector<RecordDecl> records;
  std::vector<FactsDecl> facts;
  std::vector<RouteDecl> routes;
  std::vector<ObligationDecl> obligations;
  std::vector<Comment> comments;  // every comment of the file, in order
};

}  // namespace lawful::ast
