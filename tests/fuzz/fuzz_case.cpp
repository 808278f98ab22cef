// Fuzz target: one line of `lawful check --cases` ({"contact": ..., "campaign": ...}),
// bound to the project's policies, decided through the router, written as a record
// (one line of valid JSON), then decided again traced.
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
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State s;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  line = line.substr(0, line.find('\n'));
  lawful::fuzz::bind_case_and_decide(s.vm, s.binder, s.entry, line, true);
  return 0;
}
