// Checks over a decision's rules once their conditions are typed: override cycles
// (an error), allow and deny rules that can both win with no order between them (a
// warning, when the compiler cannot show that their conditions exclude each other), and
// definitions that nothing uses.
#include <functional>

#include <fmt/format.h>

#include "compiler/sema/analyzer.h"
#include "compiler/sema/atoms.h"

namespace lawful::sema {

namespace {
// Per decision; the pairs and circles past these are counted in one diagnostic.
constexpr size_t kMaxConflictsShown = 10;
constexpr size_t kMaxCyclesShown = 10;
constexpr size_t kMaxCycleShown = 32;  // edges of one circle
}  // namespace

Span override_span(const ast::RuleDecl& a, const ast::RuleDecl& b) {
  Span where = a.name.span;
  for (const ast::OverrideTarget& o : a.overrides) {
    if (!o.every && o.text == b.name.text) return o.span;
    if (o.every && *o.every == b.verdict) where = o.span;
  }
  return where;
}

std::string override_note(const ast::RuleDecl& a, const ast::RuleDecl& b, const char* tail) {
  for (const ast::OverrideTarget& o : a.overrides)
    if (!o.every && o.text == b.name.text) return fmt::format("'{}' overrides '{}'{}", a.name.text, b.name.text, tail);
  for (const ast::OverrideTarget& o : a.overrides)
    if (o.every && *o.every == b.verdict)
      return fmt::format("'{}' overrides '{}'{} (`overrides {}`)", a.name.text, b.name.text, tail, o.text);
  return fmt::format("'{}' overrides '{}'{}", a.name.text, b.name.text, tail);
}

void Analyzer::check_cycles(const MergedDecision& md, const std::vector<std::vector<uint32_t>>& overrides) {
  size_t n = overrides.size();
  std::vector<int> color(n, 0);  // 0 white, 1 on the stack, 2 done
  std::vector<uint32_t> stack;
  size_t cycles = 0;  // one per edge back into the path: quadratic notes if all were shown
  std::function<void(uint32_t)> visit = [&](uint32_t v) {
    color[v] = 1;
    stack.push_back(v);
    for (uint32_t w : overrides[v]) {
      if (color[w] == 1 && ++cycles > kMaxCyclesShown) continue;
      if (color[w] == 1) {
        auto start = std::find(stack.begin(), stack.end(), w);
        std::vector<uint32_t> cycle(start, stack.end());
        const ast::RuleDecl& first = *md.rules[cycle[0]].decl;
        // A circle may pass through every rule: its first kMaxCycleShown edges are named.
        std::string names;
        for (size_t k = 0; k < cycle.size() && k < kMaxCycleShown; ++k) names += md.rules[cycle[k]].decl->name.text + " -> ";
        names += cycle.size() > kMaxCycleShown ? fmt::format("... ({} rules in all)", cycle.size()) : first.name.text;
        Diagnostic& d = diags_.error(DiagCode::OverrideCycle, first.name.span,
                                     fmt::format("rules of decision '{}' override each other in a circle: {}",
                                                 md.head->name.text, names));
        d.help = "overrides say which rule prevails; in a circle none does. Remove one of these `overrides`";
        for (size_t k = 0; k < cycle.size() && k < kMaxCycleShown; ++k) {
          const ast::RuleDecl& a = *md.rules[cycle[k]].decl;
          const ast::RuleDecl& b = *md.rules[cycle[(k + 1) % cycle.size()]].decl;
          d.notes.push_back({override_span(a, b), override_note(a, b, "")});
        }
      } else if (color[w] == 0) {
        visit(w);
      }
    }
    stack.pop_back();
    color[v] = 2;
  };
  for (uint32_t v = 0; v < n; ++v)
    if (color[v] == 0) visit(v);
  if (cycles > kMaxCyclesShown)
    diags_.error(DiagCode::OverrideCycle, md.head->name.span,
                 fmt::format("decision '{}' has {} more circles of overrides (the first {} are shown)",
                             md.head->name.text, cycles - kMaxCyclesShown, kMaxCyclesShown));
}

namespace {

bool windows_disjoint(const Window& a, const Window& b) { return a.until <= b.from || b.until <= a.from; }

}  // namespace

void Analyzer::check_conflicts(const std::string& policy, const MergedDecision& md, const DecisionInfo& info, const std::vector<const Ir*>& conds) {
  size_t n = info.rules.size();
  // reach[i] bit j: rule i prevails over rule j through a chain of overrides. Bit sets
  // and atoms computed once per rule keep this fast at the limit of rules per decision.
  const size_t words = (n + 63) / 64;
  std::vector<std::vector<uint64_t>> reach(n, std::vector<uint64_t>(words, 0));
  auto bit = [&](size_t i, size_t j) { return (reach[i][j >> 6] >> (j & 63)) & 1; };
  for (size_t i = 0; i < n; ++i)
    for (uint32_t j : info.rules[i].overrides) reach[i][j >> 6] |= uint64_t{1} << (j & 63);
  for (size_t k = 0; k < n; ++k)
    for (size_t i = 0; i < n; ++i)
      if (bit(i, k))
        for (size_t w = 0; w < words; ++w) reach[i][w] |= reach[k][w];
  // What each condition says for certain about single facts, through its conjunctions and
  // the definitions without parameters it uses (atoms.h): two rules whose conditions
  // compare one fact in ways no value meets both cannot both apply.
  std::vector<Limits> limits(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<const Ir*> parts;
    conjuncts(conds[i], parts, 0);
    for (const Ir* part : parts) collect_limits(part, prog_.string_sets, limits[i]);
  }
  // Pairs are quadratic in the rules: a decision of 512 allow and 512 deny rules has
  // 262,144. The first few are shown, the others counted in one warning.
  auto unordered = [&](size_t i, size_t j) {
    const RuleInfo& a = info.rules[i];
    const RuleInfo& b = info.rules[j];
    if (a.verdict != static_cast<uint8_t>(ast::Verdict::Allow) || b.verdict != static_cast<uint8_t>(ast::Verdict::Deny))
      return false;
    if (bit(i, j) || bit(j, i)) return false;
    return !windows_disjoint(a.window, b.window) && !limits_disjoint(limits[i], limits[j]);
  };
  // Per deny rule, the allow rules it meets unordered: when there are several, one
  // `overrides every allow` on it is the likely fix (an objection beats every route).
  std::vector<size_t> partners(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (unordered(i, j)) ++partners[j];
  size_t pairs = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (!unordered(i, j)) continue;
      if (++pairs > kMaxConflictsShown) continue;
      const ast::RuleDecl& ra = *md.rules[i].decl;
      const ast::RuleDecl& rb = *md.rules[j].decl;
      const ast::RuleDecl& later = i > j ? ra : rb;
      const ast::RuleDecl& earlier = i > j ? rb : ra;
      std::string message =
          fmt::format("rules '{}' (allow) and '{}' (deny) of decision '{}' can both apply, and neither overrides the other",
                      ra.name.text, rb.name.text, md.head->name.text);
      conflicts.push_back({later.name.span, message, policy, md.head->name.text, ra.name.text, rb.name.text});
      Diagnostic& d = diags_.warn(DiagCode::Conflict, later.name.span, std::move(message));
      d.help = fmt::format("when both apply the decision is `review`; say which prevails with `overrides {}` on '{}', or the reverse",
                           earlier.name.text, later.name.text);
      if (partners[j] > 1)
        d.help += fmt::format("; '{}' meets {} allow rules unordered: if it prevails over all of them, write "
                              "`overrides every allow` on it",
                              rb.name.text, partners[j]);
      d.notes.push_back({earlier.name.span, fmt::format("'{}' is declared here", earlier.name.text)});
    }
  }
  if (pairs > kMaxConflictsShown)
    diags_.warn(DiagCode::Conflict, md.head->name.span,
                fmt::format("decision '{}' has {} more pairs of allow and deny rules that can both apply, neither "
                            "overriding the other (the first {} are shown)",
                            md.head->name.text, pairs - kMaxConflictsShown, kMaxConflictsShown))
        .help = "when both rules of a pair apply the decision is `review`; say which prevails with `overrides`";
}

void Analyzer::check_unused() {
  for (const auto& [name, unit] : policies_) {
    for (const ast::LetDecl& l : unit->module->lets) {
      if (used_lets_.count(&l)) continue;
      diags_.warn(DiagCode::UnusedLet, l.name.span, fmt::format("'{}' is defined but nothing uses it", l.name.text))
          .help = "remove it, or use it in a rule";
    }
  }
}

}  // namespace lawful::sema
