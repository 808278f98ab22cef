// Shared by the fuzz targets: the fixed policy and facts they decide with, one decision
// on the bound facts written as its record, and the checks every record must pass (one
// line of valid JSON). A failed check aborts, which libFuzzer reports as a finding.
#pragma once

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

#ifndef LAWFUL_SOURCE_DIR
#error "LAWFUL_SOURCE_DIR must name the checkout (tests/fuzz/CMakeLists.txt sets it)"
#endif

namespace lawful::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "lawful fuzz finding: %s\n", what.c_str());
  std::abort();
}

// The project's policies (policies/: the router and every jurisdiction), compiled once.
inline std::shared_ptr<const Program> project_program() {
  static std::shared_ptr<const Program> prog = [] {
    Compilation c = compile_path(LAWFUL_SOURCE_DIR "/policies");
    if (!c.ok()) finding("the project's policies do not compile:\n" + c.diags.render(c.sources));
    return c.program;
  }();
  return prog;
}

inline std::string read_text(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

// The example campaign (examples/campaign.json).
inline const std::string& example_campaign() {
  static const std::string text = read_text(LAWFUL_SOURCE_DIR "/examples/campaign.json");
  return text;
}

// Facts to decide a fuzzed program with: cases ({"contact", "campaign"}) that reach
// lists, optional records, strings, dates and unknowns.
inline const std::vector<std::string>& fixed_cases() {
  static const std::vector<std::string> cases = {
      R"({"contact": {"id": "c1", "country": "GB", "entity": "consumer", "objected": false, "suppressed": false,)"
      R"( "email": "Ann@Example.COM", "consents": [{"channel": "email", "purpose": "marketing", "controller": "Acme",)"
      R"( "third_parties": ["Acme", "Bolt"], "given_at": "2025-01-31", "method": "double_opt_in"},)"
      R"( {"channel": "sms", "given_at": "2024-02-29", "withdrawn_at": "2025-03-01"}],)"
      R"( "customer": {"purchased": ["tools"], "last_purchase": "2025-06-01", "opt_out_offered": true}},)"
      R"( "campaign": {"id": "k1", "channel": "email", "send_date": "2026-12-01", "products": ["tools"],)"
      R"( "sender": {"name": "Acme", "identified": true, "kind": "company"}, "audience_roles": ["it", "sales"]}})",
      R"({"contact": {"id": "c2", "country": "fr", "entity": "company"}, "campaign": {"channel": "sms"}})",
      R"({"contact": {}, "campaign": {}})",
      R"({"contact": {"id": "c4", "country": "GB", "consents": [{}, {}, {}], "customer": {}},)"
      R"( "campaign": {"channel": "phone_live", "send_date": "9999-12-31"}})",
  };
  return cases;
}

// A record must be exactly one line of JSON: one object, then one newline.
inline void check_record(const std::string& record) {
  if (record.empty() || record.back() != '\n') finding("a record that does not end its line: " + record);
  if (record.find('\n') != record.size() - 1) finding("a record of more than one line: " + record);
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::padded_string copy(record);
  if (parser.parse(copy).get(doc) != simdjson::SUCCESS || !doc.is_object())
    finding("a record that is not a JSON object: " + record);
}

// The fast path (fused instructions, functions computed without a frame, values cached
// per campaign) against the traced path, which runs the verified code as it is: when
// the rules were resolved, the outcome's rules that the trace says apply are exactly the
// rules that apply and that no applying rule overrides, and any other rule it lists is
// one whose state the trace finds unknown.
inline void check_fast_against_traced(const Program& prog, const Outcome& out, const DecisionTrace& t) {
  switch (out.reason) {
    case Reason::None: case Reason::NoRuleApplies: case Reason::Conflict: case Reason::Undetermined:
    case Reason::ReviewRule:
      break;
    default:
      return;  // decided before its rules (the guard, the window, the router)
  }
  const DecisionInfo& d = prog.decisions[static_cast<size_t>(out.decision)];
  if (t.rules.size() != d.rules.size()) finding("the trace does not have one state per rule");
  std::vector<bool> overridden(d.rules.size(), false);
  for (size_t j = 0; j < d.rules.size(); ++j)
    if (t.rules[j].state == RuleState::Applies)
      for (uint32_t i : d.rules[j].overrides) overridden[i] = true;
  std::vector<bool> listed(d.rules.size(), false);
  for (uint32_t r : out.rules) {
    if (r >= d.rules.size()) finding("the outcome lists a rule that does not exist");
    listed[r] = true;
    if (t.rules[r].state == RuleState::NotApplicable)
      finding("the outcome lists a rule the traced code finds not to apply: " + prog.str(d.rules[r].name));
  }
  for (size_t i = 0; i < d.rules.size(); ++i) {
    const bool winner = t.rules[i].state == RuleState::Applies && !overridden[i];
    if (t.rules[i].state == RuleState::Applies && listed[i] != winner)
      finding("the fast path and the traced code disagree on rule " + prog.str(d.rules[i].name));
  }
}

// Decides the bound facts with `entry` and writes the record (or the error record) the
// way `lawful check` does; with `trace`, also re-runs the deciding decision traced, as
// explain does.
inline void decide_and_record(Vm& vm, const Entry& entry, bool trace) {
  Outcome out;
  decide_entry(vm, entry, out);
  const Program& prog = vm.program();
  std::string rec;
  if (!out.error.empty()) {
    std::string_view id;
    bool has = contact_id(prog, vm.facts(), id);
    append_error_json(rec, id, has, 1, out.error);
  } else {
    append_decision_json(rec, prog, out, vm.facts());
  }
  check_record(rec);
  if (trace && out.decision >= 0) {
    DecisionTrace t;
    vm.trace_decision(static_cast<uint32_t>(out.decision), t);
    if (out.error.empty()) check_fast_against_traced(prog, out, t);
  }
}

// Binds `line` as `lawful check --cases` does (from a buffer with padding after it, as
// the line reader gives) and decides it, or writes its error record.
inline void bind_case_and_decide(Vm& vm, Binder& binder, const Entry& entry, std::string_view line, bool trace) {
  // The facts may point into the line (the binder's fast path takes its strings from the
  // caller's text), and the harness decides them again afterwards: the buffer lives until
  // the next line, as a line of `lawful check` lives until its chunk is written.
  static thread_local std::vector<char> buf;
  buf.assign(line.size() + simdjson::SIMDJSON_PADDING, ' ');
  std::copy(line.begin(), line.end(), buf.begin());
  BindResult r = binder.bind_case(vm.facts(), buf.data(), line.size(), buf.size());
  if (!r.ok) {
    std::string rec;
    append_error_json(rec, r.id, !r.id.empty(), 1, r.error);
    check_record(rec);
    return;
  }
  decide_and_record(vm, entry, trace);
}

}  // namespace lawful::fuzz
