// Completion: what may come at the cursor, from the text before it (the file is often
// half-typed there) and the index of the last analysis (the schema, definitions, rules).
#include <regex>
#include <set>

#include "lsp/analysis.h"
#include "runtime/core/builtins.h"

namespace lawful::lsp {

namespace {

// CompletionItemKind
enum Kind { kMethod = 2, kFunction = 3, kField = 5, kVariable = 6, kModule = 9, kKeyword = 14, kSnippet = 15,
            kEnumMember = 20, kConstant = 21 };

struct Ty {
  int sym = -1;
  bool list = false;
};

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == '.') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

class Completer {
 public:
  Completer(const Analysis& a, uint32_t offset) : a_(a), ix_(a.index), text_(a.text), offset_(offset) {}

  json run() {
    uint32_t w = offset_;
    while (w > 0 && ident_char(text_[w - 1])) --w;
    uint32_t line_start = w;
    while (line_start > 0 && text_[line_start - 1] != '\n') --line_start;
    const std::string line = text_.substr(line_start, w - line_start);
    std::smatch m;

    if (w > 0 && text_[w - 1] == '.') {  // after a dot: a record's fields, or a module's definitions
      uint32_t c = w - 1;
      while (c > 0 && (ident_char(text_[c - 1]) || text_[c - 1] == '.')) --c;
      std::string chain = text_.substr(c, w - 1 - c);
      if (!module_names(chain)) fields(resolve(chain, c, 0));
      return items_;
    }
    static const std::regex kCompare(R"(([A-Za-z_][\w.]*)\s*(==|!=)\s*$)");
    static const std::regex kIn(R"(([A-Za-z_][\w.]*)\s+(not\s+)?in\s*\{[^}]*$)");
    if (std::regex_search(line, m, kCompare) || std::regex_search(line, m, kIn)) {
      uint32_t at = line_start + static_cast<uint32_t>(m.position(1));
      Ty t = resolve(m.str(1), at, 0);
      if (t.sym >= 0 && ix_.symbols()[static_cast<size_t>(t.sym)].kind == SymKind::Enum) {
        members(t.sym);
        return items_;
      }
    }
    static const std::regex kBasis(R"((^|\s)basis\s+$)");
    if (std::regex_search(line, m, kBasis)) {
      members(ix_.enumeration("Basis"));
      return items_;
    }
    static const std::regex kOblige(R"((^\s*(replace\s+)?oblige\s+$)|(\sobliges\s+[\w,\s]*$))");
    if (std::regex_search(line, m, kOblige)) {
      members(ix_.enumeration("Obligation"));
      for (const Symbol& s : ix_.symbols())
        if (s.kind == SymKind::Obligation) add(s.name, kConstant, detail_of(s), s.doc);
      return items_;
    }
    static const std::regex kOverrides(R"(\soverrides\s+[\w,\s]*$)");
    if (std::regex_search(line, m, kOverrides)) {
      static const std::regex kDecision(R"((^|\n)[ \t]*decision[ \t]+([A-Za-z_]\w*))");
      std::string before = text_.substr(0, line_start);
      uint32_t name_at = 0;
      for (auto it = std::sregex_iterator(before.begin(), before.end(), kDecision); it != std::sregex_iterator(); ++it)
        name_at = static_cast<uint32_t>(it->position(2));
      rules_of_decision_at(name_at);
      for (const char* v : {"every allow", "every deny", "every review"}) add(v, kKeyword, "every rule with that verdict");
      return items_;
    }
    static const std::regex kExpectRules(R"(expect\s+([A-Za-z_]\w*)\s+rules\s+[\w,\s]*$)");
    if (std::regex_search(line, m, kExpectRules)) {
      rules_of_decision_at(line_start + static_cast<uint32_t>(m.position(1)));
      return items_;
    }
    static const std::regex kExpectIs(R"(expect\s+[A-Za-z_]\w*\s+is\s+$)");
    if (std::regex_search(line, m, kExpectIs)) {
      for (const char* v : {"allow", "deny", "review"}) add(v, kKeyword, "verdict");
      return items_;
    }
    static const std::regex kExpect(R"(^\s*expect\s+$)");
    if (std::regex_search(line, m, kExpect)) {
      for (const Symbol& s : ix_.symbols())
        if (s.kind == SymKind::Decision) add(s.name, kClassLike(), "decision", s.doc);
      return items_;
    }
    if (test_facts(w, line)) return items_;
    everything();
    return items_;
  }

 private:
  const Analysis& a_;
  const Index& ix_;
  const std::string& text_;
  uint32_t offset_;
  json items_ = json::array();
  std::set<std::string> seen_;

  static int kClassLike() { return 7; }  // CompletionItemKind.Class

  void add(const std::string& label, int kind, const std::string& detail, const std::string& doc = {},
           const std::string& snippet = {}) {
    if (!seen_.insert(label).second) return;
    json item = {{"label", label}, {"kind", kind}};
    if (!detail.empty()) item["detail"] = detail;
    if (!doc.empty()) item["documentation"] = {{"kind", "markdown"}, {"value", doc}};
    if (!snippet.empty()) {
      item["insertText"] = snippet;
      item["insertTextFormat"] = 2;
    }
    items_.push_back(std::move(item));
  }

  Ty sym_ty(int s) const {
    if (s < 0) return {};
    const Symbol& sym = ix_.symbols()[static_cast<size_t>(s)];
    return {sym.type, sym.list};
  }

  Ty walk(Ty t, const std::vector<std::string>& parts, size_t from) const {
    for (size_t i = from; i < parts.size(); ++i) {
      if (t.sym < 0 || t.list || ix_.symbols()[static_cast<size_t>(t.sym)].kind != SymKind::Record) return {};
      int f = ix_.find("field " + ix_.symbols()[static_cast<size_t>(t.sym)].name + "/" + parts[i]);
      if (f < 0) return {};
      t = sym_ty(f);
    }
    return t;
  }

  // The type of a dotted name written at `at`.
  Ty resolve(const std::string& chain, uint32_t at, int depth) {
    std::vector<std::string> parts = split_dots(chain);
    if (parts.empty() || parts[0].empty() || depth > 8) return {};
    const std::string& head = parts[0];
    // What the analysis found there, when the parser could read it.
    if (const Occurrence* o = ix_.at(a_.file, at); o && o->span.begin == at) {
      const Symbol& s = ix_.symbols()[o->symbol];
      if (s.name == head && s.kind != SymKind::Module) return walk(sym_ty(static_cast<int>(o->symbol)), parts, 1);
    }
    int root = ix_.find("root " + head);
    if (root >= 0) return walk(sym_ty(root), parts, 1);
    std::string before = text_.substr(0, at);
    // A quantifier's variable: `any c in contact.consents: c.`
    std::regex quant("(any|all|count)\\s+" + head + "\\s+in\\s+([A-Za-z_][\\w.]*)");
    Ty found;
    bool matched = false;
    for (auto it = std::sregex_iterator(before.begin(), before.end(), quant); it != std::sregex_iterator(); ++it) {
      found = resolve(it->str(2), static_cast<uint32_t>(it->position(2)), depth + 1);
      matched = true;
    }
    if (matched) {
      found.list = false;
      return walk(found, parts, 1);
    }
    // A parameter: `let f(c: Consent) = c.`
    std::regex param("[(,]\\s*" + head + "\\s*:\\s*(list\\s+of\\s+)?([A-Za-z_]\\w*)");
    for (auto it = std::sregex_iterator(before.begin(), before.end(), param); it != std::sregex_iterator(); ++it) {
      int r = ix_.record(it->str(2));
      if (r < 0) r = ix_.enumeration(it->str(2));
      found = {r, it->length(1) > 0};
      matched = true;
    }
    if (matched) return walk(found, parts, 1);
    if (const ast::Module* m = a_.module()) {
      int let = ix_.find("let " + (m->name.parts.empty() ? "#" + std::to_string(m->file) : m->name.str()) + "/" + head);
      if (let >= 0) return walk(sym_ty(let), parts, 1);
    }
    return {};
  }

  void fields(Ty t) {
    if (t.sym < 0 || t.list) return;
    const Symbol& rec = ix_.symbols()[static_cast<size_t>(t.sym)];
    if (rec.kind != SymKind::Record) return;
    for (uint32_t f : ix_.children(static_cast<uint32_t>(t.sym), SymKind::Field)) {
      const Symbol& s = ix_.symbols()[f];
      add(s.name, kField, s.type_text, s.doc);
    }
  }

  void members(int en) {
    if (en < 0) return;
    for (uint32_t m : ix_.children(static_cast<uint32_t>(en), SymKind::Member)) {
      const Symbol& s = ix_.symbols()[m];
      add(s.name, kEnumMember, ix_.symbols()[static_cast<size_t>(en)].name, s.doc);
    }
  }

  // `std.` → the modules under std; `std.consent.` → its definitions. False when the chain
  // names no module.
  bool module_names(const std::string& chain) {
    bool any = false;
    for (const Symbol& s : ix_.symbols()) {
      if (s.kind != SymKind::Module) continue;
      if (s.name == chain) {
        for (const Symbol& l : ix_.symbols())
          if (l.kind == SymKind::Let && l.module == s.module && !l.name.empty())
            add(l.name, static_cast<const ast::LetDecl*>(l.node)->has_params ? kFunction : kVariable, detail_of(l), l.doc);
        any = true;
      } else if (s.name.rfind(chain + ".", 0) == 0) {
        std::string next = s.name.substr(chain.size() + 1);
        next = next.substr(0, next.find('.'));
        add(next, kModule, "module");
        any = true;
      }
    }
    return any;
  }

  void rules_of_decision_at(uint32_t name_at) {
    const Occurrence* o = ix_.at(a_.file, name_at);
    if (!o || ix_.symbols()[o->symbol].kind != SymKind::Decision) return;
    for (uint32_t r : ix_.children(o->symbol, SymKind::Rule)) {
      const Symbol& s = ix_.symbols()[r];
      add(s.name, kMethod, detail_of(s), s.doc);
    }
  }

  // The record whose braces enclose `pos` in a test's facts (`contact { ... }`,
  // `sender: { ... }`, `consents: [{ ... }]`), or -1.
  int record_at(uint32_t pos, int depth) {
    if (depth > 8) return -1;
    int level = 0;
    uint32_t i = pos;
    while (i > 0) {
      char c = text_[--i];
      if (c == '}' || c == ']') ++level;
      else if (c == '{' || c == '[') {
        if (level > 0) {
          --level;
          continue;
        }
        if (c == '[') continue;  // a list of records: the word before the list names them
        // The word that names this brace: before it, past spaces, ':' and '['s.
        uint32_t j = i;
        while (j > 0 && (text_[j - 1] == ' ' || text_[j - 1] == '\t' || text_[j - 1] == '\n' || text_[j - 1] == ':' ||
                         text_[j - 1] == '[' || text_[j - 1] == ','))
          --j;
        if (j > 0 && text_[j - 1] == '}') return -1;  // `[{...}, {`: handled by the list's bracket
        uint32_t e = j;
        while (j > 0 && ident_char(text_[j - 1])) --j;
        std::string word = text_.substr(j, e - j);
        if (word.empty()) return -1;
        int root = ix_.find("root " + word);
        if (root >= 0) return sym_ty(root).sym;
        int outer = record_at(j, depth + 1);
        if (outer < 0) return -1;
        int f = ix_.find("field " + ix_.symbols()[static_cast<size_t>(outer)].name + "/" + word);
        return sym_ty(f).sym;
      }
    }
    return -1;
  }

  bool test_facts(uint32_t w, const std::string& line) {
    int rec = record_at(w, 0);
    if (rec < 0 || ix_.symbols()[static_cast<size_t>(rec)].kind != SymKind::Record) return false;
    static const std::regex kValue(R"(([A-Za-z_]\w*)\s*:\s*\[?\s*$)");
    std::smatch m;
    if (std::regex_search(line, m, kValue)) {
      int f = ix_.find("field " + ix_.symbols()[static_cast<size_t>(rec)].name + "/" + m.str(1));
      Ty t = sym_ty(f);
      if (t.sym >= 0 && ix_.symbols()[static_cast<size_t>(t.sym)].kind == SymKind::Enum) members(t.sym);
      else if (f >= 0 && ix_.symbols()[static_cast<size_t>(f)].type_text == "bool")
        for (const char* v : {"true", "false"}) add(v, kKeyword, "bool");
      return true;
    }
    fields({rec, false});
    return true;
  }

  void everything() {
    add("cite", kSnippet, "a citation", "`cite \"...\"`: the provision a rule rests on", "cite \"${1:provision}\"");
    add("rule", kSnippet, "a rule", {}, "rule ${1:name}: ${2|allow,deny,review|}\n  when ${3:condition}\n  cite \"${4:provision}\"");
    add("test", kSnippet, "a test", {},
        "test \"${1:what it shows}\" {\n  contact  { $2 }\n  campaign { $3 }\n  expect ${4:decision} is ${5|allow,deny,review|}\n}");
    for (const std::string& k : keywords()) add(k, kKeyword, "keyword");
    for (const Symbol& s : ix_.symbols())
      if (s.kind == SymKind::Root) add(s.name, kVariable, s.type_text, s.doc);
    const ast::Module* m = a_.module();
    if (!m) return;
    for (const Symbol& s : ix_.symbols()) {
      if (s.kind == SymKind::Let && s.module == m) add(s.name, static_cast<const ast::LetDecl*>(s.node)->has_params ? kFunction : kVariable, detail_of(s), s.doc);
      if (s.kind == SymKind::Decision && s.module == m) add(s.name, kClassLike(), "decision", s.doc);
    }
    // Definitions a policy inherits, and the modules it uses.
    const ast::Module* p = m;
    for (int depth = 0; p && p->extends && depth < 32; ++depth) {
      int ps = ix_.find("module " + p->extends->str());
      if (ps < 0) break;
      p = ix_.symbols()[static_cast<size_t>(ps)].module;
      for (const Symbol& s : ix_.symbols())
        if (s.kind == SymKind::Let && s.module == p) add(s.name, kVariable, detail_of(s), s.doc);
    }
    for (const ast::UseDecl& u : m->uses) add(u.alias ? u.alias->text : u.module.str(), kModule, "module " + u.module.str());
    for (int b = 0; b < kBuiltinCount; ++b) {
      const BuiltinInfo& info = builtin_info(static_cast<BuiltinId>(b));
      add(info.name, kFunction, "library function", info.meaning);
    }
    add("known", kFunction, "library function", "`known(fact)`: the fact is not missing");
  }
};

}  // namespace

json complete(const Analysis& a, uint32_t offset) { return Completer(a, offset).run(); }

}  // namespace lawful::lsp
