// The counts of a `lawful check` run and the summary JSON; see check_counts.h.
#include "report/check_counts.h"

#include <algorithm>
#include <ctime>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/facts/records.h"

namespace lawful::report {

std::string error_kind(std::string_view m) {
  std::string k;
  k.reserve(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (c == '\'' || c == '"') {
      size_t end = m.find(c, i + 1);
      if (end != std::string_view::npos) {
        k += c;
        k += "\u2026";
        k += c;
        i = end;
        continue;
      }
    }
    if (c >= '0' && c <= '9') {
      while (i + 1 < m.size() && m[i + 1] >= '0' && m[i + 1] <= '9') ++i;
      k += 'N';
      continue;
    }
    k += c;
  }
  return k;
}

void CheckCounts::reset(const Program& prog) {
  lines = errors = reviews_missing = 0;
  verdicts = {};
  size_t nb = prog.basis_enum >= 0 ? prog.schema.enums[static_cast<size_t>(prog.basis_enum)].members.size() : 0;
  bases.assign(nb, 0);
  policies.assign(prog.policies.size() + 1, {0, 0, 0});
  rule_base.resize(prog.decisions.size());
  size_t n = 0;
  for (size_t d = 0; d < prog.decisions.size(); ++d) {
    rule_base[d] = static_cast<uint32_t>(n);
    n += prog.decisions[d].rules.size();
  }
  rules.assign(n, {0, 0, 0});
  size_t np = std::min<size_t>(prog.schema.paths.size(), FactSet::kCapacity);
  missing.assign(np, 0);
  settles.assign(np, 0);
  size_t no = prog.obligation_enum >= 0
                  ? prog.schema.enums[static_cast<size_t>(prog.obligation_enum)].members.size()
                  : 0;
  obligations.assign(no, 0);
  error_kinds.clear();
  first_error_line = 0;
  first_error.clear();
}

void CheckCounts::count_missing(const Outcome& o) {
  ++reviews_missing;
  uint32_t only = 0;
  int n = 0;
  o.missing.for_each([&](uint32_t p) {
    if (p < missing.size()) ++missing[p];
    only = p;
    ++n;
  });
  if (n == 1 && only < settles.size()) ++settles[only];
}

namespace {

// A chunk's counts keep every kind (its lines bound them); the run's keep the first
// kinds in input order, and count the rest as one: the same for any chunking.
ErrorKind& kind_of(std::vector<ErrorKind>& kinds, const std::string& kind, bool bounded) {
  for (ErrorKind& k : kinds)
    if (k.kind == kind) return k;
  if (!bounded || kinds.size() + 1 < CheckCounts::kMaxErrorKinds || kind == CheckCounts::kOtherKind) {
    kinds.push_back({kind, 0, {}});
    return kinds.back();
  }
  return kind_of(kinds, CheckCounts::kOtherKind, true);
}

}  // namespace

void CheckCounts::error(uint64_t line, std::string_view why) {
  ++lines;
  ++errors;
  if (!first_error_line) {
    first_error_line = line;
    first_error = std::string(why);
  }
  ErrorKind& k = kind_of(error_kinds, error_kind(why), false);
  ++k.count;
  if (k.examples.size() < ErrorKind::kExamples) k.examples.emplace_back(line, std::string(why));
}

void CheckCounts::add(const CheckCounts& t) {
  lines += t.lines;
  errors += t.errors;
  reviews_missing += t.reviews_missing;
  for (size_t i = 0; i < 3; ++i) verdicts[i] += t.verdicts[i];
  auto sum = [](auto& into, const auto& from) {
    for (size_t i = 0; i < into.size() && i < from.size(); ++i) into[i] += from[i];
  };
  sum(bases, t.bases);
  sum(missing, t.missing);
  sum(settles, t.settles);
  sum(obligations, t.obligations);
  for (size_t i = 0; i < policies.size() && i < t.policies.size(); ++i)
    for (size_t v = 0; v < 3; ++v) policies[i][v] += t.policies[i][v];
  for (size_t i = 0; i < rules.size() && i < t.rules.size(); ++i)
    for (size_t v = 0; v < 3; ++v) rules[i][v] += t.rules[i][v];
  for (const ErrorKind& k : t.error_kinds) {
    ErrorKind& mine = kind_of(error_kinds, k.kind, true);
    mine.count += k.count;
    mine.examples.insert(mine.examples.end(), k.examples.begin(), k.examples.end());
  }
  // The kinds counted together took the first lines of several: the first of all, by line.
  for (ErrorKind& k : error_kinds)
    if (k.examples.size() > ErrorKind::kExamples) {
      std::stable_sort(k.examples.begin(), k.examples.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      k.examples.resize(ErrorKind::kExamples);
    }
  if (!first_error_line && t.first_error_line) {
    first_error_line = t.first_error_line;
    first_error = t.first_error;
  }
}

std::string policy_label(const Program& prog, size_t p) {
  if (p >= prog.policies.size()) return "(no policy)";
  const PolicyInfo& pi = prog.policies[p];
  std::vector<std::string> j;
  for (uint32_t s : pi.jurisdictions) j.push_back(prog.str(s));
  return j.empty() ? prog.str(pi.name) : fmt::format("{} ({})", fmt::join(j, ","), prog.str(pi.name));
}

namespace {

template <class Row, class Key>
void largest_first(std::vector<Row>& v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const Row& a, const Row& b) { return key(a) > key(b); });
}

}  // namespace

std::vector<RuleRow> rule_rows(const Program& prog, const CheckCounts& c) {
  std::vector<RuleRow> v;
  for (size_t d = 0; d < prog.decisions.size() && d < c.rule_base.size(); ++d) {
    const DecisionInfo& di = prog.decisions[d];
    for (size_t r = 0; r < di.rules.size(); ++r) {
      size_t i = c.rule_base[d] + r;
      if (i >= c.rules.size()) break;
      const auto& n = c.rules[i];
      if (n[0] + n[1] + n[2] == 0) continue;
      RuleRow row;
      row.decision = d;
      row.rule = r;
      row.policy = prog.str(prog.policies[di.policy].name);
      row.decision_name = prog.str(di.name);
      row.name = prog.str(di.rules[r].name);
      row.verdicts = n;
      row.total = n[0] + n[1] + n[2];
      for (uint32_t s : di.rules[r].cites) row.cites.push_back(prog.str(s));
      v.push_back(std::move(row));
    }
  }
  largest_first(v, [](const RuleRow& r) { return r.total; });
  return v;
}

std::vector<FactRow> missing_rows(const Program& prog, const CheckCounts& c) {
  std::vector<FactRow> v;
  for (size_t p = 0; p < c.missing.size() && p < prog.schema.paths.size(); ++p)
    if (c.missing[p]) v.push_back({prog.schema.paths[p].name, c.missing[p], p < c.settles.size() ? c.settles[p] : 0});
  largest_first(v, [](const FactRow& r) { return r.reviews; });
  return v;
}

std::vector<NamedCount> basis_rows(const Program& prog, const CheckCounts& c) {
  std::vector<NamedCount> v;
  for (size_t b = 0; b < c.bases.size(); ++b) v.push_back({prog.basis_name(static_cast<int32_t>(b)), c.bases[b]});
  return v;
}

std::vector<NamedCount> obligation_rows(const Program& prog, const CheckCounts& c) {
  std::vector<NamedCount> v;
  for (size_t o = 0; o < c.obligations.size(); ++o)
    if (c.obligations[o]) v.push_back({prog.obligation_name(static_cast<uint32_t>(o)), c.obligations[o]});
  largest_first(v, [](const NamedCount& r) { return r.count; });
  return v;
}

std::string campaign_words(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (!j.is_object()) return {};
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string id = text("id"), channel = text("channel"), date = text("send_date");
  std::string words = channel;
  if (!date.empty()) words += (words.empty() ? "sent " : ", sent ") + date;
  if (!id.empty()) words = words.empty() ? id : id + ": " + words;
  return words;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string unknown_field_text(const UnknownField& u) {
  std::string digits = std::to_string(u.lines), lines;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) lines += ',';
    lines += digits[i];
  }
  return fmt::format("{}: {} line{}{}", u.path, lines, u.lines == 1 ? "" : "s",
                     u.suggestion.empty() ? "" : ", did you mean " + u.suggestion + "?");
}

std::string summary_json(const Program& prog, const CheckCounts& t, const RunFacts& r) {
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
  s += ", \"lawful_version\": ";
  append_json_string(s, r.lawful_version);
  s += ", \"stdlib_hash\": ";
  if (r.stdlib_hash.empty()) s += "null";
  else append_json_string(s, r.stdlib_hash);
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
  bool first = true;
  for (const NamedCount& b : basis_rows(prog, t)) {
    if (!first) s += ", ";
    first = false;
    append_json_string(s, b.name);
    fmt::format_to(out, ": {}", b.count);
  }
  s += "}, \"policies\": [";
  first = true;
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
  s += "], \"rules\": [";
  first = true;
  for (const RuleRow& row : rule_rows(prog, t)) {
    s += first ? "{\"policy\": " : ", {\"policy\": ";
    first = false;
    append_json_string(s, row.policy);
    s += ", \"decision\": ";
    append_json_string(s, row.decision_name);
    s += ", \"rule\": ";
    append_json_string(s, row.name);
    fmt::format_to(out, ", \"allow\": {}, \"deny\": {}, \"review\": {}, \"cites\": [", row.verdicts[0], row.verdicts[1],
                   row.verdicts[2]);
    for (size_t i = 0; i < row.cites.size(); ++i) {
      if (i) s += ", ";
      append_json_string(s, row.cites[i]);
    }
    s += "]}";
  }
  fmt::format_to(out, "], \"reviews_with_missing\": {}, \"missing\": [", t.reviews_missing);
  first = true;
  for (const FactRow& f : missing_rows(prog, t)) {
    s += first ? "{\"fact\": " : ", {\"fact\": ";
    first = false;
    append_json_string(s, f.fact);
    fmt::format_to(out, ", \"reviews\": {}, \"settles\": {}}}", f.reviews, f.settles);
  }
  s += "], \"obligations\": {";
  first = true;
  for (const NamedCount& o : obligation_rows(prog, t)) {
    if (!first) s += ", ";
    first = false;
    append_json_string(s, o.name);
    fmt::format_to(out, ": {}", o.count);
  }
  s += "}, \"first_error\": ";
  if (t.errors) {
    fmt::format_to(out, "{{\"line\": {}, \"error\": ", t.first_error_line);
    append_json_string(s, t.first_error);
    s += "}";
  } else {
    s += "null";
  }
  s += ", \"error_kinds\": [";
  for (size_t i = 0; i < t.error_kinds.size(); ++i) {
    const ErrorKind& k = t.error_kinds[i];
    s += i ? ", {\"kind\": " : "{\"kind\": ";
    append_json_string(s, k.kind);
    fmt::format_to(out, ", \"count\": {}, \"examples\": [", k.count);
    for (size_t e = 0; e < k.examples.size(); ++e) {
      fmt::format_to(out, "{}{{\"line\": {}, \"error\": ", e ? ", " : "", k.examples[e].first);
      append_json_string(s, k.examples[e].second);
      s += "}";
    }
    s += "]}";
  }
  s += "]";
  s += ", \"campaign_check\": {\"every_review\": ";
  s += r.every_review ? "true" : "false";
  s += ", \"lacks\": [";
  for (size_t i = 0; i < r.campaign_lacks.size(); ++i) {
    if (i) s += ", ";
    append_json_string(s, r.campaign_lacks[i]);
  }
  s += "], \"warnings\": [";
  for (size_t i = 0; i < r.campaign_warnings.size(); ++i) {
    if (i) s += ", ";
    append_json_string(s, r.campaign_warnings[i]);
  }
  s += "]}, \"strict_fields\": ";
  s += r.strict_fields ? "true" : "false";
  s += ", \"unknown_fields\": [";
  for (const UnknownField& u : r.unknown_fields) {
    s += &u == r.unknown_fields.data() ? "{" : ", {";
    append_json_string(s, "field");
    s += ": ";
    append_json_string(s, u.path);
    fmt::format_to(out, ", \"lines\": {}, \"did_you_mean\": ", u.lines);
    if (u.suggestion.empty()) s += "null";
    else append_json_string(s, u.suggestion);
    s += "}";
  }
  s += "]";
  double rate = r.seconds > 0 ? static_cast<double>(t.lines) / r.seconds : 0;
  fmt::format_to(out, ", \"threads\": {}, \"elapsed_seconds\": {:.3f}, \"lines_per_second\": {:.0f}", r.threads,
                 r.seconds, rate);
  fmt::format_to(out, ", \"peak_memory_kib\": {}}}\n", r.peak_kib);
  return s;
}

}  // namespace lawful::report
