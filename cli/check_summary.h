// What `lawful check` tells a person: a progress bar on standard error while it runs
// (only when standard error is a terminal), and at the end a summary of the decisions
// by verdict, basis and jurisdiction, the error lines, the time and the rate; the same
// summary as JSON for dashboards (--summary FILE).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"

namespace lawful::cli {

// Counts kept per chunk by a worker and added up, in order, by the writer.
struct Tally {
  uint64_t lines = 0;   // records written (decisions and errors)
  uint64_t errors = 0;  // error records
  std::array<uint64_t, 3> verdicts{};               // by VerdictCode
  std::vector<uint64_t> bases;                      // allow, by Basis member
  std::vector<std::array<uint64_t, 3>> policies;    // by policy, then "no policy" last; by verdict
  uint64_t first_error_line = 0;
  std::string first_error;

  void reset(const Program& prog);
  void count(const Outcome& o) {
    auto v = static_cast<size_t>(o.verdict);
    ++lines;
    ++verdicts[v];
    if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < bases.size())
      ++bases[static_cast<size_t>(o.basis)];
    size_t p = o.policy >= 0 ? static_cast<size_t>(o.policy) : policies.size() - 1;
    ++policies[p][v];
  }
  void error(uint64_t line, std::string_view why) {
    ++lines;
    ++errors;
    if (!first_error_line) {
      first_error_line = line;
      first_error = std::string(why);
    }
  }
  void add(const Tally& t);
};

class Progress {
 public:
  // Draws only when standard error is a terminal. `total_bytes` 0: the size is unknown.
  Progress(bool enabled, uint64_t total_bytes);
  void update(uint64_t lines, uint64_t bytes);
  void finish();  // clears the bar

 private:
  bool on_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

struct RunFacts {
  std::string input;
  std::string policies;
  unsigned threads = 1;
  double seconds = 0;
  uint64_t peak_kib = 0;  // the process's peak resident memory (VmHWM), 0 if unknown
};

// This process's peak resident memory in KiB, from /proc/self/status (VmHWM: this
// program's own, unlike getrusage, which keeps the peak of whatever ran before exec).
uint64_t peak_memory_kib();

// The table on standard error.
std::string summary_text(const Program& prog, const Tally& t, const RunFacts& r);
// The same as one JSON object.
std::string summary_json(const Program& prog, const Tally& t, const RunFacts& r);

}  // namespace lawful::cli
