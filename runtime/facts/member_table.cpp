// An enumeration's members by their first bytes; see member_table.h.
#include "runtime/facts/member_table.h"

#include <algorithm>

namespace lawful {

namespace {

uint64_t keep(size_t bytes) { return bytes >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1; }

uint64_t word_at(const std::string& padded, size_t at) {
  uint64_t x;
  std::memcpy(&x, padded.data() + at, 8);
  return x;
}

}  // namespace

MemberTable::Slot MemberTable::slot_of(size_t member) const {
  const std::string& m = names_[member];
  const std::string padded = m + '"' + std::string(24, '\0');
  const size_t compared = std::min<size_t>(m.size() + 1, 16);  // with the quote when it fits
  Slot w;
  w.mask_lo = keep(compared);
  w.mask_hi = compared > 8 ? keep(compared - 8) : 0;
  w.lo = word_at(padded, 0) & w.mask_lo;
  w.hi = word_at(padded, 8) & w.mask_hi;
  w.len = static_cast<uint32_t>(m.size());
  w.member = static_cast<int32_t>(member);
  return w;
}

void MemberTable::build(const std::vector<std::string>& members) {
  names_ = members;
  more_.clear();
  slots_.assign(1, Slot{});  // no member: one empty cell, every text lands there
  multiplier_ = 0;
  shift_ = 0;
  offset_ = 0;
  prefix_mask_ = 0;
  if (names_.empty()) return;
  size_t shortest = names_[0].size();
  for (const std::string& m : names_) shortest = std::min(shortest, m.size());
  // The bytes every member has (a value that is some member has them too): eight from
  // an offset of at most 8, or the shortest member's all. The offset where the fewest
  // members are alike, the first of those.
  const size_t width = std::min<size_t>(shortest, 8);
  prefix_mask_ = keep(width);
  size_t fewest = ~size_t{0};
  for (size_t o = 0; o + width <= shortest && o <= 8; ++o) {
    std::vector<uint64_t> at;
    for (const std::string& m : names_) {
      uint64_t x = 0;
      std::memcpy(&x, m.data() + o, width);
      at.push_back(x);
    }
    std::sort(at.begin(), at.end());
    size_t alike = 0;
    for (size_t i = 0, j = 0; i < at.size(); i = j) {
      for (j = i; j < at.size() && at[j] == at[i]; ++j) {
      }
      alike = std::max(alike, j - i);
    }
    if (alike < fewest) {
      fewest = alike;
      offset_ = static_cast<uint32_t>(o);
    }
  }
  std::vector<uint64_t> prefixes;
  for (const std::string& m : names_) {
    const std::string padded = m + std::string(16, '\0');
    prefixes.push_back(word_at(padded, offset_) & prefix_mask_);
  }
  // A multiplier and a table size that put members with different bytes there in
  // different cells, the smallest table that does; members alike there share a cell
  // whatever the multiplier. Failing that (it does not for any schema's enumeration),
  // the table with the fewest members in one cell.
  std::vector<uint64_t> distinct = prefixes;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  unsigned bits = 1;
  while ((size_t{1} << bits) < 2 * distinct.size()) ++bits;
  size_t best = ~size_t{0};
  uint64_t best_multiplier = 0;
  unsigned best_bits = bits;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (unsigned b = bits; b <= bits + 3 && best > fewest; ++b) {
    for (int attempt = 0; attempt < 256 && best > fewest; ++attempt) {
      // splitmix64: odd multipliers with well-mixed high bits
      state += 0x9E3779B97F4A7C15ull;
      uint64_t z = state;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      const uint64_t mult = (z ^ (z >> 31)) | 1;
      std::vector<uint32_t> load(size_t{1} << b, 0);
      size_t worst = 0;
      for (uint64_t p : prefixes) worst = std::max<size_t>(worst, ++load[(p * mult) >> (64 - b)]);
      if (worst < best) {
        best = worst;
        best_multiplier = mult;
        best_bits = b;
      }
    }
  }
  multiplier_ = best_multiplier;
  shift_ = 64 - best_bits;
  // Each cell holds its first member; the others that land there follow one another in
  // more_, from the cell's first_more.
  slots_.assign(size_t{1} << best_bits, Slot{});
  std::vector<std::vector<size_t>> in(slots_.size());
  for (size_t i = 0; i < names_.size(); ++i) in[bucket(prefixes[i])].push_back(i);
  for (size_t c = 0; c < slots_.size(); ++c) {
    if (in[c].empty()) continue;
    slots_[c] = slot_of(in[c][0]);
    slots_[c].first_more = static_cast<uint32_t>(more_.size());
    slots_[c].more = static_cast<uint32_t>(in[c].size() - 1);
    for (size_t k = 1; k < in[c].size(); ++k) more_.push_back(slot_of(in[c][k]));
  }
}

bool MemberTable::long_equal(const Slot& w, const char* raw) const {
  const size_t n = w.len;
  if (raw[n] != '"') return false;
  return std::memcmp(raw + 16, names_[static_cast<size_t>(w.member)].data() + 16, n - 16) == 0;
}

int MemberTable::match_more(const Slot& s, const char* raw, const char* end, size_t& len) const {
  for (uint32_t k = 0; k < s.more; ++k) {
    const Slot& w = more_[s.first_more + k];
    if (equal(w, raw, end)) {
      len = w.len;
      return w.member;
    }
  }
  return -1;
}

int MemberTable::find(std::string_view text) const {
  // The text and a quote, in a buffer with the bytes match() reads after it.
  char buf[128] = {};
  if (text.size() + 1 + 16 <= sizeof buf) {
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '"';
    size_t len = 0;
    const int m = match(buf, buf + text.size() + 1, len);
    return m >= 0 && len == text.size() ? m : -1;
  }
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == text) return static_cast<int>(i);
  return -1;
}

size_t MemberTable::longest_cell() const {
  size_t n = 0;
  for (const Slot& c : slots_)
    if (c.member >= 0) n = std::max<size_t>(n, c.more + 1);
  return n;
}

}  // namespace lawful
