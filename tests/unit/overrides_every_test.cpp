// `overrides every VERDICT` lowers, at compile time, to the same override table as the
// rules named one by one: the program is the same but for its source hash, and an
// extending policy's new rule is in the inherited rule's table.
#include <algorithm>
#include <set>

#include <doctest/doctest.h>

#include "compiler/compiler.h"

using namespace lawful;

namespace {

const char* kNamed = R"(policy t.every "t"
decision email when campaign.channel == email:
  rule no_consent: deny
    cite "a"
  rule consented: allow basis consent
    when contact.objected == false
    overrides no_consent
    cite "b"
  rule business: allow basis corporate_subscriber
    when contact.entity == company
    overrides no_consent
    cite "c"
  rule unknown_kind: review
    when contact.entity == unknown
    overrides no_consent
    cite "d"
  rule objection: deny
    when contact.suppressed
    overrides OVERRIDES
    cite "e"
)";

std::string with(const std::string& overrides) {
  std::string s = kNamed;
  s.replace(s.find("OVERRIDES"), 9, overrides);
  return s;
}

const RuleInfo& rule(const Program& p, const std::string& decision_policy, const std::string& name) {
  for (const DecisionInfo& d : p.decisions) {
    if (p.str(p.policies[d.policy].name) != decision_policy) continue;
    for (const RuleInfo& r : d.rules)
      if (p.str(r.name) == name) return r;
  }
  FAIL("no rule " << name);
  return p.decisions.at(0).rules.at(0);
}

std::set<std::string> overridden(const Program& p, const std::string& policy, const std::string& name) {
  std::set<std::string> out;
  for (const DecisionInfo& d : p.decisions) {
    if (p.str(p.policies[d.policy].name) != policy) continue;
    for (const RuleInfo& r : d.rules)
      if (p.str(r.name) == name)
        for (uint32_t o : r.overrides) out.insert(p.str(d.rules[o].name));
  }
  return out;
}

}  // namespace

TEST_CASE("every allow, every review: the same table as the names") {
  Compilation named = compile_sources({{"t.law", with("consented, business, unknown_kind")}});
  Compilation every = compile_sources({{"t.law", with("every allow, every review")}});
  REQUIRE(named.ok());
  REQUIRE(every.ok());
  CHECK(overridden(*every.program, "t.every", "objection") ==
        std::set<std::string>{"consented", "business", "unknown_kind"});
  // Rule by rule, every table of the two programs holds the same rules.
  const Program& a = *named.program;
  const Program& b = *every.program;
  REQUIRE(a.decisions.size() == b.decisions.size());
  for (size_t d = 0; d < a.decisions.size(); ++d)
    for (size_t r = 0; r < a.decisions[d].rules.size(); ++r) {
      std::vector<uint32_t> x = a.decisions[d].rules[r].overrides, y = b.decisions[d].rules[r].overrides;
      std::sort(x.begin(), x.end());
      std::sort(y.begin(), y.end());
      CHECK(x == y);
    }
  CHECK(a.code == b.code);
}

TEST_CASE("every deny excludes the rule itself; a name and an every count once") {
  Compilation c = compile_sources({{"t.law", with("every deny, every allow, consented")}});
  REQUIRE(c.ok());
  CHECK(overridden(*c.program, "t.every", "objection") == std::set<std::string>{"no_consent", "consented", "business"});
  CHECK(rule(*c.program, "t.every", "objection").overrides.size() == 3);
}

TEST_CASE("a rule an extending policy adds is among the inherited rule's every allow") {
  std::string child = R"(policy t.child "c" extends t.every
decision email:
  rule charity: allow basis soft_opt_in
    when contact.entity == consumer
    overrides no_consent
    cite "f"
)";
  Compilation c = compile_sources({{"t.law", with("every allow")}, {"child.law", child}});
  REQUIRE(c.ok());
  CHECK(overridden(*c.program, "t.every", "objection") == std::set<std::string>{"consented", "business"});
  CHECK(overridden(*c.program, "t.child", "objection") == std::set<std::string>{"consented", "business", "charity"});
}
