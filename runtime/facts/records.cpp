// Decision and error records in JSON; see records.h.
#include "runtime/facts/records.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace lawful {

namespace {

// `{"id": ..., "line": N, "error": "..."}`: the record of a line that was not decided.
template <class Out>
void error_record(Out& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  out += "{\"id\": ";
  if (has_id) append_json_string(out, id);
  else out += "null";
  out += ", \"line\": ";
  append_uint(out, line);
  out += ", \"error\": ";
  append_json_string(out, error);
  out += "}\n";
}

}  // namespace

const char* verdict_name(VerdictCode v) {
  switch (v) {
    case VerdictCode::Allow: return "allow";
    case VerdictCode::Deny: return "deny";
    case VerdictCode::Review: return "review";
  }
  return "review";
}

bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id) {
  int root = prog.schema.find_root("contact");
  if (root < 0) return false;
  const RootDef& r = prog.schema.roots[static_cast<size_t>(root)];
  int f = Schema::find_field(prog.schema.records[r.record], "id");
  if (f < 0) return false;
  Value v = facts.slots[r.base + prog.schema.records[r.record].fields[static_cast<size_t>(f)].offset];
  if (v == kUnknown || !facts.valid_string(v)) return false;
  id = facts.text(v);
  return true;
}

void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts) {
  std::string_view id;
  out += "{\"id\": ";
  if (contact_id(prog, facts, id)) append_json_string(out, id);
  else out += "null";
  out += ", \"verdict\": \"";
  out += verdict_name(o.verdict);
  out += "\", \"basis\": ";
  if (o.verdict == VerdictCode::Allow && o.basis >= 0) append_json_string(out, prog.basis_name(o.basis));
  else out += "null";
  out += ", \"policy\": ";
  if (o.policy >= 0) append_json_string(out, prog.str(prog.policies[static_cast<size_t>(o.policy)].name));
  else out += "null";
  out += ", \"decision\": ";
  if (o.decision >= 0) append_json_string(out, prog.str(prog.decisions[static_cast<size_t>(o.decision)].name));
  else out += "null";
  out += ", \"rules\": [";
  for (size_t i = 0; i < o.rules.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, prog.str(prog.decisions[static_cast<size_t>(o.decision)].rules[o.rules[i]].name));
  }
  out += "], \"cites\": [";
  bool first = true;
  for_each_cite(prog, o, [&](const std::string& c) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, c);
  });
  out += "], \"obligations\": [";
  for (size_t i = 0; i < o.obligations.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, prog.obligation_name(o.obligations[i]));
  }
  out += "], \"missing\": [";
  first = true;
  o.missing.for_each([&](uint32_t p) {
    if (p >= prog.schema.paths.size()) return;
    if (!first) out += ", ";
    first = false;
    append_json_string(out, prog.schema.paths[p].name);
  });
  out += "], \"reason\": ";
  if (o.verdict == VerdictCode::Review) {
    std::string why = reason_text(prog, o);
    if (o.reason == Reason::NoPolicyForCountry && prog.route_path >= 0) {
      Value c = facts.slots[static_cast<size_t>(prog.schema.paths[static_cast<size_t>(prog.route_path)].slot)];
      if (c != kUnknown) why = fmt::format("no policy for country '{}'", facts.text(c));
    }
    append_json_string(out, why);
  } else {
    out += "null";
  }
  out += "}\n";
}

void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  error_record(out, id, has_id, line, error);
}

// ------------------------------------------------------------------ RecordWriter

namespace {
std::string json_text(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

const char* const RecordWriter::kCsvHeader = "line,id,verdict,basis,policy,decision,rules,cites,obligations,missing,reason,error\n";

RecordWriter::RecordWriter(const Program& prog) : prog_(prog) {
  int root = prog.schema.find_root("contact");
  if (root >= 0) {
    const RootDef& r = prog.schema.roots[static_cast<size_t>(root)];
    int f = Schema::find_field(prog.schema.records[r.record], "id");
    if (f >= 0) contact_id_slot_ = static_cast<int>(r.base + prog.schema.records[r.record].fields[static_cast<size_t>(f)].offset);
  }
  for (const PolicyInfo& p : prog.policies) policy_json_.push_back(json_text(prog.str(p.name)));
  for (const DecisionInfo& d : prog.decisions) {
    decision_json_.push_back(json_text(prog.str(d.name)));
    rule_json_.emplace_back();
    for (const RuleInfo& r : d.rules) rule_json_.back().push_back(json_text(prog.str(r.name)));
  }
  for (const std::string& s : prog.strings) string_json_.push_back(json_text(s));
  if (prog.basis_enum >= 0)
    for (size_t b = 0; b < prog.schema.enums[static_cast<size_t>(prog.basis_enum)].members.size(); ++b)
      basis_.push_back(prog.basis_name(static_cast<int32_t>(b)));
  if (prog.obligation_enum >= 0)
    for (size_t b = 0; b < prog.schema.enums[static_cast<size_t>(prog.obligation_enum)].members.size(); ++b)
      obligation_.push_back(prog.obligation_name(static_cast<uint32_t>(b)));
  for (const std::string& b : basis_) basis_json_.push_back(json_text(b));
  for (const std::string& b : obligation_) obligation_json_.push_back(json_text(b));
  for (const PathDef& p : prog.schema.paths) path_json_.push_back(json_text(p.name));
  scratch_.reserve(256);
  tails_.resize(kTails);
  for (Tail& t : tails_) t.text.reserve(kTailRoom);
}

void RecordWriter::reason(const Outcome& o, const FactStore& facts) {
  scratch_.clear();
  if (o.reason == Reason::NoPolicyForCountry && prog_.route_path >= 0) {
    Value c = facts.slots[static_cast<size_t>(prog_.schema.paths[static_cast<size_t>(prog_.route_path)].slot)];
    if (c != kUnknown) {
      scratch_ += "no policy for country '";
      scratch_ += facts.text(c);
      scratch_ += '\'';
      return;
    }
  }
  append_reason_text(scratch_, prog_, o);
}

void RecordWriter::decision_json(TextBuffer& out, const Outcome& o, const FactStore& facts) {
  out += "{\"id\": ";
  Value id = contact_id_slot_ >= 0 ? facts.slots[static_cast<size_t>(contact_id_slot_)] : kUnknown;
  if (id != kUnknown && facts.valid_string(id)) append_json_string(out, facts.text(id));
  else out += "null";
  const size_t nr = o.rules.size(), no = o.obligations.size();
  if (o.reason == Reason::NoPolicyForCountry || nr > kTailList || no > kTailList) {
    decision_tail_json(out, o, facts);
    return;
  }
  uint64_t h = static_cast<uint64_t>(o.verdict) | static_cast<uint64_t>(o.reason) << 8 |
               static_cast<uint64_t>(static_cast<uint32_t>(o.basis) & 0xff) << 16 |
               static_cast<uint64_t>(static_cast<uint32_t>(o.decision) & 0xffff) << 24 |
               static_cast<uint64_t>(static_cast<uint32_t>(o.reason_a) & 0xff) << 40;
  for (uint32_t r : o.rules) h = (h ^ r) * 0x9E3779B97F4A7C15ull;
  for (uint32_t b : o.obligations) h = (h ^ (b + 0x100)) * 0xC2B2AE3D27D4EB4Full;
  for (unsigned w = 0; w < 4; ++w) h = (h ^ o.missing.word(w)) * 0x9E3779B97F4A7C15ull;
  h ^= static_cast<uint64_t>(static_cast<uint32_t>(o.policy)) ^ (static_cast<uint64_t>(static_cast<uint32_t>(o.reason_b)) << 20);
  Tail& t = tails_[(h ^ (h >> 29)) & (kTails - 1)];
  bool hit = t.used && t.verdict == o.verdict && t.reason == o.reason && t.basis == o.basis && t.policy == o.policy &&
             t.decision == o.decision && t.reason_a == o.reason_a && t.reason_b == o.reason_b && t.n_rules == nr &&
             t.n_obligations == no && t.missing == o.missing;
  for (size_t i = 0; hit && i < nr; ++i) hit = t.rules[i] == o.rules[i];
  for (size_t i = 0; hit && i < no; ++i) hit = t.obligations[i] == o.obligations[i];
  if (hit) {
    out += t.text;
    return;
  }
  const size_t at = out.size();
  decision_tail_json(out, o, facts);
  const std::string_view tail = out.view().substr(at);
  if (tail.size() > kTailRoom) return;  // kept only where its room was taken
  t.used = true;
  t.verdict = o.verdict;
  t.reason = o.reason;
  t.basis = o.basis;
  t.policy = o.policy;
  t.decision = o.decision;
  t.reason_a = o.reason_a;
  t.reason_b = o.reason_b;
  t.n_rules = static_cast<uint8_t>(nr);
  t.n_obligations = static_cast<uint8_t>(no);
  std::copy(o.rules.begin(), o.rules.end(), t.rules);
  std::copy(o.obligations.begin(), o.obligations.end(), t.obligations);
  t.missing = o.missing;
  t.text.assign(tail.data(), tail.size());
}

// A JSON record after its id: from the verdict to the end of the line.
void RecordWriter::decision_tail_json(TextBuffer& out, const Outcome& o, const FactStore& facts) {
  out += ", \"verdict\": \"";
  out += verdict_name(o.verdict);
  out += "\", \"basis\": ";
  if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < basis_json_.size())
    out += basis_json_[static_cast<size_t>(o.basis)];
  else out += "null";
  out += ", \"policy\": ";
  if (o.policy >= 0) out += policy_json_[static_cast<size_t>(o.policy)];
  else out += "null";
  out += ", \"decision\": ";
  if (o.decision >= 0) out += decision_json_[static_cast<size_t>(o.decision)];
  else out += "null";
  out += ", \"rules\": [";
  for (size_t i = 0; i < o.rules.size(); ++i) {
    if (i) out += ", ";
    out += rule_json_[static_cast<size_t>(o.decision)][o.rules[i]];
  }
  out += "], \"cites\": [";
  bool first = true;
  for_each_cite_id(prog_, o, [&](uint32_t c) {
    if (!first) out += ", ";
    first = false;
    out += string_json_[c];
  });
  out += "], \"obligations\": [";
  for (size_t i = 0; i < o.obligations.size(); ++i) {
    if (i) out += ", ";
    out += obligation_json_[o.obligations[i]];
  }
  out += "], \"missing\": [";
  first = true;
  o.missing.for_each([&](uint32_t p) {
    if (p >= path_json_.size()) return;
    if (!first) out += ", ";
    first = false;
    out += path_json_[p];
  });
  out += "], \"reason\": ";
  if (o.verdict == VerdictCode::Review) {
    reason(o, facts);
    append_json_string(out, scratch_);
  } else {
    out += "null";
  }
  out += "}\n";
}

void RecordWriter::error_json(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  error_record(out, id, has_id, line, error);
}

void RecordWriter::csv_field(TextBuffer& out, std::string_view s) { append_csv_field(out, s); }

void RecordWriter::decision_csv(TextBuffer& out, uint64_t line, const Outcome& o, const FactStore& facts) {
  append_uint(out, line);
  out += ',';
  Value id = contact_id_slot_ >= 0 ? facts.slots[static_cast<size_t>(contact_id_slot_)] : kUnknown;
  if (id != kUnknown && facts.valid_string(id)) csv_field(out, facts.text(id));
  out += ',';
  out += verdict_name(o.verdict);
  out += ',';
  if (o.verdict == VerdictCode::Allow && o.basis >= 0) csv_field(out, basis_[static_cast<size_t>(o.basis)]);
  out += ',';
  if (o.policy >= 0) csv_field(out, prog_.str(prog_.policies[static_cast<size_t>(o.policy)].name));
  out += ',';
  if (o.decision >= 0) csv_field(out, prog_.str(prog_.decisions[static_cast<size_t>(o.decision)].name));
  out += ',';
  scratch_.clear();
  for (size_t i = 0; i < o.rules.size(); ++i) {
    if (i) scratch_ += " | ";
    scratch_ += prog_.str(prog_.decisions[static_cast<size_t>(o.decision)].rules[o.rules[i]].name);
  }
  csv_field(out, scratch_);
  out += ',';
  scratch_.clear();
  for_each_cite(prog_, o, [&](const std::string& c) {
    if (!scratch_.empty()) scratch_ += " | ";
    scratch_ += c;
  });
  csv_field(out, scratch_);
  out += ',';
  scratch_.clear();
  for (size_t i = 0; i < o.obligations.size(); ++i) {
    if (i) scratch_ += " | ";
    scratch_ += obligation_[o.obligations[i]];
  }
  csv_field(out, scratch_);
  out += ',';
  scratch_.clear();
  o.missing.for_each([&](uint32_t p) {
    if (p >= prog_.schema.paths.size()) return;
    if (!scratch_.empty()) scratch_ += " | ";
    scratch_ += prog_.schema.paths[p].name;
  });
  csv_field(out, scratch_);
  out += ',';
  if (o.verdict == VerdictCode::Review) {
    reason(o, facts);
    csv_field(out, scratch_);
  }
  out += ",\n";
}

void RecordWriter::error_csv(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  append_uint(out, line);
  out += ',';
  if (has_id) csv_field(out, id);
  out += ",,,,,,,,,,";
  csv_field(out, error);
  out += '\n';
}

}  // namespace lawful
