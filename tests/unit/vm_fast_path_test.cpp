// The VM's fast path computes some functions without running their code: a chain of
// simple tests joined by `and` or by `or` (Vm::Chain), a single test on a fact (Tiny).
// The tracing path (explain, missing facts) always runs the code. Both must give the
// same value for every combination of true, false and absent facts.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "runtime/bytecode/opcodes.h"
#include "runtime/facts/fact_store.h"
#include "runtime/core/builtins.h"
#include "runtime/vm/run_builtin.h"
#include "tests/unit/helpers.h"

using namespace lawful;

namespace {

// Each decision: a fallback `deny` and one `allow` rule whose condition is a chain, so
// that the verdict shows the condition's value (allow: true, deny: false, review:
// unknown). The obligation's condition is a chain after `verdict == allow`.
const char* kChains = R"LAW(policy t.chains "Chains"

let objected = contact.objected
let entity = contact.entity

decision all_and:
  rule fallback: deny
    cite "x"
  rule r: allow basis consent
    when objected and not contact.suppressed and contact.entity == company
         and entity != unknown and contact.tps and entity == company
    overrides fallback
    cite "x"
  oblige honour_objection when verdict == allow and contact.ctps and not contact.suppressed
    cite "x"

decision all_or:
  rule fallback: deny
    cite "x"
  rule r: allow basis consent
    when contact.objected or contact.entity in {llp, public_body} or objected
         or entity != sole_trader or not contact.suppressed or contact.entity != consumer
    overrides fallback
    cite "x"

decision mixed:
  rule fallback: deny
    cite "x"
  rule r: allow basis consent
    when (objected or contact.tps) and entity == company
    overrides fallback
    cite "x"
)LAW";

const char* kBool[] = {"true", "false", nullptr};
const char* kEntity[] = {"company", "llp", "sole_trader", "consumer", "unknown", nullptr};

Value verdict_value(const Outcome& o) {
  return o.verdict == VerdictCode::Allow ? kTrue : o.verdict == VerdictCode::Deny ? kFalse : kUnknown;
}
Value state_value(RuleState s) {
  return s == RuleState::Applies ? kTrue : s == RuleState::NotApplicable ? kFalse : kUnknown;
}

}  // namespace

TEST_CASE("chains of tests computed without a frame agree with their code") {
  Compilation c = testing::compile_text(kChains);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Vm vm(prog);
  Binder binder(prog);
  int p = prog.find_policy("t.chains");
  REQUIRE(p >= 0);
  int checked = 0, allowed = 0, denied = 0, unknown = 0;
  for (const char* name : {"all_and", "all_or", "mixed"}) {
    int d = prog.find_decision(static_cast<uint32_t>(p), name);
    REQUIRE(d >= 0);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        for (int t = 0; t < 3; ++t)
          for (int ct = 0; ct < 3; ++ct)
            for (int e = 0; e < 6; ++e) {
              std::string contact;
              auto field = [&](const char* k, const char* v, bool quote) {
                if (!v) return;
                if (!contact.empty()) contact += ", ";
                contact += quote ? fmt::format("\"{}\": \"{}\"", k, v) : fmt::format("\"{}\": {}", k, v);
              };
              field("objected", kBool[a], false);
              field("suppressed", kBool[b], false);
              field("tps", kBool[t], false);
              field("ctps", kBool[ct], false);
              field("entity", kEntity[e], true);
              std::string json = fmt::format("{{\"contact\": {{{}}}, \"campaign\": {{}}}}", contact);
              BindResult br = binder.bind_case(vm.facts(), json.data(), json.size(), json.size());
              REQUIRE_MESSAGE(br.ok, json);
              Outcome out;
              vm.decide_decision(static_cast<uint32_t>(d), out);
              REQUIRE(out.error.empty());
              DecisionTrace trace;
              vm.trace_decision(static_cast<uint32_t>(d), trace);
              REQUIRE(trace.rules.size() == 2);
              const Value traced = state_value(trace.rules[1].state);
              INFO(name, ": ", json);
              CHECK(verdict_value(out) == traced);
              // The obligation: kept when its condition is not false (verdict allow).
              if (std::string(name) == "all_and" && out.verdict == VerdictCode::Allow) {
                const bool ctps_false = kBool[ct] && std::string(kBool[ct]) == "false";
                const bool suppressed_true = kBool[b] && std::string(kBool[b]) == "true";
                CHECK(out.obligations.size() == (ctps_false || suppressed_true ? 0u : 1u));
              }
              ++checked;
              allowed += traced == kTrue;
              denied += traced == kFalse;
              unknown += traced == kUnknown;
            }
  }
  CHECK(checked == 3 * 3 * 3 * 3 * 3 * 6);
  // Every outcome occurs, so each way out of a chain was taken.
  CHECK(allowed > 0);
  CHECK(denied > 0);
  CHECK(unknown > 0);
}

// The compiler refuses an obligation named twice in a decision (E204), but a program
// from elsewhere (a .lawc file) may hold one: the outcome still lists it once.
TEST_CASE("an obligation named twice in a program is listed once") {
  Compilation c = testing::compile_text(R"LAW(policy t.twice "Twice"
decision d:
  rule yes: allow basis consent
    cite "x"
  oblige screen_tps when contact.tps cite "x"
  oblige include_unsubscribe when verdict == allow cite "x"
)LAW");
  REQUIRE(c.ok());
  Program prog = *c.program;
  REQUIRE(prog.decisions.size() == 1);
  prog.decisions[0].obliges.push_back(prog.decisions[0].obliges[0]);  // screen_tps again
  Vm vm(prog);
  Binder binder(prog);
  std::string json = R"({"contact": {"tps": true}, "campaign": {}})";
  REQUIRE(binder.bind_case(vm.facts(), json.data(), json.size(), json.size()).ok);
  Outcome out;
  vm.decide_decision(0, out);
  REQUIRE(out.verdict == VerdictCode::Allow);
  CHECK(out.obligations.size() == 2);
}

// Campaign-only functions (a decision's guard on the channel) are computed once per
// campaign epoch. Stores bound to the same campaign text by one binder share the epoch;
// any other text, a failed bind or another binder gives a new one, so that a Vm deciding
// over stores of different campaigns in turn never reuses another campaign's value.
TEST_CASE("campaign-only values are shared by stores of one campaign and no others") {
  Compilation c = testing::compile_text(R"LAW(policy t.guard "Guard"
decision mail when campaign.channel == email:
  rule yes: allow basis consent
    cite "x"
)LAW");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Binder binder(prog), other(prog);
  FactStore a(prog), b(prog), p(prog), q(prog), bad(prog);
  const std::string email = R"({"channel": "email"})", post = R"({"channel": "post"})";
  REQUIRE(binder.bind_campaign(a, email).ok);
  REQUIRE(binder.bind_campaign(b, email).ok);
  CHECK(a.campaign_epoch() == b.campaign_epoch());
  REQUIRE(binder.bind_campaign(p, post).ok);
  CHECK(p.campaign_epoch() != a.campaign_epoch());
  REQUIRE(other.bind_campaign(q, email).ok);
  CHECK(q.campaign_epoch() != a.campaign_epoch());
  CHECK_FALSE(binder.bind_campaign(bad, R"({"channel": "fax"})").ok);
  REQUIRE(binder.bind_campaign(b, email).ok);  // after a failure: a new epoch
  CHECK(b.campaign_epoch() != a.campaign_epoch());
  CHECK(b.campaign_epoch() != bad.campaign_epoch());

  Vm vm(prog);
  const std::string contact = "{}";
  for (int round = 0; round < 3; ++round) {
    for (FactStore* fs : {&a, &p, &q, &b}) {
      Binder& by = fs == &q ? other : binder;
      REQUIRE(by.bind_contact(*fs, contact.data(), contact.size(), contact.size()).ok);
      vm.use_facts(fs);
      Outcome out;
      vm.decide_decision(0, out);
      const bool is_email = fs != &p;
      CHECK(out.verdict == (is_email ? VerdictCode::Allow : VerdictCode::Review));
      CHECK(out.reason == (is_email ? Reason::None : Reason::DecisionNotApplicable));
    }
  }
  vm.use_facts(nullptr);
}

// The router looks a two-letter country up in a table of its own, in either case, and
// any other country by name; both must agree with the routes.
TEST_CASE("the router finds countries in either case, and no others") {
  Compilation c = compile_sources({SourceFile{"a.law", R"LAW(policy t.a "A"
decision d:
  rule yes: allow basis consent
    cite "a"
)LAW"},
                                   SourceFile{"b.law", R"LAW(policy t.b "B"
decision d:
  rule no: deny
    cite "b"
)LAW"},
                                   SourceFile{"route.law", "routing \"R\"\nroute GB, AZ to t.a\nroute ZA to t.b\n"}});
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  struct Want {
    const char* country;
    VerdictCode verdict;
    Reason reason;
  };
  const Want wants[] = {
      {"GB", VerdictCode::Allow, Reason::None},           {"gb", VerdictCode::Allow, Reason::None},
      {"gB", VerdictCode::Allow, Reason::None},           {"az", VerdictCode::Allow, Reason::None},
      {"ZA", VerdictCode::Deny, Reason::None},            {"za", VerdictCode::Deny, Reason::None},
      {"FR", VerdictCode::Review, Reason::NoPolicyForCountry}, {"G1", VerdictCode::Review, Reason::NoPolicyForCountry},
      {"G[", VerdictCode::Review, Reason::NoPolicyForCountry}, {"GBR", VerdictCode::Review, Reason::NoPolicyForCountry},
      {"G", VerdictCode::Review, Reason::NoPolicyForCountry},  {"", VerdictCode::Review, Reason::NoPolicyForCountry},
  };
  for (const Want& w : wants) {
    std::string json = fmt::format(R"({{"contact": {{"country": "{}"}}, "campaign": {{}}}})", w.country);
    std::string err;
    Outcome out = testing::decide_case(prog, json, &err);
    INFO(w.country);
    REQUIRE(err.empty());
    CHECK(out.verdict == w.verdict);
    CHECK(out.reason == w.reason);
  }
}

// decide_routed clears the outcome only once: decide_policy's, when a policy is found, or
// its own before saying why none is. One Vm and one Outcome over contacts in turn, so a
// field left from the contact before (rules, basis, missing facts) would show.
TEST_CASE("a routed outcome keeps nothing of the contact before") {
  Compilation c = compile_sources({SourceFile{"a.law", R"LAW(policy t.a "A"
decision d:
  rule yes: allow basis consent
    cite "a"
  oblige include_unsubscribe when verdict == allow cite "b"
)LAW"},
                                   SourceFile{"route.law", "routing \"R\"\nroute GB to t.a\n"}});
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const int32_t country = prog.route_path;
  REQUIRE(country >= 0);
  Vm vm(prog);
  Binder binder(prog);
  Outcome out;
  auto decide = [&](const std::string& contact) {
    std::string json = "{\"contact\": " + contact + ", \"campaign\": {}}";
    REQUIRE(binder.bind_case(vm.facts(), json.data(), json.size(), json.size()).ok);
    vm.decide_routed(out);
  };
  for (int round = 0; round < 2; ++round) {
    decide(R"({"country": "GB"})");
    CHECK(out.verdict == VerdictCode::Allow);
    CHECK(out.basis >= 0);
    CHECK(out.rules.size() == 1);
    CHECK(out.obligations.size() == 1);
    CHECK(out.missing.empty());
    decide(R"({"country": "FR"})");  // no route: the country would settle it
    CHECK(out.verdict == VerdictCode::Review);
    CHECK(out.reason == Reason::NoPolicyForCountry);
    CHECK(out.basis == -1);
    CHECK(out.policy == -1);
    CHECK(out.rules.empty());
    CHECK(out.obligations.empty());
    CHECK(out.missing.has(static_cast<uint32_t>(country)));
    decide(R"({"country": "GB"})");
    CHECK(out.missing.empty());
    decide(R"({})");  // no country
    CHECK(out.reason == Reason::CountryUnknown);
    CHECK(out.missing.has(static_cast<uint32_t>(country)));
    CHECK(out.rules.empty());
    decide(R"({"country": "FRANCE"})");  // by name, not found
    CHECK(out.reason == Reason::NoPolicyForCountry);
    CHECK(out.missing.has(static_cast<uint32_t>(country)));
    // route() itself says the same.
    Outcome r;
    CHECK(vm.route(r) == -1);
    CHECK(r.reason == Reason::NoPolicyForCountry);
    CHECK(r.missing.has(static_cast<uint32_t>(country)));
  }
}

namespace {

// The fused instructions (fused.def) in the fast path's code of function f, in order.
std::vector<std::string> fused_in(const Vm& vm, const Function& f) {
  const std::vector<uint32_t>& code = vm.fast_code();
  std::vector<std::string> names;
  for (uint32_t pc = f.begin; pc < f.end;) {
    const unsigned o = code[pc] & 0xffu;
    if (o >= static_cast<unsigned>(kOpCount)) {
      const Fused fu = static_cast<Fused>(o);
      names.emplace_back(fused_info(fu).name);
      pc += fused_words(fu);
    } else {
      pc += static_cast<uint32_t>(op_words(op_info(static_cast<Op>(o)).format));
    }
  }
  return names;
}

uint32_t rule_fn(const Program& prog, const char* decision, const char* rule) {
  int p = prog.find_policy(prog.str(prog.policies[0].name));
  int d = prog.find_decision(static_cast<uint32_t>(p), decision);
  REQUIRE(d >= 0);
  for (const RuleInfo& r : prog.decisions[static_cast<size_t>(d)].rules)
    if (prog.str(r.name) == rule) return static_cast<uint32_t>(r.cond);
  FAIL("no rule " << rule);
  return 0;
}

}  // namespace

// The tests above check that the fast path agrees with the traced code; these check that
// it is taken at all (else they would pass with every specialisation switched off): each
// function is computed the way the fast path is meant to, and the code of a quantifier
// runs the fused instructions listed here (a golden list: a change to fuse() or to the
// code generator that loses one shows here).
TEST_CASE("the fast path fires: chains, tiny tests, definitions, campaign values and fused code") {
  Compilation c = testing::compile_text(R"LAW(policy t.fast "Fast"

let objected = contact.objected

decision email when campaign.channel == email:
  rule fallback: deny
    cite "x"
  rule chain: allow basis consent
    when objected and not contact.suppressed and contact.entity == company
    overrides fallback
    cite "x"
  rule tiny: deny
    when contact.entity == consumer
    cite "x"
  rule just_let: deny
    when objected
    cite "x"

decision loop_only:
  rule fallback: deny
    cite "x"
  rule loop: allow basis consent
    when any c in contact.consents: c.channel == email and c.withdrawn_at > campaign.send_date
    overrides fallback
    cite "x"
)LAW");
  REQUIRE_MESSAGE(c.ok(), c.diags.render(c.sources));
  const Program& prog = *c.program;
  Vm vm(prog);
  CHECK(vm.fast_form(rule_fn(prog, "email", "chain")) == Vm::FastForm::Chain);
  CHECK(vm.fast_form(rule_fn(prog, "email", "tiny")) == Vm::FastForm::Tiny);
  CHECK(vm.fast_form(rule_fn(prog, "email", "just_let")) == Vm::FastForm::JustLet);
  CHECK(vm.fast_form(static_cast<uint32_t>(prog.decisions[0].guard)) == Vm::FastForm::CampaignOnly);
  const uint32_t loop = rule_fn(prog, "loop_only", "loop");
  CHECK(vm.fast_form(loop) == Vm::FastForm::Code);
  // c.channel == email; c.withdrawn_at; > campaign.send_date; the loop's step and jump back.
  const std::vector<std::string> want = {"EqLocalFieldImm", "LoadLocalField", "SlotGt", "AnyStepJump"};
  CHECK(fused_in(vm, prog.functions[loop]) == want);
  // And it runs: the fused loop gives the traced code's value (allow: true, deny: false).
  Binder binder(prog);
  const int d = prog.find_decision(0, "loop_only");
  REQUIRE(d >= 0);
  for (const char* date : {"2027-01-01", "2025-01-01"}) {
    std::string json = fmt::format(R"({{"contact": {{"consents": [{{"channel": "sms"}}, {{"channel": "email", )"
                                   R"("withdrawn_at": "{}"}}]}}, "campaign": {{"channel": "email", "send_date": "2026-01-01"}}}})",
                                   date);
    REQUIRE(binder.bind_case(vm.facts(), json.data(), json.size(), json.size()).ok);
    Outcome out;
    vm.decide_decision(static_cast<uint32_t>(d), out);
    DecisionTrace trace;
    vm.trace_decision(static_cast<uint32_t>(d), trace);
    REQUIRE(trace.rules.size() == 2);
    INFO(date);
    const bool withdrawn_later = date[3] == '7';
    CHECK(trace.rules[1].state == (withdrawn_later ? RuleState::Applies : RuleState::NotApplicable));
    CHECK(out.verdict == (withdrawn_later ? VerdictCode::Allow : VerdictCode::Deny));
  }
  // The program's own code is never fused: the tracing path and the verifier read it.
  size_t fused = 0;
  for (uint32_t w : prog.code) fused += (w & 0xffu) >= static_cast<unsigned>(kOpCount);
  CHECK(fused == 0);
}

// Both engines' fused `lower(a) == b` and `lower(a) == lower(b)` compare eight bytes at a
// time (builtins.h): they must agree with lower() byte by byte (ASCII capitals only) at
// every length, position and byte, bytes from 0x80 included.
TEST_CASE("lower_equal agrees with lowering byte by byte") {
  auto reference = [](std::string_view a, std::string_view b, bool b_too) {
    auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (low(a[i]) != (b_too ? low(b[i]) : b[i])) return false;
    return true;
  };
  // Every byte against its own lower and upper case and its neighbours, at each
  // position of strings of 1 to 20 bytes.
  uint64_t checked = 0;
  for (size_t n = 1; n <= 20; ++n)
    for (size_t at = 0; at < n; ++at)
      for (int x = 0; x < 256; ++x)
        for (int dy : {0, 1, -1, 32, -32, 31, 33}) {
          const int y = (x + dy) & 255;
          std::string a(n, 'q'), b(n, 'q');
          a[at] = static_cast<char>(x);
          b[at] = static_cast<char>(y);
          if (at + 1 < n) a[n - 1] = 'M', b[n - 1] = 'm';  // a capital elsewhere too
          for (bool b_too : {false, true}) {
            CHECK(lower_equal(a, b, b_too) == reference(a, b, b_too));
            CHECK(lower_equal(b, a, b_too) == reference(b, a, b_too));
            checked += 2;
          }
        }
  CHECK(checked == 20 * 21 / 2 * 256 * 7 * 4);
  CHECK(lower_equal("Northwind LTD Marketing", "northwind ltd marketing", false));
  CHECK(!lower_equal("Northwind LTD Marketing", "Northwind ltd marketing", false));
  CHECK(lower_equal("Northwind LTD Marketing", "NORTHWIND LTD MARKETING", true));
  CHECK(!lower_equal("Northwind LTD Marketin", "NORTHWIND LTD MARKETING", true));
  CHECK(lower_equal("", "", true));
  // The builtin lower() makes the same copy: every byte at every position of 1 to 20.
  Compilation c = testing::compile_text(testing::kSamplePolicy);
  REQUIRE(c.ok());
  FactStore facts(*c.program);
  for (size_t n = 1; n <= 20; ++n)
    for (int x = 0; x < 256; ++x) {
      std::string s(n, 'Q');
      s[static_cast<size_t>(x) % n] = static_cast<char>(x);
      std::string want = s;
      for (char& ch : want)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      const Value arg = facts.add_string(s);
      CHECK(facts.text(run_builtin(facts, BuiltinId::Lower, &arg)) == want);
    }
}
