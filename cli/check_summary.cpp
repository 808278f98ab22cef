// Progress and summary of `lawful check`; see check_summary.h.
#include "cli/check_summary.h"

#include <unistd.h>

#include <cstdio>
#include <iterator>

#include <fmt/format.h>

#include "cli/common.h"
#include "compiler/compiler.h"
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

void Tally::reset(const Program& prog) {
  lines = errors = 0;
  verdicts = {};
  size_t nb = prog.basis_enum >= 0 ? prog.schema.enums[static_cast<size_t>(prog.basis_enum)].members.size() : 0;
  bases.assign(nb, 0);
  policies.assign(prog.policies.size() + 1, {0, 0, 0});
  first_error_line = 0;
  first_error.clear();
}

void Tally::add(const Tally& t) {
  lines += t.lines;
  errors += t.errors;
  for (size_t i = 0; i < 3; ++i) verdicts[i] += t.verdicts[i];
  for (size_t i = 0; i < bases.size() && i < t.bases.size(); ++i) bases[i] += t.bases[i];
  for (size_t i = 0; i < policies.size() && i < t.policies.size(); ++i)
    for (size_t v = 0; v < 3; ++v) policies[i][v] += t.policies[i][v];
  if (!first_error_line && t.first_error_line) {
    first_error_line = t.first_error_line;
    first_error = t.first_error;
  }
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

std::string policy_label(const Program& prog, size_t p) {
  if (p >= prog.policies.size()) return "(no policy)";
  const PolicyInfo& pi = prog.policies[p];
  std::vector<std::string> j;
  for (uint32_t s : pi.jurisdictions) j.push_back(prog.str(s));
  return j.empty() ? prog.str(pi.name) : fmt::format("{} ({})", fmt::join(j, ","), prog.str(pi.name));
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
    fmt::format_to(out, "  {:<28} {:>12} {:>12} {:>12} {:>12}\n", policy_label(prog, p), grouped(c[0]), grouped(c[1]),
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
  fmt::format_to(out, "  policy version: {}{}\n", prog.content_hash.empty() ? "(no content hash: an old .lawc)" : prog.content_hash,
                 r.revision.empty() ? "" : ", revision " + r.revision);
  return s;
}

std::string summary_json(const Program& prog, const Tally& t, const RunFacts& r) {
  std::string s = "{";
  auto out = std::back_inserter(s);
  s += "\"input\": ";
  append_json_string(s, r.input);
  // The policy path was once a second "policies" key, beside the per-policy table below;
  // JSON readers keep the last of two equal keys, so the table keeps the name.
  s += ", \"policy_path\": ";
  append_json_string(s, r.policies);
  // What made the decisions, to trace a summary to a build and a policy version: this
  // build's version and standard library (`lawful --version`), and the hash of the
  // program's sources, the standard library's included (`lawful disasm` shows it). A
  // .lawc was compiled with the standard library of the build that compiled it: this
  // build's hash would not describe it, so it is null; its sources hash does.
  fmt::format_to(out, ", \"lawful_version\": \"{}\", \"stdlib_hash\": ", LAWFUL_VERSION);
  if (is_lawc(r.policies)) s += "null";
  else append_json_string(s, stdlib_hash());
  fmt::format_to(out, ", \"sources_hash\": \"{:016x}\"", prog.source_hash);
  // The policy version across hosts and deploys (docs/embedding.md, "Versions"): null
  // for a .lawc of format 3 or older; the operator's label, or null.
  s += ", \"content_hash\": ";
  if (prog.content_hash.empty()) s += "null";
  else append_json_string(s, prog.content_hash);
  s += ", \"revision\": ";
  if (r.revision.empty()) s += "null";
  else append_json_string(s, r.revision);
  fmt::format_to(out, ", \"lines\": {}, \"decisions\": {}, \"errors\": {}", t.lines, t.lines - t.errors, t.errors);
  fmt::format_to(out, ", \"verdicts\": {{\"allow\": {}, \"deny\": {}, \"review\": {}}}", t.verdicts[0], t.verdicts[1],
                 t.verdicts[2]);
  s += ", \"bases\": {";
  for (size_t b = 0; b < t.bases.size(); ++b) {
    if (b) s += ", ";
    append_json_string(s, prog.basis_name(static_cast<int32_t>(b)));
    fmt::format_to(out, ": {}", t.bases[b]);
  }
  s += "}, \"policies\": [";
  bool first = true;
  for (size_t p = 0; p < t.policies.size(); ++p) {
    const auto& c = t.policies[p];
    if (c[0] + c[1] + c[2] == 0) continue;
    if (!first) s += ", ";
    first = false;
    s += "{\"policy\": ";
    if (p < prog.policies.size()) append_json_string(s, prog.str(prog.policies[p].name));
    else s += "null";
    s += ", \"jurisdictions\": [";
    if (p < prog.policies.size())
      for (size_t j = 0; j < prog.policies[p].jurisdictions.size(); ++j) {
        if (j) s += ", ";
        append_json_string(s, prog.str(prog.policies[p].jurisdictions[j]));
      }
    fmt::format_to(out, "], \"allow\": {}, \"deny\": {}, \"review\": {}}}", c[0], c[1], c[2]);
  }
  s += "], \"first_error\": ";
  if (t.errors) {
    fmt::format_to(out, "{{\"line\": {}, \"error\": ", t.first_error_line);
    append_json_string(s, t.first_error);
    s += "}";
  } else {
    s += "null";
  }
  double rate = r.seconds > 0 ? static_cast<double>(t.lines) / r.seconds : 0;
  fmt::format_to(out, ", \"threads\": {}, \"elapsed_seconds\": {:.3f}, \"lines_per_second\": {:.0f}", r.threads,
                 r.seconds, rate);
  fmt::format_to(out, ", \"peak_memory_kib\": {}}}\n", r.peak_kib);
  return s;
}

}  // namespace lawful::cli
