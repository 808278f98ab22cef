// Facts built field by field through handles decide exactly as the same facts in JSON:
// scalars, enumerations, dates, lists of strings and of records, lists inside list
// elements, the optional customer record, defaults and absences. And every misuse fails
// with the right status.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <string>

#include "helpers.h"

using namespace api_test;

namespace {

struct Fixture {
  lawful::Engine engine = lawful::Engine::load(policies()).value();
  lawful::Facts facts = engine.facts();
  lawful::Field f(const std::string& path) const { return engine.field(path); }

  // The campaign of helpers.h, field by field.
  void campaign() {
    static_cast<void>(facts.set_text(f("campaign.id"), "spring"));
    static_cast<void>(facts.set_text(f("campaign.channel"), "email"));
    static_cast<void>(facts.set_bool(f("campaign.unsubscribe"), true));
    static_cast<void>(facts.set_date(f("campaign.send_date"), 2026, 12, 1));
    static_cast<void>(facts.add_text(f("campaign.products"), "tools"));
    static_cast<void>(facts.set_text(f("campaign.sender.name"), "Acme Ltd"));
    static_cast<void>(facts.set_bool(f("campaign.sender.identified"), true));
    static_cast<void>(facts.set_bool(f("campaign.sender.contact_address"), true));
  }
  std::string by_facts() const { return json_text(engine.decide(facts)); }
  std::string by_json(const std::string& contact, const std::string& campaign = kCampaign) const {
    return json_text(engine.decide(contact, campaign));
  }
};

}  // namespace

TEST_CASE("a list of records with dates and enumerations") {
  Fixture x;
  x.campaign();
  auto& f = x.facts;
  static_cast<void>(f.set_text(x.f("contact.id"), "c-1"));
  static_cast<void>(f.set_text(x.f("contact.country"), "GB"));
  static_cast<void>(f.set_text(x.f("contact.entity"), "consumer"));
  static_cast<void>(f.set_bool(x.f("contact.objected"), false));
  static_cast<void>(f.set_bool(x.f("contact.suppressed"), false));
  lawful::Item c = f.add_record(x.f("contact.consents"));
  static_cast<void>(f.set_text(c, x.f("contact.consents.channel"), "email"));
  static_cast<void>(f.set_text(c, x.f("contact.consents.purpose"), "marketing"));
  static_cast<void>(f.set_text(c, x.f("contact.consents.controller"), "Acme Ltd"));
  static_cast<void>(f.set_text(c, x.f("contact.consents.given_at"), "2025-01-10"));
  static_cast<void>(f.set_text(c, x.f("contact.consents.method"), "unticked_checkbox"));
  std::string got = x.by_facts();
  CHECK(got == x.by_json(kConsumerWithConsent));
  CHECK(got.find(R"("verdict": "allow", "basis": "consent")") != std::string::npos);

  // A date given as numbers is the same date.
  static_cast<void>(f.set_date(c, x.f("contact.consents.given_at"), 2025, 1, 10));
  CHECK(x.by_facts() == got);
  // A consent withdrawn before the campaign no longer counts.
  static_cast<void>(f.set_date(c, x.f("contact.consents.withdrawn_at"), 2025, 6, 1));
  lawful::Decision d = x.engine.decide(f);
  CHECK(d.verdict() == lawful::Verdict::deny);
  CHECK(d.rules()[0] == "unsolicited");
}

TEST_CASE("absent, empty and default lists") {
  Fixture x;
  x.campaign();
  auto& f = x.facts;
  static_cast<void>(f.set_text(x.f("contact.id"), "c-2"));
  static_cast<void>(f.set_text(x.f("contact.country"), "GB"));
  static_cast<void>(f.set_text(x.f("contact.entity"), "company"));
  static_cast<void>(f.set_bool(x.f("contact.objected"), false));
  static_cast<void>(f.set_bool(x.f("contact.suppressed"), false));
  f.set_empty(x.f("contact.consents"));
  CHECK(x.by_facts() == x.by_json(kCompany));
  // Unknown objection: a review naming the facts, as from JSON.
  f.clear(x.f("contact.objected"));
  f.clear(x.f("contact.suppressed"));
  static_cast<void>(f.set_text(x.f("contact.id"), "c-4"));
  CHECK(x.by_facts() == x.by_json(kUnknownObjection));
  CHECK(missing_of(x.engine.decide(f)) == std::vector<std::string>{"contact.objected", "contact.suppressed"});
}

TEST_CASE("the optional customer record: present when a field of it is set, or said to be") {
  Fixture x;
  x.campaign();
  auto& f = x.facts;
  static_cast<void>(f.set_text(x.f("contact.id"), "c-8"));
  static_cast<void>(f.set_text(x.f("contact.country"), "GB"));
  static_cast<void>(f.set_text(x.f("contact.entity"), "consumer"));
  static_cast<void>(f.set_bool(x.f("contact.objected"), false));
  static_cast<void>(f.set_bool(x.f("contact.suppressed"), false));
  f.set_empty(x.f("contact.consents"));
  // Without a customer record: never bought, so no soft opt-in.
  std::string base = R"({"id": "c-8", "country": "GB", "entity": "consumer", "objected": false, "suppressed": false, "consents": [])";
  CHECK(x.by_facts() == x.by_json(base + "}"));
  CHECK(x.engine.decide(f).verdict() == lawful::Verdict::deny);
  // Setting a field inside it makes it present.
  static_cast<void>(f.add_text(x.f("contact.customer.purchased"), "tools"));
  static_cast<void>(f.set_bool(x.f("contact.customer.opt_out_offered"), true));
  std::string with = base + R"(, "customer": {"purchased": ["tools"], "opt_out_offered": true}})";
  CHECK(x.by_facts() == x.by_json(with));
  CHECK(basis_of(x.engine.decide(f)) == "soft_opt_in");
  // Cleared: absent again.
  f.clear(x.f("contact.customer"));
  CHECK(x.by_facts() == x.by_json(base + "}"));
  // Present but empty: its lists are empty (their default), its other fields unknown.
  f.set_present(x.f("contact.customer"));
  CHECK(x.by_facts() == x.by_json(base + R"(, "customer": {}})"));
}

TEST_CASE("a list inside a list element, and lists of enumeration members") {
  Fixture x;
  auto& f = x.facts;
  static_cast<void>(f.set_text(x.f("campaign.channel"), "email"));
  static_cast<void>(f.set_text(x.f("campaign.sender.name"), "Acme SA"));
  static_cast<void>(f.set_bool(x.f("campaign.sender.identified"), true));
  static_cast<void>(f.add_text(x.f("campaign.audience_roles"), "marketing"));
  static_cast<void>(f.add_text(x.f("campaign.audience_roles"), "it"));
  static_cast<void>(f.set_text(x.f("contact.country"), "FR"));
  static_cast<void>(f.set_text(x.f("contact.entity"), "consumer"));
  static_cast<void>(f.set_bool(x.f("contact.objected"), false));
  lawful::Item first = f.add_record(x.f("contact.consents"));
  lawful::Item second = f.add_record(x.f("contact.consents"));
  static_cast<void>(f.add_text(first, x.f("contact.consents.third_parties"), "Other SA"));
  static_cast<void>(f.add_text(second, x.f("contact.consents.third_parties"), "Somebody"));
  static_cast<void>(f.add_text(second, x.f("contact.consents.third_parties"), "Acme SA"));
  static_cast<void>(f.set_text(first, x.f("contact.consents.channel"), "email"));  // set after the list: order does not matter
  std::string campaign = R"({"channel": "email", "sender": {"name": "Acme SA", "identified": true}, "audience_roles": ["marketing", "it"]})";
  std::string contact = R"({"country": "FR", "entity": "consumer", "objected": false, "consents": [)"
                        R"({"third_parties": ["Other SA"], "channel": "email"}, {"third_parties": ["Somebody", "Acme SA"]}]})";
  std::string got = x.by_facts();
  CHECK(got == x.by_json(contact, campaign));
  CHECK(got.find(R"("policy": "api.fr", "decision": "email", "rules": ["consented"])") != std::string::npos);
  // Emptied, the named consent is gone.
  f.set_empty(second, x.f("contact.consents.third_parties"));
  CHECK(x.engine.decide(f).verdict() == lawful::Verdict::deny);
}

TEST_CASE("reset: everything, or the contact alone keeping the campaign") {
  Fixture x;
  x.campaign();
  auto& f = x.facts;
  static_cast<void>(f.set_text(x.f("contact.id"), "c-3"));
  static_cast<void>(f.set_text(x.f("contact.country"), "GB"));
  static_cast<void>(f.set_text(x.f("contact.entity"), "sole_trader"));
  static_cast<void>(f.set_bool(x.f("contact.objected"), false));
  static_cast<void>(f.set_bool(x.f("contact.suppressed"), false));
  f.set_empty(x.f("contact.consents"));
  CHECK(x.by_facts() == x.by_json(kSoleTrader));
  for (int round = 0; round < 3; ++round) {  // the memory is reused
    f.reset("contact");
    static_cast<void>(f.set_text(x.f("contact.id"), "c-2"));
    static_cast<void>(f.set_text(x.f("contact.country"), "GB"));
    static_cast<void>(f.set_text(x.f("contact.entity"), "company"));
    static_cast<void>(f.set_bool(x.f("contact.objected"), false));
    static_cast<void>(f.set_bool(x.f("contact.suppressed"), false));
    f.set_empty(x.f("contact.consents"));
    CHECK(x.by_facts() == x.by_json(kCompany));
  }
  f.reset("campaign");
  CHECK(x.by_facts() == x.by_json(kCompany, "{}"));
  f.reset();
  CHECK(x.by_facts() == x.by_json("{}", "{}"));
  CHECK_THROWS_AS(f.reset("customer"), lawful::Error);
}

TEST_CASE("data errors are remembered until the facts are reset") {
  Fixture x;
  x.campaign();
  auto& f = x.facts;
  CHECK(f.error().empty());
  CHECK(f.set_text(x.f("contact.entity"), "compny") == lawful::Status::data);
  CHECK(std::string(lawful_last_error()) == "contact.entity: 'compny' is not a value of Entity; did you mean 'company'?");
  CHECK(f.error() == "contact.entity: 'compny' is not a value of Entity; did you mean 'company'?");
  CHECK(f.set_text(x.f("contact.last_contact"), "2023-02-29") == lawful::Status::data);
  CHECK(f.set_date(x.f("contact.last_contact"), 2023, 2, 29) == lawful::Status::data);
  CHECK(f.set_date(x.f("contact.last_contact"), 10000, 1, 1) == lawful::Status::data);
  CHECK(f.set_text(x.f("contact.email"), std::string(70000, 'x')) == lawful::Status::data);
  // The first one is kept.
  CHECK(f.error() == "contact.entity: 'compny' is not a value of Entity; did you mean 'company'?");
  lawful::Decision d = x.engine.decide(f);
  CHECK(d.status() == lawful::Status::data);
  CHECK_FALSE(d.ok());
  CHECK(d.error() == f.error());
  CHECK(d.verdict() == lawful::Verdict::review);
  // The campaign's reset leaves the contact's error.
  f.reset("campaign");
  CHECK_FALSE(f.error().empty());
  f.reset("contact");
  CHECK(f.error().empty());
  CHECK(x.engine.decide(f).ok());
  // A bad value in a list element, and a bad member of a list.
  lawful::Item c = f.add_record(x.f("contact.consents"));
  CHECK(f.set_text(c, x.f("contact.consents.method"), "ticked") == lawful::Status::data);
  CHECK(f.error().rfind("contact.consents.method: 'ticked' is not a value of ConsentMethod", 0) == 0);
  f.reset();
  CHECK(f.add_text(x.f("campaign.audience_roles"), "chef") == lawful::Status::data);
  CHECK(f.error().rfind("campaign.audience_roles: 'chef' is not a value of Role", 0) == 0);
}

TEST_CASE("misuse: the wrong kind of value, or of field, or of item") {
  Fixture x;
  auto& f = x.facts;
  auto status = [](auto&& call) {
    try {
      call();
    } catch (const lawful::Error& e) {
      return e.status();
    }
    return lawful::Status::ok;
  };
  lawful::Field objected = x.f("contact.objected"), email = x.f("contact.email"), consents = x.f("contact.consents");
  lawful::Field channel = x.f("contact.consents.channel"), customer = x.f("contact.customer");
  lawful::Field sender = x.f("campaign.sender"), products = x.f("campaign.products");
  CHECK(status([&] { static_cast<void>(f.set_text(objected, "true")); }) == lawful::Status::type);
  CHECK(std::string(lawful_last_error()) == "contact.objected holds true or false, not text");
  CHECK(status([&] { static_cast<void>(f.set_bool(email, true)); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.set_int(email, 3)); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.set_date(email, 2024, 1, 1)); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.set_text(consents, "x")); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.set_bool(customer, true)); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.add_text(email, "x")); }) == lawful::Status::type);
  CHECK(status([&] { static_cast<void>(f.add_text(consents, "x")); }) == lawful::Status::type);
  CHECK(status([&] { f.add_record(products); }) == lawful::Status::type);
  CHECK(status([&] { f.set_present(sender); }) == lawful::Status::type);
  CHECK(status([&] { f.set_present(email); }) == lawful::Status::type);
  CHECK(status([&] { f.set_empty(email); }) == lawful::Status::type);
  // A field of list elements at the top, a top-level field on an element.
  CHECK(status([&] { static_cast<void>(f.set_text(channel, "email")); }) == lawful::Status::argument);
  CHECK(std::string(lawful_last_error()).rfind("contact.consents.channel belongs to an element of contact.consents", 0) == 0);
  lawful::Item c = f.add_record(consents);
  CHECK(status([&] { static_cast<void>(f.set_bool(c, objected, true)); }) == lawful::Status::argument);
  CHECK(status([&] { f.clear(c, objected); }) == lawful::Status::argument);
  // Handles that do not exist; an element handle after a reset.
  CHECK(status([&] { static_cast<void>(f.set_bool(lawful::Field{100000}, true)); }) == lawful::Status::argument);
  CHECK(status([&] { static_cast<void>(f.set_text(lawful::Item{(1u << 24) | 77}, channel, "email")); }) == lawful::Status::argument);
  CHECK(status([&] { static_cast<void>(f.set_text(lawful::Item{(9u << 24) | 0}, channel, "email")); }) == lawful::Status::argument);
  f.reset("contact");
  CHECK(status([&] { static_cast<void>(f.set_text(c, channel, "email")); }) == lawful::Status::argument);
  // None of these was a data error.
  CHECK(f.error().empty());
}

TEST_CASE("facts from one engine decide on another with the same schema") {
  Fixture x;
  auto other = lawful::Engine::from_source(read(source("tests/lang/spec_example.law")), "spec.law").value();
  x.campaign();
  static_cast<void>(x.facts.set_text(x.f("contact.entity"), "company"));
  static_cast<void>(x.facts.set_bool(x.f("contact.objected"), false));
  static_cast<void>(x.facts.set_bool(x.f("contact.suppressed"), false));
  lawful::Decision d = other.decide(x.facts);
  CHECK(d.ok());
  CHECK(d.basis() == "corporate_subscriber");
  CHECK(d.policy() == "lang.spec_example");
}

TEST_CASE("a full list: a data error, and the element that was not made shares it") {
  Fixture x;
  auto& f = x.facts;
  lawful::Field consents = x.f("contact.consents"), channel = x.f("contact.consents.channel");
  for (int i = 0; i < 10000; ++i) f.add_record(consents);
  CHECK(f.error().empty());
  lawful::Item none = f.add_record(consents);
  CHECK(none.id == LAWFUL_NO_ITEM);
  CHECK(f.error() == "contact.consents: more than 10000 elements");
  CHECK(f.set_text(none, channel, "email") == lawful::Status::data);
  CHECK(std::string(lawful_last_error()) == "contact.consents: more than 10000 elements");
  CHECK(x.engine.decide(f).status() == lawful::Status::data);
  bool taken = true;
  for (int i = 0; i < 10000; ++i) taken = taken && f.add_text(x.f("campaign.products"), "p") == lawful::Status::ok;
  CHECK(taken);
  CHECK(f.add_text(x.f("campaign.products"), "p") == lawful::Status::data);
  // Without a data error, LAWFUL_NO_ITEM is misuse.
  f.reset();
  CHECK(lawful_facts_set_text(f.handle(), LAWFUL_NO_ITEM, channel.id, "email", 5) == LAWFUL_ERR_ARGUMENT);
}
