// `lawful check --report FILE.html`: the run as one self-contained HTML page for people
// (docs/commands/check.md), written from the run's counts (check_counts.h) as the
// summary JSON is, so its numbers are the summary's.
#pragma once

#include <string>

#include "report/check_counts.h"
#include "runtime/bytecode/program.h"

namespace lawful::report {

std::string check_report_html(const Program& prog, const CheckCounts& counts, const RunFacts& run);

}  // namespace lawful::report
