// Ranges, URIs and the words of hovers; see analysis.h.
#include "lsp/analysis.h"

#include <fmt/format.h>

#include "runtime/core/dates.h"

namespace lawful::lsp {

const ast::Module* Analysis::module() const {
  for (const auto& m : comp.modules)
    if (m->file == file) return m.get();
  return nullptr;
}

const LineMap& Analysis::map(FileId f) const {
  auto it = maps_.find(f);
  if (it == maps_.end()) it = maps_.emplace(f, LineMap(comp.sources.text(f))).first;
  return it->second;
}

Position Analysis::position(FileId f, uint32_t off) const { return map(f).position(comp.sources.text(f), off); }

uint32_t Analysis::offset(Position p) const { return LineMap(text).offset(text, p); }

json Analysis::range(Span span) const {
  if (!span.valid() || span.file >= comp.sources.size())
    return {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}};
  Position a = position(span.file, span.begin), b = position(span.file, span.end);
  return {{"start", {{"line", a.line}, {"character", a.character}}}, {"end", {{"line", b.line}, {"character", b.character}}}};
}

std::string uri_to_path(const std::string& uri) {
  std::string rest;
  if (uri.rfind("file://", 0) == 0) rest = uri.substr(7);
  else return uri;
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(rest[i + 2]))) {
      out += static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += rest[i];
    }
  }
  return out;
}

std::string path_to_uri(const std::string& path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

namespace {

std::string source_text(const Analysis& a, Span s, size_t max_lines = 20) {
  if (!s.valid() || s.file >= a.comp.sources.size()) return {};
  const std::string& t = a.comp.sources.text(s.file);
  std::string out = t.substr(s.begin, s.end - s.begin);
  size_t lines = 0, pos = 0;
  while ((pos = out.find('\n', pos)) != std::string::npos) {
    if (++lines == max_lines) {
      out = out.substr(0, pos) + "\n…";
      break;
    }
    ++pos;
  }
  return out;
}

std::string code(const std::string& text) { return "```law\n" + text + "\n```"; }

std::string join_names(const std::vector<ast::OverrideTarget>& v) {
  std::string s;
  for (const auto& o : v) s += (s.empty() ? "" : ", ") + o.text;
  return s;
}

}  // namespace

std::string detail_of(const Symbol& s) {
  switch (s.kind) {
    case SymKind::Field: return s.type_text;
    case SymKind::Root: return s.type_text;
    case SymKind::Local: return s.type_text;
    case SymKind::Member: return "member";
    case SymKind::Rule: {
      const auto* r = static_cast<const ast::RuleDecl*>(s.node);
      return std::string("rule: ") + ast::verdict_text(r->verdict) + (r->basis ? " basis " + r->basis->text : "");
    }
    case SymKind::Let: return static_cast<const ast::LetDecl*>(s.node)->has_params ? "definition (with parameters)" : "definition";
    case SymKind::Module: return "module";
    case SymKind::Obligation: return "obligation";
    default: return {};
  }
}

std::string describe(const Analysis& a, const Symbol& s) {
  std::string out;
  auto add_doc = [&](const std::string& doc) {
    if (!doc.empty()) out += "\n\n" + doc;
  };
  switch (s.kind) {
    case SymKind::Field: {
      std::string rec = s.parent >= 0 ? a.index.symbols()[static_cast<size_t>(s.parent)].name : "";
      out = code(fmt::format("{}.{}: {}", rec, s.name, s.type_text));
      const auto* f = static_cast<const ast::FieldDecl*>(s.node);
      if (f->default_value) out += "\n\nAbsent: `" + source_text(a, f->default_value->span, 1) + "`.";
      else if (s.type_text.rfind("optional", 0) == 0) out += "\n\nAbsent: it does not exist (`known(...)` is false).";
      else out += "\n\nAbsent: unknown.";
      add_doc(s.doc);
      break;
    }
    case SymKind::Root:
      out = code(fmt::format("{}: {}", s.name, s.type_text)) + "\n\nA root of the facts (`std.facts`).";
      if (s.type >= 0) add_doc(a.index.symbols()[static_cast<size_t>(s.type)].doc);
      break;
    case SymKind::Local:
      out = code(s.type_text.empty() ? s.name : s.name + ": " + s.type_text);
      out += s.parent >= 0 ? "\n\nA parameter of `" + a.index.symbols()[static_cast<size_t>(s.parent)].name + "`." : "\n\nA quantifier's variable.";
      break;
    case SymKind::Let: {
      const auto* l = static_cast<const ast::LetDecl*>(s.node);
      out = code(source_text(a, l->span));
      add_doc(s.doc);
      if (s.module) out += "\n\nIn `" + s.module->name.str() + "`.";
      break;
    }
    case SymKind::Rule: {
      const auto* r = static_cast<const ast::RuleDecl*>(s.node);
      std::string head = fmt::format("rule {}: {}", r->name.text, ast::verdict_text(r->verdict));
      if (r->basis) head += " basis " + r->basis->text;
      out = code(head);
      if (s.parent >= 0) out += "\n\nIn decision `" + a.index.symbols()[static_cast<size_t>(s.parent)].name + "`" +
                                (s.module ? " of `" + s.module->name.str() + "`" : "") + ".";
      out += r->when ? "\n\n**when** `" + source_text(a, r->when->span, 3) + "`" : "\n\nAlways applies (no `when`).";
      for (const auto& c : r->cites) out += "\n\n**cite** " + c.text;
      if (r->cites.empty()) out += "\n\n**cite**: none";
      if (r->effective.present) {
        out += "\n\n**effective** " + format_date(r->effective.from);
        if (r->effective.until) out += " until " + format_date(*r->effective.until) + " (excluded)";
      } else {
        out += "\n\n**effective**: always";
      }
      if (!r->overrides.empty()) out += "\n\n**overrides** " + join_names(r->overrides);
      add_doc(s.doc);
      break;
    }
    case SymKind::Decision: {
      const auto* d = static_cast<const ast::DecisionDecl*>(s.node);
      std::string head = "decision " + d->name.text;
      if (d->guard) head += " when " + source_text(a, d->guard->span, 3);
      out = code(head);
      out += fmt::format("\n\n{} rule{} here.", d->rules.size(), d->rules.size() == 1 ? "" : "s");
      add_doc(s.doc);
      break;
    }
    case SymKind::Member: {
      std::string en = s.parent >= 0 ? a.index.symbols()[static_cast<size_t>(s.parent)].name : "";
      out = code(en + "." + s.name) + "\n\nA member of the enumeration `" + en + "`.";
      add_doc(s.doc);
      if (s.parent >= 0) add_doc(a.index.symbols()[static_cast<size_t>(s.parent)].doc);
      break;
    }
    case SymKind::Enum:
    case SymKind::Record:
      out = code(source_text(a, s.decl_span, 30));
      add_doc(s.doc);
      break;
    case SymKind::Module: {
      const auto* m = static_cast<const ast::Module*>(s.node);
      const char* kind = m->kind == ast::ModuleKind::Policy ? "policy" : m->kind == ast::ModuleKind::Library ? "module" : "routing";
      out = code(fmt::format("{} {}{}", kind, s.name, m->title.empty() ? "" : " \"" + m->title + "\""));
      add_doc(s.doc);
      break;
    }
    case SymKind::Obligation:
      out = code("obligation " + s.name) + "\n\nAn obligation of this policy's own.";
      add_doc(s.doc);
      break;
    case SymKind::Test: out = code("test \"" + s.name + "\""); break;
  }
  return out;
}

}  // namespace lawful::lsp
