// Fuzz target: one contact line, as `lawful check --contacts` reads it, bound to the
// project's policies with the example campaign, decided through the router, written
// as a record (which must be one line of valid JSON), then decided again traced.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"

namespace {

struct State {
  std::shared_ptr<const lawful::Program> prog = lawful::fuzz::project_program();
  lawful::Vm vm{*prog};
  lawful::Binder binder{*prog};
  lawful::Entry entry;
  State() {
    if (!lawful::choose_entry(*prog, "", entry).empty()) lawful::fuzz::finding("no entry in the project's policies");
    lawful::BindResult r = binder.bind_campaign(vm.facts(), lawful::fuzz::example_campaign());
    if (!r.ok) lawful::fuzz::finding("the example campaign does not bind: " + r.error);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State s;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  // The line reader splits at newlines: a line never holds one.
  line = line.substr(0, line.find('\n'));
  std::vector<char> buf(line.size() + simdjson::SIMDJSON_PADDING, '"');
  std::copy(line.begin(), line.end(), buf.begin());
  lawful::BindResult r = s.binder.bind_contact(s.vm.facts(), buf.data(), line.size(), buf.size());
  if (!r.ok) {
    std::string rec;
    lawful::append_error_json(rec, r.id, !r.id.empty(), 1, r.error);
    lawful::fuzz::check_record(rec);
    return 0;
  }
  lawful::fuzz::decide_and_record(s.vm, s.entry, true);
  return 0;
}
