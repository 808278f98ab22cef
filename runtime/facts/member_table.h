// An enumeration's members, found straight from the raw bytes of a JSON string: made
// once per enumeration when a binder is made, then a lookup is one load of eight bytes
// near the string's start, a multiply into a small table, and one masked comparison of
// the member and its closing quote. The string's end need not be known first (no scan
// for the quote, no hash of the whole text): the bytes loaded lie inside every member
// (the shortest's first bytes, or eight of them chosen where the members differ most,
// `include_unsubscribe` and `include_postal_address` at "clude_un"), the members a value
// could be are those that share them, and comparing one with its quote settles both the
// member and where the string ends.
//
// Members are compared exactly, byte for byte: FACTS.md's enumerated values are
// lower-case words as listed, so `Email` is not `email`. A value that is no member (a
// near miss, an escape, another case) is not found, and the caller's slow path names it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace lawful {

class MemberTable {
 public:
  MemberTable() = default;
  explicit MemberTable(const std::vector<std::string>& members) { build(members); }

  void build(const std::vector<std::string>& members);

  // The member that `raw` (the byte after a string's opening quote) spells, followed by
  // its closing quote before `end`; -1 when none. On a match, `len` is the member's
  // length (the quote is at raw + len). At least 16 bytes from raw must be readable (a
  // padded buffer), and every byte up to `end`.
  [[gnu::always_inline]] int match(const char* raw, const char* end, size_t& len) const {
    const Slot& s = slots_[bucket(load8(raw + offset_) & prefix_mask_)];
    if (equal(s, raw, end)) {
      len = s.len;
      return s.member;
    }
    return __builtin_expect(s.more != 0, 0) ? match_more(s, raw, end, len) : -1;
  }

  // The member that `text` is, or -1 (any buffer: the text is copied when short).
  int find(std::string_view text) const;

  size_t size() const { return names_.size(); }
  // The largest number of members that share a cell (members alike in the bytes loaded
  // do): how many comparisons a lookup may take. For the tests.
  size_t longest_cell() const;

 private:
  // A cell of the table: the first member whose bytes land there, as what equal()
  // compares with a raw string (the member and its quote, or its first 16 bytes when
  // longer: two words and the masks that keep as many bytes), and where the others that
  // land there lie in more_ (members alike in the bytes loaded). An empty cell matches
  // nothing (its masks keep no byte, its word is not 0).
  struct Slot {
    uint64_t lo = 1, hi = 0, mask_lo = 0, mask_hi = 0;
    uint32_t len = 0;
    int32_t member = -1;
    uint32_t first_more = 0, more = 0;
  };

  static uint64_t load8(const char* p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
  }
  uint32_t bucket(uint64_t prefix) const { return static_cast<uint32_t>((prefix * multiplier_) >> shift_); }

  [[gnu::always_inline]] bool equal(const Slot& w, const char* raw, const char* end) const {
    const uint64_t a = load8(raw), b = load8(raw + 8);
    if ((((a & w.mask_lo) ^ w.lo) | ((b & w.mask_hi) ^ w.hi)) != 0) return false;
    if (static_cast<size_t>(end - raw) <= w.len) return false;     // the quote must come before end
    return __builtin_expect(w.len < 16, 1) || long_equal(w, raw);  // else the rest of a long member
  }
  bool long_equal(const Slot& w, const char* raw) const;
  [[gnu::noinline]] int match_more(const Slot& s, const char* raw, const char* end, size_t& len) const;
  Slot slot_of(size_t member) const;

  std::vector<std::string> names_;
  std::vector<Slot> slots_;
  std::vector<Slot> more_;
  uint64_t prefix_mask_ = 0;  // the bytes loaded that every member has
  uint32_t offset_ = 0;       // where they start: at most 8, within the 16 bytes readable
  uint64_t multiplier_ = 0;
  unsigned shift_ = 64;
};

}  // namespace lawful
