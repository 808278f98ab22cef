// The counts of a `lawful check` run: what every worker adds up for its chunks, and the
// writer for the run, in input order. Everything the end of a run says (the summary on
// standard error, `--summary FILE.json`, `--report FILE.html`) is written from these
// counts alone, never from a second pass over the contacts.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/facts/binder.h"

namespace lawful::report {

// Error lines whose messages say the same thing but for the values in them (quoted
// text, numbers): "contact.entity: '…' is not a value of Entity".
struct ErrorKind {
  static constexpr size_t kExamples = 3;  // the first lines of each kind, kept as they are
  std::string kind;
  uint64_t count = 0;
  std::vector<std::pair<uint64_t, std::string>> examples;  // line, message; in input order
};

// The kind of an error message: quoted text becomes '…', runs of digits N.
std::string error_kind(std::string_view message);

struct CheckCounts {
  // Kinds of error kept apart; the errors of any further kind count under kOtherKind.
  static constexpr size_t kMaxErrorKinds = 32;
  static constexpr const char* kOtherKind = "(other kinds)";

  uint64_t lines = 0;   // records written (decisions and errors)
  uint64_t errors = 0;  // error records
  std::array<uint64_t, 3> verdicts{};               // by VerdictCode
  std::vector<uint64_t> bases;                      // allow, by Basis member
  std::vector<std::array<uint64_t, 3>> policies;    // by policy, then "no policy" last; by verdict
  // By rule (rule_base[decision] + the rule's index in it), by the verdict of the
  // decisions it is in the `rules` of: the winners, or what made a decision review.
  std::vector<std::array<uint64_t, 3>> rules;
  std::vector<uint32_t> rule_base;  // by decision
  // By fact (a schema path): the review decisions that name it as missing, and those
  // it is the only missing fact of (knowing it alone would settle them).
  std::vector<uint64_t> missing;
  std::vector<uint64_t> settles;
  uint64_t reviews_missing = 0;  // review decisions that name any missing fact
  std::vector<uint64_t> obligations;  // decisions that owe it, by Obligation member
  std::vector<ErrorKind> error_kinds;  // in the order first seen
  uint64_t first_error_line = 0;
  std::string first_error;

  // Empties the counts, sized for `prog` (without allocating when the sizes are kept).
  void reset(const Program& prog);
  void count(const Outcome& o) {
    auto v = static_cast<size_t>(o.verdict);
    ++lines;
    ++verdicts[v];
    if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < bases.size())
      ++bases[static_cast<size_t>(o.basis)];
    size_t p = o.policy >= 0 ? static_cast<size_t>(o.policy) : policies.size() - 1;
    ++policies[p][v];
    if (o.decision >= 0 && static_cast<size_t>(o.decision) < rule_base.size()) {
      size_t base = rule_base[static_cast<size_t>(o.decision)];
      for (uint32_t r : o.rules)
        if (base + r < rules.size()) ++rules[base + r][v];
    }
    for (uint32_t ob : o.obligations)
      if (ob < obligations.size()) ++obligations[ob];
    if (o.verdict == VerdictCode::Review && !o.missing.empty()) count_missing(o);
  }
  void error(uint64_t line, std::string_view why);
  // Adds the counts of the input that comes after this one's.
  void add(const CheckCounts& t);

 private:
  void count_missing(const Outcome& o);
};

// A policy's row: "GB (uk.pecr)", or "(no policy)" for the last.
std::string policy_label(const Program& prog, size_t policy);

// The counts as lists, the largest first (ties in the program's order), nonzero only:
// what --summary and --report show, in the same order.
struct RuleRow {
  size_t decision = 0;
  size_t rule = 0;
  std::string policy, decision_name, name;
  std::array<uint64_t, 3> verdicts{};
  uint64_t total = 0;
  std::vector<std::string> cites;
};
std::vector<RuleRow> rule_rows(const Program& prog, const CheckCounts& c);

struct FactRow {
  std::string fact;  // "contact.consents"
  uint64_t reviews = 0;
  uint64_t settles = 0;
};
std::vector<FactRow> missing_rows(const Program& prog, const CheckCounts& c);

struct NamedCount {
  std::string name;
  uint64_t count = 0;
};
// Every basis, in the enumeration's order (zeros included: the summary has always
// listed them all).
std::vector<NamedCount> basis_rows(const Program& prog, const CheckCounts& c);
std::vector<NamedCount> obligation_rows(const Program& prog, const CheckCounts& c);

// What is known of a run besides its counts.
struct RunFacts {
  std::string input;
  std::string policies;         // the policy path as given
  std::string campaign;         // the campaign file, "" with --cases
  std::string campaign_about;   // campaign_words() of its text
  std::string as_of;            // --as-of, or ""
  std::string started;          // when the run started, UTC (ISO 8601)
  std::string lawful_version;
  std::string stdlib_hash;      // "" when unknown (the policies are a .lawc)
  unsigned threads = 1;
  double seconds = 0;
  uint64_t peak_kib = 0;  // the process's peak resident memory (VmHWM), 0 if unknown
  std::string revision;   // the operator's label (--revision, LAWFUL_REVISION), or ""
  // What the campaign lacks and what that does (runtime/vm/campaign_check.h), said at the start.
  std::vector<std::string> campaign_lacks;
  std::vector<std::string> campaign_warnings;
  bool every_review = false;
  // Keys of the input the schema lacks, with the lines that had them (most first).
  std::vector<UnknownField> unknown_fields;
  bool strict_fields = false;
};

// "contact.objectd: 1,234 lines, did you mean contact.objected?"
std::string unknown_field_text(const UnknownField& u);

// What a campaign is, in a few words, from its JSON: "spring-2026: email, sent
// 2026-12-01"; "" when the text says none of it (or is not a JSON object).
std::string campaign_words(std::string_view json);

// The time now, UTC, as "2026-12-07 05:40:12 UTC".
std::string utc_now();

// The summary as one JSON object (`lawful check --summary`; docs/commands/check.md).
std::string summary_json(const Program& prog, const CheckCounts& t, const RunFacts& r);

}  // namespace lawful::report
