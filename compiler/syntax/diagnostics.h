// Diagnostics: what the compiler tells a policy author. One record per problem, with a
// stable code (diagnostic_codes.def), a primary span, help text and notes; rendering to
// the `file:line:col: error: message` form with the line and a caret happens here only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "compiler/syntax/source.h"
#include "runtime/core/closest_name.h"

namespace lawful {

enum class Severity { Error, Warning };

enum class DiagCode {
#define LAW_DIAG(Name, Code, Sev, Summary) Name,
#include "compiler/syntax/diagnostic_codes.def"
#undef LAW_DIAG
};

struct DiagInfo {
  const char* code;
  Severity severity;
  const char* summary;
};
const DiagInfo& diag_info(DiagCode c);
// Every code, in table order (for the docs test).
std::vector<DiagCode> all_diag_codes();

struct Note {
  Span span;
  std::string message;
};

struct Diagnostic {
  DiagCode code;
  Severity severity;
  Span span;
  std::string message;
  std::string help;          // "did you mean 'entity'?"
  std::vector<Note> notes;   // secondary places, e.g. each edge of an override cycle
};

// Keeps each diagnostic once (the same code, severity, place and words: an inherited
// rule is checked once per policy that inherits it), and at most kMaxKept errors and
// kMaxKept warnings: a policy of any size gets a report of bounded size, and the rest
// are counted (render() says how many were left out). The counts include them.
class Diagnostics {
 public:
  static constexpr size_t kMaxKept = 200;

  Diagnostic& error(DiagCode code, Span span, std::string message);
  Diagnostic& warn(DiagCode code, Span span, std::string message);
  Diagnostic& add(DiagCode code, Span span, std::string message);

  // The diagnostics kept.
  const std::vector<Diagnostic>& all() const { return diags_; }
  size_t error_count() const { return kept_errors_ + left_out_errors_; }
  size_t warning_count() const { return kept_warnings_ + left_out_warnings_; }
  size_t left_out() const { return left_out_errors_ + left_out_warnings_; }
  bool has_errors() const { return error_count() > 0; }
  void append(const Diagnostics& other);
  // Edits the kept diagnostics: `keep` may change one, and returns false to drop it (it
  // leaves the counts too). `lawful lint` drops the W100s the solver refutes.
  void revise(const std::function<bool(Diagnostic&)>& keep);
  // Sorted by file and position; errors and warnings interleaved as in the source.
  void sort();

  // Renders every diagnostic: "path:line:col: error: message [E201]", the source line,
  // a caret as wide as the span, then "help:" and "note:" lines; then a line saying how
  // many were left out, if any.
  std::string render(const SourceManager& sm, bool color = false) const;
  static std::string render_one(const SourceManager& sm, const Diagnostic& d, bool color = false);

 private:
  Diagnostic& push(DiagCode code, Severity severity, Span span, std::string message);

  std::vector<Diagnostic> diags_;
  std::unordered_set<uint64_t> seen_;  // a hash of each diagnostic's code, severity, span and message
  size_t kept_errors_ = 0, kept_warnings_ = 0;
  size_t left_out_errors_ = 0, left_out_warnings_ = 0;
  Diagnostic spare_;  // what a caller fills in for a diagnostic left out or seen before
};

// Text from a policy or from data made safe for a terminal: control characters (C0 but
// tab and line feed, DEL, and C1 such as U+009B, which starts an escape sequence on
// some terminals) become '?', so that printed text cannot move the cursor, clear the
// screen or change a window's title. For human-readable output only: JSON escapes them.
std::string terminal_safe(std::string_view text);

// "did you mean 'x'?" or "" when no candidate is close.
std::string did_you_mean(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace lawful
