// Modules, scopes, `extends`, and the assembly of policies, decisions and routes into
// the Program; see analyzer.h for how the analyzer's work is divided.
#include "compiler/sema/analyzer.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/bytecode/routes.h"

namespace lawful::sema {

Analyzer::Analyzer(const SourceManager& sm, Diagnostics& diags, Program& prog)
    : sm_(sm), diags_(diags), prog_(prog), schema_(prog.schema) {}

uint32_t Analyzer::intern(const std::string& s) {
  auto it = string_ids_.find(s);
  if (it != string_ids_.end()) return it->second;
  if (prog_.strings.size() == limits_.max_strings)
    diags_.error(DiagCode::TooMany, {}, fmt::format("the policies have more than {} distinct strings (names, "
                                                    "citations and literals)", limits_.max_strings));
  uint32_t id = static_cast<uint32_t>(prog_.strings.size());
  prog_.strings.push_back(s);
  string_ids_.emplace(s, id);
  return id;
}

SourcePos Analyzer::pos(Span s) const {
  SourcePos p;
  if (!s.valid()) return p;
  LineCol lc = sm_.line_col(s.file, s.begin);
  p.file = s.file;
  p.line = lc.line;
  p.col = lc.col;
  p.begin = s.begin;
  p.end = s.end;
  return p;
}

Window Analyzer::window(const ast::Effective& e) {
  Window w;
  if (!e.present) return w;
  w.from = e.from;
  if (e.until) {
    w.until = *e.until;
    if (*e.until <= e.from)
      diags_.error(DiagCode::EmptyWindow, e.span, "this window ends before it starts, so the rule never applies")
          .help = "`effective FROM until TO` applies from FROM up to the day before TO";
  }
  return w;
}

int32_t Analyzer::add_function(IrPtr body, const FnCtx& fn, std::string label) {
  FunctionIr f;
  f.body = std::move(body);
  f.n_locals = fn.max_locals;
  f.label = std::move(label);
  functions.push_back(std::move(f));
  return static_cast<int32_t>(functions.size() - 1);
}

namespace {
const char* kind_word(ast::ModuleKind k) {
  switch (k) {
    case ast::ModuleKind::Policy: return "a policy";
    case ast::ModuleKind::Library: return "a module";
    case ast::ModuleKind::Routing: return "the routing file";
    case ast::ModuleKind::None: return "a file without a header";
  }
  return "?";
}
}  // namespace

void Analyzer::collect(const std::vector<const ast::Module*>& modules) {
  std::map<std::string, const ast::Module*> libs;
  for (const ast::Module* m : modules) {
    auto misplaced = [&](bool bad, Span span, const char* what, const char* where) {
      if (bad)
        diags_.error(DiagCode::MisplacedDecl, span, fmt::format("{} cannot be declared in {}", what, kind_word(m->kind)))
            .help = where;
    };
    bool lib = m->kind == ast::ModuleKind::Library;
    for (const auto& e : m->enums) misplaced(!lib, e.span, "an enumeration", "schema declarations belong in a `module`");
    for (const auto& r : m->records) misplaced(!lib, r.span, "a record", "schema declarations belong in a `module`");
    for (const auto& f : m->facts) misplaced(!lib, f.span, "the facts", "schema declarations belong in a `module`");
    for (const auto& d : m->decisions)
      misplaced(m->kind != ast::ModuleKind::Policy, d.name.span, "a decision", "decisions belong in a `policy`");
    for (const auto& t : m->tests)
      misplaced(m->kind != ast::ModuleKind::Policy, t.span, "a test", "tests belong in the policy they test");
    for (const auto& r : m->routes)
      misplaced(m->kind != ast::ModuleKind::Routing, r.span, "a route", "routes belong in the one `routing` file");
    for (const auto& o : m->obligations)
      misplaced(m->kind != ast::ModuleKind::Policy, o.span, "an obligation",
                "a policy declares its own obligations; the standard ones are the values of `Obligation` in std.facts");
    if (m->lets.size() > limits_.max_lets)
      diags_.error(DiagCode::TooMany, m->lets[limits_.max_lets].name.span,
                   fmt::format("more than {} definitions in one module", limits_.max_lets))
          .help = "split the module in two, with `use`";
    if (m->decisions.size() > limits_.max_decisions)
      diags_.error(DiagCode::TooMany, m->decisions[limits_.max_decisions].name.span,
                   fmt::format("more than {} decisions in one policy", limits_.max_decisions));

    switch (m->kind) {
      case ast::ModuleKind::Library: {
        std::string name = m->name.str();
        if (libs.count(name)) {
          diags_.error(DiagCode::Duplicate, m->name.span, fmt::format("module '{}' is defined twice", name))
              .notes.push_back({libs[name]->name.span, "first defined here"});
          break;
        }
        libs[name] = m;
        libraries_.push_back(m);
        break;
      }
      case ast::ModuleKind::Policy: {
        std::string name = m->name.str();
        auto it = policies_.find(name);
        if (it != policies_.end()) {
          diags_.error(DiagCode::Duplicate, m->name.span, fmt::format("policy '{}' is defined twice", name))
              .notes.push_back({it->second->module->name.span, "first defined here"});
          break;
        }
        auto unit = std::make_unique<PolicyUnit>();
        unit->module = m;
        policies_[name] = std::move(unit);
        break;
      }
      case ast::ModuleKind::Routing:
        if (!routers_.empty()) {
          diags_.error(DiagCode::BadRoute, m->header_span, "a second routing file; a policy tree has one")
              .notes.push_back({routers_[0]->header_span, "the first one"});
          break;
        }
        routers_.push_back(m);
        break;
      case ast::ModuleKind::None:
        if (!m->lets.empty() || !m->decisions.empty() || !m->tests.empty() || !m->routes.empty()) {
          Span s = !m->lets.empty() ? m->lets[0].span
                   : !m->decisions.empty() ? m->decisions[0].span
                   : !m->tests.empty() ? m->tests[0].span
                                       : m->routes[0].span;
          diags_.error(DiagCode::MisplacedDecl, s, "this file has no header")
              .help = "start the file with `policy NAME \"title\"`, `module NAME` or `routing`";
        }
        break;
    }
  }
  for (const auto& [name, unit] : policies_)
    if (libs.count(name))
      diags_.error(DiagCode::Duplicate, unit->module->name.span,
                   fmt::format("'{}' names both a policy and a module", name));
}

Scope* Analyzer::library_scope(const std::string& name) {
  auto it = library_scopes_.find(name);
  if (it != library_scopes_.end()) return it->second.get();
  const ast::Module* m = nullptr;
  for (const ast::Module* lib : libraries_)
    if (lib->name.str() == name) m = lib;
  if (!m) return nullptr;
  auto scope = std::make_unique<Scope>();
  Scope* s = scope.get();
  s->name = name;
  s->module = m;
  library_scopes_[name] = std::move(scope);
  for (const ast::LetDecl& l : m->lets) {
    if (l.replace)
      diags_.error(DiagCode::BadReplace, l.span, "`replace let` is only for a policy that extends another");
    auto [pos, fresh] = s->lets.emplace(l.name.text, &l);
    if (!fresh)
      diags_.error(DiagCode::Duplicate, l.name.span, fmt::format("'{}' is defined twice", l.name.text))
          .notes.push_back({pos->second->name.span, "first defined here"});
  }
  bind_uses(*s, *m);
  return s;
}

void Analyzer::bind_uses(Scope& scope, const ast::Module& m) {
  for (const ast::UseDecl& u : m.uses) {
    std::string name = u.module.str();
    Scope* lib = library_scope(name);
    if (!lib) {
      std::vector<std::string> names;
      for (const ast::Module* l : libraries_) names.push_back(l->name.str());
      Diagnostic& d = diags_.error(DiagCode::UnknownModule, u.module.span, fmt::format("no module named '{}'", name));
      d.help = did_you_mean(name, names);
      continue;
    }
    scope.modules[name] = lib;
    if (u.alias) scope.modules[u.alias->text] = lib;
  }
}

void Analyzer::merge_policy(PolicyUnit& unit) {
  if (unit.state == 2) return;
  const ast::Module& m = *unit.module;
  if (unit.state == 1) {
    diags_.error(DiagCode::UnknownModule, m.extends ? m.extends->span : m.name.span,
                 fmt::format("policy '{}' extends itself", m.name.str()));
    return;
  }
  unit.state = 1;
  unit.scope = std::make_unique<Scope>();
  Scope& scope = *unit.scope;
  scope.name = m.name.str();
  scope.module = &m;
  scope.is_policy = true;

  if (m.extends) {
    std::string base = m.extends->str();
    auto it = policies_.find(base);
    if (it == policies_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, u] : policies_) names.push_back(n);
      diags_.error(DiagCode::UnknownModule, m.extends->span, fmt::format("no policy named '{}' to extend", base))
          .help = did_you_mean(base, names);
    } else {
      PolicyUnit& parent = *it->second;
      merge_policy(parent);
      if (parent.scope) {
        unit.parent = &parent;
        scope.lets = parent.scope->lets;
        scope.modules = parent.scope->modules;
        unit.decisions = parent.decisions;
      }
    }
  }
  bind_uses(scope, m);

  std::set<std::string> own;
  for (const ast::LetDecl& l : m.lets) {
    auto existing = scope.lets.find(l.name.text);
    if (own.count(l.name.text)) {
      diags_.error(DiagCode::Duplicate, l.name.span, fmt::format("'{}' is defined twice", l.name.text))
          .notes.push_back({existing->second->name.span, "first defined here"});
      continue;
    }
    own.insert(l.name.text);
    if (l.replace) {
      if (existing == scope.lets.end()) {
        diags_.error(DiagCode::BadReplace, l.span,
                     unit.parent ? fmt::format("'{}' replaces nothing: '{}' has no definition of that name",
                                               l.name.text, unit.parent->module->name.str())
                                 : std::string("`replace let` is only for a policy that extends another"));
      }
    } else if (existing != scope.lets.end()) {
      Diagnostic& d = diags_.error(DiagCode::Duplicate, l.name.span,
                                   fmt::format("'{}' is already defined by the policy this one extends", l.name.text));
      d.help = fmt::format("write `replace let {}` to change it here", l.name.text);
      d.notes.push_back({existing->second->name.span, "defined here"});
    }
    scope.lets[l.name.text] = &l;
  }

  // Decisions and rules by name, so that merging is linear in their number (the limits
  // on decisions and rules are checked once they are merged).
  std::set<std::string> own_decisions;
  std::unordered_map<std::string, size_t> decision_at;
  for (size_t i = 0; i < unit.decisions.size(); ++i) decision_at.emplace(unit.decisions[i].head->name.text, i);
  for (const ast::DecisionDecl& d : m.decisions) {
    if (!own_decisions.insert(d.name.text).second) {
      diags_.error(DiagCode::Duplicate, d.name.span, fmt::format("decision '{}' is declared twice", d.name.text));
      continue;
    }
    MergedDecision* md = nullptr;
    auto at = decision_at.find(d.name.text);
    if (at != decision_at.end()) md = &unit.decisions[at->second];
    if (md) {
      if (d.guard)
        diags_.error(DiagCode::Duplicate, d.guard->span,
                     fmt::format("decision '{}' comes from the policy this one extends, with its condition",
                                 d.name.text))
            .help = fmt::format("reopen it as `decision {}:` to add or replace rules", d.name.text);
    } else {
      decision_at.emplace(d.name.text, unit.decisions.size());
      unit.decisions.push_back(MergedDecision{&d, {}, {}});
      md = &unit.decisions.back();
    }
    std::unordered_map<std::string, size_t> rule_at;
    for (size_t i = 0; i < md->rules.size(); ++i) rule_at.emplace(md->rules[i].decl->name.text, i);
    for (const ast::RuleDecl& r : d.rules) {
      auto named = rule_at.find(r.name.text);
      auto found = named == rule_at.end() ? md->rules.end() : md->rules.begin() + static_cast<std::ptrdiff_t>(named->second);
      if (r.replace) {
        if (found == md->rules.end() || found->origin == &m) {
          std::vector<std::string> names;
          for (const MergedRule& x : md->rules) names.push_back(x.decl->name.text);
          Diagnostic& diag = diags_.error(
              DiagCode::BadReplace, r.name.span,
              unit.parent ? fmt::format("'{}' replaces nothing: decision '{}' has no inherited rule of that name",
                                        r.name.text, d.name.text)
                          : std::string("`replace rule` is only for a policy that extends another"));
          diag.help = did_you_mean(r.name.text, names);
          continue;
        }
        if (r.cites.empty())
          diags_.error(DiagCode::ReplaceWithoutCite, r.name.span,
                       fmt::format("replacing '{}' needs a citation saying why", r.name.text))
              .help = "add `cite \"...\"` with the provision that changes the inherited rule";
        *found = MergedRule{&r, &m};
        continue;
      }
      if (found != md->rules.end()) {
        Diagnostic& diag = diags_.error(DiagCode::Duplicate, r.name.span,
                                        fmt::format("decision '{}' already has a rule '{}'", d.name.text, r.name.text));
        diag.notes.push_back({found->decl->name.span, "the other one"});
        if (found->origin != &m) diag.help = fmt::format("write `replace rule {}` to change the inherited rule", r.name.text);
        continue;
      }
      rule_at.emplace(r.name.text, md->rules.size());
      md->rules.push_back(MergedRule{&r, &m});
    }
    for (const ast::ObligeDecl& o : d.obliges) {
      // One obligation may be declared once per route (`for`): the same name and the
      // same `for` are the same declaration.
      auto fors = [](const ast::ObligeDecl& x) {
        std::string s;
        for (const ast::ObligeFor& f : x.for_rules) s += (f.basis ? "basis " : "") + f.name.text + ",";
        return s;
      };
      auto found = std::find_if(md->obliges.begin(), md->obliges.end(), [&](const MergedOblige& x) {
        return x.decl->name.text == o.name.text && fors(*x.decl) == fors(o);
      });
      if (o.replace) {
        if (found == md->obliges.end() || found->origin == &m) {
          diags_.error(DiagCode::BadReplace, o.name.span,
                       fmt::format("'{}' replaces no inherited obligation of decision '{}'", o.name.text, d.name.text));
          continue;
        }
        *found = MergedOblige{&o, &m};
        continue;
      }
      if (found != md->obliges.end() && found->origin == &m) {
        diags_.error(DiagCode::Duplicate, o.name.span,
                     fmt::format("decision '{}' already has an obligation '{}'", d.name.text, o.name.text));
        continue;
      }
      md->obliges.push_back(MergedOblige{&o, &m});
    }
  }
  unit.state = 2;
}

void Analyzer::assemble_decision(PolicyUnit& unit, const MergedDecision& md, uint32_t di) {
  DecisionInfo& info = prog_.decisions[di];
  const std::string policy_name = unit.module->name.str();
  info.name = intern(md.head->name.text);
  info.policy = unit.index;
  info.pos = pos(md.head->name.span);
  if (md.rules.size() > limits_.max_rules) {
    // Inherited rules count too: the limit is on the decision a contact is decided by.
    diags_.error(DiagCode::TooMany, md.head->name.span,
                 fmt::format("decision '{}' has {} rules; the limit is {}", md.head->name.text, md.rules.size(),
                             limits_.max_rules))
        .help = "split it into decisions with narrower conditions, or into policies";
    return;
  }
  if (md.head->guard) {
    Env env;
    FnCtx fn;
    env.scope = unit.scope.get();
    env.fn = &fn;
    IrPtr g = lower_condition(*md.head->guard, env, "a decision's condition");
    info.guard = add_function(std::move(g), fn, fmt::format("{} {} (when)", policy_name, md.head->name.text));
  }

  std::vector<std::vector<uint32_t>> overrides(md.rules.size());
  for (size_t i = 0; i < md.rules.size(); ++i) {
    const ast::RuleDecl& r = *md.rules[i].decl;
    RuleInfo ri;
    ri.name = intern(r.name.text);
    ri.verdict = static_cast<uint8_t>(r.verdict);
    ri.pos = pos(r.name.span);
    auto origin = policy_of_module_.find(md.rules[i].origin);
    ri.origin = origin != policy_of_module_.end() ? origin->second : unit.index;
    if (r.basis) {
      if (r.verdict != ast::Verdict::Allow) {
        diags_.error(DiagCode::BasisOnDeny, r.basis->span,
                     fmt::format("a basis is the legal route of an allow; rule '{}' does not allow", r.name.text));
      } else if (prog_.basis_enum >= 0) {
        const EnumDef& e = schema_.enums[static_cast<size_t>(prog_.basis_enum)];
        int m = Schema::find_member(e, r.basis->text);
        if (m < 0)
          diags_.error(DiagCode::UnknownBasis, r.basis->span, fmt::format("'{}' is not a basis", r.basis->text)).help =
              did_you_mean(r.basis->text, e.members).empty()
                  ? fmt::format("the bases are the values of `Basis` in std.facts")
                  : did_you_mean(r.basis->text, e.members);
        ri.basis = m;
      }
    } else if (r.verdict == ast::Verdict::Allow) {
      diags_.warn(DiagCode::AllowWithoutBasis, r.name.span,
                  fmt::format("rule '{}' allows without saying on what basis", r.name.text))
          .help = "add `basis consent` (or another value of `Basis`): decisions report it";
    }
    ri.window = window(r.effective);
    for (const ast::Cite& c : r.cites) ri.cites.push_back(intern(c.text));
    for (const ast::QName& q : r.needs) {
      int32_t p = path_id(q.str());
      if (p < 0) {
        std::vector<std::string> names;
        for (const PathDef& pd : schema_.paths) names.push_back(pd.name);
        diags_.error(DiagCode::UnknownField, q.span, fmt::format("'{}' is not a fact", q.str())).help =
            did_you_mean(q.str(), names);
      } else {
        ri.needs.push_back(static_cast<uint32_t>(p));
      }
    }
    if (!r.needs.empty() && r.verdict != ast::Verdict::Review)
      diags_.error(DiagCode::BadExpect, r.needs[0].span, "only a `review` rule says which facts it needs");
    if (r.when) {
      Env env;
      FnCtx fn;
      env.scope = unit.scope.get();
      env.fn = &fn;
      IrPtr c = lower_condition(*r.when, env, "a rule's condition");
      ri.cond = add_function(std::move(c), fn, fmt::format("{} {} {}", policy_name, md.head->name.text, r.name.text));
    }
    for (const ast::OverrideTarget& o : r.overrides) {
      if (o.every) {
        // `overrides every allow`: every other rule of the merged decision with that
        // verdict, so an exception added later (or by a policy that extends this one) is
        // beaten without editing this list. Lowered here to the same override table.
        for (size_t k = 0; k < md.rules.size(); ++k)
          if (k != i && md.rules[k].decl->verdict == *o.every &&
              std::find(overrides[i].begin(), overrides[i].end(), k) == overrides[i].end())
            overrides[i].push_back(static_cast<uint32_t>(k));
        continue;
      }
      if (o.text.empty()) continue;  // a part the parser could not read (already reported)
      auto it = std::find_if(md.rules.begin(), md.rules.end(),
                             [&](const MergedRule& x) { return x.decl->name.text == o.text; });
      if (it == md.rules.end()) {
        std::vector<std::string> names;
        for (const MergedRule& x : md.rules) names.push_back(x.decl->name.text);
        diags_.error(DiagCode::UnknownRule, o.span,
                     fmt::format("decision '{}' has no rule '{}'", md.head->name.text, o.text))
            .help = o.text == "every" ? std::string("to override every rule of a verdict, write `overrides every allow` "
                                                    "(or `every deny`, `every review`)")
                                      : did_you_mean(o.text, names);
        continue;
      }
      uint32_t target = static_cast<uint32_t>(it - md.rules.begin());
      if (target == i) {
        diags_.error(DiagCode::SelfOverride, o.span, fmt::format("rule '{}' overrides itself", o.text));
        continue;
      }
      if (std::find(overrides[i].begin(), overrides[i].end(), target) == overrides[i].end())
        overrides[i].push_back(target);
    }
    ri.overrides = overrides[i];
    info.rules.push_back(std::move(ri));
  }
  check_cycles(md, overrides);
  std::vector<const Ir*> cond_irs;
  for (const RuleInfo& ri : info.rules)
    cond_irs.push_back(ri.cond >= 0 ? functions[static_cast<size_t>(ri.cond)].body.get() : nullptr);
  check_conflicts(policy_name, md, info, cond_irs);
  if (lint) lint_decision(unit, md, info, cond_irs);

  for (const MergedOblige& mo : md.obliges) {
    const ast::ObligeDecl& o = *mo.decl;
    ObligeInfo oi;
    oi.pos = pos(o.name.span);
    if (prog_.obligation_enum >= 0) oi.name = obligation_member(unit, o.name);
    for (const ast::ObligeFor& f : o.for_rules) {
      auto add = [&](uint32_t r) {
        if (std::find(oi.rules.begin(), oi.rules.end(), r) == oi.rules.end()) oi.rules.push_back(r);
      };
      if (f.basis) {
        if (prog_.basis_enum < 0) continue;
        const EnumDef& e = schema_.enums[static_cast<size_t>(prog_.basis_enum)];
        int b = Schema::find_member(e, f.name.text);
        if (b < 0) {
          diags_.error(DiagCode::UnknownBasis, f.name.span, fmt::format("'{}' is not a basis", f.name.text)).help =
              did_you_mean(f.name.text, e.members).empty() ? std::string("the bases are the values of `Basis` in std.facts")
                                                           : did_you_mean(f.name.text, e.members);
          continue;
        }
        size_t before = oi.rules.size();
        for (uint32_t r = 0; r < info.rules.size(); ++r)
          if (info.rules[r].basis == b && info.rules[r].verdict == static_cast<uint8_t>(ast::Verdict::Allow)) add(r);
        if (oi.rules.size() == before)
          diags_.error(DiagCode::UnknownRule, f.name.span,
                       fmt::format("no rule of decision '{}' allows on the basis '{}'", md.head->name.text, f.name.text))
              .help = "`for basis B` names the allow rules of the decision whose basis is B";
        continue;
      }
      auto it = std::find_if(md.rules.begin(), md.rules.end(),
                             [&](const MergedRule& x) { return x.decl->name.text == f.name.text; });
      if (it == md.rules.end()) {
        std::vector<std::string> names;
        for (const MergedRule& x : md.rules) names.push_back(x.decl->name.text);
        diags_.error(DiagCode::UnknownRule, f.name.span,
                     fmt::format("decision '{}' has no rule '{}'", md.head->name.text, f.name.text))
            .help = did_you_mean(f.name.text, names).empty()
                        ? std::string("`for` names the rules whose decision brings the obligation")
                        : did_you_mean(f.name.text, names);
        continue;
      }
      add(static_cast<uint32_t>(it - md.rules.begin()));
    }
    for (const ast::Cite& c : o.cites) oi.cites.push_back(intern(c.text));
    if (o.when) {
      Env env;
      FnCtx fn;
      env.scope = unit.scope.get();
      env.fn = &fn;
      env.in_oblige = true;
      IrPtr c = lower_condition(*o.when, env, "an obligation's condition");
      oi.cond = add_function(std::move(c), fn,
                             fmt::format("{} {} oblige {}", policy_name, md.head->name.text, o.name.text));
    }
    info.obliges.push_back(std::move(oi));
  }
}

void Analyzer::assemble_policy(PolicyUnit& unit) {
  const ast::Module& m = *unit.module;
  PolicyInfo& p = prog_.policies[unit.index];
  p.name = intern(m.name.str());
  p.title = intern(m.title);
  for (const ast::Name& j : m.jurisdictions) p.jurisdictions.push_back(intern(j.text));
  p.window = window(m.effective);
  p.pos = pos(m.name.span);
  for (const MergedDecision& md : unit.decisions) {
    uint32_t di = static_cast<uint32_t>(prog_.decisions.size());
    prog_.decisions.emplace_back();
    prog_.policies[unit.index].decisions.push_back(di);
    assemble_decision(unit, md, di);
  }
}

void Analyzer::assemble_routes() {
  if (routers_.empty()) return;
  const ast::Module& m = *routers_[0];
  prog_.has_router = true;
  // FACTS.md: the country "picks the jurisdiction".
  prog_.route_path = schema_.find_path("contact.country");
  if (prog_.route_path < 0 || schema_.paths[static_cast<size_t>(prog_.route_path)].type != types::kString ||
      schema_.paths[static_cast<size_t>(prog_.route_path)].slot < 0)
    diags_.error(DiagCode::BadRoute, m.header_span, "routing needs a string fact `contact.country`");
  Scope scope;
  scope.name = "routing";
  scope.module = &m;
  bind_uses(scope, m);
  std::map<std::string, std::pair<std::string, Span>> seen;  // by country_key: the country as written, where
  for (const ast::RouteDecl& r : m.routes) {
    int32_t target = -1;
    if (r.target) {
      std::string name = r.target->str();
      auto it = policies_.find(name);
      if (it == policies_.end()) {
        std::vector<std::string> names;
        for (const auto& [n, u] : policies_) names.push_back(n);
        diags_.error(DiagCode::BadRoute, r.target->span, fmt::format("no policy named '{}'", name)).help =
            did_you_mean(name, names);
        continue;
      }
      target = static_cast<int32_t>(it->second->index);
    }
    // The router matches countries whatever their case, so the duplicate check does too
    // (program.h, country_key), and the program holds them in the case it compares in.
    auto add = [&](const std::string& country, Span span) {
      std::string key = country_key(country);
      auto [it, fresh] = seen.emplace(key, std::make_pair(country, span));
      if (!fresh) {
        const std::string& first = it->second.first;
        std::string message = first == country
                                  ? fmt::format("country '{}' is routed twice", country)
                                  : fmt::format("country '{}' is routed twice: '{}' and '{}' are the same country, "
                                                "whatever their case",
                                                key, first, country);
        diags_.error(DiagCode::BadRoute, span, message).notes.push_back({it->second.second, "first routed here"});
        return;
      }
      prog_.routes.push_back(Route{intern(key), target});
    };
    for (const ast::RouteKey& k : r.keys) {
      bool code = !k.is_string && k.name.parts.size() == 1 && k.text.size() == 2 && std::isupper(static_cast<unsigned char>(k.text[0])) &&
                  std::isupper(static_cast<unsigned char>(k.text[1]));
      if (k.is_string || code) {
        add(k.text, k.span);
        continue;
      }
      // A named set of countries from a module: `route std.countries.eea to eu.gdpr`.
      ast::Expr chain;
      chain.kind = ast::ExprKind::Name;
      chain.text = k.name.parts[0].text;
      chain.span = k.name.parts[0].span;
      for (size_t i = 1; i < k.name.parts.size(); ++i) {
        ast::Expr outer;
        outer.kind = ast::ExprKind::Field;
        outer.text = k.name.parts[i].text;
        outer.name_span = k.name.parts[i].span;
        outer.span = Span::join(chain.span, k.name.parts[i].span);
        outer.kids.push_back(std::make_unique<ast::Expr>(std::move(chain)));
        chain = std::move(outer);
      }
      Env env;
      FnCtx fn;
      env.scope = &scope;
      env.fn = &fn;
      IrPtr v = lower(chain, env);
      if (v->type == types::kError) continue;
      if (v->op == IrOp::StrSet) {
        for (uint32_t s : prog_.string_sets[static_cast<size_t>(v->imm)]) add(prog_.strings[s], k.span);
      } else if (v->op == IrOp::Str) {
        add(prog_.strings[static_cast<size_t>(v->imm)], k.span);
      } else {
        diags_.error(DiagCode::TypeMismatch, k.span,
                     "a route names countries: a code such as GB, a string, or a constant set of strings");
      }
    }
  }
}

void Analyzer::declare_obligations() {
  if (prog_.obligation_enum < 0) return;
  EnumDef& e = schema_.enums[static_cast<size_t>(prog_.obligation_enum)];
  std_obligations_ = e.members.size();
  for (auto& [name, unit] : policies_) {
    std::map<std::string, Span> own;
    for (const ast::ObligationDecl& o : unit->module->obligations) {
      if (Schema::find_member(e, o.name.text) >= 0 &&
          static_cast<size_t>(Schema::find_member(e, o.name.text)) < std_obligations_) {
        diags_.error(DiagCode::Duplicate, o.name.span,
                     fmt::format("'{}' is already an obligation of the standard library", o.name.text))
            .help = fmt::format("use it as it is (`oblige {} ...`), or give this one another name", o.name.text);
        continue;
      }
      if (auto it = own.find(o.name.text); it != own.end()) {
        diags_.error(DiagCode::Duplicate, o.name.span,
                     fmt::format("policy '{}' already declares the obligation '{}'", name, o.name.text))
            .notes.push_back({it->second, "the other one"});
        continue;
      }
      own.emplace(o.name.text, o.name.span);
      declared_obligations_[unit->module].insert(o.name.text);
      // Two policies that declare one name share its member: decisions name obligations
      // by name, whichever policy decided.
      if (Schema::find_member(e, o.name.text) >= 0) continue;
      if (e.members.size() >= kMaxObligations) {
        diags_.error(DiagCode::TooMany, o.name.span,
                     fmt::format("more than {} obligations, the standard library's included", kMaxObligations));
        continue;
      }
      e.members.push_back(o.name.text);
    }
  }
}

uint32_t Analyzer::obligation_member(const PolicyUnit& unit, const ast::Name& n) {
  const EnumDef& e = schema_.enums[static_cast<size_t>(prog_.obligation_enum)];
  // The standard library's, and those this policy or a policy it extends declares.
  std::vector<std::string> visible(e.members.begin(), e.members.begin() + static_cast<std::ptrdiff_t>(std_obligations_));
  for (const PolicyUnit* u = &unit; u; u = u->parent) {
    auto it = declared_obligations_.find(u->module);
    if (it != declared_obligations_.end()) visible.insert(visible.end(), it->second.begin(), it->second.end());
  }
  int m = Schema::find_member(e, n.text);
  if (m >= 0 && std::find(visible.begin(), visible.end(), n.text) != visible.end()) return static_cast<uint32_t>(m);
  Diagnostic& d = diags_.error(DiagCode::UnknownObligation, n.span, fmt::format("'{}' is not an obligation", n.text));
  if (m >= 0)
    d.help = fmt::format("another policy declares it; declare it in this one too: `obligation {}`", n.text);
  else
    d.help = did_you_mean(n.text, visible).empty()
                 ? fmt::format("the obligations are the values of `Obligation` in std.facts, and those a policy "
                               "declares (`obligation {}`)",
                               n.text)
                 : did_you_mean(n.text, visible);
  return 0;
}

void Analyzer::run(const std::vector<const ast::Module*>& modules) {
  for (size_t f = 0; f < sm_.size(); ++f) prog_.files.push_back(sm_.path(static_cast<FileId>(f)));
  collect(modules);
  build_schema();
  for (const ast::Module* lib : libraries_) library_scope(lib->name.str());
  uint32_t index = 0;
  for (auto& [name, unit] : policies_) {
    unit->index = index++;
    policy_of_module_.emplace(unit->module, unit->index);
  }
  prog_.policies.resize(policies_.size());
  for (auto& [name, unit] : policies_) merge_policy(*unit);
  declare_obligations();
  for (auto& [name, unit] : policies_) {
    if (!unit->scope) continue;
    policy_modules[unit->index] = unit->module;
    assemble_policy(*unit);
  }
  assemble_routes();
  // An unused definition is often the victim of a misspelling already reported.
  if (!diags_.has_errors()) check_unused();
  for (auto& [name, unit] : policies_)
    if (unit->scope) {
      compile_tests(*unit);
      compile_properties(*unit);
    }
}

SemaResult analyze(const std::vector<const ast::Module*>& modules, const SourceManager& sm, Diagnostics& diags,
                   Program& prog, const SemaOptions& options) {
  Analyzer a(sm, diags, prog);
  a.lint = options.lint;
  a.run(modules);
  SemaResult r;
  r.functions = std::move(a.functions);
  r.tests = std::move(a.tests);
  r.properties = std::move(a.properties);
  r.conflicts = std::move(a.conflicts);
  return r;
}

}  // namespace lawful::sema
