// The symbol index; see index.h. Resolution follows compiler/sema/lower.cpp's order for a
// name: a local, an enumeration member where one is expected, a definition in scope, a
// root of the facts, a definition of a module in use, then a member by its name alone.
#include "lsp/index.h"

#include <algorithm>
#include <functional>
#include <set>

namespace lawful::lsp {

namespace {

struct Ty {
  int sym = -1;  // a Record or Enum symbol, or -1 (unknown, or not one of those)
  bool list = false;
};

struct Scope {
  std::map<std::string, uint32_t> lets;
  std::map<std::string, uint32_t> modules;  // by dotted name and by alias
};

Symbol make_symbol(SymKind kind, std::string name, std::string key, Span name_span, Span decl_span,
                   const ast::Module* module, const void* node) {
  Symbol s;
  s.kind = kind;
  s.name = std::move(name);
  s.key = std::move(key);
  s.name_span = name_span;
  s.decl_span = decl_span;
  s.module = module;
  s.node = node;
  return s;
}

std::string module_key(const ast::Module& m) {
  return m.name.parts.empty() ? "#" + std::to_string(m.file) : m.name.str();
}

}  // namespace

class Resolver {
 public:
  Resolver(Index& ix, const Compilation& c) : ix_(ix), c_(c) {}

  void run() {
    for (const auto& m : c_.modules) declare(*m);
    for (const auto& m : c_.modules) declare_fields(*m);
    for (const auto& m : c_.modules) scope_of(*m);
    for (const auto& m : c_.modules) declare_decisions(*m);
    for (const auto& m : c_.modules) resolve_module(*m);
    std::sort(ix_.occurrences_.begin(), ix_.occurrences_.end(), [](const Occurrence& a, const Occurrence& b) {
      if (a.span.file != b.span.file) return a.span.file < b.span.file;
      if (a.span.begin != b.span.begin) return a.span.begin < b.span.begin;
      return a.span.end > b.span.end;
    });
  }

 private:
  Index& ix_;
  const Compilation& c_;
  std::map<std::string, const ast::Module*> modules_;  // by dotted name
  std::map<const ast::Module*, Scope> scopes_;
  std::map<const ast::LetDecl*, uint32_t> let_sym_;
  std::map<uint32_t, Ty> let_type_;
  std::map<uint32_t, int> let_state_;  // 1 resolving, 2 done
  std::map<std::string, std::vector<uint32_t>> members_by_name_;
  std::set<const ast::Module*> decided_;  // declare_decisions done

  struct Env {
    const ast::Module* module = nullptr;
    std::vector<std::pair<std::string, uint32_t>> locals;
  };

  uint32_t add(Symbol s) {
    std::string key = s.key;
    for (int n = 2; ix_.by_key_.count(key); ++n) key = s.key + "#" + std::to_string(n);
    s.key = key;
    uint32_t id = static_cast<uint32_t>(ix_.symbols_.size());
    ix_.by_key_[key] = id;
    if (s.name_span.valid()) ix_.occurrences_.push_back({s.name_span, id, true});
    ix_.symbols_.push_back(std::move(s));
    return id;
  }
  void use(Span span, int sym) {
    if (sym >= 0 && span.valid()) ix_.occurrences_.push_back({span, static_cast<uint32_t>(sym), false});
  }
  int find(const std::string& key) const { return ix_.find(key); }

  Ty type_of(const ast::TypeRef& t, bool mark) {
    if (t.kind != ast::TypeRef::Named) {
      if (!t.elem) return {};
      Ty e = type_of(*t.elem, mark);
      if (t.kind == ast::TypeRef::List) e.list = true;
      return e;
    }
    int s = ix_.record(t.name);
    if (s < 0) s = ix_.enumeration(t.name);
    if (mark) use(t.span, s);
    return {s, false};
  }

  static std::string type_text(const ast::TypeRef& t) {
    switch (t.kind) {
      case ast::TypeRef::List: return "list of " + (t.elem ? type_text(*t.elem) : std::string("?"));
      case ast::TypeRef::Optional: return "optional " + (t.elem ? type_text(*t.elem) : std::string("?"));
      default: return t.name;
    }
  }

  // The comment after an enumeration member on its line (`include_unsubscribe, // ...`).
  std::string trailing_comment(const ast::Module& m, Span member) {
    const std::string& text = c_.sources.text(member.file);
    for (const ast::Comment& cm : m.comments) {
      if (cm.span.begin < member.end) continue;
      std::string_view between(text.data() + member.end, cm.span.begin - member.end);
      if (between.find_first_not_of(" \t,") != std::string_view::npos) break;
      std::string t = cm.text;
      size_t p = t.find_first_not_of("/# ");
      return p == std::string::npos ? std::string() : t.substr(p);
    }
    return {};
  }

  void declare(const ast::Module& m) {
    std::string mk = module_key(m);
    if (!m.name.parts.empty() && m.kind != ast::ModuleKind::None) {
      Symbol s;
      s.kind = SymKind::Module;
      s.name = m.name.str();
      s.key = "module " + s.name;
      s.name_span = m.name.span;
      s.decl_span = m.header_span;
      s.module = &m;
      s.node = &m;
      s.doc = m.doc;
      modules_.emplace(s.name, &m);
      add(std::move(s));
    }
    for (const ast::EnumDecl& e : m.enums) {
      Symbol s = make_symbol(SymKind::Enum, e.name.text, "enum " + e.name.text, e.name.span, e.span, &m, &e);
      s.doc = e.doc;
      uint32_t id = add(std::move(s));
      for (const ast::Name& n : e.members) {
        Symbol ms = make_symbol(SymKind::Member, n.text, "member " + e.name.text + "/" + n.text, n.span, n.span, &m, &e);
        ms.parent = static_cast<int>(id);
        ms.doc = trailing_comment(m, n.span);
        members_by_name_[n.text].push_back(add(std::move(ms)));
      }
    }
    for (const ast::RecordDecl& r : m.records) {
      Symbol s = make_symbol(SymKind::Record, r.name.text, "record " + r.name.text, r.name.span, r.span, &m, &r);
      s.doc = r.doc;
      add(std::move(s));
    }
    for (const ast::LetDecl& l : m.lets) {
      Symbol s = make_symbol(SymKind::Let, l.name.text, "let " + mk + "/" + l.name.text, l.name.span, l.span, &m, &l);
      s.doc = l.doc;
      if (l.replace) s.key += "#replace";
      let_sym_[&l] = add(std::move(s));
    }
    for (const ast::ObligationDecl& o : m.obligations) {
      Symbol s = make_symbol(SymKind::Obligation, o.name.text, "obligation " + mk + "/" + o.name.text, o.name.span, o.span, &m, &o);
      s.doc = o.doc.empty() ? o.title : o.doc + "\n\n" + o.title;
      add(std::move(s));
    }
  }

  void declare_fields(const ast::Module& m) {
    for (const ast::RecordDecl& r : m.records) {
      int rec = ix_.record(r.name.text);
      for (const ast::FieldDecl& f : r.fields) {
        Symbol s = make_symbol(SymKind::Field, f.name.text, "field " + r.name.text + "/" + f.name.text, f.name.span, f.span, &m, &f);
        s.parent = rec;
        Ty t = type_of(f.type, true);
        s.type = t.sym;
        s.list = t.list;
        s.type_text = type_text(f.type);
        s.doc = f.doc;
        add(std::move(s));
        if (f.default_value) fact_value(*f.default_value, t);
      }
    }
    for (const ast::FactsDecl& fd : m.facts)
      for (const auto& [root, rec] : fd.roots) {
        Symbol s = make_symbol(SymKind::Root, root.text, "root " + root.text, root.span, fd.span, &m, &fd);
        s.type = ix_.record(rec.text);
        s.type_text = rec.text;
        use(rec.span, s.type);
        add(std::move(s));
      }
    // Declarations that depend on a policy's parent come after every module is declared.
  }

  const ast::Module* parent_of(const ast::Module& m) const {
    if (!m.extends) return nullptr;
    auto it = modules_.find(m.extends->str());
    return it == modules_.end() || it->second == &m ? nullptr : it->second;
  }

  Scope& scope_of(const ast::Module& m, int depth = 0) {
    auto it = scopes_.find(&m);
    if (it != scopes_.end()) return it->second;
    Scope s;
    if (const ast::Module* p = parent_of(m); p && depth < 32) s = scope_of(*p, depth + 1);
    for (const ast::UseDecl& u : m.uses) {
      int id = find("module " + u.module.str());
      if (id < 0) continue;
      s.modules[u.module.str()] = static_cast<uint32_t>(id);
      if (u.alias) s.modules[u.alias->text] = static_cast<uint32_t>(id);
    }
    for (const ast::LetDecl& l : m.lets) s.lets[l.name.text] = let_sym_[&l];
    return scopes_[&m] = std::move(s);
  }

  // Decisions, rules, obligations: declared by a policy or by a policy it extends.
  int decision_in(const ast::Module* m, const std::string& name) {
    for (int d = 0; m && d < 32; m = parent_of(*m), ++d) {
      int id = find("decision " + module_key(*m) + "/" + name);
      if (id >= 0) return id;
    }
    return -1;
  }
  int rule_in(const ast::Module* m, const std::string& decision, const std::string& name) {
    for (int d = 0; m && d < 32; m = parent_of(*m), ++d) {
      int id = find("rule " + module_key(*m) + "/" + decision + "/" + name);
      if (id >= 0) return id;
    }
    return -1;
  }
  int obligation_in(const ast::Module* m, const std::string& name) {
    for (int d = 0; m && d < 32; m = parent_of(*m), ++d) {
      int id = find("obligation " + module_key(*m) + "/" + name);
      if (id >= 0) return id;
    }
    return find("member Obligation/" + name);
  }
  int member_of(Ty t, const std::string& name) {
    if (t.sym < 0 || ix_.symbols_[static_cast<size_t>(t.sym)].kind != SymKind::Enum) return -1;
    return find("member " + ix_.symbols_[static_cast<size_t>(t.sym)].name + "/" + name);
  }
  int only_member(const std::string& name) {
    auto it = members_by_name_.find(name);
    return it != members_by_name_.end() && it->second.size() == 1 ? static_cast<int>(it->second[0]) : -1;
  }
  Ty enum_ty(const char* name) { return {ix_.enumeration(name), false}; }

  Ty let_type(uint32_t sym) {
    auto st = let_state_.find(sym);
    if (st != let_state_.end()) return st->second == 2 ? let_type_[sym] : Ty{};
    resolve_let(sym);
    return let_type_[sym];
  }

  void resolve_let(uint32_t sym) {
    if (let_state_.count(sym)) return;
    let_state_[sym] = 1;
    const Symbol& s = ix_.symbols_[sym];
    const auto* l = static_cast<const ast::LetDecl*>(s.node);
    Env env{s.module, {}};
    for (const ast::Param& p : l->params) {
      Symbol ps = make_symbol(SymKind::Local, p.name.text,
                "local " + std::to_string(p.name.span.file) + ":" + std::to_string(p.name.span.begin), p.name.span,
                p.name.span, s.module, &p);
      ps.parent = static_cast<int>(sym);
      if (p.type) {
        Ty t = type_of(*p.type, true);
        ps.type = t.sym;
        ps.list = t.list;
        ps.type_text = type_text(*p.type);
      }
      env.locals.emplace_back(p.name.text, add(std::move(ps)));
    }
    Ty t = l->body ? expr(*l->body, env) : Ty{};
    let_type_[sym] = t;
    let_state_[sym] = 2;
    ix_.symbols_[sym].type = t.sym;
    ix_.symbols_[sym].list = t.list;
  }

  // Fields after a record-typed value, from parts[from].
  Ty walk(Ty t, const std::vector<ast::Name>& parts, size_t from) {
    for (size_t i = from; i < parts.size(); ++i) {
      if (t.sym < 0 || t.list || ix_.symbols_[static_cast<size_t>(t.sym)].kind != SymKind::Record) return {};
      int f = find("field " + ix_.symbols_[static_cast<size_t>(t.sym)].name + "/" + parts[i].text);
      if (f < 0) return {};
      use(parts[i].span, f);
      const Symbol& fs = ix_.symbols_[static_cast<size_t>(f)];
      t = {fs.type, fs.list};
    }
    return t;
  }

  Ty local_ty(uint32_t sym) const {
    const Symbol& s = ix_.symbols_[sym];
    return {s.type, s.list};
  }

  // A dotted name: a local, a member, a definition, a root, a module's definition.
  Ty chain(const std::vector<ast::Name>& parts, Env& env, Ty expected) {
    const std::string& first = parts[0].text;
    for (auto it = env.locals.rbegin(); it != env.locals.rend(); ++it)
      if (it->first == first) {
        use(parts[0].span, static_cast<int>(it->second));
        return walk(local_ty(it->second), parts, 1);
      }
    if (parts.size() == 1) {
      int m = member_of(expected, first);
      if (m >= 0) {
        use(parts[0].span, m);
        return expected;
      }
    }
    Scope& scope = scope_of(*env.module);
    if (auto it = scope.lets.find(first); it != scope.lets.end()) {
      use(parts[0].span, static_cast<int>(it->second));
      return walk(let_type(it->second), parts, 1);
    }
    int root = find("root " + first);
    if (root >= 0) {
      use(parts[0].span, root);
      return walk(local_ty(static_cast<uint32_t>(root)), parts, 1);
    }
    for (size_t k = parts.size() - 1; k >= 1; --k) {
      std::string prefix;
      for (size_t i = 0; i < k; ++i) prefix += (i ? "." : "") + parts[i].text;
      int mod = -1;
      if (auto it = scope.modules.find(prefix); it != scope.modules.end()) mod = static_cast<int>(it->second);
      else mod = find("module " + prefix);
      if (mod < 0) continue;
      use({parts[0].span.file, parts[0].span.begin, parts[k - 1].span.end}, mod);
      const ast::Module* lib = ix_.symbols_[static_cast<size_t>(mod)].module;
      int let = find("let " + module_key(*lib) + "/" + parts[k].text);
      if (let < 0) return {};
      use(parts[k].span, let);
      return walk(let_type(static_cast<uint32_t>(let)), parts, k + 1);
    }
    if (parts.size() == 1) use(parts[0].span, only_member(first));
    return {};
  }

  static bool flatten(const ast::Expr& e, std::vector<ast::Name>& parts) {
    const ast::Expr* cur = &e;
    while (cur->kind == ast::ExprKind::Field) {
      parts.push_back({cur->text, cur->name_span});
      cur = cur->kids[0].get();
    }
    if (cur->kind != ast::ExprKind::Name) return false;
    parts.push_back({cur->text, cur->span});
    std::reverse(parts.begin(), parts.end());
    return true;
  }

  bool is_plain_word(const ast::Expr& e, Env& env) {
    if (e.kind != ast::ExprKind::Name) return false;
    for (const auto& l : env.locals)
      if (l.first == e.text) return false;
    return !scope_of(*env.module).lets.count(e.text) && find("root " + e.text) < 0;
  }

  Ty expr(const ast::Expr& e, Env& env, Ty expected = {}) {
    switch (e.kind) {
      case ast::ExprKind::Name:
      case ast::ExprKind::Field: {
        std::vector<ast::Name> parts;
        if (flatten(e, parts)) return chain(parts, env, expected);
        // A field of something that is not a name: `(x).f`.
        const ast::Expr* cur = &e;
        std::vector<ast::Name> fields;
        while (cur->kind == ast::ExprKind::Field) {
          fields.push_back({cur->text, cur->name_span});
          cur = cur->kids[0].get();
        }
        std::reverse(fields.begin(), fields.end());
        return walk(expr(*cur, env), fields, 0);
      }
      case ast::ExprKind::Call: return call(e, env);
      case ast::ExprKind::Binary: {
        if (e.op == ast::BinOp::And || e.op == ast::BinOp::Or) {
          for (const auto& k : e.kids) expr(*k, env);
          return {};
        }
        if (e.kids.size() < 2) return {};
        if (is_plain_word(*e.kids[0], env) && !is_plain_word(*e.kids[1], env)) {
          Ty t = expr(*e.kids[1], env);
          expr(*e.kids[0], env, t);
        } else {
          Ty t = expr(*e.kids[0], env);
          expr(*e.kids[1], env, t);
        }
        return {};
      }
      case ast::ExprKind::In: {
        if (e.kids.size() < 2) return {};
        Ty t = expr(*e.kids[0], env);
        t.list = false;
        Ty want = t;
        want.list = true;
        expr(*e.kids[1], env, want);
        return {};
      }
      case ast::ExprKind::Set:
      case ast::ExprKind::List: {
        Ty elem = expected;
        elem.list = false;
        for (const auto& k : e.kids) expr(*k, env, elem);
        Ty out = elem;
        out.list = true;
        return out;
      }
      case ast::ExprKind::Quant: {
        if (e.kids.size() < 2) return {};
        Ty t = expr(*e.kids[0], env);
        Symbol s = make_symbol(SymKind::Local, e.text,
                 "local " + std::to_string(e.name_span.file) + ":" + std::to_string(e.name_span.begin), e.name_span,
                 e.name_span, env.module, &e);
        s.type = t.sym;
        if (t.sym >= 0) s.type_text = ix_.symbols_[static_cast<size_t>(t.sym)].name;
        env.locals.emplace_back(e.text, add(std::move(s)));
        expr(*e.kids[1], env);
        env.locals.pop_back();
        return {};
      }
      case ast::ExprKind::If: {
        if (e.kids.size() < 3) return {};
        expr(*e.kids[0], env);
        Ty a = expr(*e.kids[1], env, expected);
        Ty b = expr(*e.kids[2], env, a.sym >= 0 ? a : expected);
        return a.sym >= 0 ? a : b;
      }
      default:
        for (const auto& k : e.kids) expr(*k, env);
        return {};
    }
  }

  Ty call(const ast::Expr& e, Env& env) {
    if (e.kids.empty()) return {};
    const ast::Expr& callee = *e.kids[0];
    int let = -1;
    if (callee.kind == ast::ExprKind::Name) {
      Scope& scope = scope_of(*env.module);
      if (auto it = scope.lets.find(callee.text); it != scope.lets.end()) {
        let = static_cast<int>(it->second);
        use(callee.span, let);
      }
    } else {
      std::vector<ast::Name> parts;
      if (flatten(callee, parts) && parts.size() >= 2) {
        std::string prefix;
        for (size_t i = 0; i + 1 < parts.size(); ++i) prefix += (i ? "." : "") + parts[i].text;
        Scope& scope = scope_of(*env.module);
        int mod = -1;
        if (auto it = scope.modules.find(prefix); it != scope.modules.end()) mod = static_cast<int>(it->second);
        else mod = find("module " + prefix);
        if (mod >= 0) {
          use({parts[0].span.file, parts[0].span.begin, parts[parts.size() - 2].span.end}, mod);
          let = find("let " + module_key(*ix_.symbols_[static_cast<size_t>(mod)].module) + "/" + parts.back().text);
          use(parts.back().span, let);
        }
      }
    }
    const ast::LetDecl* decl = let >= 0 ? static_cast<const ast::LetDecl*>(ix_.symbols_[static_cast<size_t>(let)].node) : nullptr;
    for (size_t i = 1; i < e.kids.size(); ++i) {
      Ty want;
      if (decl && i - 1 < decl->params.size() && decl->params[i - 1].type) want = type_of(*decl->params[i - 1].type, false);
      expr(*e.kids[i], env, want);
    }
    return let >= 0 ? let_type(static_cast<uint32_t>(let)) : Ty{};
  }

  // A fact path written as a qualified name (`needs contact.entity`, `missing ...`).
  void path(const ast::QName& q) {
    if (q.parts.empty()) return;
    int root = find("root " + q.parts[0].text);
    if (root < 0) return;
    use(q.parts[0].span, root);
    walk(local_ty(static_cast<uint32_t>(root)), q.parts, 1);
  }

  // A qualified name that is a module's definition (`route std.countries.eea to ...`).
  void module_let(const ast::QName& q) {
    for (size_t k = q.parts.size(); k-- > 1;) {
      std::string prefix;
      for (size_t i = 0; i < k; ++i) prefix += (i ? "." : "") + q.parts[i].text;
      int mod = find("module " + prefix);
      if (mod < 0) continue;
      use({q.parts[0].span.file, q.parts[0].span.begin, q.parts[k - 1].span.end}, mod);
      use(q.parts[k].span, find("let " + prefix + "/" + q.parts[k].text));
      return;
    }
  }

  void fact_value(const ast::FactValue& v, Ty t) {
    switch (v.kind) {
      case ast::FactValue::Record: {
        const bool record = t.sym >= 0 && !t.list && ix_.symbols_[static_cast<size_t>(t.sym)].kind == SymKind::Record;
        for (const auto& [name, value] : v.fields) {
          int f = record ? find("field " + ix_.symbols_[static_cast<size_t>(t.sym)].name + "/" + name.text) : -1;
          use(name.span, f);
          fact_value(value, f >= 0 ? local_ty(static_cast<uint32_t>(f)) : Ty{});
        }
        break;
      }
      case ast::FactValue::List:
        for (const ast::FactValue& item : v.items) fact_value(item, {t.sym, false});
        break;
      case ast::FactValue::Word: {
        int m = member_of({t.sym, false}, v.text);
        use(v.span, m >= 0 ? m : only_member(v.text));
        break;
      }
      default: break;
    }
  }

  // A module's decisions and rules, after those of the policy it extends (whatever the
  // order of the modules): a reopened decision is its parent's, a `replace rule` names the
  // rule it replaces.
  void declare_decisions(const ast::Module& m, int depth = 0) {
    if (!decided_.insert(&m).second) return;
    const ast::Module* parent = parent_of(m);
    if (parent && depth < 32) declare_decisions(*parent, depth + 1);
    std::string mk = module_key(m);
    for (const ast::DecisionDecl& d : m.decisions) {
      int inherited = parent ? decision_in(parent, d.name.text) : -1;
      uint32_t dsym;
      if (inherited >= 0) {
        use(d.name.span, inherited);
        dsym = static_cast<uint32_t>(inherited);
      } else {
        Symbol s = make_symbol(SymKind::Decision, d.name.text, "decision " + mk + "/" + d.name.text, d.name.span, d.span, &m, &d);
        s.doc = d.doc;
        dsym = add(std::move(s));
      }
      for (const ast::RuleDecl& r : d.rules) {
        int replaced = r.replace && parent ? rule_in(parent, d.name.text, r.name.text) : -1;
        Symbol s = make_symbol(SymKind::Rule, r.name.text, "rule " + mk + "/" + d.name.text + "/" + r.name.text, r.name.span, r.span, &m, &r);
        s.parent = static_cast<int>(dsym);
        s.doc = r.doc;
        s.replaces = replaced;
        add(std::move(s));
        use(r.name.span, replaced);
      }
    }
  }

  void resolve_module(const ast::Module& m) {
    std::string mk = module_key(m);
    const ast::Module* parent = parent_of(m);
    if (m.extends) use(m.extends->span, find("module " + m.extends->str()));
    for (const ast::UseDecl& u : m.uses) use(u.module.span, find("module " + u.module.str()));
    for (const ast::LetDecl& l : m.lets) {
      uint32_t sym = let_sym_[&l];
      if (l.replace && parent) {
        // `replace let x` names the parent's definition too.
        Scope& ps = scope_of(*parent);
        if (auto it = ps.lets.find(l.name.text); it != ps.lets.end()) {
          use(l.name.span, static_cast<int>(it->second));
          ix_.symbols_[sym].replaces = static_cast<int>(it->second);
        }
      }
      resolve_let(sym);
    }
    Env env{&m, {}};
    for (const ast::DecisionDecl& d : m.decisions) {
      if (d.guard) expr(*d.guard, env);
      for (const ast::RuleDecl& r : d.rules) {
        if (r.basis) use(r.basis->span, member_of(enum_ty("Basis"), r.basis->text));
        if (r.when) expr(*r.when, env);
        for (const ast::OverrideTarget& o : r.overrides)
          if (!o.every) use(o.span, rule_in(&m, d.name.text, o.text));
        for (const ast::QName& q : r.needs) path(q);
      }
      for (const ast::ObligeDecl& o : d.obliges) {
        use(o.name.span, obligation_in(&m, o.name.text));
        for (const ast::ObligeFor& f : o.for_rules)
          use(f.name.span, f.basis ? member_of(enum_ty("Basis"), f.name.text) : rule_in(&m, d.name.text, f.name.text));
        if (o.when) expr(*o.when, env);
      }
    }
    for (const ast::TestDecl& t : m.tests) {
      Symbol s = make_symbol(SymKind::Test, t.title, "test " + std::to_string(t.span.file) + ":" + std::to_string(t.span.begin), {}, t.span, &m, &t);
      add(std::move(s));
      for (const auto& [root, value] : t.facts) {
        int r = find("root " + root.text);
        use(root.span, r);
        fact_value(value, r >= 0 ? local_ty(static_cast<uint32_t>(r)) : Ty{});
      }
      for (const ast::Expectation& x : t.expects) {
        use(x.decision.span, decision_in(&m, x.decision.text));
        if (x.basis) use(x.basis->span, member_of(enum_ty("Basis"), x.basis->text));
        for (const ast::QName& q : x.items) {
          if (x.kind == ast::Expectation::Missing) path(q);
          else if (x.kind == ast::Expectation::Rules && !q.parts.empty())
            use(q.span, rule_in(&m, x.decision.text, q.str()));
          else if (x.kind == ast::Expectation::Obliges && !q.parts.empty())
            use(q.span, obligation_in(&m, q.str()));
        }
      }
    }
    // A property's names and conditions (no symbol of its own: nothing refers to it).
    for (const ast::PropertyDecl& p : m.properties) {
      for (const ast::ExprPtr& w : p.when) expr(*w, env);
      for (const ast::Expectation& x : p.expects) {
        use(x.decision.span, decision_in(&m, x.decision.text));
        if (x.basis) use(x.basis->span, member_of(enum_ty("Basis"), x.basis->text));
        for (const ast::QName& q : x.items)
          if (!q.parts.empty()) use(q.span, obligation_in(&m, q.str()));
      }
    }
    for (const ast::RouteDecl& r : m.routes) {
      if (r.target) use(r.target->span, find("module " + r.target->str()));
      for (const ast::RouteKey& k : r.keys)
        if (!k.is_string) module_let(k.name);
    }
    for (const ast::FactsDecl& fd : m.facts)
      if (fd.as_of) path(*fd.as_of);
  }
};

void Index::build(const Compilation& c) {
  symbols_.clear();
  occurrences_.clear();
  by_key_.clear();
  Resolver(*this, c).run();
}

int Index::find(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : static_cast<int>(it->second);
}

const Occurrence* Index::at(FileId file, uint32_t offset) const {
  const Occurrence* best = nullptr;
  auto first = std::lower_bound(occurrences_.begin(), occurrences_.end(), file,
                                [](const Occurrence& o, FileId f) { return o.span.file < f; });
  for (auto it = first; it != occurrences_.end() && it->span.file == file && it->span.begin <= offset; ++it) {
    if (offset > it->span.end) continue;
    if (!best || it->span.end - it->span.begin <= best->span.end - best->span.begin) best = &*it;
  }
  return best;
}

std::vector<Occurrence> Index::occurrences_of(uint32_t symbol) const {
  std::vector<Occurrence> out;
  for (const Occurrence& o : occurrences_)
    if (o.symbol == symbol) out.push_back(o);
  std::stable_partition(out.begin(), out.end(), [](const Occurrence& o) { return o.declaration; });
  return out;
}

std::vector<uint32_t> Index::rename_group(uint32_t symbol) const {
  std::vector<uint32_t> group{symbol};
  for (size_t i = 0; i < group.size(); ++i) {
    const Symbol& s = symbols_[group[i]];
    auto take = [&](uint32_t id) {
      if (std::find(group.begin(), group.end(), id) == group.end()) group.push_back(id);
    };
    if (s.replaces >= 0) take(static_cast<uint32_t>(s.replaces));
    for (uint32_t j = 0; j < symbols_.size(); ++j)
      if (symbols_[j].replaces == static_cast<int>(group[i])) take(j);
  }
  return group;
}

std::vector<uint32_t> Index::children(uint32_t parent, SymKind kind) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].parent == static_cast<int>(parent) && symbols_[i].kind == kind) out.push_back(i);
  return out;
}

int Index::module_symbol(const ast::Module* m) const {
  for (uint32_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].kind == SymKind::Module && symbols_[i].module == m) return static_cast<int>(i);
  return -1;
}

}  // namespace lawful::lsp
