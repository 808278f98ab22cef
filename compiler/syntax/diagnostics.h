// Diagnostics: what the compiler tells a policy author. One record per problem, with a
// stable code (diagnostic_codes.def), a primary span, help text and notes; rendering to
// the `file:line:col: error: message` form with the line and a caret happens here only.
#pragma once

#include <string>
#include <vector>

#include "compiler/syntax/source.h"

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

class Diagnostics {
 public:
  Diagnostic& error(DiagCode code, Span span, std::string message);
  Diagnostic& warn(DiagCode code, Span span, std::string message);
  Diagnostic& add(DiagCode code, Span span, std::string message);

  const std::vector<Diagnostic>& all() const { return diags_; }
  size_t error_count() const;
  size_t warning_count() const;
  bool has_errors() const { return error_count() > 0; }
  void append(const Diagnostics& other);
  // Sorted by file and position; errors and warnings interleaved as in the source.
  void sort();

  // Renders every diagnostic: "path:line:col: error: message [E201]", the source line,
  // a caret as wide as the span, then "help:" and "note:" lines.
  std::string render(const SourceManager& sm, bool color = false) const;
  static std::string render_one(const SourceManager& sm, const Diagnostic& d, bool color = false);

 private:
  std::vector<Diagnostic> diags_;
};

// The closest candidate by edit distance, if it is close enough to be a likely typo.
std::string closest_name(const std::string& wrong, const std::vector<std::string>& candidates);
// "did you mean 'x'?" or "" when no candidate is close.
std::string did_you_mean(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace lawful
