// The C++ API over the C one: loading into Loaded<Engine>, engines shared by copy,
// decisions reused, names read in place, batches, and exceptions for misuse only.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include "helpers.h"

using namespace api_test;

static_assert(!std::is_copy_constructible_v<lawful::Decision>, "a decision is not copied");
static_assert(std::is_nothrow_move_constructible_v<lawful::Decision>, "but moved");
static_assert(std::is_copy_constructible_v<lawful::Engine>, "engines are shared by copy");
static_assert(!std::is_copy_constructible_v<lawful::Facts>, "facts are not copied");
static_assert(!std::is_copy_constructible_v<lawful::Reloader>, "nor is a reloader");

TEST_CASE("version and names") {
  CHECK(std::string(lawful::version()) == LAWFUL_VERSION_STRING);
  CHECK(std::string(lawful::to_string(lawful::Verdict::allow)) == "allow");
  CHECK(std::string(lawful::to_string(lawful::Verdict::deny)) == "deny");
  CHECK(std::string(lawful::to_string(lawful::Verdict::review)) == "review");
  CHECK(std::string(lawful::to_string(lawful::Status::data)) == "data error");
}

TEST_CASE("Loaded: an engine, or diagnostics and a message") {
  auto ok = lawful::Engine::load(policies());
  CHECK(ok);
  CHECK(ok.ok());
  CHECK(ok.status() == lawful::Status::ok);
  CHECK(ok.message().empty());
  CHECK(ok.diagnostics().errors() == 0);
  CHECK(ok->version().generation == 1);

  auto bad = lawful::Engine::from_source("policy t.x \"x\"\ndecision d:\n  rule r: deny\n    when contact.objected = true\n    cite \"c\"\n",
                                         "x.law");
  CHECK_FALSE(bad);
  CHECK(bad.status() == lawful::Status::policy);
  CHECK(bad.message().find("x.law:4:") != std::string::npos);
  REQUIRE(bad.diagnostics().size() >= 1);
  const lawful::Diagnostic& d = *bad.diagnostics().begin();
  CHECK(d.error);
  CHECK(d.file == "x.law");
  CHECK(d.line == 4);
  CHECK(bad.diagnostics().text().find("x.law:4:") != std::string::npos);
  try {
    bad.value();
    FAIL("value() of a failed load throws");
  } catch (const lawful::Error& e) {
    CHECK(e.status() == lawful::Status::policy);
    CHECK(std::string(e.what()) == bad.message());
  }
  auto missing = lawful::Engine::load("/no/such/dir");
  CHECK(missing.status() == lawful::Status::policy);
  CHECK(missing.diagnostics().items()[0].code == "E001");
}

TEST_CASE("engines: copies share one program; bytecode round trip") {
  lawful::Engine a = lawful::Engine::load(policies()).value();
  lawful::Engine b = a;
  CHECK(b.handle() == a.handle());
  lawful::Engine c = std::move(b);
  CHECK(c.handle() == a.handle());
  b = c;  // assignment
  CHECK(b.handle() == a.handle());

  std::string bytes = a.bytecode();
  CHECK(bytes.compare(0, 4, "LAWC") == 0);
  lawful::Engine back = lawful::Engine::from_bytecode(bytes).value();
  CHECK(back.version() == a.version());
  CHECK(json_text(back.decide(kCompany, kCampaign)) == json_text(a.decide(kCompany, kCampaign)));
  bytes[bytes.size() - 3] ^= 1;
  auto refused = lawful::Engine::from_bytecode(bytes);
  CHECK(refused.status() == lawful::Status::policy);
  CHECK(refused.message().rfind("refused: ", 0) == 0);
}

TEST_CASE("decisions: read in place, reused, moved") {
  lawful::Engine e = lawful::Engine::load(policies()).value();
  lawful::Decision d = e.decide(kConsumerWithConsent, kCampaign);
  CHECK(d.ok());
  CHECK(d.status() == lawful::Status::ok);
  CHECK(d.error().empty());
  CHECK(d.verdict() == lawful::Verdict::allow);
  CHECK(d.id() == "c-1");
  CHECK(d.basis() == "consent");
  CHECK(d.policy() == "api.uk");
  CHECK(d.name() == "email");
  CHECK(d.reason().empty());
  CHECK(d.rules().size() == 1);
  CHECK(d.rules()[0] == "consented");
  std::vector<std::string_view> cites(d.cites().begin(), d.cites().end());
  CHECK(cites == std::vector<std::string_view>{"PECR reg 22(2); UK GDPR art 4(11), art 7"});
  CHECK(d.obligations().to_vector() == std::vector<std::string>{"include_unsubscribe"});
  CHECK(d.missing().empty());
  CHECK(d.version() == e.version());
  CHECK(d.json().find(R"("verdict": "allow")") != std::string_view::npos);

  CHECK(e.decide(kUnknownObjection, kCampaign, d) == lawful::Status::ok);
  CHECK(d.verdict() == lawful::Verdict::review);
  CHECK(d.reason() == "rule 'objection' might apply, and would change the outcome");
  size_t n = 0;
  for (std::string_view m : d.missing()) {
    CHECK(m.rfind("contact.", 0) == 0);
    ++n;
  }
  CHECK(n == 2);

  CHECK(e.decide(R"({"entity": 3})", kCampaign, d) == lawful::Status::data);
  CHECK_FALSE(d.ok());
  CHECK(d.error() == "contact.entity: expected a word, got a number");
  CHECK(d.json().find(R"("error": "contact.entity: expected a word, got a number")") != std::string_view::npos);

  lawful::Decision moved = std::move(d);
  CHECK(moved.status() == lawful::Status::data);

  auto overflow = lawful::Engine::from_source(kOverflowPolicy).value();
  CHECK(overflow.decide(R"({"last_contact": "2020-01-01"})", R"({"send_date": "2026-01-01"})", moved) ==
        lawful::Status::runtime);
  CHECK(moved.status() == lawful::Status::runtime);
}

TEST_CASE("batches: the output vector is sized and reused") {
  lawful::Engine e = lawful::Engine::load(policies()).value();
  std::vector<std::string_view> contacts = {kConsumerWithConsent, kCompany, "not json", kSoleTrader};
  std::vector<lawful::Decision> out;
  CHECK(e.decide_batch(kCampaign, contacts, out) == lawful::Status::data);
  REQUIRE(out.size() == 4);
  CHECK(out[0].verdict() == lawful::Verdict::allow);
  CHECK(out[1].basis() == "corporate_subscriber");
  CHECK(out[2].status() == lawful::Status::data);
  CHECK(out[2].json().find(R"("line": 3)") != std::string_view::npos);
  CHECK(out[3].verdict() == lawful::Verdict::deny);
  lawful_decision* first = out[0].handle();
  contacts.pop_back();
  contacts.pop_back();
  CHECK(e.decide_batch(kCampaign, contacts, out) == lawful::Status::ok);
  CHECK(out.size() == 2);
  CHECK(out[0].handle() == first);  // reused, not remade
  std::vector<std::string_view> none;
  CHECK(e.decide_batch(kCampaign, none, out) == lawful::Status::ok);
  CHECK(out.empty());
}

TEST_CASE("misuse throws lawful::Error with the status") {
  lawful::Engine e = lawful::Engine::load(policies()).value();
  try {
    e.field("contact.entty");
    FAIL("an unknown field throws");
  } catch (const lawful::Error& x) {
    CHECK(x.status() == lawful::Status::not_found);
    CHECK(std::string(x.what()) == "no fact is named 'contact.entty'; did you mean 'contact.entity'?");
  }
  lawful::Facts f = e.facts();
  CHECK_THROWS_AS(static_cast<void>(f.set_bool(e.field("contact.email"), true)), lawful::Error);
  // Facts and decisions are moved, not copied.
  lawful::Facts g = std::move(f);
  CHECK(g.set_text(e.field("contact.email"), "a@b.c") == lawful::Status::ok);
  CHECK(g.handle() != nullptr);
}

TEST_CASE("backends: the native back end decides as the interpreter does, or says it is not built") {
  auto e = lawful::Engine::load(policies());
  REQUIRE(e);
  CHECK(e->backend() == lawful::Backend::vm);
  std::vector<std::string> vm;
  for (const char* c : {kCompany, kConsumerWithConsent, kUnknownObjection}) vm.emplace_back(json_text(e->decide(c, kCampaign)));
  lawful_status s = lawful_engine_set_backend(nullptr, LAWFUL_BACKEND_JIT);
  CHECK(s == LAWFUL_ERR_ARGUMENT);
  try {
    e->set_backend(lawful::Backend::jit);
  } catch (const lawful::Error& err) {
    // A library without LLVM: it says so, and the interpreter goes on deciding. One built
    // with it finds its module (lawful-jit.so beside liblawful.so) and must not get here.
    CHECK_MESSAGE(!LAWFUL_TEST_HAS_JIT, std::string(err.what()));
    CHECK(err.status() == lawful::Status::unsupported);
    CHECK(e->backend() == lawful::Backend::vm);
    return;
  }
  CHECK(e->backend() == lawful::Backend::jit);
  size_t i = 0;
  for (const char* c : {kCompany, kConsumerWithConsent, kUnknownObjection}) CHECK(json_text(e->decide(c, kCampaign)) == vm[i++]);
  e->set_backend(lawful::Backend::vm);
  CHECK(e->backend() == lawful::Backend::vm);
  CHECK(json_text(e->decide(kCompany, kCampaign)) == vm[0]);
}
