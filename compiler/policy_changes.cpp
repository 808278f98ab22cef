#include "compiler/policy_changes.h"

#include <algorithm>

#include <map>
#include <set>

#include <fmt/format.h>

#include "compiler/syntax/ast_dump.h"

namespace lawful {

namespace {

// Each rule's declaration by where its name is (file, offset): found once per rule, not
// by a walk over every module for each.
using RuleDecls = std::map<std::pair<uint32_t, uint32_t>, const ast::RuleDecl*>;

RuleDecls rule_decls(const Compilation* c) {
  RuleDecls out;
  if (!c) return out;
  for (const auto& m : c->modules)
    for (const auto& d : m->decisions)
      for (const auto& r : d.rules) out.emplace(std::make_pair(m->file, r.name.span.begin), &r);
  return out;
}

// What a rule says, independent of where it is written. `decls` is empty when the
// condition as written is not to be compared.
std::string rule_signature(const Program& prog, const RuleDecls& decls, const DecisionInfo& d, const RuleInfo& r) {
  std::string s = fmt::format("{} {} {} {}|", r.verdict, prog.basis_name(r.basis), r.window.from, r.window.until);
  // The rules it overrides as a set: `overrides a, b`, `overrides b, a` and `overrides
  // every allow` naming the same rules say the same.
  std::vector<std::string> over;
  for (uint32_t o : r.overrides) over.push_back(prog.str(d.rules[o].name));
  std::sort(over.begin(), over.end());
  for (const std::string& o : over) s += o + ",";
  s += "|";
  for (uint32_t c : r.cites) s += prog.str(c) + "\x1f";
  s += "|";
  for (uint32_t p : r.needs) s += prog.schema.paths[p].name + ",";
  auto it = decls.find(std::make_pair(r.pos.file, r.pos.begin));
  if (it != decls.end()) s += "|" + (it->second->when ? ast::dump(*it->second->when) : std::string("-"));
  return s;
}

using Key = std::vector<std::string>;  // policy, decision, rule; or policy, definition

std::map<Key, std::string> rule_table(const PolicyVersion& v, bool with_source) {
  std::map<Key, std::string> t;
  const Program& p = *v.program;
  const RuleDecls decls = rule_decls(with_source ? v.compilation : nullptr);
  for (const DecisionInfo& d : p.decisions)
    for (const RuleInfo& r : d.rules)
      t[{p.str(p.policies[d.policy].name), p.str(d.name), p.str(r.name)}] = rule_signature(p, decls, d, r);
  return t;
}

std::map<Key, std::string> let_table(const PolicyVersion& v, bool with_source) {
  std::map<Key, std::string> t;
  if (!with_source || !v.compilation) return t;
  for (const auto& m : v.compilation->modules) {
    if (m->kind == ast::ModuleKind::None || m->kind == ast::ModuleKind::Routing) continue;
    for (const ast::LetDecl& l : m->lets) {
      std::string params;
      for (const ast::Param& p : l.params) params += p.name.text + ",";
      t[{m->name.str(), l.name.text}] = params + "=" + (l.body ? ast::dump(*l.body) : std::string());
    }
  }
  return t;
}

// The keys of either table whose entries differ, in order, with how.
template <class F>
void compare(const std::map<Key, std::string>& a, const std::map<Key, std::string>& b, F each) {
  std::set<Key> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  for (const Key& k : keys) {
    auto ia = a.find(k), ib = b.find(k);
    if (ia == a.end()) each(k, ChangeKind::Added);
    else if (ib == b.end()) each(k, ChangeKind::Removed);
    else if (ia->second != ib->second) each(k, ChangeKind::Changed);
  }
}

}  // namespace

const char* change_name(ChangeKind k) {
  switch (k) {
    case ChangeKind::Added: return "added";
    case ChangeKind::Removed: return "removed";
    case ChangeKind::Changed: return "changed";
  }
  return "?";
}

std::vector<PolicyChange> policy_changes(const PolicyVersion& before, const PolicyVersion& after) {
  std::vector<PolicyChange> out;
  // A .lawc holds no source: when either side is one, both are compared on what the
  // program holds (docs/commands/diff.md), never the text of one with nothing.
  const bool with_source = before.compilation && after.compilation;
  compare(rule_table(before, with_source), rule_table(after, with_source),
          [&](const Key& k, ChangeKind what) { out.push_back({k[0], k[1], k[2], "", what}); });
  compare(let_table(before, with_source), let_table(after, with_source),
          [&](const Key& k, ChangeKind what) { out.push_back({k[0], "", "", k[1], what}); });
  return out;
}

}  // namespace lawful
