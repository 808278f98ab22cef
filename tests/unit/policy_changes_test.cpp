// compiler/policy_changes.h: what differs between two versions of the policies, on what
// the rules say and not where they are written.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "compiler/policy_changes.h"
#include "runtime/bytecode/serialize.h"

using namespace lawful;

namespace {

const char* kBase = R"law(policy t.changes "Changes"

let corporate = contact.entity in {company, llp}

decision email:
  rule unsolicited: deny
    cite "reg 22(2)"
  rule corporate_ok: allow basis corporate_subscriber
    when corporate
    overrides unsolicited
    cite "reg 22"
)law";

Compilation compiled(const std::string& text) {
  Compilation c = compile_sources({{"t.law", text}});
  REQUIRE(c.ok());
  return c;
}

std::vector<std::string> described(const std::vector<PolicyChange>& v) {
  std::vector<std::string> out;
  for (const PolicyChange& c : v)
    out.push_back(c.policy + " " + (c.definition.empty() ? c.decision + "." + c.rule : "let " + c.definition) + " " +
                  change_name(c.kind));
  return out;
}

std::vector<std::string> between(const std::string& a, const std::string& b) {
  Compilation x = compiled(a), y = compiled(b);
  return described(policy_changes({x.program.get(), &x}, {y.program.get(), &y}));
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("policy changes: nothing for the same text, nor for moved or reformatted rules") {
  CHECK(between(kBase, kBase).empty());
  // Comments, blank lines and a rule's position change nothing.
  std::string moved = replaced(kBase, "decision email:\n", "// a note\n\n\ndecision email:\n");
  CHECK(between(kBase, moved).empty());
}

TEST_CASE("policy changes: rules added, removed, changed; definitions changed") {
  CHECK(between(kBase, replaced(kBase, "cite \"reg 22\"", "cite \"reg 22 (amended)\"")) ==
        std::vector<std::string>{"t.changes email.corporate_ok changed"});
  CHECK(between(kBase, replaced(kBase, "rule corporate_ok:", "rule corporate_allowed:")) ==
        std::vector<std::string>{"t.changes email.corporate_allowed added", "t.changes email.corporate_ok removed"});
  CHECK(between(kBase, replaced(kBase, "  rule corporate_ok:", "  rule later: deny\n    effective 2027-01-01\n    cite \"x\"\n  rule corporate_ok:")) ==
        std::vector<std::string>{"t.changes email.later added"});
  // A definition's text changed: the definition, not the rule that uses it.
  CHECK(between(kBase, replaced(kBase, "{company, llp}", "{company}")) ==
        std::vector<std::string>{"t.changes let corporate changed"});
  // A condition as written.
  CHECK(between(kBase, replaced(kBase, "when corporate\n", "when corporate and not contact.objected\n")) ==
        std::vector<std::string>{"t.changes email.corporate_ok changed"});
}

TEST_CASE("policy changes: a .lawc is compared on what it holds") {
  Compilation a = compiled(kBase);
  Compilation b = compiled(replaced(kBase, "{company, llp}", "{company}"));
  Program from_lawc;
  REQUIRE(deserialize_program(serialize_program(*a.program), from_lawc).empty());
  // Without the source of one side, neither side's conditions or definitions are compared.
  CHECK(policy_changes({&from_lawc, nullptr}, {a.program.get(), &a}).empty());
  CHECK(policy_changes({&from_lawc, nullptr}, {b.program.get(), &b}).empty());
  Compilation c = compiled(replaced(kBase, "cite \"reg 22(2)\"", "cite \"reg 22(2), (3)\""));
  CHECK(described(policy_changes({&from_lawc, nullptr}, {c.program.get(), &c})) ==
        std::vector<std::string>{"t.changes email.unsolicited changed"});
}

TEST_CASE("policy changes: `overrides every allow` naming the same rules as a list is no change") {
  const std::string names = std::string(kBase) +
                            "  rule consented: allow basis consent\n    when contact.objected == false\n"
                            "    overrides unsolicited\n    cite \"reg 22(2)\"\n"
                            "  rule objection: deny\n    when contact.suppressed\n"
                            "    overrides consented, corporate_ok\n    cite \"art 21(3)\"\n";
  CHECK(between(names, replaced(names, "overrides consented, corporate_ok", "overrides every allow")).empty());
  CHECK(between(names, replaced(names, "overrides consented, corporate_ok", "overrides corporate_ok, consented")).empty());
  CHECK(between(names, replaced(names, "overrides consented, corporate_ok", "overrides consented")).size() == 1);
}
