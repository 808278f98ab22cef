// `lawful diff --report FILE.html`: the impact of a policy change as one self-contained
// HTML page (docs/commands/diff.md), written from the diff's counts (diff_counts.h), as
// its text and --json are.
#pragma once

#include <string>
#include <vector>

#include "compiler/policy_changes.h"
#include "report/diff_counts.h"
#include "runtime/bytecode/program.h"

namespace lawful::report {

struct DiffRunFacts {
  std::string old_path, new_path;
  std::string input;
  std::string campaign;  // "" with --cases
  std::string campaign_about;  // campaign_words() of its text
  std::string decision;  // --decision, or ""
  std::string as_of;     // --as-of, or ""
  std::string started;   // UTC
  std::string lawful_version;
  // The input is a JSON Lines contact file, which `lawful explain --contact FILE --id ID`
  // reads: each sample contact comes with the commands that explain its two decisions.
  bool explainable = false;
};

std::string diff_report_html(const Program& before, const Program& after, const std::vector<PolicyChange>& changes,
                             const DiffCounts& counts, const DiffRunFacts& run);

// A word for a POSIX shell: as it is when plain, else in single quotes.
std::string shell_quote(const std::string& word);

}  // namespace lawful::report
