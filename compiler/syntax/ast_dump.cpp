// The AST as text without positions; see ast_dump.h.
#include "compiler/syntax/ast_dump.h"

#include <fmt/format.h>

namespace lawful::ast {

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "\"";
}

template <class T>
std::string names(const std::vector<T>& v) {
  std::string s;
  for (const Name& n : v) s += (s.empty() ? "" : ",") + n.text;
  return s;
}

std::string qnames(const std::vector<QName>& v) {
  std::string s;
  for (const QName& n : v) s += (s.empty() ? "" : ",") + n.str();
  return s;
}

std::string type(const TypeRef& t) {
  switch (t.kind) {
    case TypeRef::Named: return t.name;
    case TypeRef::List: return "(list " + (t.elem ? type(*t.elem) : std::string("?")) + ")";
    case TypeRef::Optional: return "(optional " + (t.elem ? type(*t.elem) : std::string("?")) + ")";
  }
  return "?";
}

std::string value(const FactValue& v) {
  switch (v.kind) {
    case FactValue::Record: {
      std::string s = "{";
      for (const auto& [n, x] : v.fields) s += fmt::format(" {}:{}", n.text, value(x));
      return s + " }";
    }
    case FactValue::List: {
      std::string s = "[";
      for (const FactValue& x : v.items) s += " " + value(x);
      return s + " ]";
    }
    case FactValue::String: return quote(v.text);
    case FactValue::Date: return "date:" + std::to_string(v.ival);
    case FactValue::Int: return std::to_string(v.ival);
    case FactValue::Bool: return v.ival ? "true" : "false";
    case FactValue::Null: return "null";
    case FactValue::Word: return "word:" + v.text;
  }
  return "?";
}

std::string effective(const Effective& e) {
  if (!e.present) return "";
  return e.until ? fmt::format(" (effective {} {})", e.from, *e.until) : fmt::format(" (effective {})", e.from);
}

std::string cites(const std::vector<Cite>& v) {
  std::string s;
  for (const Cite& c : v) s += " (cite " + quote(c.text) + ")";
  return s;
}

std::string doc(const std::string& d) { return d.empty() ? "" : " (doc " + quote(d) + ")"; }

}  // namespace

std::string dump(const Expr& e) {
  auto kid = [&](size_t i) { return i < e.kids.size() && e.kids[i] ? dump(*e.kids[i]) : std::string("?"); };
  auto all = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < e.kids.size(); ++i) s += " " + kid(i);
    return s;
  };
  switch (e.kind) {
    case ExprKind::Bool: return e.ival ? "true" : "false";
    case ExprKind::Int: return std::to_string(e.ival);
    case ExprKind::String: return quote(e.text);
    case ExprKind::Date: return "date:" + std::to_string(e.ival);
    case ExprKind::Duration: return fmt::format("duration:{}m{}d", e.months, e.days);
    case ExprKind::VerdictLit: return verdict_text(static_cast<Verdict>(e.ival));
    case ExprKind::VerdictRef: return "verdict";
    case ExprKind::Name: return e.text;
    case ExprKind::Field: return fmt::format("(. {} {})", kid(0), e.text);
    case ExprKind::Call: return fmt::format("(call {}{})", kid(0), all(1));
    case ExprKind::Set: return fmt::format("(set{})", all(0));
    case ExprKind::List: return fmt::format("(list{})", all(0));
    case ExprKind::Neg: return fmt::format("(- {})", kid(0));
    case ExprKind::Not: return fmt::format("(not {})", kid(0));
    case ExprKind::Binary: return fmt::format("({} {} {})", binop_text(e.op), kid(0), kid(1));
    case ExprKind::In: return fmt::format("({} {} {})", e.negated ? "not-in" : "in", kid(0), kid(1));
    case ExprKind::Quant: return fmt::format("({} {} {} {})", quant_text(e.quant), e.text, kid(0), kid(1));
    case ExprKind::If: return fmt::format("(if {} {} {})", kid(0), kid(1), kid(2));
    case ExprKind::Error: return "(error)";
  }
  return "?";
}

std::string dump(const Module& m) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  static const char* kKinds[] = {"file", "policy", "module", "routing"};
  std::string head = fmt::format("{} {} {}", kKinds[static_cast<int>(m.kind)], m.name.str(), quote(m.title));
  if (m.extends) head += " extends " + m.extends->str();
  line(head + doc(m.doc));
  if (!m.jurisdictions.empty()) line("  jurisdiction " + names(m.jurisdictions));
  for (const std::string& s : m.sources) line("  source " + quote(s));
  if (m.effective.present) line(" " + effective(m.effective));
  for (const UseDecl& u : m.uses) line("use " + u.module.str() + (u.alias ? " as " + u.alias->text : ""));
  for (const LetDecl& l : m.lets) {
    std::string params;
    for (const Param& p : l.params) params += " " + p.name.text + (p.type ? ":" + type(*p.type) : "");
    line(fmt::format("{}let {}{}{} = {}{}", l.replace ? "replace " : "", l.name.text,
                     l.has_params ? " (" : "", l.has_params ? params + " )" : "", l.body ? dump(*l.body) : "?",
                     doc(l.doc)));
  }
  for (const DecisionDecl& d : m.decisions) {
    line(fmt::format("decision {}{}{}", d.name.text, d.guard ? " when " + dump(*d.guard) : "", doc(d.doc)));
    for (const RuleDecl& r : d.rules) {
      line(fmt::format("  {}rule {} {}{}{}", r.replace ? "replace " : "", r.name.text, verdict_text(r.verdict),
                       r.basis ? " basis " + r.basis->text : "", doc(r.doc)));
      if (r.when) line("    when " + dump(*r.when));
      if (!r.overrides.empty()) line("    overrides " + names(r.overrides));
      if (!r.needs.empty()) line("    needs " + qnames(r.needs));
      if (r.effective.present) line("   " + effective(r.effective));
      if (!r.cites.empty()) line("   " + cites(r.cites));
    }
    for (const ObligeDecl& o : d.obliges) {
      std::string fors;
      for (const ObligeFor& f : o.for_rules) fors += (fors.empty() ? " for " : ",") + std::string(f.basis ? "basis " : "") + f.name.text;
      line(fmt::format("  {}oblige {}{}{}{}", o.replace ? "replace " : "", o.name.text, fors,
                       o.when ? " when " + dump(*o.when) : "", cites(o.cites)));
    }
  }
  for (const ObligationDecl& o : m.obligations) line(fmt::format("obligation {} {}{}", o.name.text, quote(o.title), doc(o.doc)));
  for (const EnumDecl& e : m.enums) line(fmt::format("enum {} {}{}", e.name.text, names(e.members), doc(e.doc)));
  for (const RecordDecl& r : m.records) {
    line(fmt::format("record {}{}", r.name.text, doc(r.doc)));
    for (const FieldDecl& f : r.fields)
      line(fmt::format("  {}: {}{}{}", f.name.text, type(f.type), f.default_value ? " default " + value(*f.default_value) : "",
                       doc(f.doc)));
  }
  for (const FactsDecl& f : m.facts) {
    std::string s = "facts";
    for (const auto& [a, b] : f.roots) s += fmt::format(" {}:{}", a.text, b.text);
    if (f.as_of) s += " as of " + f.as_of->str();
    line(s);
  }
  for (const RouteDecl& r : m.routes) {
    std::string s = "route";
    for (const RouteKey& k : r.keys) s += " " + (k.is_string ? quote(k.text) : k.text);
    line(s + " to " + (r.target ? r.target->str() : std::string("review")));
  }
  for (const TestDecl& t : m.tests) {
    line("test " + quote(t.title) + (t.as_of ? fmt::format(" as of {}", *t.as_of) : ""));
    for (const auto& [role, v] : t.facts) line(fmt::format("  {} {}", role.text, value(v)));
    for (const Expectation& e : t.expects) {
      switch (e.kind) {
        case Expectation::Verdict:
          line(fmt::format("  expect {} is {}{}{}", e.decision.text, e.negated ? "not " : "", verdict_text(e.verdict),
                           e.basis ? " basis " + e.basis->text : ""));
          break;
        case Expectation::Cites: line(fmt::format("  expect {} cites {}", e.decision.text, quote(e.text))); break;
        case Expectation::Missing: line(fmt::format("  expect {} missing {}", e.decision.text, qnames(e.items))); break;
        case Expectation::Obliges: line(fmt::format("  expect {} obliges {}", e.decision.text, qnames(e.items))); break;
        case Expectation::Rules: line(fmt::format("  expect {} rules {}", e.decision.text, qnames(e.items))); break;
      }
    }
  }
  for (const PropertyDecl& p : m.properties) {
    line("property " + quote(p.title) + (p.as_of ? fmt::format(" as of {}", *p.as_of) : ""));
    for (const ExprPtr& w : p.when) line("  when " + dump(*w));
    for (const Expectation& e : p.expects) {
      if (e.kind == Expectation::Verdict)
        line(fmt::format("  expect {} is {}{}{}", e.decision.text, e.negated ? "not " : "", verdict_text(e.verdict),
                         e.basis ? " basis " + e.basis->text : ""));
      else
        line(fmt::format("  expect {} obliges {}{}", e.decision.text, qnames(e.items),
                         e.for_every ? std::string(" for every ") + verdict_text(*e.for_every) : ""));
    }
  }
  return out;
}

}  // namespace lawful::ast
