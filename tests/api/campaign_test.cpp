// Facts checked once (issue 24): prepared campaigns, what they lack and what that does,
// unknown keys (counted per decision, refused when strict), the decision named per call,
// and the reloader's revision label. Through the C++ classes and the C functions.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"

using namespace api_test;

namespace {

lawful::Engine engine() { return lawful::Engine::load(policies()).value(); }

bool has(const std::vector<std::string>& v, const std::string& x) {
  for (const std::string& s : v)
    if (s == x) return true;
  return false;
}

const char* kTwoDecisions = R"(policy t.two "Two decisions"
decision first:
  rule a: allow basis consent
    cite "a"
decision second:
  rule b: deny
    cite "b"
)";

}  // namespace

TEST_CASE("a prepared campaign decides as the same campaign as text does") {
  lawful::Engine e = engine();
  auto c = e.campaign(kCampaign);
  REQUIRE(c.ok());
  CHECK_FALSE(c->every_review());
  CHECK(c->warnings().empty());  // whole for these policies: nothing to say
  CHECK(c->unknown().empty());
  for (const char* contact : {kConsumerWithConsent, kCompany, kSoleTrader, kUnknownObjection, kJapan}) {
    lawful::Decision a, b;
    CHECK(e.decide(*c, contact, a) == lawful::Status::ok);
    CHECK(e.decide(contact, kCampaign, b) == lawful::Status::ok);
    CHECK(a.json() == b.json());
  }
  // Copies share it; an empty one is misuse.
  lawful::Campaign copy = *c;
  CHECK(json_text(e.decide(copy, kCompany)) == json_text(e.decide(kCompany, kCampaign)));
  lawful::Campaign none;
  lawful::Decision d;
  CHECK_THROWS_AS(static_cast<void>(e.decide(none, kCompany, d)), lawful::Error);
}

TEST_CASE("a campaign that lacks its channel, or is {}, says so once: every decision review") {
  lawful::Engine e = engine();
  for (const char* text : {"{}", R"({"id": "x", "send_date": "2026-12-01"})"}) {
    auto c = e.campaign(text);
    REQUIRE(c.ok());  // it can be used: a warning, not an error
    CHECK(c->every_review());
    CHECK(has(c->lacks(), "campaign.channel"));
    REQUIRE_FALSE(c->warnings().empty());
    CHECK(c->warnings()[0] == "every decision will be review: campaign.channel missing");
    lawful::Decision d;
    for (const char* contact : {kConsumerWithConsent, kCompany, kSoleTrader}) {
      CHECK(e.decide(*c, contact, d) == lawful::Status::ok);
      CHECK(d.verdict() == lawful::Verdict::review);
    }
  }
}

TEST_CASE("a campaign without send_date: named, not every decision") {
  lawful::Engine e = engine();
  auto c = e.campaign(R"({"id": "x", "channel": "email", "unsubscribe": true, "products": ["tools"],)"
                      R"( "sender": {"name": "Acme Ltd", "identified": true, "contact_address": true}})");
  REQUIRE(c.ok());
  CHECK_FALSE(c->every_review());
  CHECK(has(c->lacks(), "campaign.send_date"));
  CHECK(has(c->warnings(), "campaign.send_date missing: decisions that need it will be review"));
}

TEST_CASE("a campaign that cannot be used is refused when prepared, with the reason") {
  lawful::Engine e = engine();
  auto bad = e.campaign(R"({"channel": "emial", "send_date": "2026-12-01"})");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status() == lawful::Status::data);
  CHECK(bad.message().find("emial") != std::string::npos);
  auto broken = e.campaign("{\"channel\": ");
  CHECK_FALSE(broken.ok());
  CHECK(broken.status() == lawful::Status::data);
  // Its unknown keys are named, with the field they are likely a typo of; strict refuses them.
  auto typo = e.campaign(R"({"chanel": "email", "send_date": "2026-12-01"})");
  REQUIRE(typo.ok());
  CHECK(typo->unknown() == std::vector<std::string>{"campaign.chanel"});
  CHECK(has(typo->warnings(), "campaign.chanel is not a field of the schema (ignored); did you mean campaign.channel?"));
  auto strict = e.with_strict_fields().campaign(R"({"chanel": "email", "send_date": "2026-12-01"})");
  CHECK_FALSE(strict.ok());
  CHECK(strict.message().find("did you mean 'channel'?") != std::string::npos);
}

TEST_CASE("one prepared campaign, two threads") {
  lawful::Engine e = engine();
  lawful::Campaign c = e.campaign(kCampaign).value();
  const std::string want_a = json_text(e.decide(kCompany, kCampaign));
  const std::string want_b = json_text(e.decide(kConsumerWithConsent, kCampaign));
  std::atomic<int> wrong{0};
  auto work = [&](const char* contact, const std::string& want) {
    lawful::Decision d;
    for (int i = 0; i < 2000; ++i) {
      if (e.decide(c, contact, d) != lawful::Status::ok || d.json() != want) ++wrong;
    }
  };
  std::thread t1(work, kCompany, want_a), t2(work, kConsumerWithConsent, want_b);
  t1.join();
  t2.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("unknown keys: accepted and listed in the decision, refused when strict") {
  lawful::Engine e = engine();
  const char* typo = R"({"id": "t", "country": "GB", "entity": "company", "consents": [], "objectd": true,)"
                     R"( "suppressed": false, "crm_owner": "sam", "objectd": false})";
  lawful::Decision d;
  CHECK(e.decide(typo, kCampaign, d) == lawful::Status::ok);
  REQUIRE(d.unknown().size() == 2);  // objectd twice: once
  CHECK(d.unknown()[0] == "contact.objectd");
  CHECK(d.unknown_suggestion(0) == "contact.objected");
  CHECK(d.unknown()[1] == "contact.crm_owner");
  CHECK(d.unknown_suggestion(1).empty());
  CHECK(d.verdict() == lawful::Verdict::review);  // what the typo costs: objected is missing
  // The next decision, of known keys only, lists none.
  CHECK(e.decide(kCompany, kCampaign, d) == lawful::Status::ok);
  CHECK(d.unknown().empty());
  // Inside a list's records too (the slow path: a key with an escape).
  CHECK(e.decide(R"({"id": "u", "country": "GB", "consents": [{"chanel": "email", "purpose": "marketing"}], "n\u0061me": 1})",
                 kCampaign, d) == lawful::Status::ok);
  CHECK(d.unknown().to_vector() == std::vector<std::string>{"contact.consents.chanel", "contact.name"});
  CHECK(d.unknown_suggestion(0) == "contact.consents.channel");

  lawful::Engine strict = e.with_strict_fields();
  CHECK(strict.strict_fields());
  CHECK_FALSE(e.strict_fields());
  CHECK(strict.decide(typo, kCampaign, d) == lawful::Status::data);
  CHECK(d.error() == "contact.objectd: not a field of the schema (--strict-fields); did you mean 'objected'?");
  CHECK(strict.decide(kCompany, kCampaign, d) == lawful::Status::ok);
}

TEST_CASE("the decision named per call") {
  lawful::Engine e = lawful::Engine::from_source(kTwoDecisions).value();
  lawful::Decision d;
  lawful::CallOptions second;
  second.decision = "second";
  CHECK(e.decide(kCompany, kCampaign, d, second) == lawful::Status::ok);
  CHECK(d.name() == "second");
  CHECK(d.verdict() == lawful::Verdict::deny);
  lawful::CallOptions first;
  first.decision = "first";
  auto c = e.campaign(kCampaign).value();
  CHECK(e.decide(c, kCompany, d, first) == lawful::Status::ok);
  CHECK(d.name() == "first");
  CHECK(d.verdict() == lawful::Verdict::allow);
  // The default again after a named call, on the same thread (the same scratch).
  lawful::Decision plain;
  CHECK(e.decide(kCompany, kCampaign, plain) == lawful::Status::ok);
  CHECK(plain.name() != "first");
  // A name no policy has: misuse, and the decision is untouched.
  lawful::CallOptions bad;
  bad.decision = "thrid";
  try {
    static_cast<void>(e.decide(kCompany, kCampaign, d, bad));
    FAIL("no error");
  } catch (const lawful::Error& err) {
    CHECK(err.status() == lawful::Status::argument);
    CHECK(std::string(err.what()).find("thrid") != std::string::npos);
  }
  CHECK(d.name() == "first");
  // With the router: the decision named in the policy the contact is routed to.
  lawful::Engine routed = engine();
  lawful::CallOptions email;
  email.decision = "email";
  CHECK(routed.decide(kCompany, kCampaign, d, email) == lawful::Status::ok);
  CHECK(d.name() == "email");
}

TEST_CASE("the reloader labels every version with the revision it is given") {
  TempDir dir;
  for (const char* f : {"uk.law", "fr.law", "route.law"})
    write(dir.path() / f, read(policies() + "/" + f));
  auto r = lawful::Reloader::open(dir.path().string(), "v41");
  REQUIRE(r.ok());
  CHECK(r->version().revision == "v41");
  CHECK(json_text(r->decide(kCompany, kCampaign)).find("\"revision\": \"v41\"") != std::string::npos);
  r->set_revision("v42");
  const uint64_t generation = r->version().generation;
  CHECK(r->version().revision == "v42");
  CHECK(r->version().generation == generation);
  write(dir.path() / "uk.law", read(policies() + "/uk.law") + "\n// an edit\n");
  lawful::ReloadResult res = r->reload();
  REQUIRE(res.swapped);
  CHECK(r->version().revision == "v42");
  CHECK(r->version().generation == generation + 1);
  CHECK_THROWS_AS(r->set_revision("not a label!"), lawful::Error);
  CHECK(r->version().revision == "v42");
}

// ---------------------------------------------------------------- the C functions

TEST_CASE("C: campaigns, their lists, and their misuse") {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);

  lawful_campaign* c = reinterpret_cast<lawful_campaign*>(1);
  CHECK(lawful_campaign_new(e, "{\"channel\": \"emial\"}", LAWFUL_NUL_TERMINATED, &c) == LAWFUL_ERR_DATA);
  CHECK(c == nullptr);
  CHECK(std::string(lawful_last_error()).find("emial") != std::string::npos);
  CHECK(lawful_campaign_new(e, nullptr, 0, &c) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_campaign_new(nullptr, "{}", 2, &c) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_campaign_new(e, "{}", 2, nullptr) == LAWFUL_ERR_ARGUMENT);

  REQUIRE(lawful_campaign_new(e, "{}", LAWFUL_NUL_TERMINATED, &c) == LAWFUL_OK);
  CHECK(lawful_campaign_every_review(c) == 1);
  REQUIRE(lawful_campaign_count(c, LAWFUL_CAMPAIGN_WARNINGS) >= 1);
  CHECK(std::string(lawful_campaign_item(c, LAWFUL_CAMPAIGN_WARNINGS, 0)) ==
        "every decision will be review: campaign.channel missing");
  CHECK(lawful_campaign_item(c, LAWFUL_CAMPAIGN_WARNINGS, 99) == nullptr);
  CHECK(lawful_campaign_count(c, LAWFUL_CAMPAIGN_UNKNOWN) == 0);
  bool channel = false;
  for (size_t i = 0; i < lawful_campaign_count(c, LAWFUL_CAMPAIGN_LACKS); ++i)
    channel = channel || std::strcmp(lawful_campaign_item(c, LAWFUL_CAMPAIGN_LACKS, i), "campaign.channel") == 0;
  CHECK(channel);
  CHECK(lawful_decide_campaign(e, c, kCompany, LAWFUL_NUL_TERMINATED, d) == LAWFUL_OK);
  CHECK(lawful_decision_verdict(d) == LAWFUL_REVIEW);
  CHECK(lawful_decide_campaign(e, nullptr, kCompany, LAWFUL_NUL_TERMINATED, d) == LAWFUL_ERR_ARGUMENT);
  CHECK(lawful_decide_campaign(e, c, nullptr, 0, d) == LAWFUL_ERR_ARGUMENT);

  // Two references; used after the last is freed, and freed twice: refused, not read.
  lawful_campaign* again = lawful_campaign_retain(c);
  CHECK(again == c);
  lawful_campaign_free(c);
  CHECK(lawful_campaign_every_review(again) == 1);  // alive: one reference left
  lawful_campaign_free(again);
  CHECK(lawful_decide_campaign(e, c, kCompany, LAWFUL_NUL_TERMINATED, d) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()).find("not a live handle") != std::string::npos);
  CHECK(lawful_campaign_count(c, LAWFUL_CAMPAIGN_LACKS) == 0);
  CHECK(lawful_campaign_every_review(c) == 0);
  lawful_campaign_free(c);  // a double free: nothing happens
  CHECK(lawful_campaign_retain(c) == nullptr);
  // A decision handle is not a campaign.
  CHECK(lawful_decide_campaign(e, reinterpret_cast<const lawful_campaign*>(d), kCompany, LAWFUL_NUL_TERMINATED, d) ==
        LAWFUL_ERR_ARGUMENT);

  lawful_decision_free(d);
  lawful_engine_free(e);
}

TEST_CASE("C: unknown keys, strict engines, named decisions, the reloader's label") {
  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
  const char* typo = R"({"id": "t", "country": "GB", "entity": "company", "objectd": true})";
  CHECK(lawful_decide_json(e, typo, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d) == LAWFUL_OK);
  REQUIRE(lawful_decision_count(d, LAWFUL_UNKNOWN) == 1);
  CHECK(std::string(lawful_decision_item(d, LAWFUL_UNKNOWN, 0)) == "contact.objectd");
  CHECK(std::string(lawful_decision_unknown_suggestion(d, 0)) == "contact.objected");
  CHECK(lawful_decision_unknown_suggestion(d, 1) == nullptr);
  CHECK(lawful_decision_item(d, LAWFUL_UNKNOWN, 1) == nullptr);

  lawful_engine* strict = nullptr;
  CHECK(lawful_engine_with_strict_fields(nullptr, 1, &strict) == LAWFUL_ERR_ARGUMENT);
  REQUIRE(lawful_engine_with_strict_fields(e, 1, &strict) == LAWFUL_OK);
  CHECK(lawful_engine_strict_fields(strict) == 1);
  CHECK(lawful_engine_strict_fields(e) == 0);
  CHECK(lawful_decide_json(strict, typo, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d) == LAWFUL_ERR_DATA);
  CHECK(std::string(lawful_decision_error(d)).find("contact.objectd") == 0);
  lawful_engine_free(strict);

  CHECK(lawful_decide_json_with(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, nullptr, "email",
                                d) == LAWFUL_OK);
  CHECK(std::string(lawful_decision_name(d)) == "email");
  CHECK(lawful_decide_json_with(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, nullptr, "mail",
                                d) == LAWFUL_ERR_ARGUMENT);
  CHECK(std::string(lawful_last_error()).find("'mail'") != std::string::npos);
  CHECK(std::string(lawful_decision_name(d)) == "email");  // untouched
  CHECK(lawful_decide_json_with(e, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, "2026-13-01",
                                "email", d) == LAWFUL_ERR_ARGUMENT);

  lawful_reloader* r = nullptr;
  REQUIRE(lawful_reloader_new(policies().c_str(), &r, nullptr) == LAWFUL_OK);
  CHECK(lawful_reloader_set_revision(r, "bad label!") == LAWFUL_ERR_ARGUMENT);
  REQUIRE(lawful_reloader_set_revision(r, "rel-7") == LAWFUL_OK);
  lawful_engine* now = lawful_reloader_engine(r);
  CHECK(std::string(lawful_engine_revision(now)) == "rel-7");
  lawful_engine_free(now);
  REQUIRE(lawful_reloader_set_revision(r, nullptr) == LAWFUL_OK);
  now = lawful_reloader_engine(r);
  CHECK(lawful_engine_revision(now) == nullptr);
  lawful_engine_free(now);
  lawful_reloader_free(r);
  CHECK(lawful_reloader_set_revision(r, "x") == LAWFUL_ERR_ARGUMENT);  // freed

  lawful_decision_free(d);
  lawful_engine_free(e);
}
