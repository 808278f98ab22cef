// The cost of one decision through the embedding API (include/lawful/lawful.hpp, linked
// with liblawful.so), on the API tests' policies (tests/api/data/policies: a routing file
// and two policies): from JSON, from facts set by handle, in batches, through a
// reloader, from several threads on one engine; and the decision record's JSON. The
// baseline (the VM alone) is in api_bench_baseline.cpp. docs/embedding.md quotes these.
#include <benchmark/benchmark.h>
#include <lawful/lawful.hpp>

#include <string>
#include <vector>

namespace {

std::string policies() { return std::string(LAWFUL_SOURCE_DIR) + "/tests/api/data/policies"; }

const char* kCampaign =
    R"({"id": "spring", "channel": "email", "unsubscribe": true, "send_date": "2026-12-01", "products": ["tools"],)"
    R"( "sender": {"name": "Acme Ltd", "identified": true, "contact_address": true}})";
const char* kOtherCampaign =
    R"({"id": "autumn", "channel": "email", "unsubscribe": true, "send_date": "2026-10-01", "products": ["tools"],)"
    R"( "sender": {"name": "Acme Ltd", "identified": true, "contact_address": true}})";
// An allow through a consent: the common case.
const char* kContact =
    R"({"id": "c-1", "country": "GB", "entity": "consumer", "objected": false, "suppressed": false,)"
    R"( "consents": [{"channel": "email", "purpose": "marketing", "controller": "Acme Ltd",)"
    R"( "given_at": "2025-01-10", "method": "unticked_checkbox"}]})";
// A review: unknown facts make the VM trace which facts are missing.
const char* kReviewContact = R"({"id": "c-4", "country": "GB", "entity": "company", "consents": []})";

lawful::Engine& engine() {
  static lawful::Engine e = lawful::Engine::load(policies()).value();
  return e;
}

void BM_DecideJson(benchmark::State& state) {
  lawful::Engine& e = engine();
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(e.decide(kContact, kCampaign, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson);

void BM_DecideJson_Review(benchmark::State& state) {
  lawful::Engine& e = engine();
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(e.decide(kReviewContact, kCampaign, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson_Review);

// Two campaigns in turn: the campaign is read again at every call.
void BM_DecideJson_CampaignChanges(benchmark::State& state) {
  lawful::Engine& e = engine();
  lawful::Decision d;
  bool other = false;
  for (auto _ : state) {
    static_cast<void>(e.decide(kContact, other ? kOtherCampaign : kCampaign, d));
    other = !other;
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson_CampaignChanges);

// A new Decision object per call, instead of one reused.
void BM_DecideJson_NewDecision(benchmark::State& state) {
  lawful::Engine& e = engine();
  for (auto _ : state) {
    lawful::Decision d = e.decide(kContact, kCampaign);
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson_NewDecision);

// The decision and its record as JSON text.
void BM_DecideJson_WithRecord(benchmark::State& state) {
  lawful::Engine& e = engine();
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(e.decide(kContact, kCampaign, d));
    benchmark::DoNotOptimize(d.json().size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson_WithRecord);

struct Fields {
  lawful::Field id, country, entity, objected, suppressed, consents, channel, purpose, controller, given_at, method;
  explicit Fields(const lawful::Engine& e)
      : id(e.field("contact.id")), country(e.field("contact.country")), entity(e.field("contact.entity")),
        objected(e.field("contact.objected")), suppressed(e.field("contact.suppressed")),
        consents(e.field("contact.consents")), channel(e.field("contact.consents.channel")),
        purpose(e.field("contact.consents.purpose")), controller(e.field("contact.consents.controller")),
        given_at(e.field("contact.consents.given_at")), method(e.field("contact.consents.method")) {}
};

void campaign_facts(const lawful::Engine& e, lawful::Facts& f) {
  static_cast<void>(f.set_text(e.field("campaign.channel"), "email"));
  static_cast<void>(f.set_bool(e.field("campaign.unsubscribe"), true));
  static_cast<void>(f.set_date(e.field("campaign.send_date"), 2026, 12, 1));
  static_cast<void>(f.add_text(e.field("campaign.products"), "tools"));
  static_cast<void>(f.set_text(e.field("campaign.sender.name"), "Acme Ltd"));
  static_cast<void>(f.set_bool(e.field("campaign.sender.identified"), true));
  static_cast<void>(f.set_bool(e.field("campaign.sender.contact_address"), true));
}

void contact_facts(const Fields& x, lawful::Facts& f) {
  static_cast<void>(f.set_text(x.id, "c-1"));
  static_cast<void>(f.set_text(x.country, "GB"));
  static_cast<void>(f.set_text(x.entity, "consumer"));
  static_cast<void>(f.set_bool(x.objected, false));
  static_cast<void>(f.set_bool(x.suppressed, false));
  lawful::Item c = f.add_record(x.consents);
  static_cast<void>(f.set_text(c, x.channel, "email"));
  static_cast<void>(f.set_text(c, x.purpose, "marketing"));
  static_cast<void>(f.set_text(c, x.controller, "Acme Ltd"));
  static_cast<void>(f.set_date(c, x.given_at, 2025, 1, 10));
  static_cast<void>(f.set_text(c, x.method, "unticked_checkbox"));
}

// Facts set once, decided again and again: the cost of writing them into the VM.
void BM_DecideFacts(benchmark::State& state) {
  lawful::Engine& e = engine();
  Fields x(e);
  lawful::Facts f = e.facts();
  campaign_facts(e, f);
  contact_facts(x, f);
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(e.decide(f, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideFacts);

// A new contact every time, set field by field (eleven calls), the campaign kept.
void BM_DecideFacts_SetContact(benchmark::State& state) {
  lawful::Engine& e = engine();
  Fields x(e);
  lawful::Facts f = e.facts();
  campaign_facts(e, f);
  lawful::Decision d;
  for (auto _ : state) {
    f.reset("contact");
    contact_facts(x, f);
    static_cast<void>(e.decide(f, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideFacts_SetContact);

// Batches of N contacts on one campaign; items are contacts.
void BM_DecideBatch(benchmark::State& state) {
  lawful::Engine& e = engine();
  std::vector<std::string_view> contacts(static_cast<size_t>(state.range(0)), kContact);
  std::vector<lawful::Decision> out;
  for (auto _ : state) {
    static_cast<void>(e.decide_batch(kCampaign, contacts, out));
    benchmark::DoNotOptimize(out.back().verdict());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DecideBatch)->Arg(1)->Arg(100)->Arg(1000);

// Through a reloader: each decision takes the serving version first.
void BM_DecideReloader(benchmark::State& state) {
  static lawful::Reloader r = lawful::Reloader::open(policies()).value();
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(r.decide(kContact, kCampaign, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideReloader);

// One engine shared by several threads, each with its own Decision.
void BM_DecideJson_SharedEngine(benchmark::State& state) {
  lawful::Engine& e = engine();
  lawful::Decision d;
  for (auto _ : state) {
    static_cast<void>(e.decide(kContact, kCampaign, d));
    benchmark::DoNotOptimize(d.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideJson_SharedEngine)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// Loading: compiling the policies (what a reload does before it runs their tests).
void BM_Load(benchmark::State& state) {
  for (auto _ : state) {
    auto loaded = lawful::Engine::load(policies());
    benchmark::DoNotOptimize(loaded.ok());
  }
}
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);

}  // namespace
