// `lawful lint` with the solver (docs/commands/lint.md, "W100 and the solver"): the
// compiler's syntactic conflict check W100 flags pairs of allow and deny rules it cannot
// show exclude each other; when lawful is built with Z3, lint asks the conflict check of
// `lawful verify` about each of those pairs, and only those, under a small budget. On the
// command's side of the module boundary (no Z3 here).
#pragma once

#include <cstddef>
#include <cstdint>

#include "compiler/compiler.h"

namespace lawful::verify {

// Z3 resource units per pair (and per query of its two solvers), `lawful lint --rlimit`:
// a small share of a second of processor time, so that lint stays fast. `lawful verify`
// has no such budget by default.
inline constexpr uint64_t kLintConflictRlimit = 100000;
inline constexpr unsigned kLintConflictTimeoutMs = 2000;
// Lint does not encode a policy with more rules than this (the encoding is not under the
// budget): its pairs keep W100 with a note that names `lawful verify`.
inline constexpr size_t kLintMaxRules = 256;

struct LintSolverCounts {
  bool asked = false;  // the solver was there and was asked
  size_t refuted = 0, confirmed = 0, undecided = 0;  // W100 diagnostics dropped, with a witness, kept
};

// Drops from c.diags each W100 the solver refutes (the two rules never both win), adds
// a witness (contact and campaign as JSON, as `lawful verify` prints them) to each it
// confirms, and a note saying the solver gave up to each it cannot settle within the
// budget. Without the solver (a build without Z3, or its module missing), changes
// nothing: W100 stays the syntactic check.
LintSolverCounts refine_conflicts(Compilation& c, uint64_t rlimit = kLintConflictRlimit);

}  // namespace lawful::verify
