// Decision records, as FACTS.md defines them: one JSON object per input line, or an
// error record in its place. Written into a caller's buffer, so a thread can format
// many records without allocating.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/bytecode/program.h"
#include "runtime/facts/fact_store.h"
#include "runtime/facts/text_buffer.h"
#include "runtime/vm/outcome.h"

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

// {"id": ..., "verdict": ..., "basis": ..., "policy": ..., "decision": ..., "rules": [...],
//  "cites": [...], "obligations": [...], "missing": [...], "reason": ...}
// `id` is the contact's id as bound (or absent: null).
void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts);
// {"id": ..., "line": N, "error": "..."}
void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

// The contact's id, if bound.
bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id);

// The string ids of an outcome's citations, in rule order, without repeats.
template <class F>
void for_each_cite_id(const Program& prog, const Outcome& o, F f) {
  if (o.decision < 0) return;
  const DecisionInfo& d = prog.decisions[static_cast<size_t>(o.decision)];
  uint32_t seen[64];
  size_t n_seen = 0;
  for (uint32_t r : o.rules) {
    for (uint32_t c : d.rules[r].cites) {
      bool dup = false;
      for (size_t i = 0; i < n_seen; ++i) dup = dup || seen[i] == c;
      if (dup) continue;
      if (n_seen < 64) seen[n_seen++] = c;
      f(c);
    }
  }
}

// The citations of an outcome's rules, in rule order, without repeats.
template <class F>
void for_each_cite(const Program& prog, const Outcome& o, F f) {
  for_each_cite_id(prog, o, [&](uint32_t c) { f(prog.str(c)); });
}

const char* verdict_name(VerdictCode v);

// Writes records for one program, fast: every name a record can hold (policies,
// decisions, rules, citations, bases, obligations, fact paths) is escaped once, here,
// so that a record is mostly copies of ready-made text. One per thread; after the
// first records it allocates nothing (its scratch string keeps its room).
class RecordWriter {
  static constexpr size_t kTailList = 16;  // outcomes with more rules or obligations are not kept

 public:
  explicit RecordWriter(const Program& prog);

  // The JSON Lines records: the same text as append_decision_json/append_error_json.
  void decision_json(TextBuffer& out, const Outcome& o, const FactStore& facts);
  void error_json(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

  // CSV: a header line, then one row per input line (see kCsvHeader). Lists are joined
  // with " | ", and a field is quoted when it holds a comma, a quote or a line break.
  static const char* const kCsvHeader;
  void decision_csv(TextBuffer& out, uint64_t line, const Outcome& o, const FactStore& facts);
  void error_csv(TextBuffer& out, std::string_view id, bool has_id, uint64_t line, std::string_view error);

 private:
  void reason(const Outcome& o, const FactStore& facts);  // into scratch_
  void csv_field(TextBuffer& out, std::string_view s);
  void decision_tail_json(TextBuffer& out, const Outcome& o, const FactStore& facts);

  // Everything of a JSON record after its id depends on the outcome only (but a reason
  // naming the contact's country), and most contacts share a few outcomes: the text
  // after the id is kept per outcome, in a small table indexed by the outcome's hash,
  // each entry with its room taken at the start (so nothing is allocated per record).
  struct Tail {
    bool used = false;
    uint8_t n_rules = 0, n_obligations = 0;
    VerdictCode verdict = VerdictCode::Review;
    Reason reason = Reason::None;
    int32_t basis = -1, policy = -1, decision = -1, reason_a = -1, reason_b = -1;
    uint32_t rules[kTailList] = {}, obligations[kTailList] = {};
    FactSet missing;
    std::string text;
  };
  static constexpr size_t kTails = 64, kTailRoom = 1024;
  std::vector<Tail> tails_;

  const Program& prog_;
  int contact_id_slot_ = -1;
  std::vector<std::string> basis_, obligation_;
  std::vector<std::string> policy_json_, decision_json_, basis_json_, obligation_json_, path_json_;
  std::vector<std::vector<std::string>> rule_json_;   // per decision, per rule
  std::vector<std::string> string_json_;              // per constant string (citations), on demand
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
