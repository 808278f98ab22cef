// The API against the library's insides (this test links liblawful.a): its decision
// records are those `lawful check` writes (append_decision_json), plus "version"; facts
// made for one schema are refused by an engine of another.
#include <doctest/doctest.h>
#include <lawful/lawful.h>

#include <sstream>
#include <string>

#include "compiler/compiler.h"
#include "helpers.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

using namespace api_test;

TEST_CASE("the API's records are lawful check's, with the version added") {
  lawful::Compilation c = lawful::compile_path(policies());
  REQUIRE(c.ok());
  const lawful::Program& prog = *c.program;
  lawful::Vm vm(prog);
  lawful::Binder binder(prog);
  lawful::Entry entry;
  REQUIRE(lawful::choose_entry(prog, "", entry).empty());
  std::string campaign = read(source("tests/api/data/campaign.json"));
  REQUIRE(binder.bind_campaign(vm.facts(), campaign).ok);

  lawful_engine* e = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &e, nullptr) == LAWFUL_OK);
  CHECK(lawful_engine_version(e).source_hash == prog.source_hash);
  char version[256];
  snprintf(version, sizeof version,
           ", \"version\": {\"generation\": 1, \"source_hash\": \"%016llx\", \"content_hash\": \"%s\", \"revision\": null}}",
           static_cast<unsigned long long>(prog.source_hash), prog.content_hash.c_str());
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);

  std::istringstream lines(read(source("tests/api/data/contacts.jsonl")));
  uint64_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    CAPTURE(line);
    std::string want;
    lawful::BindResult r = binder.bind_contact(vm.facts(), line.data(), line.size(), line.size());
    if (r.ok) {
      lawful::Outcome out;
      lawful::decide_entry(vm, entry, out);
      lawful::append_decision_json(want, prog, out, vm.facts());
    } else {
      lawful::append_error_json(want, r.id, !r.id.empty(), 1, r.error);
    }
    REQUIRE(want.back() == '\n');
    want.pop_back();  // the record, without its newline
    want.pop_back();  // and without its closing brace, where the version goes
    lawful_decide_json(e, line.data(), line.size(), campaign.data(), campaign.size(), d);
    CHECK(std::string(lawful_decision_json(d, nullptr)) == want + version);
  }
  CHECK(n == 8);
  lawful_decision_free(d);
  lawful_engine_free(e);
}

TEST_CASE("facts made for another schema are refused") {
  lawful::Compilation c = lawful::compile_path(policies());
  REQUIRE(c.ok());
  // The same program, with a schema that differs by one enumeration member.
  lawful::Program other = *c.program;
  int role = other.schema.find_enum("Role");
  REQUIRE(role >= 0);
  other.schema.enums[static_cast<size_t>(role)].members.push_back("astronaut");
  std::string bytes = lawful::serialize_program(other);

  lawful_engine *a = nullptr, *b = nullptr;
  REQUIRE(lawful_engine_load_path(policies().c_str(), &a, nullptr) == LAWFUL_OK);
  REQUIRE(lawful_engine_load_bytecode(bytes.data(), bytes.size(), &b, nullptr) == LAWFUL_OK);
  lawful_facts* f = nullptr;
  REQUIRE(lawful_facts_new(a, &f) == LAWFUL_OK);
  lawful_decision* d = nullptr;
  REQUIRE(lawful_decision_new(&d) == LAWFUL_OK);
  CHECK(lawful_decide_facts(a, f, d) == LAWFUL_OK);
  CHECK(lawful_decide_facts(b, f, d) == LAWFUL_ERR_SCHEMA);
  CHECK(lawful_decision_status(d) == LAWFUL_ERR_SCHEMA);
  CHECK(std::string(lawful_decision_error(d)) == "the facts were built for an engine with another fact schema");
  // JSON does not depend on the layout: the other engine decides it.
  CHECK(lawful_decide_json(b, kCompany, LAWFUL_NUL_TERMINATED, kCampaign, LAWFUL_NUL_TERMINATED, d) == LAWFUL_OK);
  lawful_decision_free(d);
  lawful_facts_free(f);
  lawful_engine_free(a);
  lawful_engine_free(b);
}
