// What `lawful check` tells a person: a progress bar on standard error while it runs
// (only when standard error is a terminal), and at the end a summary of the decisions
// by verdict, basis and jurisdiction, the error lines, the time and the rate; the same
// summary as JSON for dashboards (--summary FILE).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "report/check_counts.h"
#include "runtime/bytecode/program.h"

namespace lawful::cli {

// Counts kept per chunk by a worker and added up, in order, by the writer: the library's
// (report/check_counts.h), from which the summary, --summary and --report are written.
using Tally = report::CheckCounts;
using report::RunFacts;

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

// This process's peak resident memory in KiB, from /proc/self/status (VmHWM: this
// program's own, unlike getrusage, which keeps the peak of whatever ran before exec).
uint64_t peak_memory_kib();

// The table on standard error.
std::string summary_text(const Program& prog, const Tally& t, const RunFacts& r);
// The same as one JSON object (report::summary_json).
using report::summary_json;

}  // namespace lawful::cli
