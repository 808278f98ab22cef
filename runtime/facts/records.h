// Decision records, as FACTS.md defines them: one JSON object per input line, or an
// error record in its place. Written into a caller's buffer, so a thread can format
// many records without allocating.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "runtime/bytecode/program.h"
#include "runtime/core/outcome.h"
#include "runtime/facts/fact_store.h"
#include "runtime/facts/text_buffer.h"

namespace lawful {

// A JSON string, quoted and escaped, to a std::string or a TextBuffer.
// Whether any of 8 bytes is a control character, '"' or '\\' (the zero-byte test).
inline bool json_special8(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  uint64_t w;
  std::memcpy(&w, p, 8);
  uint64_t q = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
  uint64_t hit = ((w - kOnes * 0x20) & ~w) | ((q - kOnes) & ~q) | ((b - kOnes) & ~b);
  return (hit & kHigh) != 0;
}

template <class Out>
void append_json_string(Out& out, std::string_view s) {
  out += '"';
  size_t run = 0;  // start of the run of characters copied as they are
  size_t i = 0;
  // Eight bytes at a time while there is nothing to escape (the usual case).
  while (i + 8 <= s.size() && !json_special8(s.data() + i)) i += 8;
  // The last bytes as the eight that end the text (they overlap those already read):
  // an id of 10 bytes is two tests and one copy, not two more rounds of the loop below.
  if (i < s.size() && i + 8 > s.size() && s.size() >= 8 && !json_special8(s.data() + s.size() - 8)) i = s.size();
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(buf, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// What a record says beyond its outcome: the contact's id, and for a review because no
// policy covers the contact's country, that country ("no policy for country 'JP'").
struct RecordSubject {
  std::string_view id;
  bool has_id = false;
  std::string_view country;
  bool has_country = false;
};

// The contact's id, if bound.
bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id);
// The routed country, if bound (the router's path).
bool route_country(const Program& prog, const FactStore& facts, std::string_view& country);
// The subject of an outcome decided over `facts` (the country only where a record names it).
RecordSubject record_subject(const Program& prog, const Outcome& o, const FactStore& facts);

// Names a review's reason in words, for decision records and explain.
std::string reason_text(const Program& prog, const Outcome& out);
// The same, appended to `text` (no allocation once `text` has room).
void append_reason_text(std::string& text, const Program& prog, const Outcome& out);

// A review's reason in words, as records and the API give it: reason_text, but naming
// the country when no policy covers it. Appends to `out`.
void append_record_reason(std::string& out, const Program& prog, const Outcome& o, const RecordSubject& s);

// Above this many citations in an outcome's rules, for_each_cite_id uses a set.
inline constexpr size_t kCiteScan = 128;

// The string ids of an outcome's citations, in rule order, without repeats: exact for
// any number of citations (records, the API, diff and `test`'s `cites` all list these).
template <class F>
void for_each_cite_id(const Program& prog, const Outcome& o, F f) {
  if (o.decision < 0) return;
  const DecisionInfo& d = prog.decisions[static_cast<size_t>(o.decision)];
  size_t total = 0;
  for (uint32_t r : o.rules) total += d.rules[r].cites.size();
  if (total > kCiteScan) {
    // Many citations (a .lawc from elsewhere may hold any number): a set, not the square.
    std::unordered_set<uint32_t> seen;
    for (uint32_t r : o.rules)
      for (uint32_t c : d.rules[r].cites)
        if (seen.insert(c).second) f(c);
    return;
  }
  // Whether citation j of the i-th winning rule came earlier: comparing with every
  // earlier one costs little for the handful a decision has, and needs no room.
  auto seen = [&](size_t i, size_t j, uint32_t c) {
    for (size_t k = 0; k <= i; ++k) {
      const std::vector<uint32_t>& pc = d.rules[o.rules[k]].cites;
      const size_t upto = k == i ? j : pc.size();
      for (size_t m = 0; m < upto; ++m)
        if (pc[m] == c) return true;
    }
    return false;
  };
  for (size_t i = 0; i < o.rules.size(); ++i) {
    const std::vector<uint32_t>& cites = d.rules[o.rules[i]].cites;
    for (size_t j = 0; j < cites.size(); ++j)
      if (!seen(i, j, cites[j])) f(cites[j]);
  }
}

// The citations of an outcome's rules, in rule order, without repeats.
template <class F>
void for_each_cite(const Program& prog, const Outcome& o, F f) {
  for_each_cite_id(prog, o, [&](uint32_t c) { f(prog.str(c)); });
}

// Every name a record can hold (policies, decisions, rules, citations, bases,
// obligations, fact paths), JSON-escaped once, here; made once per program and shared
// read-only (every RecordWriter of `lawful check`, an API engine).
struct RecordNames {
  explicit RecordNames(const Program& prog);
  const Program& prog;
  int contact_id_slot = -1;
  std::vector<std::string> basis, obligation;  // as they are (CSV)
  std::vector<std::string> policy_json, decision_json, basis_json, obligation_json, path_json;
  std::vector<std::vector<std::string>> rule_json;  // per decision, per rule
  std::vector<std::string> string_json;             // per constant string (citations)
};
// The contact's id, if bound, through the slot found once.
inline bool contact_id(const RecordNames& names, const FactStore& facts, std::string_view& id) {
  if (names.contact_id_slot < 0) return false;
  Value v = facts.slots[static_cast<size_t>(names.contact_id_slot)];
  if (v == kUnknown || !facts.valid_string(v)) return false;
  id = facts.text(v);
  return true;
}

// The one decision record of FACTS.md, written from nothing:
// {"id": ..., "verdict": ..., "basis": ..., "policy": ..., "decision": ..., "rules": [...],
//  "cites": [...], "obligations": [...], "missing": [...], "reason": ...}\n
// `lawful check` (through RecordWriter, which keeps the text after the id per outcome),
// `explain` and the API (which adds "version") all write this text.
void append_decision_record(std::string& out, const RecordNames& names, const Outcome& o, const RecordSubject& s);
// {"id": ..., "line": N, "error": "..."}\n: the record of a line that was not decided.
void append_error_record(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

// The same two for one record, when there is no RecordNames at hand (it is made for
// the call: for many records, keep a RecordWriter or a RecordNames).
void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts);
void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

// Writes records for one program, fast: a record is mostly copies of the ready-made text
// of RecordNames. One per thread; after the first records it allocates nothing (its
// scratch string keeps its room).
class RecordWriter {
  static constexpr size_t kTailList = 16;  // outcomes with more rules or obligations are not kept

 public:
  explicit RecordWriter(const Program& prog);
  explicit RecordWriter(std::shared_ptr<const RecordNames> names);

  // The JSON Lines records: the same text as append_decision_record/append_error_record.
  void decision_json(TextBuffer& out, const Outcome& o, const FactStore& facts);
  void error_json(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

  // CSV: a header line, then one row per input line (see kCsvHeader). Lists are joined
  // with " | ", and a field is quoted when it holds a comma, a quote or a line break.
  static const char* const kCsvHeader;
  void decision_csv(TextBuffer& out, uint64_t line, const Outcome& o, const FactStore& facts);
  void error_csv(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

  const RecordNames& names() const { return *names_; }

 private:
  RecordSubject subject(const Outcome& o, const FactStore& facts) const {
    RecordSubject s;
    s.has_id = contact_id(*names_, facts, s.id);
    if (__builtin_expect(o.verdict == VerdictCode::Review && o.reason == Reason::NoPolicyForCountry, 0))
      s.has_country = route_country(prog_, facts, s.country);
    return s;
  }
  void csv_field(TextBuffer& out, std::string_view s);

  // Everything of a JSON record after its id depends on the outcome only (but a reason
  // naming the contact's country), and most contacts share a few outcomes: the text
  // after the id is kept per outcome, in a small table indexed by the outcome's hash.
  // The entries' text lies in one block of kTails * kTailRoom bytes, taken when the
  // first tail is kept: one allocation in a writer's life, none per record and none at
  // start-up for a writer that writes nothing (tests/unit/alloc_test.cpp).
  struct Tail {
    bool used = false;
    uint8_t n_rules = 0, n_obligations = 0;
    VerdictCode verdict = VerdictCode::Review;
    Reason reason = Reason::None;
    int32_t basis = -1, policy = -1, decision = -1, reason_a = -1, reason_b = -1;
    uint32_t rules[kTailList] = {}, obligations[kTailList] = {};
    FactSet missing;
    uint32_t length = 0;  // of its text, at room_ + kTailRoom * its index
  };
  static constexpr size_t kTails = 64, kTailRoom = 1024;
  std::vector<Tail> tails_;
  std::unique_ptr<char[]> room_;

  std::shared_ptr<const RecordNames> names_;
  const Program& prog_;
  std::string scratch_;
};

// CSV: one field as RFC 4180 writes it. A spreadsheet would run a field that starts
// with = + - @ (or a tab or CR before one) as a formula (`=HYPERLINK(...)` in an id):
// such a field is written quoted after a ' (OWASP's advice), and a NUL byte, which no
// CSV reader keeps, as U+FFFD (docs/security.md).
template <class Out>
void append_csv_field(Out& out, std::string_view s) {
  const bool formula = !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                                      s[0] == '\r');
  if (!formula && s.find_first_of(std::string_view(",\"\r\n\0", 5)) == std::string_view::npos) {
    out.append(s.data(), s.size());
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    if (c == '\0') out += "\xEF\xBF\xBD";
    else out += c;
  }
  out += '"';
}

}  // namespace lawful
