// Progress and summary of `lawful check`; see check_summary.h.
#include "cli/check_summary.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include <fmt/format.h>

#include "cli/common.h"
#include "compiler/compiler.h"
#include "compiler/syntax/diagnostics.h"
#include "runtime/facts/records.h"

namespace lawful::cli {

uint64_t peak_memory_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lu kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

namespace {

// 1234567 -> "1,234,567"
std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string rate_text(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f}M/s", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f}k/s", per_second / 1e3);
  return fmt::format("{:.0f}/s", per_second);
}

std::string duration_text(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  auto t = static_cast<uint64_t>(s + 0.5);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, t / 60 % 60);
}

}  // namespace

Progress::Progress(bool enabled, uint64_t total_bytes)
    : on_(enabled && isatty(STDERR_FILENO)), total_(total_bytes), start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::update(uint64_t lines, uint64_t bytes) {
  if (!on_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(lines) / secs : 0;
  std::string text;
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    const int width = 24;
    int full = static_cast<int>(frac * width);
    std::string bar(static_cast<size_t>(full), '#');
    bar.resize(width, '.');
    double left = frac > 0 ? secs * (1 - frac) / frac : 0;
    text = fmt::format("[{}] {:3.0f}%  {} contacts  {}  {} left", bar, frac * 100, grouped(lines), rate_text(rate),
                       duration_text(left));
  } else {
    text = fmt::format("{} contacts  {}  {}", grouped(lines), rate_text(rate), duration_text(secs));
  }
  print_stderr(fmt::format("\r\x1b[K{}", text));
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) {
    print_stderr("\r\x1b[K");
  }
}

std::string summary_text(const Program& prog, const Tally& t, const RunFacts& r) {
  std::string s;
  auto out = std::back_inserter(s);
  uint64_t decided = t.lines - t.errors;
  double rate = r.seconds > 0 ? static_cast<double>(t.lines) / r.seconds : 0;
  fmt::format_to(out, "lawful check: {} line{} in {} ({}, {} thread{}", grouped(t.lines), t.lines == 1 ? "" : "s",
                 duration_text(r.seconds),
                 rate_text(rate), r.threads, r.threads == 1 ? "" : "s");
  if (r.peak_kib) fmt::format_to(out, ", peak memory {:.1f} MiB", static_cast<double>(r.peak_kib) / 1024.0);
  s += ")\n";
  fmt::format_to(out, "  {:<28} {:>12} {:>12} {:>12} {:>12}\n", "jurisdiction (policy)", "allow", "deny", "review",
                 "total");
  for (size_t p = 0; p < t.policies.size(); ++p) {
    const auto& c = t.policies[p];
    uint64_t total = c[0] + c[1] + c[2];
    if (total == 0) continue;
    fmt::format_to(out, "  {:<28} {:>12} {:>12} {:>12} {:>12}\n", report::policy_label(prog, p), grouped(c[0]), grouped(c[1]),
                   grouped(c[2]), grouped(total));
  }
  fmt::format_to(out, "  {:<28} {:>12} {:>12} {:>12} {:>12}\n", "all", grouped(t.verdicts[0]), grouped(t.verdicts[1]),
                 grouped(t.verdicts[2]), grouped(decided));
  std::string bases;
  for (size_t b = 0; b < t.bases.size(); ++b)
    if (t.bases[b]) bases += fmt::format("{}{} {}", bases.empty() ? "" : ", ", prog.basis_name(static_cast<int32_t>(b)), grouped(t.bases[b]));
  if (!bases.empty()) fmt::format_to(out, "  allowed on: {}\n", bases);
  if (t.errors)
    fmt::format_to(out, "  error lines: {} (the first: line {}: {})\n", grouped(t.errors), t.first_error_line,
                   t.first_error.substr(0, 160));
  else
    fmt::format_to(out, "  error lines: 0\n");
  if (!r.unknown_fields.empty()) {
    // A typo in an export's column quietly becomes a missing fact: said here (docs/commands/check.md).
    fmt::format_to(out, "  unknown fields{}:\n", r.strict_fields ? " (refused: --strict-fields)" : " (ignored)");
    const size_t shown = std::min<size_t>(r.unknown_fields.size(), 10);
    for (size_t i = 0; i < shown; ++i)
      fmt::format_to(out, "    {}\n", terminal_safe(report::unknown_field_text(r.unknown_fields[i])));
    if (r.unknown_fields.size() > shown)
      fmt::format_to(out, "    and {} more (--summary lists them all)\n", r.unknown_fields.size() - shown);
  }
  fmt::format_to(out, "  policy version: {}{}\n", prog.content_hash.empty() ? "(no content hash: an old .lawc)" : prog.content_hash,
                 r.revision.empty() ? "" : ", revision " + r.revision);
  return s;
}

}  // namespace lawful::cli
