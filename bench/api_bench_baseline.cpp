// The baseline for api_bench.cpp: one decision with the library's insides alone (a Binder
// and a Vm, kept by the caller), so the API's own cost can be read off the difference.
#include <benchmark/benchmark.h>

#include <string>

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

void BM_Baseline_BindAndDecide(benchmark::State& state) {
  lawful::Compilation c = lawful::compile_path(std::string(LAWFUL_SOURCE_DIR) + "/tests/api/data/policies");
  const lawful::Program& prog = *c.program;
  lawful::Vm vm(prog);
  lawful::Binder binder(prog);
  lawful::Entry entry;
  lawful::choose_entry(prog, "", entry);
  binder.bind_campaign(vm.facts(), kCampaign);
  std::string contact = kContact;
  contact.reserve(contact.size() + 64);  // simdjson's padding, as lawful check's reader gives it
  lawful::Outcome out;
  for (auto _ : state) {
    binder.bind_contact(vm.facts(), contact.data(), contact.size(), contact.capacity());
    lawful::decide_entry(vm, entry, out);
    benchmark::DoNotOptimize(out.verdict);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_BindAndDecide);

}  // namespace
