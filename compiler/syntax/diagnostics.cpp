// Diagnostic collection, rendering and name suggestions; see diagnostics.h.
#include "compiler/syntax/diagnostics.h"

#include <algorithm>

#include <fmt/format.h>

namespace lawful {

namespace {
const DiagInfo kInfos[] = {
#define LAW_DIAG(Name, Code, Sev, Summary) {Code, Severity::Sev, Summary},
#include "compiler/syntax/diagnostic_codes.def"
#undef LAW_DIAG
};
}  // namespace

const DiagInfo& diag_info(DiagCode c) { return kInfos[static_cast<size_t>(c)]; }

std::vector<DiagCode> all_diag_codes() {
  std::vector<DiagCode> v;
  for (size_t i = 0; i < sizeof(kInfos) / sizeof(kInfos[0]); ++i) v.push_back(static_cast<DiagCode>(i));
  return v;
}

Diagnostic& Diagnostics::push(DiagCode code, Severity severity, Span span, std::string message) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  mix(static_cast<uint64_t>(code));
  mix(static_cast<uint64_t>(severity));
  mix(span.file);
  mix(span.begin);
  mix(span.end);
  for (unsigned char c : message) mix(c);
  if (!seen_.insert(h).second) {
    spare_ = Diagnostic{code, severity, span, {}, {}, {}};
    return spare_;
  }
  bool error = severity == Severity::Error;
  size_t& kept = error ? kept_errors_ : kept_warnings_;
  if (kept >= kMaxKept) {
    ++(error ? left_out_errors_ : left_out_warnings_);
    spare_ = Diagnostic{code, severity, span, {}, {}, {}};
    return spare_;
  }
  ++kept;
  diags_.push_back(Diagnostic{code, severity, span, std::move(message), {}, {}});
  return diags_.back();
}

Diagnostic& Diagnostics::add(DiagCode code, Span span, std::string message) {
  return push(code, diag_info(code).severity, span, std::move(message));
}
Diagnostic& Diagnostics::error(DiagCode code, Span span, std::string message) {
  return push(code, Severity::Error, span, std::move(message));
}
Diagnostic& Diagnostics::warn(DiagCode code, Span span, std::string message) {
  return push(code, Severity::Warning, span, std::move(message));
}

void Diagnostics::append(const Diagnostics& other) {
  for (const Diagnostic& d : other.diags_) {
    Diagnostic& mine = push(d.code, d.severity, d.span, d.message);
    if (&mine != &spare_) mine = d;
  }
  left_out_errors_ += other.left_out_errors_;
  left_out_warnings_ += other.left_out_warnings_;
}

void Diagnostics::revise(const std::function<bool(Diagnostic&)>& keep) {
  std::vector<Diagnostic> kept;
  for (Diagnostic& d : diags_) {
    if (keep(d)) {
      kept.push_back(std::move(d));
      continue;
    }
    --(d.severity == Severity::Error ? kept_errors_ : kept_warnings_);
  }
  diags_ = std::move(kept);
}

void Diagnostics::sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    return a.span.begin < b.span.begin;
  });
}

namespace {

void render_snippet(std::string& out, const SourceManager& sm, Span s, bool color) {
  if (!s.valid()) return;
  LineCol lc = sm.line_col(s.file, s.begin);
  std::string_view line = sm.line_text(s.file, lc.line);
  std::string num = std::to_string(lc.line);
  std::string pad(num.size(), ' ');
  // The caret sits under the span's first character and is as wide as the span's
  // characters on this line; tabs keep their width so that it lines up in any terminal.
  std::string lead;
  uint32_t chars = 0;
  for (size_t i = 0; i < line.size() && chars + 1 < lc.col; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    lead += c == '\t' ? '\t' : ' ';
    ++chars;
  }
  uint32_t width = 1;
  if (s.end > s.begin) {
    LineCol end = sm.line_col(s.file, s.end);
    width = end.line == lc.line && end.col > lc.col ? end.col - lc.col : 1;
    if (end.line != lc.line) {
      uint32_t line_chars = 0;
      for (unsigned char c : line)
        if ((c & 0xC0) != 0x80) ++line_chars;
      width = line_chars >= lc.col ? line_chars - lc.col + 1 : 1;
    }
    if (width > 400) width = 1;
  }
  // A line too long to read (a minified file, binary junk) is shown as a window around
  // the span, and control characters as '?' so that a file cannot drive the terminal.
  constexpr size_t kMaxLine = 512, kBefore = 60, kWindow = 160;
  size_t from = 0, to = line.size();
  if (line.size() > kMaxLine) {
    size_t at = s.begin - static_cast<size_t>(line.data() - sm.text(s.file).data());
    from = at > kBefore ? at - kBefore : 0;
    while (from > 0 && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80) --from;
    to = std::min(line.size(), from + kWindow);
    while (to < line.size() && (static_cast<unsigned char>(line[to]) & 0xC0) == 0x80) ++to;
    lead = from > 0 ? "   " : "";
    for (size_t i = from; i < at && i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c & 0xC0) != 0x80) lead += c == '\t' ? '\t' : ' ';
    }
    width = std::min<uint32_t>(width, static_cast<uint32_t>(kWindow));
  }
  std::string shown = from > 0 ? "..." : "";
  for (size_t i = from; i < to; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    shown += (c < 0x20 && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c);
  }
  if (to < line.size()) shown += "...";
  out += fmt::format(" {} | {}\n", num, terminal_safe(shown));
  out += fmt::format(" {} | {}{}{}{}\n", pad, lead, color ? "\x1b[1;32m" : "", std::string(width, '^'),
                     color ? "\x1b[0m" : "");
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      out += '?';
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += '?';  // U+0080 to U+009F, two bytes in UTF-8
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Diagnostics::render_one(const SourceManager& sm, const Diagnostic& d, bool color) {
  std::string out;
  const char* sev = d.severity == Severity::Error ? "error" : "warning";
  const char* on = "";
  const char* off = "";
  if (color) {
    on = d.severity == Severity::Error ? "\x1b[1;31m" : "\x1b[1;35m";
    off = "\x1b[0m";
  }
  // Messages quote the policy's strings and paths: shown as terminal_safe text.
  std::string where = d.span.valid() ? terminal_safe(sm.where(d.span)) + ": " : std::string();
  out += fmt::format("{}{}{}{}: {} [{}]\n", where, on, sev, off, terminal_safe(d.message), diag_info(d.code).code);
  render_snippet(out, sm, d.span, color);
  if (!d.help.empty()) out += fmt::format("help: {}\n", terminal_safe(d.help));
  for (const Note& n : d.notes) {
    if (n.span.valid()) out += fmt::format("note: {}: {}\n", terminal_safe(sm.where(n.span)), terminal_safe(n.message));
    else out += fmt::format("note: {}\n", terminal_safe(n.message));
    render_snippet(out, sm, n.span, color);
  }
  return out;
}

std::string Diagnostics::render(const SourceManager& sm, bool color) const {
  std::string out;
  for (const Diagnostic& d : diags_) out += render_one(sm, d, color);
  if (left_out() > 0) {
    auto count = [](size_t n, const char* what) { return fmt::format("{} more {}{}", n, what, n == 1 ? "" : "s"); };
    std::string more = left_out_errors_ && left_out_warnings_
                           ? count(left_out_errors_, "error") + " and " + count(left_out_warnings_, "warning")
                           : left_out_errors_ ? count(left_out_errors_, "error") : count(left_out_warnings_, "warning");
    out += fmt::format("note: {} not shown (at most {} errors and {} warnings are shown)\n", more, kMaxKept, kMaxKept);
  }
  return out;
}

std::string did_you_mean(const std::string& wrong, const std::vector<std::string>& candidates) {
  std::string c = closest_name(wrong, candidates);
  return c.empty() ? std::string() : fmt::format("did you mean '{}'?", c);
}

}  // namespace lawful
