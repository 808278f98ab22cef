// For the project's own front ends that link the library's objects (server/): what the C
// API does not offer. Whole input lines decided on an engine exactly as `lawful check`
// decides them (a case line: contact and campaign together, with `check --cases`'s error
// texts and records), what an engine's program holds (policies, routes), and an engine
// from a compilation of the caller's (the playground's edited policy beside the served
// files). Not part of the public API: lawful.h and lawful.hpp are.
#pragma once

#include <lawful/lawful.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lawful {
struct Compilation;
struct TestReport;
}

namespace lawful::api {

// One line as the per-line step made it (runtime/vm/line_decider.h).
struct LineDecided {
  uint64_t line = 0;          // from 1
  std::string_view input;     // the line, without its end of line
  bool decided = false;       // false: an error record
  bool run_error = false;     // not decided for a run-time error (the line was bound)
  const char* verdict = nullptr;  // "allow", "deny", "review" when decided
  std::string_view policy;    // the deciding policy's name; "" when no policy decided
  std::string_view record;    // the record written, with its newline
};

// Cuts `text` into lines as `lawful check` cuts a file (at "\n", a "\r" before it dropped,
// the last line without one kept; a line over the binder's 1 MiB limit gets its error)
// and decides each as `lawful check --cases` does, appending its record to `out`. `each`
// (may be empty) is called after each line's record is written. With `whole`, the text is
// one case, whatever line breaks it holds (a pretty-printed JSON object). Lines are
// numbered from `first_line` (a part of a longer text, decided on another thread).
void decide_cases(const lawful_engine& e, std::string_view text, bool whole, std::string& out,
                  const std::function<void(const LineDecided&)>& each, uint64_t first_line = 1);

// What a version serves, for a service to show.
struct EngineInfo {
  struct Policy {
    std::string name, title;
    std::vector<std::string> jurisdictions;
  };
  std::vector<Policy> policies;
  std::vector<std::pair<std::string, std::string>> routes;  // country, policy ("" for review)
  std::string entry;  // what is decided: "router", or a policy's name
};
EngineInfo describe(const lawful_engine& e);

// An engine (generation 1, with its sources for explanations) from a compilation that
// succeeded; null and `why` when none can be made. The caller owns the reference
// (lawful::Engine::adopt).
lawful_engine* engine_from_compilation(const Compilation& c, std::string& why);

// A compilation's diagnostics (and, with `tests`, its failed tests) as the C API's list,
// for lawful::Diagnostics to take (it frees it).
lawful_diagnostics* diagnostics_of(const Compilation& c, const TestReport* tests);

}  // namespace lawful::api
