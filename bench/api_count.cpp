// Instructions per decision, for a machine whose clock cannot be trusted (shared, loaded,
// virtual): `bench/count_instructions.sh` runs this under callgrind with two counts of
// decisions and divides the difference, which leaves out loading and warming up. The
// C API (lawful.h) here, beside the baseline: the binder and the VM called directly.
//
// usage: lawful_api_count MODE N    (MODE: baseline, json, review, record, facts,
//                                     facts_set, batch)
#include <lawful/lawful.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace {

const char* kCampaign =
    R"({"id": "spring", "channel": "email", "unsubscribe": true, "send_date": "2026-12-01", "products": ["tools"],)"
    R"( "sender": {"name": "Acme Ltd", "identified": true, "contact_address": true}})";
const char* kContact =
    R"({"id": "c-1", "country": "GB", "entity": "consumer", "objected": false, "suppressed": false,)"
    R"( "consents": [{"channel": "email", "purpose": "marketing", "controller": "Acme Ltd",)"
    R"( "given_at": "2025-01-10", "method": "unticked_checkbox"}]})";
const char* kReview = R"({"id": "c-4", "country": "GB", "entity": "company", "consents": []})";

std::string policies() { return std::string(LAWFUL_SOURCE_DIR) + "/tests/api/data/policies"; }

void baseline(int n) {
  lawful::Compilation c = lawful::compile_path(policies());
  const lawful::Program& prog = *c.program;
  lawful::Vm vm(prog);
  lawful::Binder binder(prog);
  lawful::Entry entry;
  lawful::choose_entry(prog, "", entry);
  binder.bind_campaign(vm.facts(), kCampaign);
  std::string contact = kContact;
  contact.reserve(contact.size() + 64);
  lawful::Outcome out;
  for (int i = 0; i < n; ++i) {
    binder.bind_contact(vm.facts(), contact.data(), contact.size(), contact.capacity());
    lawful::decide_entry(vm, entry, out);
  }
}

lawful_field field(lawful_engine* e, const char* path) {
  lawful_field f = 0;
  if (lawful_engine_field(e, path, &f) != LAWFUL_OK) std::abort();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s baseline|json|review|record|facts|facts_set|batch N\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  int n = std::atoi(argv[2]);
  if (mode == "baseline") {
    baseline(n);
    return 0;
  }
  lawful_engine* e = nullptr;
  if (lawful_engine_load_path(policies().c_str(), &e, nullptr) != LAWFUL_OK) return 1;
  lawful_decision* d = nullptr;
  lawful_decision_new(&d);
  lawful_facts* f = nullptr;
  lawful_facts_new(e, &f);
  const size_t Z = LAWFUL_NUL_TERMINATED;
  lawful_facts_set_text(f, 0, field(e, "campaign.channel"), "email", Z);
  lawful_facts_set_bool(f, 0, field(e, "campaign.unsubscribe"), 1);
  lawful_facts_set_date(f, 0, field(e, "campaign.send_date"), 2026, 12, 1);
  lawful_facts_add_text(f, 0, field(e, "campaign.products"), "tools", Z);
  lawful_facts_set_text(f, 0, field(e, "campaign.sender.name"), "Acme Ltd", Z);
  lawful_facts_set_bool(f, 0, field(e, "campaign.sender.identified"), 1);
  lawful_facts_set_bool(f, 0, field(e, "campaign.sender.contact_address"), 1);
  lawful_field id = field(e, "contact.id"), country = field(e, "contact.country"), entity = field(e, "contact.entity"),
               objected = field(e, "contact.objected"), suppressed = field(e, "contact.suppressed"),
               consents = field(e, "contact.consents"), channel = field(e, "contact.consents.channel"),
               purpose = field(e, "contact.consents.purpose"), controller = field(e, "contact.consents.controller"),
               given_at = field(e, "contact.consents.given_at"), method = field(e, "contact.consents.method");
  auto contact = [&] {  // kContact, field by field
    lawful_facts_reset(f, "contact");
    lawful_facts_set_text(f, 0, id, "c-1", Z);
    lawful_facts_set_text(f, 0, country, "GB", Z);
    lawful_facts_set_text(f, 0, entity, "consumer", Z);
    lawful_facts_set_bool(f, 0, objected, 0);
    lawful_facts_set_bool(f, 0, suppressed, 0);
    lawful_item c = 0;
    lawful_facts_add_record(f, 0, consents, &c);
    lawful_facts_set_text(f, c, channel, "email", Z);
    lawful_facts_set_text(f, c, purpose, "marketing", Z);
    lawful_facts_set_text(f, c, controller, "Acme Ltd", Z);
    lawful_facts_set_date(f, c, given_at, 2025, 1, 10);
    lawful_facts_set_text(f, c, method, "unticked_checkbox", Z);
  };
  contact();
  std::vector<lawful_text> batch(100, lawful_text{kContact, std::strlen(kContact)});
  std::vector<lawful_decision*> out(batch.size());
  for (lawful_decision*& x : out) lawful_decision_new(&x);
  for (int i = 0; i < n; ++i) {
    if (mode == "json") {
      lawful_decide_json(e, kContact, Z, kCampaign, Z, d);
    } else if (mode == "review") {
      lawful_decide_json(e, kReview, Z, kCampaign, Z, d);
    } else if (mode == "record") {
      lawful_decide_json(e, kContact, Z, kCampaign, Z, d);
      lawful_decision_json(d, nullptr);
    } else if (mode == "facts") {
      lawful_decide_facts(e, f, d);
    } else if (mode == "facts_set") {
      contact();
      lawful_decide_facts(e, f, d);
    } else if (mode == "batch") {  // N batches of 100: divide by 100 more
      lawful_decide_batch(e, kCampaign, Z, batch.data(), batch.size(), out.data());
    } else {
      return 2;
    }
  }
  for (lawful_decision* x : out) lawful_decision_free(x);
  lawful_facts_free(f);
  lawful_decision_free(d);
  lawful_engine_free(e);
  return 0;
}
