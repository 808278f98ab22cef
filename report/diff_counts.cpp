// The counts of `lawful diff`; see diff_counts.h.
#include "report/diff_counts.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "report/check_counts.h"
#include "runtime/facts/records.h"

namespace lawful::report {

namespace {

std::string basis_of(const Program& p, const Outcome& o) {
  return o.verdict == VerdictCode::Allow && o.basis >= 0 ? p.basis_name(o.basis) : std::string();
}

// What made an outcome: the rules that decided it; for a review, the rule that might
// apply, the two in conflict, or the review rule; else the reason in words.
std::vector<std::string> causes(const Program& p, const Outcome& o) {
  std::vector<std::string> v;
  std::vector<uint32_t> rules;
  if (o.verdict != VerdictCode::Review || o.reason == Reason::ReviewRule) {
    rules = o.rules;
  } else if (o.reason == Reason::Undetermined && o.reason_a >= 0) {
    rules.push_back(static_cast<uint32_t>(o.reason_a));
  } else if (o.reason == Reason::Conflict && o.reason_a >= 0 && o.reason_b >= 0) {
    rules = {static_cast<uint32_t>(o.reason_a), static_cast<uint32_t>(o.reason_b)};
  }
  if (o.decision >= 0 && !rules.empty()) {
    const DecisionInfo& d = p.decisions[static_cast<size_t>(o.decision)];
    for (uint32_t r : rules)
      v.push_back(p.str(p.policies[d.policy].name) + "\x1f" + p.str(d.name) + "\x1f" + p.str(d.rules[r].name));
  } else if (o.reason != Reason::None) {
    v.push_back("(" + reason_text(p, o) + ")");
  }
  return v;
}

// Counts one decision into a movement (or a same-verdict group).
void count_into(Movement& m, const std::vector<std::string>& was, const std::vector<std::string>& now,
                const std::string& id, size_t examples) {
  ++m.count;
  for (const std::string& c : now) ++m.now.counts[c];
  for (const std::string& c : was) ++m.was.counts[c];
  if (m.contacts.size() < examples) m.contacts.push_back(id);
}

template <class Groups>
std::vector<const Movement*> largest_first(const Groups& groups, size_t* sum) {
  std::vector<const Movement*> order;
  size_t s = 0;
  for (const auto& [k, m] : groups) {
    order.push_back(&m);
    s += m.count;
  }
  std::stable_sort(order.begin(), order.end(), [](const Movement* x, const Movement* y) { return x->count > y->count; });
  if (sum) *sum = s;
  return order;
}

}  // namespace

std::vector<std::pair<std::string, size_t>> CauseCounts::sorted() const {
  std::vector<std::pair<std::string, size_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  return v;
}

std::string cause_text(const std::string& key) {
  if (key.empty() || key[0] == '(') return key;
  size_t a = key.find('\x1f'), b = key.find('\x1f', a + 1);
  return fmt::format("{}: {}.{}", key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1));
}

std::string verdict_text(const std::string& v, const std::string& basis) {
  return basis.empty() ? v : v + " basis " + basis;
}

std::string state_label(const std::string& v, const std::string& basis) {
  return basis.empty() ? v : v + ": " + basis;
}

void DiffCounts::not_decided(uint64_t line, std::string why) {
  ++errors;
  if (error_lines.size() < examples) error_lines.emplace_back(line, std::move(why));
}

void DiffCounts::decided(const Program& pa, const Outcome& a, const Program& pb, const Outcome& b,
                         const std::string& id) {
  std::string va = verdict_name(a.verdict), vb = verdict_name(b.verdict);
  std::string ba = basis_of(pa, a), bb = basis_of(pb, b);
  std::vector<std::string> ca = causes(pa, a);
  std::vector<std::string> cb = causes(pb, b);
  std::string where = b.policy >= 0   ? policy_label(pb, static_cast<size_t>(b.policy))
                      : a.policy >= 0 ? policy_label(pa, static_cast<size_t>(a.policy))
                                      : std::string("(no policy)");
  ++matrix[where][{state_label(va, ba), state_label(vb, bb)}];
  if (va == vb && ba == bb) {
    ++unchanged;
    std::string what;
    if (ca != cb) {
      what = "rules";
    } else {
      std::vector<std::string> cites_a, cites_b;
      for_each_cite(pa, a, [&](const std::string& c) { cites_a.push_back(c); });
      for_each_cite(pb, b, [&](const std::string& c) { cites_b.push_back(c); });
      if (cites_a != cites_b) what = "citations";
    }
    if (what.empty()) return;
    Movement& m = same[{va, ba, what}];
    m.from_verdict = m.to_verdict = va;
    m.from_basis = m.to_basis = ba;
    m.same = what;
    count_into(m, ca, cb, id, examples);
    return;
  }
  Movement& m = moves[{va, ba, vb, bb}];
  m.from_verdict = va;
  m.from_basis = ba;
  m.to_verdict = vb;
  m.to_basis = bb;
  count_into(m, ca, cb, id, examples);
  std::set<std::string> behind(ca.begin(), ca.end());
  behind.insert(cb.begin(), cb.end());
  for (const std::string& c : behind)
    if (!c.empty() && c[0] != '(') ++rule_moved[c];
}

std::vector<const Movement*> DiffCounts::movements(size_t* sum) const { return largest_first(moves, sum); }
std::vector<const Movement*> DiffCounts::other_reasons(size_t* sum) const { return largest_first(same, sum); }

}  // namespace lawful::report
