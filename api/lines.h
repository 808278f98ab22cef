// For the project's own front ends that link the library's objects (server/): what the C
// API does not offer. Whole input lines decided on an engine exactly as `lawful check`
// decides them (a case line: contact and campaign together, with `check --cases`'s error
// texts and records), what an engine's program holds (policies, routes), and an engine
// from a compilation of the caller's (the playground's edited policy beside the served
// files). Not part of the public API: lawful.h and lawful.hpp are.
#pragma once

#include <lawful/lawful.h>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
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

// A long stream of cases decided by `lawful check`'s own pipeline (runtime/vm/line_pipeline.h):
// `source` is read as read(2) would be (bytes, 0 at the end, -1 with errno) by a reader
// thread, in chunks of whole lines cut as decide_cases cuts them; `threads` workers decide
// the chunks; `sink` gets each chunk's records in input order, on the calling thread,
// and `poll` runs every 50 ms while it waits. Either returning false ends the run (the
// records already handed over stay the only ones). The records are those of
// decide_cases, byte for byte.
struct CasesChunk {
  uint64_t first_line = 0;             // the number of its first line, from 1
  std::string_view records;            // its records, one a line, in order
  std::vector<std::string_view> inputs;  // its lines, without their ends (only when asked)
};
struct StreamDecided {
  std::string error;      // "" or why the run stopped (a read that failed, memory, threads)
  bool cancelled = false;  // the sink or poll ended it
  uint64_t lines = 0, errors = 0;  // records written, error records among them
  std::map<std::pair<std::string, std::string>, uint64_t> counts;  // by (policy, verdict); "" for none
};
StreamDecided decide_stream(const lawful_engine& e, const std::function<ssize_t(char*, size_t)>& source,
                            const std::string& name, unsigned threads, bool inputs,
                            const std::function<bool(const CasesChunk&)>& sink, const std::function<bool()>& poll);

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
