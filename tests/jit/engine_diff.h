// The two engines side by side: facts made from a program's schema (every field absent
// or given, values near the edges), decided by the interpreter and by the native back end,
// compared outcome by outcome. Shared by the ctest program (jit_diff.cpp) and the fuzz
// target (tests/fuzz/fuzz_engines.cpp), where the fuzzer's bytes make the choices.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runtime/bytecode/program.h"
#include "runtime/core/dates.h"
#include "runtime/facts/binder.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace lawful::jit_test {

// Where choices come from: a seeded generator, or the bytes of a fuzz input (then 0
// once they run out).
class Choices {
 public:
  explicit Choices(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  Choices(const uint8_t* data, size_t size) : data_(data), size_(size), bytes_(true) {}
  uint32_t below(uint32_t n) {
    if (n <= 1) return 0;
    if (bytes_) {
      uint32_t v = 0;
      for (int i = 0; i < 2 && pos_ < size_; ++i) v = v << 8 | data_[pos_++];
      return v % n;
    }
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<uint32_t>(((state_ * 0x2545F4914F6CDD1Dull) >> 32) % n);
  }
  bool chance(uint32_t in) { return below(in) == 0; }

 private:
  uint64_t state_ = 0;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0, pos_ = 0;
  bool bytes_ = false;
};

class FactMaker {
 public:
  explicit FactMaker(const Program& prog) : prog_(prog) {
    // Texts the program compares with, and a few of its own.
    // Each in capitals too (for lower()), and with its last byte changed: a text of the
    // same length that differs at its end only.
    for (const std::string& s : prog.strings)
      if (s.size() < 40) {
        texts_.push_back(s);
        std::string upper = s;
        for (char& ch : upper) ch = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
        if (upper != s) texts_.push_back(upper);
        if (!s.empty()) {
          std::string last = s;
          last.back() = last.back() == 'z' ? 'y' : 'z';
          texts_.push_back(last);
        }
      }
    // Addresses at some of each set's texts (`domain(x) in SET`, `local_part(x) in SET`):
    // in capitals, after two '@', changed at the end, and as the local part.
    for (const auto& set : prog.string_sets)
      for (size_t i = 0; i < set.size(); i += set.size() / 12 + 1) {
        const std::string& s = prog.strings[set[i]];
        if (s.empty() || s.size() >= 40) continue;
        std::string upper = s, last = s;
        for (char& ch : upper) ch = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
        last.back() = last.back() == 'z' ? 'y' : 'z';
        for (std::string a : {"Ann.Lee@" + upper, "a@b@" + s, "x@" + last, s + "@example.org", upper + "@X"})
          texts_.push_back(std::move(a));
      }
    for (const char* s : {"", "GB", "fr", "Ann@Example.COM", "x@", "@", "no address", "Acme", "tools", "uk.pecr",
                          "a@b", "first.last@@", "n@GMAIL.COM", "info@a.b"})
      texts_.emplace_back(s);
  }

  // One case for Binder::bind_case: {"contact": {...}, "campaign": {...}}.
  std::string make_case(Choices& c) {
    std::string out = "{";
    for (const char* name : {"contact", "campaign"}) {
      int r = prog_.schema.find_root(name);
      if (r < 0) continue;
      if (out.size() > 1) out += ", ";
      out += fmt::format("\"{}\": ", name);
      record(out, prog_.schema.roots[static_cast<size_t>(r)].record, c, 0);
    }
    return out + "}";
  }

 private:
  void text(std::string& out, const std::string& s) {
    out += '"';
    for (char ch : s) {
      unsigned char u = static_cast<unsigned char>(ch);
      if (ch == '"' || ch == '\\') out += '\\', out += ch;
      else if (u < 0x20) out += fmt::format("\\u{:04x}", u);
      else out += ch;
    }
    out += '"';
  }
  void record(std::string& out, uint32_t r, Choices& c, int depth) {
    const RecordDef& rd = prog_.schema.records[r];
    out += '{';
    bool first = true;
    for (const FieldDef& f : rd.fields) {
      if (c.chance(4)) continue;  // absent
      std::string v;
      if (!value(v, f.type, c, depth)) continue;
      if (!first) out += ", ";
      first = false;
      text(out, f.name);
      out += ": ";
      out += v;
    }
    out += '}';
  }
  bool value(std::string& out, TypeId t, Choices& c, int depth) {
    const Type& ty = prog_.schema.type(t);
    switch (ty.kind) {
      case TypeKind::Bool: out += c.below(2) ? "true" : "false"; return true;
      case TypeKind::Int: {
        static const int64_t kInts[] = {0, 1, -1, 2, 3, 7, 17, 100, 1000, std::numeric_limits<int64_t>::max(),
                                        std::numeric_limits<int64_t>::min() + 1, 4611686018427387904};
        out += std::to_string(kInts[c.below(sizeof kInts / sizeof kInts[0])]);
        return true;
      }
      case TypeKind::String: text(out, texts_[c.below(static_cast<uint32_t>(texts_.size()))]); return true;
      case TypeKind::Date: {
        Days d;
        switch (c.below(8)) {
          case 0: d = kDateMin; break;
          case 1: d = kDateMax; break;
          case 2: d = days_from_civil(2024, 2, 29); break;
          default: d = days_from_civil(2018, 1, 1) + static_cast<Days>(c.below(365 * 10)); break;
        }
        text(out, format_date(d));
        return true;
      }
      case TypeKind::Enum: {
        const EnumDef& e = prog_.schema.enums[ty.ref];
        if (e.members.empty()) return false;
        text(out, e.members[c.below(static_cast<uint32_t>(e.members.size()))]);
        return true;
      }
      case TypeKind::List: {
        if (depth > 3) return false;
        out += '[';
        uint32_t n = c.below(4);
        for (uint32_t i = 0; i < n; ++i) {
          std::string v;
          if (!value(v, ty.ref, c, depth + 1)) break;
          if (i) out += ", ";
          out += v;
        }
        out += ']';
        return true;
      }
      case TypeKind::Record:
        if (depth > 3) return false;
        record(out, ty.ref, c, depth + 1);
        return true;
      default: return false;
    }
  }

  const Program& prog_;
  std::vector<std::string> texts_;
};

inline std::string names(const std::vector<uint32_t>& v) {
  std::string s;
  for (uint32_t x : v) s += fmt::format("{} ", x);
  return s;
}

// "" when the outcomes are the same in everything a record or a test shows, else what differs.
inline std::string compare(const Outcome& a, const Outcome& b) {
  std::string d;
  auto field = [&](const char* name, auto x, auto y) {
    if (x != y) d += fmt::format("{}: vm {} jit {}; ", name, x, y);
  };
  field("verdict", static_cast<int>(a.verdict), static_cast<int>(b.verdict));
  field("basis", a.basis, b.basis);
  field("policy", a.policy, b.policy);
  field("decision", a.decision, b.decision);
  field("reason", static_cast<int>(a.reason), static_cast<int>(b.reason));
  field("reason_a", a.reason_a, b.reason_a);
  field("reason_b", a.reason_b, b.reason_b);
  field("error", a.error, b.error);
  if (a.rules != b.rules) d += fmt::format("rules: vm {}jit {}; ", names(a.rules), names(b.rules));
  if (a.obligations != b.obligations)
    d += fmt::format("obligations: vm {}jit {}; ", names(a.obligations), names(b.obligations));
  if (!(a.missing == b.missing)) d += "missing facts differ; ";
  return d;
}

// Every way in: the default entry (when there is one), each policy, each decision.
inline std::vector<Entry> all_entries(const Program& prog) {
  std::vector<Entry> out;
  Entry e;
  if (choose_entry(prog, "", e).empty()) out.push_back(e);
  for (uint32_t p = 0; p < prog.policies.size(); ++p) {
    Entry x;
    x.kind = Entry::Policy;
    x.index = p;
    out.push_back(x);
  }
  for (uint32_t d = 0; d < prog.decisions.size(); ++d) {
    Entry x;
    x.kind = Entry::Decision;
    x.index = d;
    out.push_back(x);
  }
  return out;
}

// Two Vms on one program, one interpreting, one running `native`; decides the bound
// case by every entry, with and without an as-of date. Returns "" or the first
// disagreement.
struct Pair {
  Pair(const Program& p, const NativeFn* native, const VmLimits& limits = {})
      : prog(p), vm(p, limits), jit(p, limits), binder(p), entries(all_entries(p)) {
    jit.use_native(native);
  }
  // Binds `line` (a case) into both; false when it does not bind.
  bool bind(const std::string& line) {
    return binder.bind_case(vm.facts(), line.data(), line.size(), line.size()).ok &&
           binder.bind_case(jit.facts(), line.data(), line.size(), line.size()).ok;
  }
  std::string decide_all(Days as_of) {
    for (const Entry& e : entries)
      for (int k = 0; k < 2; ++k) {
        DecideOptions opt;
        if (k) opt.as_of = as_of;
        decide_entry(vm, e, a, opt);
        const uint64_t resolved = jit.native_resolved(), deferred = jit.native_deferred(),
                       states = jit.native_states(), policies = jit.native_policies(),
                       obliged = jit.native_states_obliged();
        decide_entry(jit, e, b, opt);
        ++decisions;
        std::string d = compare(a, b);
        if (!d.empty()) return d;
        if (tally && jit.native_resolved() != resolved) count_native(opt);
        if (tally && jit.native_deferred() != deferred) ++ways[b.error.empty() ? "deferred" : "deferred-error"];
        if (tally && jit.native_states() != states) ++ways["states"];
        if (tally && jit.native_states_obliged() != obliged)
          ++ways[b.obligations.empty() ? "states-obliged" : "states-obligation"];
        if (tally && jit.native_policies() != policies) ++ways["policy"];
      }
    return {};
  }
  // The ways a decision went when its compiled function resolved it (`ways`), from the
  // outcome and the interpreter's trace of the same decision.
  void count_native(const DecideOptions& opt) {
    ++ways["native"];
    if (b.verdict == VerdictCode::Allow) ++ways["allow"];
    if (b.verdict == VerdictCode::Deny) ++ways["deny"];
    if (b.reason == Reason::Conflict) ++ways["conflict"];
    if (b.reason == Reason::ReviewRule) ++ways["review-rule"];
    if (b.reason == Reason::NoRuleApplies) ++ways["no-rule"];
    if (!b.obligations.empty()) ++ways["obligation"];
    if (b.decision < 0) return;
    vm.trace_decision(static_cast<uint32_t>(b.decision), trace, opt);
    bool overridden = false, excluded = false, unknown = false;
    for (size_t i = 0; i < trace.rules.size(); ++i) {
      const RuleTrace& r = trace.rules[i];
      if (r.state == RuleState::Applies && b.reason != Reason::NoRuleApplies &&
          std::find(b.rules.begin(), b.rules.end(), static_cast<uint32_t>(i)) == b.rules.end())
        overridden = true;
      excluded = excluded || r.window_excludes;
      unknown = unknown || r.state == RuleState::Unknown;
    }
    if (overridden) ++ways["override"];
    if (excluded) ++ways["window"];
    if (unknown) ++ways["unknown-rule"];
    if (opt.as_of) ++ways["as-of"];
  }
  const Program& prog;
  Vm vm, jit;
  Binder binder;
  std::vector<Entry> entries;
  Outcome a, b;
  uint64_t decisions = 0;
  bool tally = false;  // count the ways in `ways` (count_native)
  std::map<std::string, uint64_t> ways;
  DecisionTrace trace;
};

}  // namespace lawful::jit_test
