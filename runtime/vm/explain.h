// The explanation of one decision, for a reader of the policy: the route, the decisions
// considered, every rule of the one that applied with its state, the facts it read, the
// definitions it used and their values, what overrode what, and the outcome with its
// citations and obligations. Built from the VM's tracing pass (Vm::trace_decision); the
// source text, when the policies were compiled from source, comes from PolicySources.
// `lawful explain` renders the model as text (cli/cmd_explain.cpp); explanation_json is
// the one JSON form, for `explain --json` and lawful_decision_explain_json alike.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful {

using ExplainJson = nlohmann::ordered_json;

// The text of the policies an explanation quotes, taken from a compilation
// (compiler/policy_sources.h); a program read from a .lawc file has none, and its
// explanation says only where each declaration is.
struct PolicySources {
  std::vector<std::string> paths;                      // per file (Program::files' numbering)
  std::vector<std::vector<std::string>> lines;         // per file, from line 1
  // A rule, by where its name is (file, byte offset): its first and last line.
  std::map<std::pair<uint32_t, uint32_t>, std::pair<uint32_t, uint32_t>> rule_lines;
  // A country of the routing file (upper case): each (file, line) of a route naming it.
  std::map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> routes;
  // A definition by its full name ("uk.pecr.soft_opt_in"): file, first and last line.
  std::map<std::string, std::tuple<uint32_t, uint32_t, uint32_t>> lets;

  std::string_view line(uint32_t file, uint32_t n) const {
    return file < lines.size() && n >= 1 && n <= lines[file].size() ? std::string_view(lines[file][n - 1])
                                                                      : std::string_view();
  }
};

// Where a declaration is, and its lines (without their common indentation) when known.
struct ExplainedSource {
  bool present = false;
  std::string file;
  uint32_t line = 0;
  std::vector<std::pair<uint32_t, std::string>> lines;
};

struct ExplainedFact {
  std::string path;
  std::string text;    // as a policy would write it: email, "Acme Ltd", absent
  ExplainJson value;   // null when absent
  bool absent = false;
};

// A definition a rule's condition used (directly, or through another definition).
struct ExplainedDefinition {
  std::string name;    // as the policy names it: "soft_opt_in" (full: "uk.pecr.soft_opt_in")
  std::string full;
  bool typed = false;  // its type is known (not from a .lawc file): the value can be shown
  bool unknown = false;
  std::string text;    // its value as a policy would write it; "unknown"
  ExplainJson value;   // null when unknown or not typed
  ExplainedSource source;
};

struct ExplainedDecision {
  uint32_t index = 0;  // into Program::decisions
  std::string state;   // applies, does not apply, unknown
  std::vector<ExplainedFact> facts;
  std::vector<std::string> missing;
  ExplainedSource source;
};

struct ExplainedRule {
  uint32_t index = 0;      // in its decision
  std::string state;       // applies, does not apply, unknown, not in force
  bool prevails = false;   // applies, and no rule that applies overrides it
  bool undetermined = false;  // unknown, and could change the outcome
  std::vector<uint32_t> overridden_by;  // rules that apply and override it
  std::string summary;     // the state in plain words: "applies, but corporate overrides it"
  std::string in_force;    // its effective window in words ("in force since 2026-02-05"), or empty
  std::vector<ExplainedFact> facts;
  std::vector<std::string> missing;
  std::vector<ExplainedDefinition> definitions;
  ExplainedSource source;
};

struct ExplainedObligation {
  std::string name;
  std::vector<uint32_t> cites;  // strings
};

struct Explanation {
  const Program* program = nullptr;
  Outcome outcome;
  std::string id;  // the contact's id, or empty
  bool has_id = false;
  std::optional<Days> as_of;  // the date that decides which rules are in force
  // The route, when the entry is the router.
  bool routed = false;
  ExplainedFact country;
  ExplainedSource route_source;
  std::string route_why;  // why no policy, or empty
  int32_t policy = -1;
  bool in_force = true;
  std::vector<ExplainedDecision> decisions;  // those considered
  int32_t chosen = -1;                       // the decision whose rules decided, or -1
  std::vector<ExplainedRule> rules;          // of the chosen decision
  std::vector<ExplainedObligation> obligations;
  std::string why;     // a review's reason in words
  std::string record;  // the decision record (or error record) `lawful check` writes
};

// Decides the bound facts of `vm` through `entry` and explains the decision.
// `sources` may be null.
Explanation explain_decision(Vm& vm, const Entry& entry, const DecideOptions& opt, const PolicySources* sources);

// The explanation as one JSON object, without a newline (docs/commands/explain.md).
std::string explanation_json(const Explanation& e);

// An effective window in words: "effective 2026-02-05 until 2027-01-01"; empty if none.
std::string window_text(const Window& w);

}  // namespace lawful
