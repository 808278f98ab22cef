// Parse tree to AST. The only file in the project that includes ANTLR: it installs our
// own error listener (messages for lawyers' common slips, a cap on errors), checks the
// nesting depth before the recursive-descent parser can overflow, turns every exception
// into a diagnostic, and converts each labelled alternative of grammar/Lawful.g4 into
// an ast:: node with a byte-offset span.
#include <antlr4-runtime.h>

#include <new>

#include <fmt/format.h>

#include "LawfulLexer.h"
#include "LawfulParser.h"
#include "compiler/syntax/parser.h"
#include "runtime/core/dates.h"

namespace lawful {
namespace {

using P = lawful_gen::LawfulParser;
using L = lawful_gen::LawfulLexer;

struct TooManyErrors {};

// Offsets in ANTLR tokens count code points; spans count bytes.
class OffsetMap {
 public:
  explicit OffsetMap(const std::string& text) {
    bool ascii = true;
    for (unsigned char c : text)
      if (c >= 0x80) { ascii = false; break; }
    if (ascii) return;
    for (uint32_t i = 0; i < text.size(); ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) map_.push_back(i);
    map_.push_back(static_cast<uint32_t>(text.size()));
  }
  uint32_t byte(size_t cp) const {
    if (map_.empty()) return static_cast<uint32_t>(cp);
    return cp < map_.size() ? map_[cp] : map_.back();
  }

 private:
  std::vector<uint32_t> map_;
};

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
size_t invalid_utf8_at(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    if (n == 2 && c < 0xC2) return i;  // overlong
    i += n;
  }
  return std::string::npos;
}

std::string describe_token(const antlr4::Token* t) {
  if (!t || t->getType() == antlr4::Token::EOF) return "the end of the file";
  return fmt::format("'{}'", t->getText());
}

std::string token_display(const antlr4::dfa::Vocabulary& vocab, size_t type) {
  switch (type) {
    case L::IDENT: return "a name";
    case L::STRING: return "a string";
    case L::DATE: return "a date";
    case L::INT: return "a number";
    case antlr4::Token::EOF: return "the end of the file";
    default: break;
  }
  std::string lit = vocab.getLiteralName(type);
  return lit.empty() ? vocab.getSymbolicName(type) : lit;
}

class ErrorListener : public antlr4::BaseErrorListener {
 public:
  ErrorListener(Diagnostics& diags, FileId file, const OffsetMap& map, int max_errors)
      : diags_(diags), file_(file), map_(map), max_errors_(max_errors) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* bad, size_t, size_t, const std::string& msg,
                   std::exception_ptr) override {
    if (++count_ > max_errors_) throw TooManyErrors{};
    Span span{file_, 0, 0};
    if (bad) {
      span.begin = map_.byte(bad->getStartIndex());
      span.end = bad->getType() == antlr4::Token::EOF ? span.begin : map_.byte(bad->getStopIndex() + 1);
    }
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (bad && bad->getType() == L::UNEXPECTED) {
      std::string t = bad->getText();
      if (t == "\"") {
        diags_.error(DiagCode::BadCharacter, span, "a string that is not closed on its line")
            .help = "strings are written between double quotes on one line: \"PECR reg 22(2)\"";
      } else {
        bool control = t.size() == 1 && (static_cast<unsigned char>(t[0]) < 0x20 || t[0] == 0x7f);
        diags_.error(DiagCode::BadCharacter, span,
                     control ? fmt::format("unexpected control character U+{:04X}", static_cast<unsigned char>(t[0]))
                             : fmt::format("unexpected character '{}'", t));
      }
      return;
    }
    bool in_decision = false;
    if (parser) {
      for (const std::string& r : parser->getRuleInvocationStack())
        if (r == "decisionDecl") in_decision = true;
    }
    if (bad && (bad->getType() == L::RULE || bad->getType() == L::OBLIGE) && !in_decision) {
      diags_.error(DiagCode::RuleOutsideDecision, span,
                   fmt::format("'{}' outside a decision", bad->getText()))
          .help = "rules and obligations belong inside a block that starts `decision NAME when CONDITION:`";
      return;
    }
    // `overrides every allowed`: `every` read as a rule's name, then a word it cannot take.
    if (parser && bad && bad->getType() != antlr4::Token::EOF) {
      antlr4::Token* prev = parser->getTokenStream()->LT(-1);
      if (prev && prev->getType() == L::EVERY && prev->getTokenIndex() + 1 == bad->getTokenIndex()) {
        diags_.error(DiagCode::Syntax, span, fmt::format("`every` takes a verdict, not {}", describe_token(bad)))
            .help = "write `overrides every allow` (or `every deny`, `every review`): every other rule of the decision "
                    "with that verdict";
        return;
      }
    }
    std::vector<std::string> expected;
    bool wants_colon = false;
    if (parser) {
      try {
        antlr4::misc::IntervalSet set = parser->getExpectedTokens();
        for (size_t t : set.toList()) {
          std::string d = token_display(parser->getVocabulary(), t);
          if (d == "':'") wants_colon = true;
          if (expected.size() < 8) expected.push_back(d);
        }
      } catch (...) {
        // The expected set is a courtesy; some states cannot compute it.
      }
    }
    if (wants_colon && (msg.rfind("missing ':'", 0) == 0 || expected.size() <= 2)) {
      Diagnostic& d = diags_.error(DiagCode::MissingColon, span,
                                   fmt::format("expected ':' before {}", describe_token(bad)));
      d.help = "a decision head ends with ':' (`decision email when campaign.channel == email:`), "
               "and so does a rule head (`rule consented: allow basis consent`)";
      return;
    }
    Diagnostic& d = diags_.error(DiagCode::Syntax, span, fmt::format("unexpected {}", describe_token(bad)));
    if (!expected.empty() && expected.size() < 8) {
      d.help = fmt::format("expected {}", fmt::join(expected, ", "));
    }
  }

 private:
  Diagnostics& diags_;
  FileId file_;
  const OffsetMap& map_;
  int max_errors_;
  int count_ = 0;
};

class Builder {
 public:
  Builder(FileId file, Diagnostics& diags, const OffsetMap& map, antlr4::CommonTokenStream& tokens)
      : file_(file), diags_(diags), map_(map), tokens_(tokens) {}

  std::unique_ptr<ast::Module> module(P::FileContext* ctx) {
    auto m = std::make_unique<ast::Module>();
    m->file = file_;
    if (auto* h = ctx->header()) header(*m, h);
    for (auto* u : ctx->useDecl()) {
      ast::UseDecl d;
      d.module = qname(u->qname());
      if (u->alias) d.alias = name(u->alias);
      d.span = span(u);
      m->uses.push_back(std::move(d));
    }
    for (auto* t : ctx->topDecl()) top(*m, t);
    for (antlr4::Token* t : tokens_.getTokens()) {
      size_t type = t->getType();
      if (type != L::COMMENT && type != L::HASH_COMMENT && type != L::DOC) continue;
      ast::Comment c;
      c.kind = type == L::DOC ? ast::Comment::Doc : type == L::HASH_COMMENT ? ast::Comment::Hash : ast::Comment::Line;
      c.span = span(t);
      c.text = t->getText();
      m->comments.push_back(std::move(c));
    }
    return m;
  }

 private:
  Span span(antlr4::ParserRuleContext* ctx) const {
    if (!ctx || !ctx->getStart()) return {file_, 0, 0};
    auto* stop = ctx->getStop() ? ctx->getStop() : ctx->getStart();
    uint32_t b = map_.byte(ctx->getStart()->getStartIndex());
    uint32_t e = stop->getType() == antlr4::Token::EOF ? b : map_.byte(stop->getStopIndex() + 1);
    if (e < b) e = b;
    return {file_, b, e};
  }
  Span span(antlr4::Token* t) const {
    if (!t) return {file_, 0, 0};
    return {file_, map_.byte(t->getStartIndex()), map_.byte(t->getStopIndex() + 1)};
  }
  Span span(antlr4::tree::TerminalNode* n) const { return span(n ? n->getSymbol() : nullptr); }

  ast::Name name(P::NameContext* ctx) const { return {ctx ? ctx->getText() : std::string(), span(ctx)}; }
  ast::Name name(P::WordContext* ctx) const { return {ctx ? ctx->getText() : std::string(), span(ctx)}; }
  ast::Name name(antlr4::tree::TerminalNode* n) const { return {n ? n->getText() : std::string(), span(n)}; }

  // Error recovery can leave any labelled token or sub-rule of a tree null (the error is
  // already reported): every access below goes through these.
  static antlr4::Token* sym(antlr4::tree::TerminalNode* n) { return n ? n->getSymbol() : nullptr; }
  static std::string text(antlr4::Token* t) { return t ? t->getText() : std::string(); }
  static std::string text(antlr4::tree::TerminalNode* n) { return n ? n->getText() : std::string(); }
  static std::string text(antlr4::ParserRuleContext* ctx) { return ctx ? ctx->getText() : std::string(); }

  ast::QName path(P::PathContext* ctx) const {
    ast::QName q;
    q.parts.push_back(name(ctx->name()));
    for (auto* n : ctx->word()) q.parts.push_back(name(n));
    q.span = span(ctx);
    return q;
  }

  ast::QName qname(P::QnameContext* ctx) const {
    ast::QName q;
    if (!ctx) return q;
    q.parts.push_back(name(ctx->name()));
    for (auto* n : ctx->word()) q.parts.push_back(name(n));
    q.span = span(ctx);
    return q;
  }

  std::string doc_before(antlr4::ParserRuleContext* ctx) {
    if (!ctx || !ctx->getStart()) return {};
    std::string doc;
    for (antlr4::Token* t : tokens_.getHiddenTokensToLeft(ctx->getStart()->getTokenIndex(), 2)) {
      std::string line = t->getText().substr(3);
      if (!line.empty() && line[0] == ' ') line.erase(0, 1);
      doc += line + "\n";
    }
    return doc;
  }

  std::string string_value(antlr4::Token* t) {
    if (!t) return {};
    std::string raw = t->getText();
    std::string out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 2 < raw.size()) {
        char c = raw[++i];
        switch (c) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          default:
            diags_.error(DiagCode::BadLiteral, span(t), fmt::format("unknown escape '\\{}' in a string", c))
                .help = "a string may contain \\\" \\\\ \\n and \\t";
            out += c;
        }
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  std::string string_value(antlr4::tree::TerminalNode* n) { return n ? string_value(n->getSymbol()) : std::string(); }

  // Error recovery can leave a labelled token null; the error is already reported.
  int32_t date_value(antlr4::Token* t) {
    if (!t) return 0;
    auto d = parse_date(t->getText());
    if (!d) {
      diags_.error(DiagCode::BadDate, span(t), fmt::format("'{}' is not a date on the calendar", t->getText()))
          .help = "dates are written YYYY-MM-DD, with a month from 01 to 12 and a day that exists in it";
      return 0;
    }
    return *d;
  }

  ast::Effective effective(P::EffectiveContext* ctx) {
    ast::Effective e;
    if (!ctx) return e;
    e.present = true;
    e.span = span(ctx);
    e.from = date_value(ctx->from);
    if (ctx->to) e.until = date_value(ctx->to);
    return e;
  }

  void header(ast::Module& m, P::HeaderContext* h) {
    m.header_span = span(h);
    m.doc = doc_before(h);
    if (auto* p = dynamic_cast<P::PolicyHeaderContext*>(h)) {
      m.kind = ast::ModuleKind::Policy;
      m.name = qname(p->qname(0));
      if (p->title) m.title = string_value(p->title);
      if (p->base) m.extends = qname(p->base);
      for (auto* c : p->policyClause()) {
        if (auto* j = dynamic_cast<P::JurisdictionClauseContext*>(c)) {
          for (auto* n : j->name()) m.jurisdictions.push_back(name(n));
        } else if (auto* s = dynamic_cast<P::SourceClauseContext*>(c)) {
          m.sources.push_back(string_value(s->STRING()));
          m.source_spans.push_back(span(s));
        } else if (auto* e = dynamic_cast<P::EffectiveClauseContext*>(c)) {
          m.effective = effective(e->effective());
        }
      }
    } else if (auto* lib = dynamic_cast<P::ModuleHeaderContext*>(h)) {
      m.kind = ast::ModuleKind::Library;
      m.name = qname(lib->qname());
      if (lib->title) m.title = string_value(lib->title);
    } else if (auto* r = dynamic_cast<P::RoutingHeaderContext*>(h)) {
      m.kind = ast::ModuleKind::Routing;
      if (r->title) m.title = string_value(r->title);
    }
  }

  void top(ast::Module& m, P::TopDeclContext* t) {
    if (auto* l = t->letDecl()) m.lets.push_back(let(l));
    else if (auto* d = t->decisionDecl()) m.decisions.push_back(decision(d));
    else if (auto* x = t->testDecl()) m.tests.push_back(test(x));
    else if (auto* pd = t->propertyDecl()) m.properties.push_back(property(pd));
    else if (auto* e = t->enumDecl()) m.enums.push_back(enum_decl(e));
    else if (auto* r = t->recordDecl()) m.records.push_back(record(r));
    else if (auto* f = t->factsDecl()) m.facts.push_back(facts(f));
    else if (auto* r2 = t->routeDecl()) m.routes.push_back(route(r2));
    else if (auto* o = t->obligationDecl()) m.obligations.push_back(obligation(o));
  }

  ast::ObligationDecl obligation(P::ObligationDeclContext* ctx) {
    ast::ObligationDecl d;
    d.name = name(ctx->name());
    if (ctx->title) d.title = string_value(ctx->title);
    d.doc = doc_before(ctx);
    d.span = span(ctx);
    return d;
  }

  static bool has_terminal(antlr4::ParserRuleContext* ctx, const char* text) {
    for (auto* c : ctx->children)
      if (auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(c))
        if (term->getText() == text) return true;
    return false;
  }

  ast::LetDecl let(P::LetDeclContext* ctx) {
    ast::LetDecl d;
    d.name = name(ctx->name());
    d.replace = ctx->REPLACE() != nullptr;
    d.has_params = has_terminal(ctx, "(");
    for (auto* p : ctx->param()) {
      ast::Param prm;
      prm.name = name(p->name());
      if (p->typeRef()) prm.type = std::make_unique<ast::TypeRef>(type_ref(p->typeRef()));
      d.params.push_back(std::move(prm));
    }
    d.body = expr(ctx->expr(), 0);
    d.doc = doc_before(ctx);
    d.span = span(ctx);
    return d;
  }

  ast::TypeRef type_ref(P::TypeRefContext* ctx) {
    ast::TypeRef t;
    t.span = span(ctx);
    if (auto* o = dynamic_cast<P::OptionalTypeContext*>(ctx)) {
      t.kind = ast::TypeRef::Optional;
      t.elem = std::make_unique<ast::TypeRef>(type_ref(o->typeRef()));
    } else if (auto* l = dynamic_cast<P::ListTypeContext*>(ctx)) {
      t.kind = ast::TypeRef::List;
      t.elem = std::make_unique<ast::TypeRef>(type_ref(l->typeRef()));
    } else if (auto* n = dynamic_cast<P::NamedTypeContext*>(ctx)) {
      t.kind = ast::TypeRef::Named;
      t.name = text(n->name());
    }
    return t;
  }

  ast::EnumDecl enum_decl(P::EnumDeclContext* ctx) {
    ast::EnumDecl d;
    auto names = ctx->name();
    d.name = name(names.empty() ? nullptr : names[0]);
    for (size_t i = 1; i < names.size(); ++i) d.members.push_back(name(names[i]));
    d.doc = doc_before(ctx);
    d.span = span(ctx);
    return d;
  }

  ast::RecordDecl record(P::RecordDeclContext* ctx) {
    ast::RecordDecl d;
    d.name = name(ctx->name());
    for (auto* f : ctx->fieldDecl()) {
      ast::FieldDecl fd;
      fd.name = name(f->name());
      fd.type = type_ref(f->typeRef());
      if (f->factValue()) fd.default_value = fact_value(f->factValue(), 0);
      fd.doc = doc_before(f);
      fd.span = span(f);
      d.fields.push_back(std::move(fd));
    }
    d.doc = doc_before(ctx);
    d.span = span(ctx);
    return d;
  }

  ast::FactsDecl facts(P::FactsDeclContext* ctx) {
    ast::FactsDecl d;
    auto names = ctx->name();
    for (size_t i = 0; i + 1 < names.size(); i += 2) d.roots.emplace_back(name(names[i]), name(names[i + 1]));
    if (ctx->asOf) d.as_of = path(ctx->asOf);
    d.span = span(ctx);
    return d;
  }

  ast::RouteDecl route(P::RouteDeclContext* ctx) {
    ast::RouteDecl d;
    for (auto* k : ctx->routeKey()) {
      ast::RouteKey key;
      key.span = span(k);
      if (k->STRING()) {
        key.is_string = true;
        key.text = string_value(k->STRING());
      } else {
        key.name = qname(k->qname());
        key.text = key.name.str();
      }
      d.keys.push_back(std::move(key));
    }
    if (ctx->target) d.target = qname(ctx->target);
    d.span = span(ctx);
    return d;
  }

  ast::DecisionDecl decision(P::DecisionDeclContext* ctx) {
    ast::DecisionDecl d;
    d.name = name(ctx->name());
    if (ctx->guard) d.guard = expr(ctx->guard, 0);
    for (auto* item : ctx->decisionItem()) {
      if (auto* r = item->ruleDecl()) d.rules.push_back(rule(r));
      if (auto* o = item->obligeDecl()) d.obliges.push_back(oblige(o));
    }
    d.doc = doc_before(ctx);
    d.span = span(ctx);
    return d;
  }

  static ast::Verdict verdict_of(antlr4::Token* t) {
    if (!t) return ast::Verdict::Deny;
    switch (t->getType()) {
      case L::ALLOW: return ast::Verdict::Allow;
      case L::REVIEW: return ast::Verdict::Review;
      default: return ast::Verdict::Deny;
    }
  }

  ast::RuleDecl rule(P::RuleDeclContext* ctx) {
    ast::RuleDecl r;
    r.name = name(ctx->name(0));
    r.replace = ctx->REPLACE() != nullptr;
    r.verdict = verdict_of(ctx->verdict);
    if (ctx->basis) r.basis = name(ctx->basis);
    for (auto* c : ctx->ruleClause()) {
      if (auto* w = dynamic_cast<P::WhenClauseContext*>(c)) {
        if (r.when) {
          diags_.error(DiagCode::Syntax, span(w), "a rule has one `when`; join the conditions with `and`");
        }
        r.when = expr(w->expr(), 0);
      } else if (auto* o = dynamic_cast<P::OverridesClauseContext*>(c)) {
        for (auto* t : o->overrideTarget()) r.overrides.push_back(override_target(t));
      } else if (auto* ci = dynamic_cast<P::CiteClauseContext*>(c)) {
        r.cites.push_back({string_value(ci->STRING()), span(ci->STRING())});
      } else if (auto* e = dynamic_cast<P::RuleEffectiveClauseContext*>(c)) {
        r.effective = effective(e->effective());
      } else if (auto* nd = dynamic_cast<P::NeedsClauseContext*>(c)) {
        for (auto* p : nd->path()) r.needs.push_back(path(p));
      }
    }
    r.doc = doc_before(ctx);
    r.span = span(ctx);
    return r;
  }

  ast::OverrideTarget override_target(P::OverrideTargetContext* ctx) {
    ast::OverrideTarget t;
    if (auto* e = dynamic_cast<P::EveryTargetContext*>(ctx)) {
      t.every = verdict_of(e->verdict);
      t.text = std::string("every ") + ast::verdict_text(*t.every);
      t.span = span(e);
    } else if (auto* n = dynamic_cast<P::NamedTargetContext*>(ctx)) {
      static_cast<ast::Name&>(t) = name(n->name());
    } else {
      t.span = span(ctx);  // a part the parser could not read (already reported)
    }
    return t;
  }

  ast::ObligeDecl oblige(P::ObligeDeclContext* ctx) {
    ast::ObligeDecl o;
    o.name = name(ctx->name());
    o.replace = ctx->REPLACE() != nullptr;
    for (auto* f : ctx->obligeFor()) {
      ast::ObligeFor x;
      if (auto* b = dynamic_cast<P::ForBasisContext*>(f)) {
        x.basis = true;
        x.name = name(b->name());
      } else if (auto* r = dynamic_cast<P::ForRuleContext*>(f)) {
        x.name = name(r->name());
      } else {
        continue;  // a part the parser could not read (already reported)
      }
      o.for_rules.push_back(std::move(x));
    }
    if (ctx->expr()) o.when = expr(ctx->expr(), 0);
    for (auto* s : ctx->STRING()) o.cites.push_back({string_value(s), span(s)});
    o.span = span(ctx);
    return o;
  }

  ast::TestDecl test(P::TestDeclContext* ctx) {
    ast::TestDecl t;
    t.title = string_value(ctx->STRING());
    t.span = span(ctx);
    for (auto* item : ctx->testItem()) {
      if (auto* a = dynamic_cast<P::AsOfItemContext*>(item)) {
        as_of(a, a->DATE(), t.as_of, t.as_of_span);
      } else if (auto* f = dynamic_cast<P::FactsItemContext*>(item)) {
        ast::FactValue v = record_lit(f->recordLit(), 0);
        t.facts.emplace_back(name(f->role), std::move(v));
      } else if (auto* ev = dynamic_cast<P::ExpectVerdictContext*>(item)) {
        t.expects.push_back(verdict_expect(ev, ev->decision, ev->NOT(), ev->verdict, ev->basis));
      } else if (auto* ec = dynamic_cast<P::ExpectCitesContext*>(item)) {
        ast::Expectation e;
        e.kind = ast::Expectation::Cites;
        e.decision = name(ec->decision);
        e.text = string_value(ec->STRING());
        e.span = span(ec);
        t.expects.push_back(std::move(e));
      } else if (auto* em = dynamic_cast<P::ExpectMissingContext*>(item)) {
        ast::Expectation e;
        e.kind = ast::Expectation::Missing;
        e.decision = name(em->decision);
        for (auto* p : em->path()) e.items.push_back(path(p));
        e.span = span(em);
        t.expects.push_back(std::move(e));
      } else if (auto* eo = dynamic_cast<P::ExpectObligesContext*>(item)) {
        t.expects.push_back(name_list_expect(ast::Expectation::Obliges, eo->decision, eo->name(), span(eo)));
      } else if (auto* er = dynamic_cast<P::ExpectRulesContext*>(item)) {
        t.expects.push_back(name_list_expect(ast::Expectation::Rules, er->decision, er->name(), span(er)));
      }
    }
    return t;
  }

  void as_of(antlr4::ParserRuleContext* item, antlr4::tree::TerminalNode* date, std::optional<int32_t>& at, Span& where) {
    if (!date) return;
    at = date_value(sym(date));
    where = span(item);
  }

  // `expect D is [not] V [basis B]`, in a test or a property.
  ast::Expectation verdict_expect(antlr4::ParserRuleContext* item, P::NameContext* decision,
                                  antlr4::tree::TerminalNode* negated, antlr4::Token* verdict, P::NameContext* basis) {
    ast::Expectation e;
    e.kind = ast::Expectation::Verdict;
    e.decision = name(decision);
    e.negated = negated != nullptr;
    e.verdict = verdict_of(verdict);
    if (basis) e.basis = name(basis);
    e.span = span(item);
    return e;
  }

  ast::PropertyDecl property(P::PropertyDeclContext* ctx) {
    ast::PropertyDecl pd;
    pd.title = string_value(ctx->STRING());
    pd.span = span(ctx);
    for (auto* item : ctx->propertyItem()) {
      if (auto* a = dynamic_cast<P::PropertyAsOfContext*>(item)) {
        as_of(a, a->DATE(), pd.as_of, pd.as_of_span);
      } else if (auto* w = dynamic_cast<P::PropertyWhenContext*>(item)) {
        if (w->expr()) pd.when.push_back(expr(w->expr(), 0));
      } else if (auto* ev = dynamic_cast<P::PropertyVerdictContext*>(item)) {
        pd.expects.push_back(verdict_expect(ev, ev->decision, ev->NOT(), ev->verdict, ev->basis));
      } else if (auto* eo = dynamic_cast<P::PropertyObligesContext*>(item)) {
        ast::Expectation e = name_list_expect(ast::Expectation::Obliges, eo->decision, eo->name(), span(eo));
        if (eo->verdict) e.for_every = verdict_of(eo->verdict);
        pd.expects.push_back(std::move(e));
      }
    }
    return pd;
  }

  ast::Expectation name_list_expect(ast::Expectation::Kind kind, P::NameContext* decision,
                                    const std::vector<P::NameContext*>& names, Span sp) {
    ast::Expectation e;
    e.kind = kind;
    e.decision = name(decision);
    // name() lists the decision's name first.
    for (size_t i = 1; i < names.size(); ++i) {
      ast::QName q;
      q.parts.push_back(name(names[i]));
      q.span = span(names[i]);
      e.items.push_back(std::move(q));
    }
    e.span = sp;
    return e;
  }

  ast::FactValue record_lit(P::RecordLitContext* ctx, int depth) {
    ast::FactValue v;
    v.kind = ast::FactValue::Record;
    v.span = span(ctx);
    if (!ctx) return v;
    for (auto* f : ctx->fieldInit()) v.fields.emplace_back(name(f->name()), fact_value(f->factValue(), depth + 1));
    return v;
  }

  ast::FactValue fact_value(P::FactValueContext* ctx, int depth) {
    ast::FactValue v;
    v.span = span(ctx);
    if (auto* r = dynamic_cast<P::RecordValueContext*>(ctx)) return record_lit(r->recordLit(), depth);
    if (auto* l = dynamic_cast<P::ListValueContext*>(ctx)) {
      v.kind = ast::FactValue::List;
      for (auto* item : l->factValue()) v.items.push_back(fact_value(item, depth + 1));
    } else if (auto* s = dynamic_cast<P::StringValueContext*>(ctx)) {
      v.kind = ast::FactValue::String;
      v.text = string_value(s->STRING());
    } else if (auto* d = dynamic_cast<P::DateValueContext*>(ctx)) {
      v.kind = ast::FactValue::Date;
      v.text = text(d->DATE());
      v.ival = date_value(sym(d->DATE()));
    } else if (auto* i = dynamic_cast<P::IntValueContext*>(ctx)) {
      v.kind = ast::FactValue::Int;
      v.ival = int_value(sym(i->INT()));
      if (has_terminal(i, "-")) v.ival = -v.ival;
    } else if (auto* b = dynamic_cast<P::BoolValueContext*>(ctx)) {
      v.kind = ast::FactValue::Bool;
      v.ival = b->TRUE() ? 1 : 0;
    } else if (dynamic_cast<P::NullValueContext*>(ctx)) {
      v.kind = ast::FactValue::Null;
    } else if (auto* w = dynamic_cast<P::WordValueContext*>(ctx)) {
      v.kind = ast::FactValue::Word;
      v.text = text(w->name());
    }
    return v;
  }

  int64_t int_value(antlr4::Token* t) {
    if (!t) return 0;
    const std::string s = t->getText();
    int64_t v = 0;
    for (char c : s) {
      if (v > (INT64_MAX - 9) / 10) {
        diags_.error(DiagCode::BadLiteral, span(t), fmt::format("the number {} is too large", s));
        return 0;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  ast::ExprPtr node(ast::ExprKind kind, Span sp) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->span = sp;
    return e;
  }

  ast::ExprPtr binary(ast::BinOp op, P::ExprContext* ctx, P::ExprContext* l, P::ExprContext* r, int depth) {
    auto e = node(ast::ExprKind::Binary, span(ctx));
    e->op = op;
    e->kids.push_back(expr(l, depth + 1));
    e->kids.push_back(expr(r, depth + 1));
    return e;
  }

  ast::ExprPtr expr(P::ExprContext* ctx, int depth) {
    if (!ctx) return node(ast::ExprKind::Error, {file_, 0, 0});
    Span sp = span(ctx);
    if (auto* p = dynamic_cast<P::PrimaryExprContext*>(ctx)) return primary(p->primary(), depth);
    if (auto* f = dynamic_cast<P::FieldExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::Field, sp);
      e->kids.push_back(expr(f->expr(), depth + 1));
      e->text = text(f->word());
      e->name_span = span(f->word());
      return e;
    }
    if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::Call, sp);
      for (auto* a : c->expr()) e->kids.push_back(expr(a, depth + 1));
      return e;
    }
    if (auto* n = dynamic_cast<P::NegExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::Neg, sp);
      e->kids.push_back(expr(n->expr(), depth + 1));
      return e;
    }
    if (auto* m = dynamic_cast<P::MulExprContext*>(ctx)) return binary(ast::BinOp::Mul, ctx, m->lhs, m->rhs, depth);
    if (auto* a = dynamic_cast<P::AddExprContext*>(ctx))
      return binary(text(a->op) == "+" ? ast::BinOp::Add : ast::BinOp::Sub, ctx, a->lhs, a->rhs, depth);
    if (auto* i = dynamic_cast<P::InExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::In, sp);
      e->negated = i->NOT() != nullptr;
      e->kids.push_back(expr(i->lhs, depth + 1));
      e->kids.push_back(expr(i->rhs, depth + 1));
      return e;
    }
    if (auto* c = dynamic_cast<P::CompareExprContext*>(ctx)) {
      static const std::pair<const char*, ast::BinOp> kOps[] = {{"==", ast::BinOp::Eq}, {"!=", ast::BinOp::Ne},
                                                                {"<", ast::BinOp::Lt},  {"<=", ast::BinOp::Le},
                                                                {">", ast::BinOp::Gt},  {">=", ast::BinOp::Ge}};
      ast::BinOp op = ast::BinOp::Eq;
      for (auto& [t, o] : kOps)
        if (text(c->op) == t) op = o;
      return binary(op, ctx, c->lhs, c->rhs, depth);
    }
    if (auto* m = dynamic_cast<P::MistakeExprContext*>(ctx)) {
      std::string op = text(m->op);
      ast::BinOp fixed = ast::BinOp::Eq;
      if (op == "=") {
        diags_.error(DiagCode::SingleEquals, span(m->op), "'=' does not compare; write '=='")
            .help = "`contact.entity == company` compares; `=` only defines a name in `let`";
      } else {
        fixed = op == "&&" ? ast::BinOp::And : ast::BinOp::Or;
        diags_.error(DiagCode::CStyleLogic, span(m->op),
                     fmt::format("'{}' is not a word of the language; write '{}'", op, op == "&&" ? "and" : "or"));
      }
      return binary(fixed, ctx, m->lhs, m->rhs, depth);
    }
    if (auto* n = dynamic_cast<P::NotExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::Not, sp);
      e->kids.push_back(expr(n->expr(), depth + 1));
      return e;
    }
    if (auto* b = dynamic_cast<P::BangExprContext*>(ctx)) {
      diags_.error(DiagCode::CStyleLogic, Span{file_, sp.begin, sp.begin + 1}, "'!' is not a word of the language; write 'not'");
      auto e = node(ast::ExprKind::Not, sp);
      e->kids.push_back(expr(b->expr(), depth + 1));
      return e;
    }
    if (auto* a = dynamic_cast<P::AndExprContext*>(ctx)) return binary(ast::BinOp::And, ctx, a->lhs, a->rhs, depth);
    if (auto* o = dynamic_cast<P::OrExprContext*>(ctx)) return binary(ast::BinOp::Or, ctx, o->lhs, o->rhs, depth);
    if (auto* q = dynamic_cast<P::QuantExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::Quant, sp);
      size_t qt = q->q ? q->q->getType() : static_cast<size_t>(L::ANY);
      e->quant = qt == L::ANY ? ast::Quant::Any : qt == L::ALL ? ast::Quant::All : ast::Quant::Count;
      e->text = text(q->var);
      e->name_span = span(q->var);
      e->kids.push_back(expr(q->coll, depth + 1));
      e->kids.push_back(expr(q->body, depth + 1));
      return e;
    }
    if (auto* i = dynamic_cast<P::IfExprContext*>(ctx)) {
      auto e = node(ast::ExprKind::If, sp);
      e->kids.push_back(expr(i->cond, depth + 1));
      e->kids.push_back(expr(i->then, depth + 1));
      e->kids.push_back(expr(i->els, depth + 1));
      return e;
    }
    return node(ast::ExprKind::Error, sp);
  }

  ast::ExprPtr primary(P::PrimaryContext* ctx, int depth) {
    Span sp = span(ctx);
    if (auto* p = dynamic_cast<P::ParenPrimaryContext*>(ctx)) {
      ast::ExprPtr e = expr(p->expr(), depth + 1);
      e->parens = true;
      return e;
    }
    if (auto* s = dynamic_cast<P::SetPrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::Set, sp);
      for (auto* x : s->expr()) e->kids.push_back(expr(x, depth + 1));
      return e;
    }
    if (auto* l = dynamic_cast<P::ListPrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::List, sp);
      for (auto* x : l->expr()) e->kids.push_back(expr(x, depth + 1));
      return e;
    }
    if (auto* n = dynamic_cast<P::NumberPrimaryContext*>(ctx)) {
      auto ints = n->INT();
      auto units = n->IDENT();
      if (units.empty()) {
        auto e = node(ast::ExprKind::Int, sp);
        e->ival = ints.empty() ? 0 : int_value(sym(ints[0]));
        return e;
      }
      auto e = node(ast::ExprKind::Duration, sp);
      for (size_t i = 0; i < units.size() && i < ints.size(); ++i) {
        int64_t k = int_value(sym(ints[i]));
        std::string u = units[i]->getText();
        int64_t months = 0, days = 0;
        if (u == "year" || u == "years") months = k * 12;
        else if (u == "month" || u == "months") months = k;
        else if (u == "week" || u == "weeks") days = k * 7;
        else if (u == "day" || u == "days") days = k;
        else {
          diags_.error(DiagCode::BadDuration, span(units[i]), fmt::format("'{}' is not a unit of time", u)).help =
              did_you_mean(u, {"years", "months", "weeks", "days", "year", "month", "week", "day"}).empty()
                  ? "durations are counted in years, months, weeks or days: `3 years`, `6 months`, `30 days`"
                  : did_you_mean(u, {"years", "months", "weeks", "days", "year", "month", "week", "day"});
        }
        if (k > 100000 || e->months + months > 1200000 || e->days + days > 36500000) {
          diags_.error(DiagCode::BadLiteral, sp, "this duration is longer than any calendar allows");
          months = days = 0;
        }
        e->months += static_cast<int32_t>(months);
        e->days += static_cast<int32_t>(days);
      }
      return e;
    }
    if (auto* s = dynamic_cast<P::StringPrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::String, sp);
      e->text = string_value(s->STRING());
      return e;
    }
    if (auto* d = dynamic_cast<P::DatePrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::Date, sp);
      e->ival = date_value(sym(d->DATE()));
      return e;
    }
    if (auto* b = dynamic_cast<P::BoolPrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::Bool, sp);
      e->ival = b->TRUE() ? 1 : 0;
      return e;
    }
    if (auto* v = dynamic_cast<P::VerdictPrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::VerdictLit, sp);
      e->ival = static_cast<int64_t>(v->ALLOW() ? ast::Verdict::Allow : v->DENY() ? ast::Verdict::Deny : ast::Verdict::Review);
      e->text = v->getText();
      return e;
    }
    if (dynamic_cast<P::VerdictRefPrimaryContext*>(ctx)) return node(ast::ExprKind::VerdictRef, sp);
    if (auto* n = dynamic_cast<P::NamePrimaryContext*>(ctx)) {
      auto e = node(ast::ExprKind::Name, sp);
      e->text = text(n->name());
      return e;
    }
    return node(ast::ExprKind::Error, sp);
  }

  FileId file_;
  Diagnostics& diags_;
  const OffsetMap& map_;
  antlr4::CommonTokenStream& tokens_;
};

// Deep nesting would overflow the recursive-descent parser (and every recursive pass
// after it) before anything could complain; measure it on the token stream first (and
// the length of names, kMaxName, while at it). Within
// one declaration: brackets nest at most max_depth deep, and prefix operators (`not`,
// `if`, quantifiers, unary minus) and binary operators, each of which adds a level to the
// tree, are bounded too.
constexpr size_t kMaxName = 256;  // bytes in one name (a word between dots)

bool check_depth(antlr4::CommonTokenStream& tokens, const OffsetMap& map, FileId file, int max_depth,
                 Diagnostics& diags) {
  int depth = 0;
  int prefix = 0;
  int binary = 0;
  const int max_prefix = max_depth * 4;
  const int max_binary = max_depth * 32;
  size_t prev = 0;
  std::string prev_text;
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;  // comments
    std::string text = t->getText();
    size_t type = t->getType();
    if (type == L::IDENT && text.size() > kMaxName) {
      // Names are repeated in diagnostics, decisions and traces: a long one would make
      // their size grow with the source times the number of times it is named.
      Span sp{file, map.byte(t->getStartIndex()), map.byte(t->getStopIndex() + 1)};
      diags.error(DiagCode::TooMany, sp, fmt::format("a name of {} bytes; the limit is {}", text.size(), kMaxName))
          .help = "choose a shorter name";
      return false;
    }
    switch (type) {
      case L::LET: case L::DECISION: case L::RULE: case L::OBLIGE: case L::TEST: case L::PROPERTY: case L::ENUM:
      case L::RECORD: case L::ROUTE: case L::FACTS: case L::USE: case L::WHEN:
        prefix = binary = 0;
        break;
      default: break;
    }
    bool operand_before = prev == L::IDENT || prev == L::INT || prev == L::STRING || prev == L::DATE ||
                          prev == L::TRUE || prev == L::FALSE || prev_text == ")" || prev_text == "]" ||
                          prev_text == "}";
    if (text == "(" || text == "[" || text == "{") ++depth;
    else if ((text == ")" || text == "]" || text == "}") && depth > 0) --depth;
    else if (type == L::NOT || type == L::IF || type == L::ANY || type == L::ALL || type == L::COUNT || text == "!" ||
             (text == "-" && !operand_before))
      ++prefix;
    else if (type == L::AND || type == L::OR || type == L::IN || text == "==" || text == "!=" || text == "<" ||
             text == "<=" || text == ">" || text == ">=" || text == "+" || text == "-" || text == "*" || text == ".")
      ++binary;
    prev = type;
    prev_text = text;
    const char* what = depth > max_depth ? "brackets nested" : prefix > max_prefix ? "prefix operators" : nullptr;
    if (!what && binary > max_binary) what = "operators";
    if (what) {
      Span sp{file, map.byte(t->getStartIndex()), map.byte(t->getStopIndex() + 1)};
      int limit = depth > max_depth ? max_depth : prefix > max_prefix ? max_prefix : max_binary;
      diags.error(DiagCode::TooDeep, sp, fmt::format("more than {} {} in one declaration", limit, what)).help =
          "split the expression with `let` definitions";
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<ast::Module> parse_module(const SourceManager& sm, FileId file, Diagnostics& diags,
                                          const ParseLimits& limits) {
  const std::string& text = sm.text(file);
  auto empty = [&] {
    auto m = std::make_unique<ast::Module>();
    m->file = file;
    return m;
  };
  if (text.size() > limits.max_bytes) {
    // Files are read only up to one byte past the limit (compiler.cpp): say "more than".
    diags.error(DiagCode::TooLarge, {file, 0, 0},
                fmt::format("the file has more than {} bytes, the limit", limits.max_bytes))
        .help = "split it into a policy and modules it uses (`use`)";
    return empty();
  }
  size_t bad = invalid_utf8_at(text);
  if (bad != std::string::npos) {
    diags.error(DiagCode::BadCharacter, {file, static_cast<uint32_t>(bad), static_cast<uint32_t>(bad + 1)},
                "the file is not valid UTF-8 here")
        .help = "save the file as UTF-8";
    return empty();
  }
  OffsetMap map(text);
  try {
    antlr4::ANTLRInputStream input(text);
    L lexer(&input);
    lexer.removeErrorListeners();
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (!check_depth(tokens, map, file, limits.max_depth, diags)) return empty();
    P parser(&tokens);
    parser.removeErrorListeners();
    ErrorListener listener(diags, file, map, limits.max_errors);
    parser.addErrorListener(&listener);
    P::FileContext* tree = nullptr;
    try {
      tree = parser.file();
    } catch (const TooManyErrors&) {
      diags.error(DiagCode::TooManyErrors, {file, 0, 0},
                  fmt::format("more than {} syntax errors; fix these first", limits.max_errors));
      return empty();
    }
    Builder builder(file, diags, map, tokens);
    return builder.module(tree);
  } catch (const std::bad_alloc&) {
    throw;  // not the text's fault: compile_sources says memory ran out
  } catch (const std::exception& e) {
    diags.error(DiagCode::Syntax, {file, 0, 0}, fmt::format("the parser failed: {}", e.what()));
    return empty();
  }
}

}  // namespace lawful
