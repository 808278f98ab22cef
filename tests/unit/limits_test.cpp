// Every limit of docs/security.md, at its edge: the largest input the limit allows
// compiles (or binds, or decides), and one more is refused with a clear message, never
// a crash, a stack overflow or a run without end.
#include <doctest/doctest.h>

#include <string>

#include "compiler/sema/sema.h"
#include "helpers.h"
#include "runtime/bytecode/verifier.h"

using namespace lawful;
using namespace lawful::testing;

namespace {

std::string repeat(const std::string& s, size_t n, const std::string& sep = "") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? sep : "") + s;
  return out;
}

// The first error with this code, or null.
const Diagnostic* error_with(const Compilation& c, DiagCode code) {
  for (const Diagnostic& d : c.diags.all())
    if (d.code == code && d.severity == Severity::Error) return &d;
  return nullptr;
}

const char* kHead = "policy lim.p \"Limits\"\n";
const char* kDecision = "decision email when campaign.channel == email:\n";

// A policy whose one rule denies when `cond` holds.
std::string rule_policy(const std::string& cond, const std::string& lets = "") {
  return std::string(kHead) + lets + kDecision + "  rule r: deny\n    when " + cond + "\n    cite \"x\"\n";
}

const std::string kObjected = R"({"contact": {"objected": true}, "campaign": {"channel": "email"}})";

}  // namespace

TEST_CASE("a source file: 1 MiB, then E003") {
  std::string base = rule_policy("contact.objected");
  std::string padding = "\n// " + std::string((1u << 20) - base.size() - 5, 'x');
  REQUIRE(base.size() + padding.size() == (1u << 20) - 1);
  CHECK(compile_text(base + padding + "\n").ok());
  Compilation big = compile_text(base + padding + "\n\n");
  const Diagnostic* d = error_with(big, DiagCode::TooLarge);
  REQUIRE(d);
  CHECK(d->message == "the file has more than 1048576 bytes, the limit");
}

TEST_CASE("nesting in one declaration: brackets, prefix operators, operators (E106)") {
  CHECK(compile_text(rule_policy(repeat("(", 64) + "contact.objected" + repeat(")", 64))).ok());
  Compilation deep = compile_text(rule_policy(repeat("(", 65) + "contact.objected" + repeat(")", 65)));
  REQUIRE(error_with(deep, DiagCode::TooDeep));
  CHECK(error_with(deep, DiagCode::TooDeep)->message == "more than 64 brackets nested in one declaration");

  CHECK(compile_text(rule_policy(repeat("not ", 256) + "contact.objected")).ok());
  Compilation nots = compile_text(rule_policy(repeat("not ", 257) + "contact.objected"));
  REQUIRE(error_with(nots, DiagCode::TooDeep));
  CHECK(error_with(nots, DiagCode::TooDeep)->message == "more than 256 prefix operators in one declaration");

  // The longest chain of `or` (and of `and`) the parser allows compiles, and decides:
  // every pass after the parser recurses along it without running out of stack.
  const std::string lets = "let o = contact.objected\nlet s = contact.suppressed\n";
  for (const char* op : {" or ", " and "}) {
    Compilation c = compile_text(rule_policy(repeat("o", 2049, op), lets));
    REQUIRE_MESSAGE(c.ok(), c.diags.render(c.sources));
    CHECK(decide_case(*c.program, kObjected).verdict == VerdictCode::Deny);
    Compilation longer = compile_text(rule_policy(repeat("o", 2050, op), lets));
    REQUIRE(error_with(longer, DiagCode::TooDeep));
    CHECK(error_with(longer, DiagCode::TooDeep)->message == "more than 2048 operators in one declaration");
  }
}

TEST_CASE("rules per decision: 1024, then E004") {
  auto policy = [](size_t n) {
    std::string p = std::string(kHead) + kDecision;
    for (size_t i = 0; i < n; ++i) {
      p += "  rule r" + std::to_string(i) + ": deny\n    when contact.objected\n    cite \"x\"\n";
      if (i) p += "    overrides r" + std::to_string(i - 1) + "\n";
    }
    return p;
  };
  Compilation ok = compile_text(policy(1024));
  REQUIRE_MESSAGE(ok.ok(), ok.diags.render(ok.sources));
  CHECK(decide_case(*ok.program, kObjected).verdict == VerdictCode::Deny);
  Compilation over = compile_text(policy(1025));
  REQUIRE(error_with(over, DiagCode::TooMany));
  CHECK(error_with(over, DiagCode::TooMany)->message == "decision 'email' has 1025 rules; the limit is 1024");
}

TEST_CASE("definitions per module and decisions per policy (E004)") {
  auto lets = [](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "let d" + std::to_string(i) + " = contact.objected\n";
    return s;
  };
  CHECK(compile_text(rule_policy("d0", lets(4096))).ok());
  Compilation over = compile_text(rule_policy("d0", lets(4097)));
  REQUIRE(error_with(over, DiagCode::TooMany));
  CHECK(error_with(over, DiagCode::TooMany)->message == "more than 4096 definitions in one module");

  auto decisions = [](size_t n) {
    std::string p = kHead;
    for (size_t i = 0; i < n; ++i)
      p += "decision d" + std::to_string(i) + " when campaign.channel == email:\n  rule r: deny\n    cite \"x\"\n";
    return p;
  };
  CHECK(compile_text(decisions(1024)).ok());
  Compilation many = compile_text(decisions(1025));
  REQUIRE(error_with(many, DiagCode::TooMany));
  CHECK(error_with(many, DiagCode::TooMany)->message == "more than 1024 decisions in one policy");
}

TEST_CASE("distinct strings in a program: 65536, then E004") {
  // Strings in a set literal: commas are not operators, so one declaration holds them.
  auto policy = [](size_t n) {
    std::string set;
    for (size_t i = 0; i < n; ++i) set += (i ? ", \"" : "\"") + std::to_string(i) + "\"";
    return rule_policy("contact.country in {" + set + "}");
  };
  Compilation probe = compile_text(policy(1));
  REQUIRE(probe.ok());
  size_t others = probe.program->strings.size() - 1;  // names, titles, the library's strings
  CHECK(compile_text(policy(sema::SemaLimits{}.max_strings - others)).ok());
  Compilation over = compile_text(policy(sema::SemaLimits{}.max_strings - others + 1));
  REQUIRE(error_with(over, DiagCode::TooMany));
  CHECK(error_with(over, DiagCode::TooMany)->message ==
        "the policies have more than 65536 distinct strings (names, citations and literals)");
}

TEST_CASE("definitions used inside definitions: 64 deep, then E106") {
  // A chain of definitions with parameters, each calling the one before: expanded
  // inline, one inside another.
  auto chain = [](size_t n) {
    std::string s = "let f0(x) = x\n";
    for (size_t i = 1; i <= n; ++i)
      s += "let f" + std::to_string(i) + "(x) = f" + std::to_string(i - 1) + "(x) or contact.tps\n";
    return rule_policy("f" + std::to_string(n) + "(contact.objected)", s);
  };
  Compilation ok = compile_text(chain(63));
  REQUIRE_MESSAGE(ok.ok(), ok.diags.render(ok.sources));
  CHECK(decide_case(*ok.program, kObjected).verdict == VerdictCode::Deny);
  Compilation over = compile_text(chain(64));
  REQUIRE(error_with(over, DiagCode::TooDeep));
  CHECK(error_with(over, DiagCode::TooDeep)->message == "'f0' is used here inside 64 other definitions, one inside another; the limit is 64");

  // The same with definitions without parameters (functions of the program).
  auto lets = [](size_t n) {
    std::string s = "let a0 = contact.objected\n";
    for (size_t i = 1; i <= n; ++i) s += "let a" + std::to_string(i) + " = a" + std::to_string(i - 1) + " and contact.objected\n";
    return rule_policy("a" + std::to_string(n), s);
  };
  Compilation lok = compile_text(lets(63));
  REQUIRE_MESSAGE(lok.ok(), lok.diags.render(lok.sources));
  CHECK(decide_case(*lok.program, kObjected).verdict == VerdictCode::Deny);
  CHECK(error_with(compile_text(lets(64)), DiagCode::TooDeep));
}

TEST_CASE("definitions computed inside definitions at run time: 64 deep, then E106") {
  // Used in order, each definition is analysed while the one it uses is already done,
  // so analysis never goes deep; the program's definitions still would, in the VM.
  auto policy = [](size_t n) {
    std::string s = "let a0 = contact.objected\n";
    for (size_t i = 1; i < n; ++i) s += "let a" + std::to_string(i) + " = a" + std::to_string(i - 1) + " or contact.tps\n";
    std::string cond;
    for (size_t i = 0; i < n; ++i) cond += (i ? " and a" : "a") + std::to_string(i);
    return rule_policy(cond, s);
  };
  Compilation ok = compile_text(policy(64));
  REQUIRE_MESSAGE(ok.ok(), ok.diags.render(ok.sources));
  CHECK(decide_case(*ok.program, kObjected).verdict == VerdictCode::Deny);
  Compilation over = compile_text(policy(65));
  REQUIRE(error_with(over, DiagCode::TooDeep));
  CHECK(error_with(over, DiagCode::TooDeep)->message ==
        "'a64' is computed from more than 64 definitions, one inside another");
}

TEST_CASE("expressions once calls are expanded: depth 4096 and 1000000 operations") {
  // Each level puts the call below it at the bottom of a chain of 100 `or`s.
  std::string lets = "let g0(x) = x\n";
  for (int i = 1; i <= 45; ++i)
    lets += "let g" + std::to_string(i) + "(x) = g" + std::to_string(i - 1) + "(x)" + repeat(" or contact.tps", 100) + "\n";
  Compilation deep = compile_text(rule_policy("g45(contact.objected)", lets));
  REQUIRE(error_with(deep, DiagCode::TooDeep));
  CHECK(error_with(deep, DiagCode::TooDeep)->message ==
        "expressions nested more than 4096 deep once calls to definitions are expanded");
  Compilation shallow = compile_text(rule_policy("g35(contact.objected)", lets));
  REQUIRE_MESSAGE(shallow.ok(), shallow.diags.render(shallow.sources));
  CHECK(decide_case(*shallow.program, kObjected).verdict == VerdictCode::Deny);

  // A definition that calls the one before twice doubles at each level.
  std::string twice = "let h0(x) = x\n";
  for (int i = 1; i <= 30; ++i)
    twice += "let h" + std::to_string(i) + "(x) = h" + std::to_string(i - 1) + "(x) and h" + std::to_string(i - 1) + "(x)\n";
  Compilation big = compile_text(rule_policy("h30(contact.objected)", twice));
  REQUIRE(error_with(big, DiagCode::TooMany));
  CHECK(error_with(big, DiagCode::TooMany)->message == "more than 1000000 operations once calls to definitions are expanded");
  CHECK(compile_text(rule_policy("h15(contact.objected)", twice)).ok());
}

TEST_CASE("code size: `if` in the branches of `if` doubles the code; the limit stops it (E004)") {
  std::string e = "contact.objected";
  for (int i = 0; i < 40; ++i) e = "if contact.tps then contact.objected else (" + e + ")";
  Compilation c = compile_text(rule_policy(e));
  REQUIRE(error_with(c, DiagCode::TooMany));
  CHECK(error_with(c, DiagCode::TooMany)->message.find("compiles to more than 4194304 instructions") != std::string::npos);
  std::string small = "contact.objected";
  for (int i = 0; i < 10; ++i) small = "if contact.tps then contact.objected else (" + small + ")";
  Compilation ok = compile_text(rule_policy(small));
  REQUIRE(ok.ok());
  CHECK(decide_case(*ok.program, kObjected).verdict == VerdictCode::Deny);
}

TEST_CASE("quantifier steps per decision: the VM stops a decision that would run for hours") {
  Compilation c = compile_text(rule_policy(
      "any a in contact.consents: any b in contact.consents: any x in contact.consents: a.channel == sms"));
  REQUIRE(c.ok());
  std::string consents = repeat("{\"channel\": \"email\"}", 50, ", ");
  std::string line = R"({"contact": {"consents": [)" + consents + R"(]}, "campaign": {"channel": "email"}})";
  Binder binder(*c.program);
  Entry entry;
  REQUIRE(choose_entry(*c.program, "", entry) == "");
  Outcome out;

  Vm vm(*c.program, VmLimits{1000});
  REQUIRE(binder.bind_case(vm.facts(), line.data(), line.size(), line.size()).ok);
  decide_entry(vm, entry, out);
  CHECK(out.error.find("the decision takes more than 1000 steps of quantifiers") != std::string::npos);

  // 50 * 50 * 50 steps fit in the default.
  CHECK(VmLimits{}.max_steps == 100000000);
  Vm roomy(*c.program);
  REQUIRE(binder.bind_case(roomy.facts(), line.data(), line.size(), line.size()).ok);
  decide_entry(roomy, entry, out);
  CHECK(out.error == "");
  CHECK(out.verdict == VerdictCode::Review);  // no consent is sms: the rule does not apply
}

TEST_CASE("a run-time error while tracing leaves the VM's stack as it was") {
  // Regression: a function stopped by a run-time error kept its frame, so explain,
  // which traces every rule even after one failed, ran the next rules past the end of
  // the VM's stack (an overflow the sanitizer build shows).
  std::string p = std::string(kHead) + "let far = campaign.send_date + 9000 years > 2020-01-01\n" + kDecision +
                  "  rule a: deny\n    when far and contact.objected\n    cite \"x\"\n"
                  "  rule b: allow basis consent\n    when any c in contact.consents: c.channel == email and far\n"
                  "    overrides a\n    cite \"y\"\n"
                  "  rule c: deny\n    when any c in contact.consents: any d in contact.consents: c.channel == d.channel\n"
                  "    overrides b\n    cite \"z\"\n";
  Compilation c = compile_text(p);
  REQUIRE_MESSAGE(c.ok(), c.diags.render(c.sources));
  std::string line = R"({"contact": {"objected": true, "consents": [{"channel": "email"}]},)"
                     R"( "campaign": {"channel": "email", "send_date": "2026-01-01"}})";
  Vm vm(*c.program);
  Binder binder(*c.program);
  REQUIRE(binder.bind_case(vm.facts(), line.data(), line.size(), line.size()).ok);
  for (int round = 0; round < 3; ++round) {
    DecisionTrace t;
    vm.trace_decision(0, t);
    REQUIRE(t.rules.size() == 3);
    CHECK(t.rules[2].state == RuleState::Applies);
    Outcome out;
    vm.decide_decision(0, out);
    CHECK(out.error.find("a date outside the years 1 to 9999") != std::string::npos);
  }
}

TEST_CASE("a run-time error says where: the rule, obligation or decision condition, and the expression's file:line:col") {
  const std::string far = "campaign.send_date + 9000 years > 2020-01-01";
  const std::string line = R"({"contact": {"objected": true}, "campaign": {"channel": "email", "send_date": "2026-01-01"}})";
  auto error_of = [&](const std::string& text) {
    Compilation c = compile_text(text, "where.law");
    REQUIRE_MESSAGE(c.ok(), c.diags.render(c.sources));
    Vm vm(*c.program);
    Binder binder(*c.program);
    REQUIRE(binder.bind_case(vm.facts(), line.data(), line.size(), line.size()).ok);
    Outcome out;
    vm.decide_decision(0, out);
    Outcome twice;  // the same from the policy's entry (decide_policy)
    Entry entry;
    REQUIRE(choose_entry(*c.program, "", entry) == "");
    decide_entry(vm, entry, twice);
    CHECK(twice.error == out.error);
    return out.error;
  };
  // In a rule: the rule's name and where the expression that failed starts (line 4,
  // column 10: the date arithmetic, not the rule's name on line 3).
  std::string rule = std::string(kHead) + kDecision + "  rule far: deny\n    when " + far + "\n    cite \"x\"\n";
  std::string e = error_of(rule);
  CHECK(e.rfind("a date outside the years 1 to 9999 in rule 'far' (where.law:4:10; bytecode ", 0) == 0);
  CHECK(e.back() == ')');
  // In an obligation, once a rule has decided.
  std::string oblige = std::string(kHead) + kDecision + "  rule r: deny\n    when contact.objected\n    cite \"x\"\n" +
                       "  oblige honour_objection when " + far + " cite \"y\"\n";
  e = error_of(oblige);
  CHECK(e.rfind("a date outside the years 1 to 9999 in obligation 'honour_objection' (where.law:6:32; bytecode ", 0) == 0);
  // In the condition of a decision.
  std::string guard = std::string(kHead) + "decision email when " + far + ":\n" +
                      "  rule r: deny\n    when contact.objected\n    cite \"x\"\n";
  e = error_of(guard);
  CHECK(e.rfind("a date outside the years 1 to 9999 in the condition of decision 'email' (where.law:2:21; bytecode ", 0) == 0);
  // In a definition the rule uses: the definition's expression, on its own line.
  std::string let = std::string(kHead) + "let far = " + far + "\n" + kDecision +
                    "  rule r: deny\n    when contact.objected and far\n    cite \"x\"\n";
  e = error_of(let);
  CHECK(e.rfind("a date outside the years 1 to 9999 in rule 'r' (where.law:2:11; bytecode ", 0) == 0);
  // The second of two expressions of one rule.
  std::string second = std::string(kHead) + kDecision + "  rule far: deny\n    when contact.objected\n" +
                       "         and " + far + "\n    cite \"x\"\n";
  e = error_of(second);
  CHECK(e.rfind("a date outside the years 1 to 9999 in rule 'far' (where.law:5:14; bytecode ", 0) == 0);
}

TEST_CASE("a quantifier over too many items is the expression the error points at") {
  std::string p = std::string(kHead) + kDecision + "  rule r: deny\n    when contact.objected and\n" +
                  "      (count c in contact.consents: c.channel == sms) > 2\n    cite \"x\"\n";
  Compilation c = compile_text(p, "steps.law");
  REQUIRE_MESSAGE(c.ok(), c.diags.render(c.sources));
  std::string consents = repeat("{\"channel\": \"email\"}", 50, ", ");
  std::string line = R"({"contact": {"objected": true, "consents": [)" + consents + R"(]}, "campaign": {"channel": "email"}})";
  Vm vm(*c.program, VmLimits{20});
  Binder binder(*c.program);
  REQUIRE(binder.bind_case(vm.facts(), line.data(), line.size(), line.size()).ok);
  Outcome out;
  vm.decide_decision(0, out);
  CHECK(out.error.rfind("the decision takes more than 20 steps of quantifiers in rule 'r' (steps.law:5:8; bytecode ", 0) == 0);
}

TEST_CASE("a line: length, list length, string length, nesting depth") {
  Compilation c = compile_text(rule_policy("contact.objected"));
  REQUIRE(c.ok());
  Vm vm(*c.program);
  Binder binder(*c.program);
  auto bind = [&](const std::string& contact) {
    std::string line = "{\"contact\": " + contact + ", \"campaign\": {\"channel\": \"email\"}}";
    return binder.bind_case(vm.facts(), line.data(), line.size(), line.size());
  };
  auto bind_contact = [&](const std::string& line) {
    return binder.bind_contact(vm.facts(), line.data(), line.size(), line.size());
  };
  // Lines: 1 MiB.
  std::string filler = "{\"id\": \"x\", \"notes\": \"";
  std::string exact = filler + std::string((1u << 20) - filler.size() - 2, 'n') + "\"}";
  REQUIRE(exact.size() == 1u << 20);
  CHECK(bind_contact(exact).ok);
  BindResult longer = bind_contact(exact.substr(0, exact.size() - 2) + "n\"}");
  CHECK(!longer.ok);
  CHECK(longer.error == "a line of 1048577 bytes; the limit is 1048576");
  // Lists: 10000 elements.
  CHECK(bind("{\"consents\": [" + repeat("{}", 10000, ",") + "]}").ok);
  BindResult list = bind("{\"consents\": [" + repeat("{}", 10001, ",") + "]}");
  CHECK(list.error == "contact.consents: a list of 10001 elements; the limit is 10000");
  BindResult strings = bind("{\"consents\": [{\"third_parties\": [" + repeat("\"a\"", 10001, ",") + "]}]}");
  CHECK(strings.error == "contact.consents[0].third_parties: a list of 10001 elements; the limit is 10000");
  // Strings: 64 KiB.
  CHECK(bind("{\"email\": \"" + std::string(65536, 'e') + "\"}").ok);
  CHECK(bind("{\"email\": \"" + std::string(65537, 'e') + "\"}").error ==
        "contact.email: a string of 65537 bytes; the limit is 65536");
  // Nesting: 64 levels, counted in the whole line (here under a key the schema does
  // not know, which is otherwise ignored), and brackets inside strings do not count.
  CHECK(bind_contact("{\"x\": " + repeat("[", 63) + repeat("]", 63) + "}").ok);
  BindResult deep = bind_contact("{\"x\": " + repeat("[", 64) + repeat("]", 64) + "}");
  CHECK(deep.error == "objects and lists nested more than 64 deep");
  CHECK(bind_contact("{\"x\": \"" + repeat("[{", 100) + "\", \"y\": [\"\\\"[[[\"]}").ok);
  CHECK(bind("{\"x\": " + repeat("{\"a\": ", 70) + "1" + repeat("}", 70) + "}").error ==
        "objects and lists nested more than 64 deep");
  // A campaign is held to the same.
  CHECK(binder.bind_campaign(vm.facts(), "{\"x\": " + repeat("[", 70) + repeat("]", 70) + "}").error ==
        "the campaign: objects and lists nested more than 64 deep");
}

TEST_CASE("error records stay valid UTF-8 when they cut what they quote") {
  Compilation c = compile_text(rule_policy("contact.objected"));
  REQUIRE(c.ok());
  Vm vm(*c.program);
  Binder binder(*c.program);
  // 39 ASCII bytes, then a two-byte character across the 40-byte cut.
  std::string word = std::string(39, 'a') + "\xc3\xa9tail";
  std::string line = "{\"id\": \"" + std::string(199, 'i') + "\xc3\xa9\", \"entity\": \"" + word + "\"}";
  BindResult r = binder.bind_contact(vm.facts(), line.data(), line.size(), line.size());
  CHECK(!r.ok);
  CHECK(r.error == "contact.entity: '" + std::string(39, 'a') + "' is not a value of Entity");
  CHECK(r.id == std::string(199, 'i'));
}
