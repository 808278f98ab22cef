// Shared by the unit tests: compile a policy from a string, decide one case.
#pragma once

#include <string>

#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful::testing {

inline Compilation compile_text(const std::string& text, const std::string& path = "test.law") {
  return compile_sources({SourceFile{path, text}});
}

// Decides `case_json` ({"contact": ..., "campaign": ...}) with the program's default entry.
inline Outcome decide_case(const Program& prog, const std::string& case_json, std::string* bind_error = nullptr) {
  Vm vm(prog);
  Binder binder(prog);
  Outcome out;
  BindResult r = binder.bind_case(vm.facts(), case_json.data(), case_json.size(), case_json.size());
  if (!r.ok) {
    if (bind_error) *bind_error = r.error;
    out.error = r.error;
    return out;
  }
  Entry e;
  std::string why = choose_entry(prog, "", e);
  if (!why.empty()) {
    out.error = why;
    return out;
  }
  decide_entry(vm, e, out);
  return out;
}

// A small policy with a loop, a definition, a string set and obligations: enough
// instructions for the verifier and file tests to damage.
inline const char* kSamplePolicy = R"LAW(policy sample.p "Sample"
let named = any c in contact.consents: campaign.sender.name in c.third_parties
decision email when campaign.channel in {email, sms}:
  rule unsolicited: deny
    cite "reg 22(2)"
  rule consented: allow basis consent
    when named and contact.country in {"GB", "IE"}
    overrides unsolicited
    cite "reg 22(2) consent"
  rule objection: deny
    when contact.objected
    overrides consented
    cite "art 21(3)"
  oblige include_unsubscribe when verdict == allow cite "reg 23"
)LAW";

inline const char* kSampleCase =
    R"({"contact": {"id": "c1", "country": "GB", "objected": false, "consents": [{"third_parties": ["Acme"]}]},)"
    R"( "campaign": {"channel": "email", "sender": {"name": "Acme"}}})";

}  // namespace lawful::testing
