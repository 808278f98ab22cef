// JSON binding with simdjson on-demand; see binder.h.
#include "runtime/facts/binder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "runtime/core/closest_name.h"
#include "runtime/facts/member_table.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <fmt/format.h>

static_assert(lawful::kBindPadding == simdjson::SIMDJSON_PADDING, "binder.h's padding is simdjson's");

namespace lawful {

namespace od = simdjson::ondemand;

namespace {

// A key's hash from its first 16 bytes, its last 8 and its length: a few loads and
// multiplies, however long the key. `k` must have 16 readable bytes from its start
// (keys and strings in simdjson's padded buffers do; the schema's names are padded
// copies, see KeyTable::build). Names alike in all of these fall back to full_hash.
inline uint64_t load8(const char* p, size_t avail) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return avail >= 8 ? x : x & ((uint64_t{1} << (8 * avail)) - 1);
}
inline uint64_t key_hash(std::string_view k, uint64_t seed) {
  size_t n = k.size();
  uint64_t x = load8(k.data(), n);
  if (n > 8) x ^= load8(k.data() + 8, n - 8) * 0x9E3779B97F4A7C15ull;
  if (n > 16) x ^= load8(k.data() + n - 8, 8) * 0xC2B2AE3D27D4EB4Full;
  x ^= static_cast<uint64_t>(n) << 56;
  x ^= seed * 0x9E3779B97F4A7C15ull;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 29);
}
inline uint64_t full_hash(std::string_view k, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : k) h = (h ^ c) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

// Field name to field index, with no collisions: each key has its own cell, so a lookup
// is one hash and one comparison. A record with so many fields that no small table
// without collisions turns up (hundreds; the schema's have a dozen) uses a map.
struct KeyTable {
  std::vector<int32_t> cells;
  std::vector<std::string_view> names;
  std::vector<std::string> padded_names;  // each name and 16 zero bytes
  // Each name of at most 16 bytes as two words, with the masks that keep that many bytes
  // of a key: matches() is two loads, two masks and one test, without a branch on length.
  struct Short {
    uint64_t lo = 0, hi = 0, mask_lo = 0, mask_hi = 0;
  };
  std::vector<Short> shorts;
  // What matches() compares a raw key with: a name of at most 15 bytes and its closing
  // quote as two masked words (one test for both), and where the key ends; a longer
  // name's first 16 bytes the same way, then the rest (its last eight bytes as a word
  // up to 24 bytes, the quote).
  struct Probe {
    uint64_t lo = 0, hi = 0, mask_lo = 0, mask_hi = 0;
    uint64_t tail = 0;       // 17 to 24 bytes: the last eight
    uint32_t skip = 0;       // the name's length + 1: past the closing quote
    uint32_t long_name = 0;  // 16 bytes or more
  };
  std::vector<Probe> probes;
  uint64_t mask = 0;
  uint64_t seed = 0;
  bool full = false;
  std::unordered_map<std::string_view, int> fallback;  // when no table turns up

  template <class Names>
  void build(const Names& list) {
    names.assign(list.begin(), list.end());
    size_t n = names.size();
    std::vector<std::string>& padded = padded_names;
    padded.clear();
    for (std::string_view k : names) padded.emplace_back(std::string(k) + std::string(16, '\0'));
    shorts.assign(n, Short{});
    probes.assign(n, Probe{});
    auto keep = [](size_t bytes) { return bytes >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1; };
    for (size_t i = 0; i < n; ++i) {
      const size_t len = names[i].size();
      Probe& pr = probes[i];
      pr.skip = static_cast<uint32_t>(len + 1);
      pr.long_name = len >= 16;
      {
        const size_t compared = std::min<size_t>(len + 1, 16);  // with the quote when it fits
        char quoted[16] = {};
        std::memcpy(quoted, names[i].data(), std::min<size_t>(len, 16));
        if (len < 16) quoted[len] = '"';
        std::memcpy(&pr.lo, quoted, 8);
        std::memcpy(&pr.hi, quoted + 8, 8);
        pr.mask_lo = keep(compared);
        pr.mask_hi = compared > 8 ? keep(compared - 8) : 0;
        if (len >= 16 && len <= 24) std::memcpy(&pr.tail, names[i].data() + len - 8, 8);
      }
      if (len > 16) continue;
      Short& w = shorts[i];
      std::memcpy(&w.lo, padded[i].data(), 8);
      std::memcpy(&w.hi, padded[i].data() + 8, 8);
      w.mask_lo = keep(len);
      w.mask_hi = len > 8 ? keep(len - 8) : 0;
    }
    auto hash = [&](size_t i, uint64_t s) {
      std::string_view k(padded[i].data(), names[i].size());
      return full ? full_hash(k, s) : key_hash(k, s);
    };
    for (size_t size = 8; size <= 65536; size *= 2) {
      if (size > 16 * n + 16 && !full) {  // the fast hash cannot tell some names apart
        full = true;
        size = 4;
        continue;
      }
      if (size < n * 2) continue;
      for (uint64_t s = 0; s < 64; ++s) {
        cells.assign(size, -1);
        bool ok = true;
        for (size_t i = 0; i < n && ok; ++i) {
          uint64_t c = hash(i, s) & (size - 1);
          if (cells[c] >= 0) ok = false;
          else cells[c] = static_cast<int32_t>(i);
        }
        if (ok) {
          mask = size - 1;
          seed = s;
          return;
        }
      }
    }
    cells.clear();  // never for the schema's few names
    for (size_t i = 0; i < n; ++i) fallback.emplace(names[i], static_cast<int>(i));
  }
  int find(std::string_view key) const {
    if (cells.empty()) {
      auto it = fallback.find(key);
      return it == fallback.end() ? -1 : it->second;
    }
    int32_t i = cells[(full ? full_hash(key, seed) : key_hash(key, seed)) & mask];
    if (i < 0) return -1;
    std::string_view name = names[static_cast<size_t>(i)];
    if (name.size() != key.size()) return -1;
    // Up to 16 bytes by two loads each (the key's buffer allows it).
    if (key.size() <= 16) return short_equal(static_cast<size_t>(i), key.data()) ? i : -1;
    return name == key ? i : -1;
  }
  // Whether the raw key at p (in a padded buffer, as for key_hash) is exactly name i:
  // its bytes, then the closing quote. A name has no quote or backslash, so a key that
  // matches has no escape either.
  bool matches(size_t i, const char* p) const {
    const Probe& w = probes[i];
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    if ((((a & w.mask_lo) ^ w.lo) | ((b & w.mask_hi) ^ w.hi)) != 0) return false;
    if (__builtin_expect(!w.long_name, 1)) return true;
    const size_t n = names[i].size();
    if (n <= 24) {
      uint64_t t;
      std::memcpy(&t, p + n - 8, 8);
      return t == w.tail && p[n] == '"';
    }
    return std::memcmp(p + 16, padded_names[i].data() + 16, n - 16) == 0 && p[n] == '"';
  }
  // Whether the 16 readable bytes at p (see load8) start with name i, of at most 16.
  bool short_equal(size_t i, const char* p) const {
    const Short& w = shorts[i];
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    return (((a & w.mask_lo) ^ w.lo) | ((b & w.mask_hi) ^ w.hi)) == 0;
  }
};

// Which field of a record came after which: CRM exports write their keys in one order,
// some left out on some lines. The next key is first compared with the field that
// followed the previous one before, then with the few after that one (keys left out),
// a few loads each, and looked up in the KeyTable only when none is it (the scan for its
// closing quote and a hash), which then becomes the expected one. State 0 is the start
// of the object, f + 1 after field f, and n + 1 after a key not in the schema.
struct FieldPlan {
  static constexpr int32_t kLookahead = 3;
  std::vector<int32_t> next;  // per state: the field that came next last time, or -1
  // Per state, for the fast path: the key not in the schema that came next last time
  // (an export's own columns), when it was at most 16 bytes of ASCII; so that it is
  // passed over without a lookup when it comes again.
  struct Unknown {
    uint64_t lo = 0, hi = 0;
    uint32_t len = 0;  // 0: none
    uint32_t id = 0;   // its id among the binder's unknown fields
  };
  std::vector<Unknown> unknown;
  explicit FieldPlan(size_t fields = 0) : next(fields + 2, -1), unknown(fields + 2) {}
};

// Why a document could not be read as an object.
std::string document_error(simdjson::error_code e) {
  switch (e) {
    case simdjson::INCORRECT_TYPE: return "not a JSON object";
    case simdjson::TRAILING_CONTENT: return "text after the JSON object";
    case simdjson::EMPTY: return "an empty line";
    default: return std::string("not valid JSON (") + simdjson::error_message(e) + ")";
  }
}

const char* json_type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "a list";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "true or false";
    case od::json_type::null: return "null";
  }
  return "something else";
}

// The raw bytes of a key, up to its closing quote. A key with an escape is not a field
// name of the schema, so it never matches (and its value is ignored).
// (Its bytes lie in simdjson's padded buffer, so key_hash may read 8 from its start.)
// Scans eight bytes at a time for the first '"' or '\\' (the lowest flagged byte of the
// zero-byte test is exact).
inline const char* quote_or_backslash(const char* q) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  for (;;) {
    uint64_t w;
    std::memcpy(&w, q, 8);
    uint64_t a = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
    uint64_t hit = ((a - kOnes) & ~a & kHigh) | ((b - kOnes) & ~b & kHigh);
    if (hit) return q + (__builtin_ctzll(hit) >> 3);
    q += 8;
  }
}

bool raw_key(od::field& f, std::string_view& key) {
  const char* p = f.key().raw();
  const char* q = quote_or_backslash(p);
  key = std::string_view(p, static_cast<size_t>(q - p));
  return *q == '"';
}

// Whether objects and lists nest deeper than `limit` anywhere in the text. The binder
// itself only follows the schema, and simdjson skips other values without recursion, so
// depth costs nothing here; the limit is for what reads the same lines after us. Most
// lines hold fewer brackets than the limit, which one pass the compiler vectorizes shows.
// The count goes by blocks of 128 bytes with a byte-wide counter, which the compiler
// turns into 16-byte compares (a wider counter would have it widen every byte first).
size_t count_opens(const char* p, size_t n) {
  size_t opens = 0, i = 0;
  for (; i + 128 <= n; i += 128) {
    uint8_t block = 0;
    for (size_t k = 0; k < 128; ++k) block = static_cast<uint8_t>(block + ((p[i + k] == '[') | (p[i + k] == '{')));
    opens += block;
  }
  for (; i < n; ++i) opens += (p[i] == '[') | (p[i] == '{');
  return opens;
}

// Calls `on(i, c)` for each bracket of JSON text outside its strings, from `from`, until
// it returns false.
template <class F>
void each_bracket(const char* p, size_t n, size_t from, F on) {
  bool in_string = false;
  for (size_t i = from; i < n; ++i) {
    char c = p[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '[' || c == '{' || c == ']' || c == '}') && !on(i, c)) {
      return;
    }
  }
}

bool nests_deeper_than(const char* p, size_t n, size_t limit) {
  if (count_opens(p, n) <= limit) return false;
  size_t depth = 0;
  bool deeper = false;
  each_bracket(p, n, 0, [&](size_t, char c) {
    if (c == '[' || c == '{') deeper = ++depth > limit;
    else if (depth > 0) --depth;
    return !deeper;
  });
  return deeper;
}

// Where the object a line starts with ends (one past its closing brace), or 0 when the
// line does not start with a whole object. Run only on lines that failed.
size_t object_end(const char* p, size_t n) {
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) ++i;
  if (i == n || p[i] != '{') return 0;
  size_t depth = 0, end = 0;
  each_bracket(p, n, i, [&](size_t at, char c) {
    if (c == '[' || c == '{') ++depth;
    else if (--depth == 0) end = at + 1;
    return end == 0;
  });
  return end;
}

// Whether a whole object is followed by more than white space.
bool text_after_object(const char* p, size_t n) {
  size_t end = object_end(p, n);
  if (end == 0) return false;
  for (size_t i = end; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return true;
  return false;
}


// ---- The fast path's scanning (see Binder::Impl::fast_contact).

constexpr uint64_t kOnes8 = 0x0101010101010101ull, kHigh8 = 0x8080808080808080ull;

inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// From just after an opening quote: the first '"', '\\' or control character, sixteen
// bytes at a time with SSE2, else eight (the lowest flagged byte of the zero-byte tests
// is exact), or null
// when none comes before `end`. The bytes before it are or-ed into `high`, so that a
// line with anything but ASCII in its strings is known (and then validated as UTF-8).
[[gnu::always_inline]] inline const char* string_stop(const char* q, const char* end, uint64_t& high) {
#ifdef __SSE2__
  // Sixteen bytes at a time (SSE2 is in every x86-64): the bytes equal to '"' or '\\',
  // and those at most 0x1f (a control character); the sign bits of the bytes before the
  // first of them go to `high`.
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1f);
  for (;;) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                               _mm_cmpeq_epi8(_mm_min_epu8(x, control), x));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    unsigned sign = static_cast<unsigned>(_mm_movemask_epi8(x));
    if (mask) {
      unsigned first = static_cast<unsigned>(__builtin_ctz(mask));
      high |= (sign & ((1u << first) - 1)) ? kHigh8 : 0;
      q += first;
      return q < end ? q : nullptr;
    }
    high |= sign ? kHigh8 : 0;
    q += 16;
    if (q >= end) return nullptr;
  }
#else
  for (;;) {
    uint64_t w;
    std::memcpy(&w, q, 8);
    uint64_t a = w ^ (kOnes8 * '"'), b = w ^ (kOnes8 * '\\');
    uint64_t hit = (((a - kOnes8) & ~a) | ((b - kOnes8) & ~b) | ((w - kOnes8 * 0x20) & ~w)) & kHigh8;
    if (hit) {
      uint64_t low = hit & (~hit + 1);
      high |= w & ((low >> 7) - 1);
      q += __builtin_ctzll(hit) >> 3;
      return q < end ? q : nullptr;
    }
    high |= w;
    q += 8;
    if (q >= end) return nullptr;
  }
#endif
}

// The closing quote of a string with no escape, from just after its opening quote; null
// for a string with an escape or a control character, or one that does not end.
inline const char* plain_string_end(const char* q, const char* end, uint64_t& high) {
  const char* s = string_stop(q, end, high);
  return s && *s == '"' ? s : nullptr;
}

inline bool hex_digit(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
inline bool digit(char c) { return c >= '0' && c <= '9'; }

// Past a string whose value is not read (escapes checked as JSON writes them), from
// just after its opening quote: the position after its closing quote, or null.
inline const char* skip_string(const char* q, const char* end, uint64_t& high) {
  for (;;) {
    q = string_stop(q, end, high);
    if (!q) return nullptr;
    if (*q == '"') return q + 1;
    if (*q != '\\' || q + 1 >= end) return nullptr;  // a control character
    char e = q[1];
    if (e == 'u') {
      if (q + 6 > end || !hex_digit(q[2]) || !hex_digit(q[3]) || !hex_digit(q[4]) || !hex_digit(q[5])) return nullptr;
      q += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      q += 2;
    } else {
      return nullptr;
    }
  }
}

// Past a number as JSON writes it, or null.
inline const char* skip_number(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p >= end) return nullptr;
  if (*p == '0') ++p;
  else if (digit(*p)) while (p < end && digit(*p)) ++p;
  else return nullptr;
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) ++p;
  }
  return p;
}

// A whole number of at most 18 digits (no fraction, no exponent, no leading zero but
// "0" itself), or null: anything else goes the slow way.
inline const char* small_int(const char* p, const char* end, int64_t& out) {
  bool neg = p < end && *p == '-';
  if (neg) ++p;
  const char* first = p;
  uint64_t v = 0;
  while (p < end && digit(*p) && p - first < 19) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
  size_t n = static_cast<size_t>(p - first);
  if (n == 0 || n > 18 || (n > 1 && *first == '0') || (neg && v == 0)) return nullptr;
  if (p < end && (digit(*p) || *p == '.' || *p == 'e' || *p == 'E')) return nullptr;
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return p;
}

// Whether `word` (true, false, null) is at p.
template <size_t N>
inline bool literal_at(const char* p, const char* end, const char (&word)[N]) {
  constexpr size_t n = N - 1;
  uint32_t x, w;
  std::memcpy(&x, p, 4);  // p lies in a padded buffer
  std::memcpy(&w, word, 4);
  return static_cast<size_t>(end - p) >= n && x == w && (n == 4 || p[4] == word[4]);
}

// A UTF-8 byte-order mark, which some tools write at the start of a file: skipped, as
// the CSV reader skips it.
void skip_bom(const char*& data, size_t& len, size_t& capacity) {
  if (len >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    data += 3;
    len -= 3;
    capacity = capacity >= 3 ? capacity - 3 : 0;
  }
}

}  // namespace

struct Binder::Impl {
  const Program& prog;
  const Schema& schema;
  BindLimits limits;
  std::vector<KeyTable> keys;                   // per record: field name to field index
  std::vector<FieldPlan> plans;                 // per record: the order of its fields last time
  std::vector<MemberTable> members;             // per enumeration: member name to index
  std::vector<std::vector<Value>> templates;    // per record: the slots of an absent record
  od::parser parser;
  od::parser campaign_parser;
  simdjson::padded_string campaign_json;
  uint64_t campaign_epoch = 0;  // of campaign_json's text, once it bound without error
  simdjson::padded_string copy;                 // a contact line without enough padding
  std::string error;
  // Where the binder is, for messages: a field name, or a list index after a list's
  // name. Kept as a stack of small frames and spelt out only when a value is wrong, so
  // that a good line builds no strings.
  struct Frame {
    const std::string* name;  // null: a list index
    size_t index;
  };
  static constexpr size_t kNoIndex = ~size_t{0};
  std::vector<Frame> path;
  std::vector<size_t> bases;  // where the elements of the lists being read begin
  std::vector<uint64_t> seen;  // the fields of the objects being read already given
  std::string key_copy;        // an unescaped key, padded
  int contact_root = -1, campaign_root = -1;

  // Keys not in the schema (binder.h, UnknownField): interned by record and name the
  // first time (a hash lookup: the fast path's FieldPlan::Unknown keeps the id of the
  // key it last saw, so that an export's own column costs no lookup on later lines),
  // pushed on line_unknown while the line is read, and counted once the line is bound.
  // A line of known keys only does none of this.
  bool strict = false;
  std::deque<UnknownField> unknown_fields;
  std::deque<std::string> unknown_names;  // the bare key, for a strict error's path
  std::vector<uint64_t> unknown_stamp;    // the last line that counted it
  std::vector<uint64_t*> unknown_lines;   // its count of lines, in unknown_fields
  std::unordered_map<std::string, uint32_t> unknown_ids;  // record (4 bytes) and name
  std::vector<uint32_t> line_unknown, campaign_unknown;
  uint64_t line_serial = 0;
  std::vector<std::string> record_paths;  // per record: where it sits ("contact", "contact.consents")
  std::string unknown_key;

  [[gnu::noinline]] uint32_t intern_unknown(uint32_t record, std::string_view name) {
    unknown_key.assign(reinterpret_cast<const char*>(&record), sizeof record);
    unknown_key.append(name.data(), name.size());
    auto it = unknown_ids.find(unknown_key);
    if (it != unknown_ids.end()) return it->second;
    const bool other = unknown_fields.size() >= kMaxUnknownFields;
    if (other) {  // one entry for every further name
      unknown_key.assign(sizeof record, '\xff');
      it = unknown_ids.find(unknown_key);
      if (it != unknown_ids.end()) return it->second;
    }
    const uint32_t id = static_cast<uint32_t>(unknown_fields.size());
    UnknownField u;
    std::string bare(other ? std::string_view(kOtherUnknownFields) : utf8_prefix(name, 200));
    const std::string& where = record_paths[record];
    u.path = other ? bare : where + "." + bare;
    if (!other) {
      std::vector<std::string> names;
      for (const FieldDef& f : schema.records[record].fields) names.push_back(f.name);
      std::string near = closest_name(bare, names);
      if (!near.empty()) u.suggestion = where + "." + near;
    }
    unknown_fields.push_back(std::move(u));
    unknown_names.push_back(std::move(bare));
    unknown_stamp.push_back(0);
    unknown_lines.push_back(&unknown_fields.back().lines);  // a deque's elements stay where they are
    unknown_ids.emplace(unknown_key, id);
    return id;
  }
  std::string unknown_message(uint32_t id) const {
    const UnknownField& u = unknown_fields[id];
    std::string near = u.suggestion.substr(u.suggestion.rfind('.') + 1);
    return u.suggestion.empty() ? "not a field of the schema (--strict-fields)"
                                : fmt::format("not a field of the schema (--strict-fields); did you mean '{}'?", near);
  }
  // The line's unknown keys, each once per line. Most often one (an export's own column
  // on every line, such as the generated contacts' `name`): counted at once, without the
  // stamps that keep a key given twice in a line from counting twice.
  [[gnu::always_inline]] void count_line() {
    if (__builtin_expect(line_unknown.size() == 1, 1)) ++*unknown_lines[line_unknown[0]];
    else count_many();
  }
  [[gnu::noinline]] void count_many() {
    ++line_serial;  // a stamp of an earlier line never equals it
    for (uint32_t id : line_unknown)
      if (unknown_stamp[id] != line_serial) {
        unknown_stamp[id] = line_serial;
        ++*unknown_lines[id];
      }
  }
  void build_record_paths() {
    record_paths.resize(schema.records.size());
    for (const RootDef& r : schema.roots)
      if (record_paths[r.record].empty()) record_paths[r.record] = r.name;
    for (const PathDef& p : schema.paths) {
      Type t = schema.type(p.type);
      if (t.kind == TypeKind::List) t = schema.type(t.ref);
      if (t.kind == TypeKind::Record && record_paths[t.ref].empty()) record_paths[t.ref] = p.name;
    }
    for (size_t r = 0; r < record_paths.size(); ++r)
      if (record_paths[r].empty()) record_paths[r] = schema.records[r].name;
  }

  Impl(const Program& p, BindLimits l) : prog(p), schema(p.schema), limits(l) {
    keys.resize(schema.records.size());
    for (const RecordDef& r : schema.records) plans.emplace_back(r.fields.size());
    templates.resize(schema.records.size());
    for (size_t r = 0; r < schema.records.size(); ++r) {
      std::vector<std::string_view> names;
      for (const FieldDef& f : schema.records[r].fields) names.emplace_back(f.name);
      keys[r].build(names);
    }
    members.resize(schema.enums.size());
    for (size_t e = 0; e < schema.enums.size(); ++e) members[e].build(schema.enums[e].members);
    for (size_t r = 0; r < schema.records.size(); ++r) templates[r] = make_template(static_cast<uint32_t>(r));
    build_fast_fields();
    build_record_paths();
    path.reserve(16);
    contact_root = schema.find_root("contact");
    campaign_root = schema.find_root("campaign");
    bases.reserve(64);
  }

  std::vector<Value> make_template(uint32_t r) {
    const RecordDef& rec = schema.records[r];
    std::vector<Value> t(rec.size, kUnknown);
    for (const FieldDef& f : rec.fields) {
      const Type& ft = schema.type(f.type);
      if (ft.kind == TypeKind::Record) {
        std::vector<Value> inner = make_template(ft.ref);
        uint32_t at = f.offset + (f.optional ? 1 : 0);
        std::copy(inner.begin(), inner.end(), t.begin() + at);
        if (f.optional) t[f.offset] = kUnknown;
      } else if (f.has_default) {
        t[f.offset] = f.default_value;
      }
    }
    return t;
  }

  void init(FactStore& fs, uint32_t record, size_t base) {
    const std::vector<Value>& t = templates[record];
    std::copy(t.begin(), t.end(), fs.slots.begin() + static_cast<std::ptrdiff_t>(base));
  }

  std::string path_text() const {
    std::string s;
    for (const Frame& f : path) {
      if (!f.name && f.index == kNoIndex) continue;
      if (f.name) {
        if (!s.empty()) s += '.';
        s += *f.name;
      } else {
        s += fmt::format("[{}]", f.index);
      }
    }
    return s;
  }

  bool fail(std::string msg) {
    std::string where = path_text();
    error = where.empty() ? std::move(msg) : fmt::format("{}: {}", where, msg);
    return false;
  }

  [[gnu::always_inline]] bool bind_scalar(FactStore& fs, TypeId type, od::value v, od::json_type jt, Value& out) {
    const Type& t = schema.type(type);
    switch (t.kind) {
      case TypeKind::Bool: {
        bool b;
        if (jt != od::json_type::boolean || v.get_bool().get(b))
          return fail(fmt::format("expected true or false, got {}", json_type_name(jt)));
        out = b ? kTrue : kFalse;
        return true;
      }
      case TypeKind::Int: {
        int64_t i;
        if (jt != od::json_type::number || v.get_int64().get(i))
          return fail(fmt::format("expected a whole number, got {}", json_type_name(jt)));
        if (i == kUnknown) return fail("the number is out of range");
        out = i;
        return true;
      }
      case TypeKind::String:
      case TypeKind::Date:
      case TypeKind::Enum: {
        std::string_view s;
        if (jt != od::json_type::string) {
          const char* want = t.kind == TypeKind::Date ? "a date \"YYYY-MM-DD\"" : t.kind == TypeKind::Enum ? "a word" : "a string";
          return fail(fmt::format("expected {}, got {}", want, json_type_name(jt)));
        }
        if (v.get_string().get(s)) return fail("not valid JSON (a string with a bad escape)");
        if (s.size() > limits.max_string)
          return fail(fmt::format("a string of {} bytes; the limit is {}", s.size(), limits.max_string));
        if (t.kind == TypeKind::String) {
          out = fs.add_string(s);
        } else if (t.kind == TypeKind::Date) {
          auto d = parse_date(s);
          if (!d) return fail(fmt::format("'{}' is not a date (YYYY-MM-DD)", utf8_prefix(s, 40)));
          out = *d;
        } else {
          int m = members[t.ref].find(s);
          if (m < 0) {
            std::string shown(utf8_prefix(s, 40));
            return fail(fmt::format("'{}' is not a value of {}", shown, schema.enums[t.ref].name));
          }
          out = m;
        }
        return true;
      }
      default:
        return fail(fmt::format("a {} cannot be read from JSON", schema.type_name(type)));
    }
  }

  // What a list's binding starts from: its element type, the element's size in slots,
  // and where the arena and the stack of element bases stood.
  struct ListStart {
    const Type& et;
    bool records;
    size_t stride, start, mark;
  };
  ListStart list_start(const FactStore& fs, TypeId elem) const {
    const Type& et = schema.type(elem);
    const bool records = et.kind == TypeKind::Record;
    return {et, records, records ? schema.records[et.ref].size : size_t{1}, fs.slots.size(), bases.size()};
  }

  // A list in one pass (no count first): scalar elements go to the end of the arena as
  // they come, so they lie together; record elements too, but a list inside one (a
  // consent's third parties) lands between them, and then the elements are gathered
  // into one block at the end.
  bool bind_list(FactStore& fs, TypeId elem, od::value v, Value& out) {
    od::json_type jt;
    if (v.type().get(jt)) return fail("not valid JSON");
    od::array arr;
    if (jt != od::json_type::array || v.get_array().get(arr))
      return fail(fmt::format("expected a list, got {}", json_type_name(jt)));
    const ListStart ls = list_start(fs, elem);
    const Type& et = ls.et;
    const bool records = ls.records;
    const size_t stride = ls.stride, start = ls.start, mark = ls.mark;
    size_t i = 0;
    path.push_back({nullptr, kNoIndex});
    for (auto item : arr) {
      od::value iv;
      if (item.get(iv)) return fail("not valid JSON");
      path.back().index = i;
      if (i == limits.max_list) {
        // Too many: count the rest, for the message.
        size_t n = i + 1;
        for (auto rest : arr) {
          (void)rest;
          ++n;
        }
        path.pop_back();
        bases.resize(mark);
        return fail(fmt::format("a list of {} elements; the limit is {}", n - 1, limits.max_list));
      }
      od::json_type ijt;
      if (iv.type().get(ijt)) return fail("not valid JSON");
      if (records) {
        size_t at = fs.slots.size();
        if (at + stride > 0x7fffffffu) return fail("the facts are too large");
        fs.slots.resize(at + stride);
        init(fs, et.ref, at);
        od::object obj;
        if (ijt != od::json_type::object || iv.get_object().get(obj))
          return fail(fmt::format("expected an object, got {}", json_type_name(ijt)));
        bases.push_back(at);
        if (!bind_object(fs, et.ref, at, obj)) return false;
      } else {
        Value x = kUnknown;
        if (!bind_scalar(fs, elem, iv, ijt, x)) return false;
        fs.slots.push_back(x);
      }
      ++i;
    }
    path.pop_back();
    return gather_list(fs, records, stride, start, mark, i, out);
  }

  bool bind_object(FactStore& fs, uint32_t record, size_t base, od::object obj) {
    const RecordDef& rec = schema.records[record];
    const KeyTable& table = keys[record];
    int32_t* const plan = plans[record].next.data();
    const int32_t unknown_key = static_cast<int32_t>(rec.fields.size()) + 1;
    int32_t state = 0;
    path.push_back({nullptr, kNoIndex});
    // This object's fields seen, a bit each: in a word here for the first 64 (every
    // record of the standard facts), in `seen` for the others.
    uint64_t seen_first = 0;
    const size_t seen_at = seen.size();
    if (rec.fields.size() > 64) seen.resize(seen_at + (rec.fields.size() - 1) / 64, 0);
    for (auto field : obj) {
      path.back().name = nullptr;
      od::field f;
      if (std::move(field).get(f)) return fail("not valid JSON");
      // The expected field, else the ones after it (a key left out of this line).
      const char* raw = f.key().raw();
      int fi = -1;
      for (int32_t k = 0, cand = plan[state]; k < FieldPlan::kLookahead && cand >= 0; ++k, cand = plan[cand + 1]) {
        if (table.matches(static_cast<size_t>(cand), raw)) {
          fi = cand;
          break;
        }
      }
      if (fi < 0) {
        std::string_view key;
        const bool plain = raw_key(f, key);
        fi = plain ? table.find(key) : escaped_key(f, table);
        plan[state] = fi;
        if (fi < 0) {
          if (!plain) key = key_copy.size() >= 16 ? std::string_view(key_copy.data(), key_copy.size() - 16) : "";
          const uint32_t id = intern_unknown(record, key);
          if (strict) {
            path.back().name = &unknown_names[id];
            return fail(unknown_message(id));
          }
          line_unknown.push_back(id);
        }
      }
      state = fi < 0 ? unknown_key : fi + 1;
      od::value v = f.value();
      if (fi < 0) continue;  // not a fact of the schema: ignored
      const FieldDef& fd = rec.fields[static_cast<size_t>(fi)];
      // A fact given twice: which one a reader takes differs between tools, and taking
      // the last silently could turn an objection into none (docs/security.md).
      bool again;
      if (fi < 64) {  // kept in a register: a shift, a test and an or a field
        const uint64_t bit = uint64_t{1} << fi;
        again = (seen_first & bit) != 0;
        seen_first |= bit;
      } else {
        uint64_t& word = seen[seen_at + static_cast<size_t>(fi) / 64 - 1];
        const uint64_t bit = uint64_t{1} << (fi % 64);
        again = (word & bit) != 0;
        word |= bit;
      }
      if (__builtin_expect(again, 0)) {
        path.back().name = &fd.name;
        return fail("the key appears twice");
      }
      od::json_type jt;
      if (v.type().get(jt)) return fail("not valid JSON");
      if (jt == od::json_type::null) continue;  // null is absent
      path.back().name = &fd.name;
      const Type& ft = schema.type(fd.type);
      if (ft.kind == TypeKind::Record) {
        od::object inner;
        if (jt != od::json_type::object || v.get_object().get(inner))
          return fail(fmt::format("expected an object, got {}", json_type_name(jt)));
        size_t at = base + fd.offset + (fd.optional ? 1 : 0);
        if (fd.optional) fs.slots[base + fd.offset] = kTrue;
        if (!bind_object(fs, ft.ref, at, inner)) return false;
      } else if (ft.kind == TypeKind::List) {
        Value list = kUnknown;
        if (!bind_list(fs, ft.ref, v, list)) return false;
        fs.slots[base + fd.offset] = list;  // the arena may have moved: index again
      } else {
        Value x = kUnknown;
        if (!bind_scalar(fs, fd.type, v, jt, x)) return false;
        fs.slots[base + fd.offset] = x;
      }
    }
    path.pop_back();
    if (rec.fields.size() > 64) seen.resize(seen_at);
    return true;
  }

  // A key written with escapes (`"obj\u0065cted"`) names the field its text names: only
  // keys with a backslash come here.
  int escaped_key(od::field& f, const KeyTable& table) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return -1;
    key_copy.assign(key.data(), key.size());
    key_copy.append(16, '\0');  // KeyTable::find reads 16 bytes from a key's start
    return table.find(std::string_view(key_copy.data(), key.size()));
  }

  // ---- The fast path: a contact line bound in one pass over its bytes, driven by the
  // schema's plan (the key tables and FieldPlan), checking every value while it walks:
  // JSON grammar, depth, limits, types, enumeration members and dates, as the simdjson
  // walk below does after stage 1. It takes only lines that are plainly good: valid
  // JSON, every value of the right type, no escape in a key or in a value it keeps, no
  // key twice, within every limit (and valid UTF-8, checked at the end when a string
  // holds anything but ASCII). For anything else it returns false, having promised
  // nothing, and the line goes through the simdjson walk, which binds it or gives the
  // error record; so a line binds to the same facts either way, and every error is the
  // slow path's. tests/unit/binder_fast_test.cpp compares the two on many lines.
  bool fast_enabled = true;
  uint64_t fast_high = 0;        // the bytes of the line's strings, or-ed
  const char* fast_end = nullptr;
  // Per record, per field: what the fast path needs of it, in one small entry.
  struct FastField {
    TypeKind kind;
    bool optional;
    uint32_t ref;     // the type's ref (enum, element type, record)
    uint32_t offset;
    TypeId type;
    uint64_t bit;     // its bit among the keys an object has given (fast_object's `seen`)
  };
  std::vector<std::vector<FastField>> fast_fields;
  // Per record: at most 64 fields, so that each has a bit of `seen`. A record with more
  // (none in the schema's) always goes the slow way.
  std::vector<uint8_t> fast_record;

  // Per record, per field: the text a value is followed by when the next
  // key is that field's, as JSON Lines writers put it, `, "name": `, compared with the
  // bytes after a value in one test (next_key_at): the comma, the key, its closing quote
  // and the colon, where the FieldPlan expects that field. A name too long for the 32
  // bytes, another spelling of the separators, another key: the step by step way.
  struct NextKey {
    char bytes[32] = {};
    uint32_t need = 0;            // the bytes compared, a bit each (the first len)
    size_t len = kNoNextKey;      // the text's length; kNoNextKey: never compared
  };
  static constexpr size_t kNoNextKey = ~size_t{0} >> 1;  // more than a line can have after a value
  std::vector<std::vector<NextKey>> next_keys;

  void build_fast_fields() {
    for (const RecordDef& r : schema.records) {
      fast_fields.emplace_back();
      fast_record.push_back(r.fields.size() <= 64);
      next_keys.emplace_back();
      for (const FieldDef& f : r.fields) {
        const Type& t = schema.type(f.type);
        const size_t i = fast_fields.back().size();
        fast_fields.back().push_back({t.kind, f.optional, t.ref, f.offset, f.type, i < 64 ? uint64_t{1} << i : 0});
        NextKey k;
        const std::string text = ", \"" + f.name + "\": ";
        if (text.size() <= sizeof k.bytes) {
          std::memcpy(k.bytes, text.data(), text.size());
          k.len = text.size();
          k.need = text.size() == 32 ? ~uint32_t{0} : (uint32_t{1} << text.size()) - 1;
        }
        next_keys.back().push_back(k);
      }
    }
  }

  // Whether the text of `k` is at p (32 bytes readable: the line's padding).
  [[gnu::always_inline]] static bool next_key_at(const NextKey& k, const char* p) {
#ifdef __SSE2__
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k.bytes));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k.bytes + 16));
    const unsigned eq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, x))) |
                        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, y))) << 16;
    return (eq & k.need) == k.need;
#else
    for (unsigned i = 0; i < 32; ++i)
      if ((k.need >> i & 1) && p[i] != k.bytes[i]) return false;
    return true;
#endif
  }

  // Functions of the fast path take the position and return the one after what they
  // read, or null: not plainly good (the position stays in a register). The small ones
  // called for every key and value (ws, string_stop, fast_date, gather_list) are inlined
  // by force: when the unknown-key counting grew fast_object, GCC stopped inlining them
  // and a contact line took about 700 instructions more (docs/performance.md, issue 14).
  // intern_unknown, off the hot path, is kept out of line for the same reason.
  // Most often there is no space or one (", " and ": "): one or two comparisons. The
  // byte at fast_end may be read (the line's padding); where it is not a space, either
  // way gives fast_end.
  [[gnu::always_inline]] const char* ws(const char* p) const {
    if (static_cast<unsigned char>(*p) > ' ') return p;
    if (p < fast_end && *p == ' ' && static_cast<unsigned char>(p[1]) > ' ') return p + 1;
    while (p < fast_end && is_json_space(*p)) ++p;
    return p;
  }
  char at(const char* p) const { return p < fast_end ? *p : '\0'; }
  // The separators as JSON Lines writers put them, each in one test of a word: ": " or
  // ":" after a key (then the value's first byte), and ", " before the next key. The
  // three bytes tested lie before fast_end; anything else goes through ws() and at().
  static uint32_t load3(const char* p) {
    uint32_t x;
    std::memcpy(&x, p, 4);  // p lies in a padded buffer
    return x & 0xFFFFFFu;
  }
  // From a key's closing quote + 1: the value's first byte, or null.
  [[gnu::always_inline]] const char* colon(const char* p) const {
    if (__builtin_expect(p + 2 < fast_end, 1)) {
      const uint32_t x = load3(p);
      if ((x & 0xFFFFu) == (':' | ' ' << 8) && (x >> 16) > ' ') return p + 2;
      if ((x & 0xFFu) == ':' && ((x >> 8) & 0xFFu) > ' ') return p + 1;
    }
    p = ws(p);
    if (at(p) != ':') return nullptr;
    return ws(p + 1);
  }
  // Whether ", \"" comes at p (a value's end): the next key's quote is at p + 2.
  [[gnu::always_inline]] bool comma_key(const char* p) const {
    return p + 2 < fast_end && load3(p) == (',' | ' ' << 8 | '"' << 16);
  }
  // Whether ", " and then the next element's first byte come at p (a list element's end).
  [[gnu::always_inline]] bool comma_element(const char* p) const {
    if (p + 2 >= fast_end) return false;
    const uint32_t x = load3(p);
    return (x & 0xFFFFu) == (',' | ' ' << 8) && (x >> 16) > ' ';
  }

  bool fast_contact(FactStore& fs, uint32_t root, const char* data, size_t len) {
    fast_end = data + len;
    fast_high = 0;
    const char* p = ws(data);
    if (at(p) != '{') return false;
    const RootDef& r = schema.roots[root];
    bases.clear();
    p = fast_object(fs, r.record, r.base, p, 1);
    if (!p || ws(p) != fast_end) return false;  // text after the object
    return !(fast_high & kHigh8) || simdjson::validate_utf8(data, len);
  }

  // A case, {"contact": {...}, "campaign": {...}}, by the same pass: each object is
  // bound as fast_contact binds a contact, one level deeper; a key that is neither is
  // passed over as the walk passes over it. Anything not plainly good (either object
  // missing or given twice, an escape in a key, a value of another kind) is left to the
  // walk, which binds it or names the error.
  bool fast_case(FactStore& fs, uint32_t contact, uint32_t campaign, const char* data, size_t len) {
    fast_end = data + len;
    fast_high = 0;
    const char* p = ws(data);
    if (at(p) != '{') return false;
    bases.clear();
    bool seen_contact = false, seen_campaign = false;
    p = ws(p + 1);
    for (;;) {
      if (at(p) != '"') return false;
      const char* raw = p + 1;
      uint64_t high = 0;
      const char* q = plain_string_end(raw, fast_end, high);
      if (!q) return false;
      fast_high |= high;
      const std::string_view key(raw, static_cast<size_t>(q - raw));
      p = ws(q + 1);
      if (at(p) != ':') return false;
      p = ws(p + 1);
      const bool is_contact = key == "contact", is_campaign = key == "campaign";
      if (is_contact || is_campaign) {
        bool& seen = is_contact ? seen_contact : seen_campaign;
        if (seen || at(p) != '{') return false;
        seen = true;
        const RootDef& r = schema.roots[is_contact ? contact : campaign];
        p = fast_object(fs, r.record, r.base, p, 2);
      } else {
        p = fast_skip(p, 1);
      }
      if (!p) return false;
      p = ws(p);
      if (at(p) == '}') break;
      if (at(p) != ',') return false;
      p = ws(p + 1);
    }
    if (ws(p + 1) != fast_end || !seen_contact || !seen_campaign) return false;
    return !(fast_high & kHigh8) || simdjson::validate_utf8(data, len);
  }

  // A value not in the schema: checked as JSON and passed over.
  const char* fast_skip(const char* p, size_t depth) {
    char c = at(p);
    if (c == '"') return skip_string(p + 1, fast_end, fast_high);
    if (c == '{' || c == '[') {
      if (depth + 1 > limits.max_depth) return nullptr;
      const char close = c == '{' ? '}' : ']';
      p = ws(p + 1);
      if (at(p) == close) return p + 1;
      for (;;) {
        if (c == '{') {
          if (at(p) != '"' || !(p = skip_string(p + 1, fast_end, fast_high))) return nullptr;
          p = ws(p);
          if (at(p) != ':') return nullptr;
          p = ws(p + 1);
        }
        if (!(p = fast_skip(p, depth + 1))) return nullptr;
        p = ws(p);
        char d = at(p);
        if (d == close) return p + 1;
        if (d != ',') return nullptr;
        p = ws(p + 1);
      }
    }
    if (c == 't') return literal_at(p, fast_end, "true") ? p + 4 : nullptr;
    if (c == 'f') return literal_at(p, fast_end, "false") ? p + 5 : nullptr;
    if (c == 'n') return literal_at(p, fast_end, "null") ? p + 4 : nullptr;
    return skip_number(p, fast_end);
  }

  // Dates by month: the eight bytes "YYYY-MM-" to the day number of the month's first
  // day and its length, filled from parse_date (so only from a valid date); then a date
  // of a month seen before is two digits, a comparison and an addition. A day the month
  // does not have is left to the slow path, whose parse_date refuses it.
  struct MonthEntry {
    uint64_t key = 0;
    Days first = 0;
    uint32_t days = 0;  // 0: empty
  };
  MonthEntry months[512];

  [[gnu::always_inline]] bool fast_date(std::string_view s, Value& out) {
    if (s.size() != 10) return false;
    const unsigned d1 = static_cast<unsigned>(s[8] - '0'), d2 = static_cast<unsigned>(s[9] - '0');
    if (d1 > 9 || d2 > 9) return false;
    const unsigned day = d1 * 10 + d2;
    uint64_t key;
    std::memcpy(&key, s.data(), 8);
    const MonthEntry* e = &months[(key * 0x9E3779B97F4A7C15ull) >> 55];
    if (e->key != key || e->days == 0) e = learn_month(s, key, day);
    if (!e || day < 1 || day > e->days) return false;
    out = e->first + static_cast<Days>(day - 1);
    return true;
  }
  [[gnu::noinline]] const MonthEntry* learn_month(std::string_view s, uint64_t key, unsigned day) {
    auto d = parse_date(s);
    if (!d) return nullptr;
    MonthEntry& e = months[(key * 0x9E3779B97F4A7C15ull) >> 55];
    const int32_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    const uint32_t m = static_cast<uint32_t>((s[5] - '0') * 10 + (s[6] - '0'));
    e.key = key;
    e.first = *d - static_cast<Days>(day - 1);
    e.days = days_in_month(y, m);
    return &e;
  }

  // A scalar of the schema (not null), checked as bind_scalar checks it.
  [[gnu::always_inline]] const char* fast_scalar(FactStore& fs, TypeKind kind, uint32_t ref, const char* p, Value& out) {
    switch (kind) {
      case TypeKind::Bool:
        if (literal_at(p, fast_end, "true")) {
          out = kTrue;
          return p + 4;
        }
        if (literal_at(p, fast_end, "false")) {
          out = kFalse;
          return p + 5;
        }
        return nullptr;
      case TypeKind::Int: {
        int64_t i = 0;
        p = small_int(p, fast_end, i);
        out = i;
        return p;
      }
      case TypeKind::Enum: {
        // A member and its closing quote, found from the string's first bytes
        // (member_table.h): no scan for the quote; anything else goes the slow way.
        if (at(p) != '"') return nullptr;
        size_t n = 0;
        const int m = members[ref].match(p + 1, fast_end, n);
        if (m < 0 || n > limits.max_string) return nullptr;
        out = m;
        return p + n + 2;
      }
      case TypeKind::String:
      case TypeKind::Date: {
        if (at(p) != '"') return nullptr;
        const char* q = plain_string_end(p + 1, fast_end, fast_high);
        if (!q) return nullptr;
        std::string_view s(p + 1, static_cast<size_t>(q - p - 1));
        if (s.size() > limits.max_string) return nullptr;
        if (kind == TypeKind::String) {
          out = fs.add_string(s);
        } else if (!fast_date(s, out)) {
          return nullptr;
        }
        return q + 1;
      }
      default:
        return nullptr;
    }
  }

  // p at '['; `depth` is the depth of the object that holds the list.
  const char* fast_list(FactStore& fs, TypeId elem, const char* p, size_t depth, Value& out) {
    if (depth + 1 > limits.max_depth) return nullptr;
    const ListStart ls = list_start(fs, elem);
    const Type& et = ls.et;
    const bool records = ls.records;
    const size_t stride = ls.stride, start = ls.start, mark = ls.mark;
    size_t i = 0;
    p = ws(p + 1);
    if (at(p) == ']') {
      ++p;
    } else {
      for (;;) {
        if (i == limits.max_list) return nullptr;
        if (records) {
          if (at(p) != '{') return nullptr;
          size_t slot = fs.slots.size();
          if (slot + stride > 0x7fffffffu) return nullptr;
          const std::vector<Value>& t = templates[et.ref];  // the absent record, copied once
          fs.slots.insert(fs.slots.end(), t.begin(), t.end());
          bases.push_back(slot);
          p = fast_object(fs, et.ref, slot, p, depth + 2);
        } else {
          Value x = kUnknown;
          p = fast_scalar(fs, et.kind, et.ref, p, x);
          fs.slots.push_back(x);
        }
        if (!p) return nullptr;
        ++i;
        if (comma_element(p)) {
          p += 2;
          continue;
        }
        p = ws(p);
        char d = at(p);
        if (d == ']') {
          ++p;
          break;
        }
        if (d != ',') return nullptr;
        p = ws(p + 1);
      }
    }
    return gather_list(fs, records, stride, start, mark, i, out) ? p : nullptr;
  }

  // p at '{'; `depth` counts it.
  const char* fast_object(FactStore& fs, uint32_t record, size_t base, const char* p, size_t depth) {
    if (depth > limits.max_depth || !fast_record[record]) return nullptr;
    const KeyTable& table = keys[record];
    const FastField* const fields = fast_fields[record].data();
    int32_t* const plan = plans[record].next.data();
    FieldPlan::Unknown* const unknowns = plans[record].unknown.data();
    const int32_t unknown_key = static_cast<int32_t>(fast_fields[record].size()) + 1;
    const NextKey* const next = next_keys[record].data();
    int32_t state = 0;
    uint64_t seen = 0;
    p = ws(p + 1);
    if (at(p) == '}') return p + 1;
    if (at(p) != '"') return nullptr;
    int fi = -1;
    bool known = false;  // the key at p is field fi, read with its separators (next_key_at)
    for (;;) {
      uint32_t unknown_id = 0;
      if (known) {
        if (static_cast<unsigned char>(*p) <= ' ') p = ws(p);  // a value after more than ": "
      } else {
        const char* raw = p + 1;  // p is at a key's opening quote (comma_key saw it, or at() below)
        fi = -1;
        for (int32_t k = 0, cand = plan[state]; k < FieldPlan::kLookahead && cand >= 0; ++k, cand = plan[cand + 1]) {
          if (table.matches(static_cast<size_t>(cand), raw)) {
            fi = cand;
            break;
          }
        }
        const FieldPlan::Unknown& u = unknowns[state];
        if (fi >= 0) {
          p = raw + table.probes[static_cast<size_t>(fi)].skip;
        } else if (u.len && ((load8(raw, u.len) ^ u.lo) | (u.len > 8 ? load8(raw + 8, u.len - 8) ^ u.hi : 0)) == 0 &&
                   raw[u.len] == '"') {
          p = raw + u.len + 1;  // the same key not in the schema as last time
          unknown_id = u.id;
        } else {
          uint64_t high = 0;
          const char* q = plain_string_end(raw, fast_end, high);
          if (!q) return nullptr;  // an escape in a key
          fast_high |= high;
          const size_t n = static_cast<size_t>(q - raw);
          fi = table.find(std::string_view(raw, n));
          plan[state] = fi;
          FieldPlan::Unknown& w = unknowns[state];
          w.len = fi < 0 && n > 0 && n <= 16 && !(high & kHigh8) ? static_cast<uint32_t>(n) : 0;
          if (fi < 0) unknown_id = w.id = intern_unknown(record, std::string_view(raw, n));
          if (w.len) {
            w.lo = load8(raw, n);
            w.hi = n > 8 ? load8(raw + 8, n - 8) : 0;
          }
          p = q + 1;
        }
        if (!(p = colon(p))) return nullptr;
      }
      state = fi < 0 ? unknown_key : fi + 1;
      if (fi < 0) {
        if (strict) return nullptr;  // the simdjson walk says which key, and why
        line_unknown.push_back(unknown_id);
        p = fast_skip(p, depth);
      } else {
        const FastField& fd = fields[fi];
        if (seen & fd.bit) return nullptr;  // a key twice: the slow way
        seen |= fd.bit;
        const char c = at(p);
        if (__builtin_expect(fd.kind < TypeKind::List, 1) && c != 'n') {  // a scalar, the usual case
          Value x = kUnknown;
          p = fast_scalar(fs, fd.kind, fd.ref, p, x);
          fs.slots[base + fd.offset] = x;
        } else if (c == 'n') {
          p = literal_at(p, fast_end, "null") ? p + 4 : nullptr;  // null is absent
        } else if (fd.kind == TypeKind::Record) {
          if (c != '{') return nullptr;
          size_t slot = base + fd.offset + (fd.optional ? 1 : 0);
          if (fd.optional) fs.slots[base + fd.offset] = kTrue;
          p = fast_object(fs, fd.ref, slot, p, depth + 1);
        } else {
          Value list = kUnknown;
          p = c == '[' ? fast_list(fs, fd.ref, p, depth, list) : nullptr;
          fs.slots[base + fd.offset] = list;
        }
      }
      if (!p) return nullptr;
      // The key the plan expects next (or one of the few after it: keys left out), with
      // the comma before it and the colon after: one test of the bytes after the value
      // each, which must all lie in the line.
      const size_t avail = static_cast<size_t>(fast_end - p);
      known = false;
      for (int32_t k = 0, cand = plan[state]; k < FieldPlan::kLookahead && cand >= 0; ++k, cand = plan[cand + 1]) {
        const NextKey& nk = next[cand];
        if (avail >= nk.len && next_key_at(nk, p)) {
          p += nk.len;
          fi = cand;
          known = true;
          break;
        }
      }
      if (known) continue;
      if (comma_key(p)) {
        p += 2;
        continue;
      }
      p = ws(p);
      char d = at(p);
      if (d == '}') return p + 1;
      if (d != ',') return nullptr;
      p = ws(p + 1);
      if (at(p) != '"') return nullptr;
    }
  }

  // A list's elements lie from `start` when they came together; record elements with a
  // list inside one between them are gathered into one block at the end of the arena.
  [[gnu::always_inline]] bool gather_list(FactStore& fs, bool records, size_t stride, size_t start, size_t mark,
                                          size_t count, Value& out) {
    size_t first = start;
    if (records && count > 0) {
      bool together = true;
      for (size_t k = 0; k < count; ++k) together = together && bases[mark + k] == start + k * stride;
      if (!together) {
        first = fs.slots.size();
        if (first + count * stride > 0x7fffffffu) return fail("the facts are too large");
        fs.slots.resize(first + count * stride);
        for (size_t k = 0; k < count; ++k)
          std::copy_n(fs.slots.begin() + static_cast<std::ptrdiff_t>(bases[mark + k]), stride,
                      fs.slots.begin() + static_cast<std::ptrdiff_t>(first + k * stride));
      }
    }
    bases.resize(mark);
    if (fs.slots.size() > 0x7fffffffu) return fail("the facts are too large");
    out = make_list(static_cast<uint32_t>(first), static_cast<uint32_t>(count));
    return true;
  }

  bool bind_root(FactStore& fs, uint32_t root, od::object obj) {
    const RootDef& r = schema.roots[root];
    init(fs, r.record, r.base);
    seen.clear();
    path.clear();
    path.push_back({&r.name, 0});
    return bind_object(fs, r.record, r.base, obj);
  }

  // A line whose object is followed by more text: that is its error, whatever simdjson
  // stopped on, with the object's id. False when the line has no such text.
  bool trailing_text(const char* data, size_t len, bool nested, BindResult& res) {
    if (!text_after_object(data, len)) return false;
    res.ok = false;
    res.error = "text after the JSON object";
    copy = simdjson::padded_string(data, object_end(data, len));
    res.id = try_id(simdjson::padded_string_view(copy), nested);
    return true;
  }

  // The id of a line that could not be bound, for its error record, if it can be read.
  // The document is parsed again: after a JSON error simdjson abandons the first one,
  // and rewinding it would follow a null parser.
  std::string try_id(simdjson::padded_string_view view, bool nested) {
    od::document doc;
    if (parser.iterate(view).get(doc)) return {};
    std::string_view id;
    if (nested) {
      od::object o;
      if (doc.get_object().get(o)) return {};
      od::value c;
      if (o.find_field_unordered("contact").get(c)) return {};
      if (c.find_field_unordered("id").get_string().get(id)) return {};
    } else {
      if (doc.find_field_unordered("id").get_string().get(id)) return {};
    }
    return std::string(utf8_prefix(id, 200));
  }
};

Binder::Binder(const Program& prog, BindLimits limits)
    : impl_(std::make_unique<Impl>(prog, limits)), limits_(limits) {}
Binder::~Binder() = default;

void Binder::set_fast_path(bool on) { impl_->fast_enabled = on; }

void Binder::set_strict_fields(bool on) { impl_->strict = on; }
bool Binder::strict_fields() const { return impl_->strict; }
const std::deque<UnknownField>& Binder::unknown_fields() const { return impl_->unknown_fields; }
const std::vector<uint32_t>& Binder::line_unknown() const { return impl_->line_unknown; }
const std::vector<uint32_t>& Binder::campaign_unknown() const { return impl_->campaign_unknown; }
uint32_t Binder::unknown_id(uint32_t record, std::string_view name) { return impl_->intern_unknown(record, name); }
void Binder::note_unknown(uint32_t id) { impl_->line_unknown.push_back(id); }
std::string Binder::unknown_message(uint32_t id) const { return impl_->unknown_message(id); }
void Binder::count_line_unknown() {
  if (!impl_->line_unknown.empty()) impl_->count_line();
}
void Binder::clear_line_unknown() { impl_->line_unknown.clear(); }

void Binder::clear_root(FactStore& fs, uint32_t root) const {
  const RootDef& r = impl_->schema.roots[root];
  impl_->init(fs, r.record, r.base);
}

void Binder::init_record(FactStore& fs, uint32_t record, size_t base) const { impl_->init(fs, record, base); }

int Binder::enum_member(uint32_t enumeration, std::string_view text) const {
  return impl_->members[enumeration].find(text);
}


BindResult Binder::bind_campaign(FactStore& fs, std::string_view json) {
  BindResult res;
  Impl& m = *impl_;
  fs.reset_all();
  int c = m.campaign_root;
  int k = m.contact_root;
  if (k >= 0) clear_root(fs, static_cast<uint32_t>(k));
  if (c < 0) {
    fs.mark_campaign();
    return res;
  }
  clear_root(fs, static_cast<uint32_t>(c));
  if (json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);  // a byte-order mark
  if (json.size() > limits_.max_line || nests_deeper_than(json.data(), json.size(), limits_.max_depth)) {
    res.ok = false;
    res.error = json.size() > limits_.max_line
                    ? fmt::format("the campaign: {} bytes; the limit is {}", json.size(), limits_.max_line)
                    : fmt::format("the campaign: objects and lists nested more than {} deep", limits_.max_depth);
    fs.mark_campaign();
    return res;
  }
  // The same text as the last campaign bound without error: the same campaign part,
  // under the same epoch, with its strings in the same buffer (which stays).
  const bool same = m.campaign_epoch != 0 && json == std::string_view(m.campaign_json.data(), m.campaign_json.size());
  if (!same) {
    m.campaign_json = simdjson::padded_string(json);
    m.campaign_epoch = 0;
  }
  od::document doc;
  od::object obj;
  m.path.clear();
  m.line_unknown.clear();
  simdjson::error_code e = m.campaign_parser.iterate(m.campaign_json).get(doc);
  if (!e) e = doc.get_object().get(obj);
  if (text_after_object(json.data(), json.size())) {  // a second object is not a campaign either
    res.ok = false;
    res.error = "the campaign: text after the JSON object";
  } else if (e) {
    res.ok = false;
    res.error = "the campaign: " + document_error(e);
  } else if (!m.bind_root(fs, static_cast<uint32_t>(c), obj)) {
    res.ok = false;
    res.error = m.error;
  }
  m.campaign_unknown.swap(m.line_unknown);
  m.line_unknown.clear();
  if (res.ok && !m.campaign_epoch) m.campaign_epoch = FactStore::next_epoch();
  if (!res.ok) m.campaign_epoch = 0;
  fs.mark_campaign(m.campaign_epoch);
  return res;
}

BindResult Binder::bind_contact(FactStore& fs, const char* data, size_t len, size_t capacity) {
  BindResult res;
  Impl& m = *impl_;
  fs.reset_to_campaign();
  int k = m.contact_root;
  if (k < 0) return res;
  clear_root(fs, static_cast<uint32_t>(k));
  skip_bom(data, len, capacity);
  if (len > limits_.max_line) {
    res.ok = false;
    res.error = fmt::format("a line of {} bytes; the limit is {}", len, limits_.max_line);
    return res;
  }
  simdjson::padded_string_view view;
  if (capacity >= len + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(data, len, capacity);
  } else {
    m.copy = simdjson::padded_string(data, len);
    view = simdjson::padded_string_view(m.copy);
  }
  m.line_unknown.clear();
  if (m.fast_enabled) {
    if (m.fast_contact(fs, static_cast<uint32_t>(k), view.data(), len)) {
      if (__builtin_expect(!m.line_unknown.empty(), 0)) m.count_line();
      return res;
    }
    m.line_unknown.clear();
    fs.reset_to_campaign();  // not plainly good: the simdjson walk decides
    clear_root(fs, static_cast<uint32_t>(k));
  }
  if (nests_deeper_than(data, len, limits_.max_depth)) {
    res.ok = false;
    res.error = fmt::format("objects and lists nested more than {} deep", limits_.max_depth);
    return res;
  }
  od::document doc;
  od::object obj;
  simdjson::error_code e = m.parser.iterate(view).get(doc);
  if (!e) e = doc.get_object().get(obj);
  if (e) {
    if (m.trailing_text(data, len, false, res)) return res;
    res.ok = false;
    res.error = document_error(e);
    return res;
  }
  if (!m.bind_root(fs, static_cast<uint32_t>(k), obj)) {
    if (m.trailing_text(data, len, false, res)) return res;
    res.ok = false;
    res.error = m.error;
    res.id = m.try_id(view, false);
    return res;
  }
  // A document must end after its object.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS && !m.trailing_text(data, len, false, res)) {
    res.ok = false;
    res.error = "text after the JSON object";
  }
  if (res.ok) m.count_line();
  return res;
}

BindResult Binder::bind_case(FactStore& fs, const char* data, size_t len, size_t capacity) {
  BindResult res;
  Impl& m = *impl_;
  fs.reset_all();
  int k = m.contact_root;
  int c = m.campaign_root;
  for (uint32_t r = 0; r < m.schema.roots.size(); ++r) clear_root(fs, r);
  skip_bom(data, len, capacity);
  if (len > limits_.max_line) {
    res.ok = false;
    res.error = fmt::format("a line of {} bytes; the limit is {}", len, limits_.max_line);
    return res;
  }
  simdjson::padded_string_view view;
  if (capacity >= len + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(data, len, capacity);
  } else {
    m.copy = simdjson::padded_string(data, len);
    view = simdjson::padded_string_view(m.copy);
  }
  m.line_unknown.clear();
  if (m.fast_enabled && k >= 0 && c >= 0 && view.data() == data) {
    // The same pass as a contact's (its string scan reads into the padding). Only on the
    // caller's own padded text: the strings it keeps point into the line, and a copy in
    // m.copy would be overwritten by the next line bound into another store (two stores
    // bound from one binder, as tests/jit/engine_diff.h does).
    if (m.fast_case(fs, static_cast<uint32_t>(k), static_cast<uint32_t>(c), view.data(), len)) {
      if (__builtin_expect(!m.line_unknown.empty(), 0)) m.count_line();
      return res;
    }
    m.line_unknown.clear();
    fs.reset_all();  // not plainly good: the simdjson walk decides
    for (uint32_t r = 0; r < m.schema.roots.size(); ++r) clear_root(fs, r);
  }
  if (nests_deeper_than(data, len, limits_.max_depth)) {
    res.ok = false;
    res.error = fmt::format("objects and lists nested more than {} deep", limits_.max_depth);
    return res;
  }
  od::document doc;
  od::object obj;
  simdjson::error_code e = m.parser.iterate(view).get(doc);
  if (!e) e = doc.get_object().get(obj);
  if (e) {
    if (m.trailing_text(data, len, true, res)) return res;
    res.ok = false;
    res.error = document_error(e);
    return res;
  }
  bool seen_contact = false, seen_campaign = false;
  for (auto field : obj) {
    od::field f;
    if (std::move(field).get(f)) {
      if (m.trailing_text(data, len, true, res)) return res;
      res.ok = false;
      res.error = "not valid JSON";
      return res;
    }
    std::string_view key;
    if (!raw_key(f, key)) key = {};
    int root = key == "contact" ? k : key == "campaign" ? c : -1;
    if (root < 0) continue;
    od::object inner;
    od::json_type jt;
    od::value v = f.value();
    if (v.type().get(jt) || jt != od::json_type::object || v.get_object().get(inner)) {
      res.ok = false;
      res.error = fmt::format("{}: expected an object", key);
      res.id = m.try_id(view, true);
      return res;
    }
    (key == "contact" ? seen_contact : seen_campaign) = true;
    if (!m.bind_root(fs, static_cast<uint32_t>(root), inner)) {
      if (m.trailing_text(data, len, true, res)) return res;
      res.ok = false;
      res.error = m.error;
      res.id = m.try_id(view, true);
      return res;
    }
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    if (m.trailing_text(data, len, true, res)) return res;
    res.ok = false;
    res.error = "text after the JSON object";
    return res;
  }
  if (!seen_contact || !seen_campaign) {
    res.ok = false;
    res.error = !seen_contact ? "the case has no \"contact\" object" : "the case has no \"campaign\" object";
    res.id = m.try_id(view, true);
  }
  if (res.ok) m.count_line();
  return res;
}

// At most n bytes of s, cut before a character rather than inside one: what is shown
// in an error record must stay valid UTF-8 (simdjson, or the CSV binder, has checked
// that s is).
std::string_view utf8_prefix(std::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

void add_unknown_fields(std::vector<UnknownField>& total, const std::deque<UnknownField>& more) {
  for (const UnknownField& u : more) {
    if (!u.lines) continue;
    auto it = std::find_if(total.begin(), total.end(), [&](const UnknownField& x) { return x.path == u.path; });
    if (it == total.end()) total.push_back(u);
    else it->lines += u.lines;
  }
  std::stable_sort(total.begin(), total.end(),
                   [](const UnknownField& a, const UnknownField& b) { return a.lines > b.lines; });
}

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace lawful
