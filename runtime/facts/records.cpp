// Decision and error records; see records.h. One writer: every JSON record is written by
// write_tail (after the id) and write_id here, whichever buffer it goes to.
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

template <class Out>
void write_id(Out& out, const RecordSubject& s) {
  out += "{\"id\": ";
  if (s.has_id) append_json_string(out, s.id);
  else out += "null";
}

// A JSON record after its id: from the verdict to the end of the line. `scratch` holds
// the reason's words on the way.
template <class Out>
void write_tail(Out& out, const RecordNames& n, const Outcome& o, const RecordSubject& s, std::string& scratch) {
  out += ", \"verdict\": \"";
  out += verdict_name(o.verdict);
  out += "\", \"basis\": ";
  if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < n.basis_json.size())
    out += n.basis_json[static_cast<size_t>(o.basis)];
  else out += "null";
  out += ", \"policy\": ";
  if (o.policy >= 0) out += n.policy_json[static_cast<size_t>(o.policy)];
  else out += "null";
  out += ", \"decision\": ";
  if (o.decision >= 0) out += n.decision_json[static_cast<size_t>(o.decision)];
  else out += "null";
  out += ", \"rules\": [";
  for (size_t i = 0; i < o.rules.size(); ++i) {
    if (i) out += ", ";
    out += n.rule_json[static_cast<size_t>(o.decision)][o.rules[i]];
  }
  out += "], \"cites\": [";
  bool first = true;
  for_each_cite_id(n.prog, o, [&](uint32_t c) {
    if (!first) out += ", ";
    first = false;
    out += n.string_json[c];
  });
  out += "], \"obligations\": [";
  for (size_t i = 0; i < o.obligations.size(); ++i) {
    if (i) out += ", ";
    out += n.obligation_json[o.obligations[i]];
  }
  out += "], \"missing\": [";
  first = true;
  o.missing.for_each([&](uint32_t p) {
    if (p >= n.path_json.size()) return;
    if (!first) out += ", ";
    first = false;
    out += n.path_json[p];
  });
  out += "], \"reason\": ";
  if (o.verdict == VerdictCode::Review) {
    scratch.clear();
    append_record_reason(scratch, n.prog, o, s);
    append_json_string(out, scratch);
  } else {
    out += "null";
  }
  out += "}\n";
}

std::string json_text(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The slot of contact.id, or -1.
int contact_id_slot(const Program& prog) {
  int root = prog.schema.find_root("contact");
  if (root < 0) return -1;
  const RootDef& r = prog.schema.roots[static_cast<size_t>(root)];
  int f = Schema::find_field(prog.schema.records[r.record], "id");
  if (f < 0) return -1;
  return static_cast<int>(r.base + prog.schema.records[r.record].fields[static_cast<size_t>(f)].offset);
}

bool slot_text(const FactStore& facts, int slot, std::string_view& text) {
  if (slot < 0) return false;
  Value v = facts.slots[static_cast<size_t>(slot)];
  if (v == kUnknown || !facts.valid_string(v)) return false;
  text = facts.text(v);
  return true;
}

}  // namespace

bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id) {
  return slot_text(facts, contact_id_slot(prog), id);
}

bool route_country(const Program& prog, const FactStore& facts, std::string_view& country) {
  if (prog.route_path < 0) return false;
  Value c = facts.slots[static_cast<size_t>(prog.schema.paths[static_cast<size_t>(prog.route_path)].slot)];
  if (c == kUnknown) return false;
  country = facts.text(c);
  return true;
}

RecordSubject record_subject(const Program& prog, const Outcome& o, const FactStore& facts) {
  RecordSubject s;
  s.has_id = contact_id(prog, facts, s.id);
  if (o.verdict == VerdictCode::Review && o.reason == Reason::NoPolicyForCountry)
    s.has_country = route_country(prog, facts, s.country);
  return s;
}

void append_record_reason(std::string& out, const Program& prog, const Outcome& o, const RecordSubject& s) {
  if (o.reason == Reason::NoPolicyForCountry && s.has_country) {
    out += "no policy for country '";
    out += s.country;
    out += '\'';
    return;
  }
  append_reason_text(out, prog, o);
}

RecordNames::RecordNames(const Program& p) : prog(p), contact_id_slot(lawful::contact_id_slot(p)) {
  for (const PolicyInfo& x : prog.policies) policy_json.push_back(json_text(prog.str(x.name)));
  for (const DecisionInfo& d : prog.decisions) {
    decision_json.push_back(json_text(prog.str(d.name)));
    rule_json.emplace_back();
    for (const RuleInfo& r : d.rules) rule_json.back().push_back(json_text(prog.str(r.name)));
  }
  for (const std::string& s : prog.strings) string_json.push_back(json_text(s));
  if (prog.basis_enum >= 0)
    for (size_t b = 0; b < prog.schema.enums[static_cast<size_t>(prog.basis_enum)].members.size(); ++b)
      basis.push_back(prog.basis_name(static_cast<int32_t>(b)));
  if (prog.obligation_enum >= 0)
    for (size_t b = 0; b < prog.schema.enums[static_cast<size_t>(prog.obligation_enum)].members.size(); ++b)
      obligation.push_back(prog.obligation_name(static_cast<uint32_t>(b)));
  for (const std::string& b : basis) basis_json.push_back(json_text(b));
  for (const std::string& b : obligation) obligation_json.push_back(json_text(b));
  for (const PathDef& x : prog.schema.paths) path_json.push_back(json_text(x.name));
}

void append_decision_record(std::string& out, const RecordNames& names, const Outcome& o, const RecordSubject& s) {
  std::string scratch;
  write_id(out, s);
  write_tail(out, names, o, s, scratch);
}

void append_error_record(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  error_record(out, id, has_id, line, error);
}

void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts) {
  append_decision_record(out, RecordNames(prog), o, record_subject(prog, o, facts));
}

void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  error_record(out, id, has_id, line, error);
}

// ------------------------------------------------------------------ RecordWriter

const char* const RecordWriter::kCsvHeader = "line,id,verdict,basis,policy,decision,rules,cites,obligations,missing,reason,error\n";

RecordWriter::RecordWriter(const Program& prog) : RecordWriter(std::make_shared<const RecordNames>(prog)) {}

RecordWriter::RecordWriter(std::shared_ptr<const RecordNames> names) : names_(std::move(names)), prog_(names_->prog) {
  scratch_.reserve(256);
  // The tails' room is taken when the first is kept (below), not here: a writer that
  // writes nothing (a short run's other threads) allocates nothing for it.
  tails_.resize(kTails);
}

// write_id for `lawful check`'s records: an id of 8 to 16 bytes with nothing to escape
// (the usual contact id) as two words that overlap, copied with `{"id": "` and its
// closing quote in one append; any other id as write_id writes it.
static void write_id_fast(TextBuffer& out, const RecordSubject& s) {
  const size_t n = s.id.size();
  if (s.has_id && n >= 8 && n <= 16 && !json_special8(s.id.data()) && !json_special8(s.id.data() + n - 8)) {
    char text[32];
    std::memcpy(text, "{\"id\": \"", 8);
    std::memcpy(text + 8, s.id.data(), 8);
    std::memcpy(text + n, s.id.data() + n - 8, 8);  // its last eight bytes, at 8 + n - 8
    text[8 + n] = '"';
    out.append(text, n + 9);
    return;
  }
  write_id(out, s);
}

void RecordWriter::decision_json(TextBuffer& out, const Outcome& o, const FactStore& facts) {
  const RecordSubject s = subject(o, facts);
  write_id_fast(out, s);
  const size_t nr = o.rules.size(), no = o.obligations.size();
  if (o.reason == Reason::NoPolicyForCountry || nr > kTailList || no > kTailList) {
    write_tail(out, *names_, o, s, scratch_);
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
  const size_t slot = (h ^ (h >> 29)) & (kTails - 1);
  Tail& t = tails_[slot];
  bool hit = t.used && t.verdict == o.verdict && t.reason == o.reason && t.basis == o.basis && t.policy == o.policy &&
             t.decision == o.decision && t.reason_a == o.reason_a && t.reason_b == o.reason_b && t.n_rules == nr &&
             t.n_obligations == no && t.missing == o.missing;
  for (size_t i = 0; hit && i < nr; ++i) hit = t.rules[i] == o.rules[i];
  for (size_t i = 0; hit && i < no; ++i) hit = t.obligations[i] == o.obligations[i];
  if (hit) {
    out += std::string_view(room_.get() + slot * kTailRoom, t.length);
    return;
  }
  const size_t at = out.size();
  write_tail(out, *names_, o, s, scratch_);
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
  if (!room_) room_.reset(new char[kTails * kTailRoom]);  // not zeroed: only what is kept is read
  std::memcpy(room_.get() + slot * kTailRoom, tail.data(), tail.size());
  t.length = static_cast<uint32_t>(tail.size());
}

void RecordWriter::error_json(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  error_record(out, id, has_id, line, error);
}

void RecordWriter::csv_field(TextBuffer& out, std::string_view s) { append_csv_field(out, s); }

void RecordWriter::decision_csv(TextBuffer& out, uint64_t line, const Outcome& o, const FactStore& facts) {
  const RecordNames& n = *names_;
  const RecordSubject s = subject(o, facts);
  append_uint(out, line);
  out += ',';
  if (s.has_id) csv_field(out, s.id);
  out += ',';
  out += verdict_name(o.verdict);
  out += ',';
  if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < n.basis.size())
    csv_field(out, n.basis[static_cast<size_t>(o.basis)]);
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
    scratch_ += n.obligation[o.obligations[i]];
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
    scratch_.clear();
    append_record_reason(scratch_, prog_, o, s);
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

void append_reason_text(std::string& text, const Program& prog, const Outcome& out) {
  auto rule = [&](int32_t i) -> std::string_view {
    if (out.decision < 0 || i < 0) return "?";
    return prog.str(prog.decisions[static_cast<size_t>(out.decision)].rules[static_cast<size_t>(i)].name);
  };
  auto verdict = [&](int32_t i) -> const char* {
    return verdict_name(prog.decisions[static_cast<size_t>(out.decision)].rules[static_cast<size_t>(i)].verdict);
  };
  auto decision = [&](int32_t d) -> std::string_view {
    return d < 0 ? std::string_view("?") : std::string_view(prog.str(prog.decisions[static_cast<size_t>(d)].name));
  };
  auto to = std::back_inserter(text);
  switch (out.reason) {
    case Reason::None: return;
    case Reason::NoPolicyForCountry: text += "no policy for this country"; return;
    case Reason::CountryUnknown: text += "the country is unknown"; return;
    case Reason::PolicyNotInForce:
      text += out.missing.empty() ? "the policy is not in force on this date" : "the date of the campaign is unknown";
      return;
    case Reason::NoDecisionApplies: text += "no rule covers this channel"; return;
    case Reason::DecisionsOverlap:
      fmt::format_to(to, "decisions '{}' and '{}' both apply", decision(out.reason_a), decision(out.reason_b));
      return;
    case Reason::DecisionMayApply: fmt::format_to(to, "decision '{}' might apply", decision(out.reason_a)); return;
    case Reason::NoRuleApplies: text += "no rule applies"; return;
    case Reason::Conflict:
      fmt::format_to(to, "rules '{}' ({}) and '{}' ({}) both apply and neither overrides the other", rule(out.reason_a),
                     verdict(out.reason_a), rule(out.reason_b), verdict(out.reason_b));
      return;
    case Reason::Undetermined:
      fmt::format_to(to, "rule '{}' might apply, and would change the outcome", rule(out.reason_a));
      return;
    case Reason::ReviewRule: fmt::format_to(to, "rule '{}' asks for review", rule(out.reason_a)); return;
    case Reason::DecisionNotApplicable:
      fmt::format_to(to, "decision '{}' does not apply", decision(out.reason_a));
      return;
  }
}

std::string reason_text(const Program& prog, const Outcome& out) {
  std::string text;
  append_reason_text(text, prog, out);
  return text;
}

}  // namespace lawful
