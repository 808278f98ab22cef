// The checks that only `lawful lint` runs (SemaOptions::lint), over each decision once
// its rules' conditions are typed:
//   W103 a rule without a citation;
//   W104 a decision with no rule that applies whatever the facts (at some date after the
//        first such rule takes effect), unless rules that each test one enumeration fact
//        cover all of its values between them on every date;
//   W105 a rule that never decides: a rule that overrides it applies whenever it does;
//   W106 effective windows that nearly meet: a rule ends within a year of another's start,
//        leaving days when neither is in force, or days when both are;
// and, as expressions are lowered (lower.cpp), W107: known(x) of a fact the schema gives
// a default, which is never unknown, so the test is always true.
// W105 is sound but incomplete: it proves "R implies S" only from conjunctions of the
// same conditions, definitions without parameters, `or` on the side implied, and what
// conjunctions say about single facts (an enumeration's values, a flag); a rule it does
// not flag may still never decide. See docs/commands/lint.md.
#include <algorithm>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "compiler/sema/analyzer.h"
#include "compiler/sema/atoms.h"
#include "runtime/core/dates.h"

namespace lawful::sema {

namespace {

bool same(const Ir* a, const Ir* b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->op != b->op || a->type != b->type || a->imm != b->imm || a->aux != b->aux || a->stride != b->stride ||
      a->kids.size() != b->kids.size())
    return false;
  for (size_t i = 0; i < a->kids.size(); ++i)
    if (!same(a->kids[i].get(), b->kids[i].get())) return false;
  return true;
}

bool always_true(const Ir* ir) { return !ir || (ir->op == IrOp::Const && ir->type == types::kBool && ir->imm == 1); }

std::string date_text(int32_t d) { return format_date(static_cast<Days>(d)); }

constexpr int kMaxDepth = 32;

// Whether `ir` only says which values one enumeration fact has: `f == v`, `f in {...}`,
// or an `or` of those on the same fact. Gives the fact's slot, its type and the values.
bool one_fact_values(const Ir* ir, int64_t& slot, TypeId& type, uint64_t& values, int depth = 0) {
  if (!ir || depth > kMaxDepth) return false;
  if (ir->op == IrOp::Or) {
    int64_t s1 = 0, s2 = 0;
    TypeId t1 = 0, t2 = 0;
    uint64_t v1 = 0, v2 = 0;
    if (!one_fact_values(ir->kids[0].get(), s1, t1, v1, depth + 1) ||
        !one_fact_values(ir->kids[1].get(), s2, t2, v2, depth + 1) || s1 != s2)
      return false;
    slot = s1;
    type = t1;
    values = v1 | v2;
    return true;
  }
  const Ir* a = nullptr;
  const Ir* b = nullptr;
  if (ir->op == IrOp::InSet || (ir->op == IrOp::Cmp && ir->aux == static_cast<int32_t>(CmpOp::Eq))) {
    a = ir->kids[0].get();
    b = ir->kids[1].get();
    if (ir->op == IrOp::Cmp && a->op == IrOp::Const) std::swap(a, b);
  }
  if (!a || a->op != IrOp::Slot || b->op != IrOp::Const) return false;
  if (ir->op == IrOp::Cmp && (b->imm < 0 || b->imm > 63)) return false;
  slot = a->imm;
  type = a->type;
  values = ir->op == IrOp::InSet ? static_cast<uint64_t>(b->imm) : uint64_t{1} << b->imm;
  return true;
}

}  // namespace

// Rules that each test one enumeration fact and cover all of its values between them, on
// every date from the first on which they do (before it, the law did not exist yet): once the fact is known, one of them
// applies (when it is absent the decision is `review` naming it, as it should be).
// `entity == consumer`, `entity in {company, ...}` and `entity == unknown` are such a set.
bool Analyzer::covers_an_enumeration(const DecisionInfo& info, const std::vector<const Ir*>& conds) const {
  struct Part {
    Window window;
    uint64_t values;
  };
  std::map<int64_t, std::vector<Part>> parts;  // by slot
  std::map<int64_t, TypeId> types_of;
  for (size_t i = 0; i < info.rules.size(); ++i) {
    int64_t slot = 0;
    TypeId type = 0;
    uint64_t values = 0;
    if (!one_fact_values(conds[i], slot, type, values)) continue;
    parts[slot].push_back({info.rules[i].window, values});
    types_of[slot] = type;
  }
  for (const auto& [slot, ps] : parts) {
    const Type& t = schema_.type(types_of[slot]);
    if (t.kind != TypeKind::Enum) continue;
    size_t m = schema_.enums[t.ref].members.size();
    uint64_t all = m >= 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1;
    // Coverage can only change where a window starts or ends.
    int32_t first = kAlwaysUntil;
    for (const Part& p : ps) first = std::min(first, p.window.from);
    std::vector<int32_t> dates{first};
    for (const Part& p : ps)
      for (int32_t d : {p.window.from, p.window.until})
        if (d > first && d < kAlwaysUntil) dates.push_back(d);
    std::sort(dates.begin(), dates.end());
    bool begun = false, everywhere = true;  // from the first date every value is covered
    for (int32_t d : dates) {
      uint64_t values = 0;
      for (const Part& p : ps)
        if (p.window.from <= d && d < p.window.until) values |= p.values;
      bool full = (values & all) == all;
      begun = begun || full;
      everywhere = everywhere && (full || !begun);
    }
    if (begun && everywhere) return true;
  }
  return false;
}

void Analyzer::lint_known(const Ir& x, Span span) {
  if ((x.op != IrOp::Slot && x.op != IrOp::Field) || x.rec < 0 || x.field < 0) return;
  const FieldDef& f = schema_.records[static_cast<size_t>(x.rec)].fields[static_cast<size_t>(x.field)];
  if (!f.has_default || !x.span.valid() || !known_warned_.insert({span.file, span.begin}).second) return;
  // The fact as the policy writes it (`c.withdrawn_at`), for the message and the fix.
  const std::string& src = sm_.text(x.span.file);
  std::string arg = x.span.end <= src.size() && x.span.begin < x.span.end
                        ? src.substr(x.span.begin, x.span.end - x.span.begin)
                        : f.name;
  std::string what, fix;
  switch (schema_.type(f.type).kind) {
    case TypeKind::List:
      what = "`[]`";
      fix = fmt::format("to ask whether the list holds anything, write `size({}) > 0`", arg);
      break;
    case TypeKind::Date:
      if (f.default_value == kDateNever) {
        what = "`never`: the date that never comes";
        fix = fmt::format("to ask whether it happened by the send date, write `{} <= campaign.send_date`", arg);
      } else {
        what = fmt::format("`{}`", date_text(static_cast<int32_t>(f.default_value)));
        fix = fmt::format("compare `{}` with the date you mean", arg);
      }
      break;
    case TypeKind::Bool:
      what = f.default_value ? "`true`" : "`false`";
      fix = fmt::format("to ask whether it holds, write `{}` itself", arg);
      break;
    default:
      what = "its default";
      fix = fmt::format("compare `{}` with the value you mean", arg);
      break;
  }
  diags_.warn(DiagCode::KnownWithDefault, span,
              fmt::format("`known({})` is always true: the schema gives '{}' a default ({}), so it is never unknown",
                          arg, f.name, what))
      .help = fix;
}

void Analyzer::conjuncts(const Ir* ir, std::vector<const Ir*>& out, int depth) {
  if (!ir) return;
  if (ir->op == IrOp::And && depth < kMaxDepth) {
    conjuncts(ir->kids[0].get(), out, depth + 1);
    conjuncts(ir->kids[1].get(), out, depth + 1);
    return;
  }
  if (ir->op == IrOp::Let && depth < kMaxDepth && ir->imm >= 0 && static_cast<size_t>(ir->imm) < prog_.lets.size()) {
    size_t fn = prog_.lets[static_cast<size_t>(ir->imm)].fn;
    if (fn < functions.size()) {
      conjuncts(functions[fn].body.get(), out, depth + 1);
      return;
    }
  }
  out.push_back(ir);
}

// Whether `s` is true whenever all of `facts` are (`atoms`: what they say about single
// facts). Kleene logic: a true conjunction has every conjunct true, and a condition that
// is true is not unknown, so each step below holds with unknowns too.
bool Analyzer::implied(const std::vector<const Ir*>& facts, const std::map<int64_t, uint64_t>& atoms, const Ir* s,
                       int depth) {
  if (always_true(s)) return true;
  if (depth > kMaxDepth) return false;
  for (const Ir* f : facts)
    if (same(f, s)) return true;
  switch (s->op) {
    case IrOp::And:
      return implied(facts, atoms, s->kids[0].get(), depth + 1) && implied(facts, atoms, s->kids[1].get(), depth + 1);
    case IrOp::Or:
      return implied(facts, atoms, s->kids[0].get(), depth + 1) || implied(facts, atoms, s->kids[1].get(), depth + 1);
    case IrOp::Let:
      if (s->imm >= 0 && static_cast<size_t>(s->imm) < prog_.lets.size()) {
        size_t fn = prog_.lets[static_cast<size_t>(s->imm)].fn;
        if (fn < functions.size()) return implied(facts, atoms, functions[fn].body.get(), depth + 1);
      }
      return false;
    default: {
      // One fact restricted to some values, which the facts restrict to fewer.
      Atoms mine;
      collect_atoms(s, mine);
      if (mine.size() != 1) return false;
      auto it = atoms.find(mine.begin()->first);
      return it != atoms.end() && (it->second & ~mine.begin()->second) == 0;
    }
  }
}

void Analyzer::lint_decision(const PolicyUnit& unit, const MergedDecision& md, const DecisionInfo& info,
                             const std::vector<const Ir*>& conds) {
  const size_t n = info.rules.size();
  const std::string& dname = md.head->name.text;
  // Where the decision is, for this policy: its own `decision` block (a policy that
  // extends another may reopen it), else the one it inherits.
  Span dspan = md.head->name.span;
  for (const ast::DecisionDecl& d : unit.module->decisions)
    if (d.name.text == dname) dspan = d.name.span;
  const std::string of_policy = md.head->span.file == unit.module->file
                                    ? std::string()
                                    : fmt::format(" of policy '{}'", unit.module->name.str());

  // W103: every rule says which provision it applies.
  for (size_t i = 0; i < n; ++i) {
    const ast::RuleDecl& r = *md.rules[i].decl;
    if (!r.cites.empty()) continue;
    diags_.warn(DiagCode::NoCitation, r.name.span, fmt::format("rule '{}' cites no provision", r.name.text)).help =
        "add `cite \"...\"` with the provision it applies: decisions report the citations of the rules that made them";
  }

  // W104: some rule applies whatever the facts, on every date.
  std::vector<Window> defaults;
  for (size_t i = 0; i < n; ++i)
    if (always_true(conds[i])) defaults.push_back(info.rules[i].window);
  std::sort(defaults.begin(), defaults.end(), [](const Window& a, const Window& b) { return a.from < b.from; });
  std::string message;
  if (defaults.empty()) {
    if (!covers_an_enumeration(info, conds))
      message = fmt::format("decision '{}'{} has no rule that applies whatever the facts", dname, of_policy);
  } else {
    // The first stretch of time no default covers, if any, after the first one takes
    // effect (before it, the law did not exist yet).
    int32_t reach = defaults.front().from;
    std::optional<std::pair<int32_t, int32_t>> hole;
    for (const Window& w : defaults) {
      if (w.from > reach) {
        hole = std::make_pair(reach, w.from);
        break;
      }
      reach = std::max(reach, w.until);
    }
    if (!hole && reach != kAlwaysUntil) hole = std::make_pair(reach, kAlwaysUntil);
    if (hole) {
      std::string when = hole->second == kAlwaysUntil
                             ? fmt::format("from {}", date_text(hole->first))
                             : fmt::format("from {} until {}", date_text(hole->first), date_text(hole->second));
      message = fmt::format("decision '{}'{} has no rule that applies whatever the facts {}", dname, of_policy, when);
    }
  }
  if (!message.empty())
    diags_.warn(DiagCode::NoDefaultRule, dspan, message).help =
        "when none of its rules applies the decision is `review` (\"no rule applies\"); say what the law says by "
        "default with a rule that has no `when`, such as `rule unsolicited: deny`";

  // W105: a rule that some rule overriding it always outranks.
  for (size_t r = 0; r < n; ++r) {
    std::vector<const Ir*> facts;
    conjuncts(conds[r], facts, 0);
    Atoms atoms;
    for (const Ir* f : facts) collect_atoms(f, atoms);
    for (size_t s = 0; s < n; ++s) {
      const RuleInfo& sr = info.rules[s];
      if (std::find(sr.overrides.begin(), sr.overrides.end(), r) == sr.overrides.end()) continue;
      const Window& wr = info.rules[r].window;
      if (sr.window.from > wr.from || sr.window.until < wr.until) continue;
      if (!implied(facts, atoms, conds[s], 0)) continue;
      const ast::RuleDecl& R = *md.rules[r].decl;
      const ast::RuleDecl& S = *md.rules[s].decl;
      Diagnostic& d = diags_.warn(
          DiagCode::NeverDecides, R.name.span,
          fmt::format("rule '{}' never decides: whenever it applies, '{}' applies too and overrides it", R.name.text,
                      S.name.text));
      d.help = fmt::format("if '{}' should decide in some case, narrow the condition of '{}' or its `overrides`; "
                           "otherwise remove '{}'",
                           R.name.text, S.name.text, R.name.text);
      d.notes.push_back({override_span(S, R), override_note(S, R, " here")});
      break;
    }
  }

  // W106: a rule that ends near (not on) the day another takes effect.
  bool any_start = false;
  for (const RuleInfo& ri : info.rules) any_start = any_start || ri.window.from != kAlwaysFrom;
  if (!any_start) return;
  for (size_t a = 0; a < n; ++a) {
    const Window& wa = info.rules[a].window;
    if (wa.until == kAlwaysUntil) continue;
    int64_t best = -1;
    int64_t best_dist = 0;
    bool exact = false;
    for (size_t b = 0; b < n; ++b) {
      const Window& wb = info.rules[b].window;
      if (b == a || wb.from == kAlwaysFrom || wb.from <= wa.from) continue;
      if (wb.from == wa.until) exact = true;
      int64_t dist = std::llabs(static_cast<int64_t>(wb.from) - wa.until);
      if (best < 0 || dist < best_dist) {
        best = static_cast<int64_t>(b);
        best_dist = dist;
      }
    }
    if (exact || best < 0 || best_dist > 366) continue;
    const ast::RuleDecl& A = *md.rules[a].decl;
    const ast::RuleDecl& B = *md.rules[static_cast<size_t>(best)].decl;
    const Window& wb = info.rules[static_cast<size_t>(best)].window;
    std::string msg =
        wb.from > wa.until
            ? fmt::format("rule '{}' ends on {} but '{}' takes effect only on {}: from {} to {} neither is in force",
                          A.name.text, date_text(wa.until), B.name.text, date_text(wb.from), date_text(wa.until),
                          date_text(wb.from - 1))
            : fmt::format("rule '{}' ends on {} but '{}' takes effect on {}: from {} to {} both are in force",
                          A.name.text, date_text(wa.until), B.name.text, date_text(wb.from), date_text(wb.from),
                          date_text(wa.until - 1));
    Diagnostic& d = diags_.warn(DiagCode::WindowGap, A.effective.span, msg);
    d.help = "`until` is the day the replacement takes effect, and is not itself in force: write the same date in "
             "both (`until 2026-08-11` and `effective 2026-08-11`)";
    d.notes.push_back({B.effective.span, fmt::format("'{}' takes effect here", B.name.text)});
  }
}

}  // namespace lawful::sema
