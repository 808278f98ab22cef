// JSON binding with simdjson on-demand; see binder.h.
#include "runtime/facts/binder.h"

#include <simdjson.h>

#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

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
    // Up to 16 bytes by two loads each (the key's buffer and the padded name allow it).
    const size_t n = key.size();
    if (n <= 16) {
      const char* a = key.data();
      const char* b = padded_names[static_cast<size_t>(i)].data();
      uint64_t diff = load8(a, n) ^ load8(b, n);
      if (n > 8) diff |= load8(a + 8, n - 8) ^ load8(b + 8, n - 8);
      return diff == 0 ? i : -1;
    }
    return name == key ? i : -1;
  }
  // Whether the raw key at p (in a padded buffer, as for key_hash) is exactly name i:
  // its bytes, then the closing quote. A name has no quote or backslash, so a key that
  // matches has no escape either.
  bool matches(size_t i, const char* p) const {
    const size_t n = names[i].size();
    const char* b = padded_names[i].data();
    if (n <= 16) {
      uint64_t diff = load8(p, n) ^ load8(b, n);
      if (n > 8) diff |= load8(p + 8, n - 8) ^ load8(b + 8, n - 8);
      return diff == 0 && p[n] == '"';
    }
    return std::memcmp(p, b, n) == 0 && p[n] == '"';
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
  explicit FieldPlan(size_t fields = 0) : next(fields + 2, -1) {}
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
  std::vector<KeyTable> members;                // per enumeration: member name to index
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
  int contact_root = -1, campaign_root = -1;

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
    const Type& et = schema.type(elem);
    const bool records = et.kind == TypeKind::Record;
    const size_t stride = records ? schema.records[et.ref].size : 1;
    const size_t start = fs.slots.size();
    const size_t mark = bases.size();
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
    size_t first = start;
    if (records && i > 0) {
      bool together = true;
      for (size_t k = 0; k < i; ++k) together = together && bases[mark + k] == start + k * stride;
      if (!together) {
        first = fs.slots.size();
        if (first + i * stride > 0x7fffffffu) return fail("the facts are too large");
        fs.slots.resize(first + i * stride);
        for (size_t k = 0; k < i; ++k)
          std::copy_n(fs.slots.begin() + static_cast<std::ptrdiff_t>(bases[mark + k]), stride,
                      fs.slots.begin() + static_cast<std::ptrdiff_t>(first + k * stride));
      }
    }
    bases.resize(mark);
    if (fs.slots.size() > 0x7fffffffu) return fail("the facts are too large");
    out = make_list(static_cast<uint32_t>(first), static_cast<uint32_t>(i));
    return true;
  }

  bool bind_object(FactStore& fs, uint32_t record, size_t base, od::object obj) {
    const RecordDef& rec = schema.records[record];
    const KeyTable& table = keys[record];
    int32_t* const plan = plans[record].next.data();
    const int32_t unknown_key = static_cast<int32_t>(rec.fields.size()) + 1;
    int32_t state = 0;
    path.push_back({nullptr, kNoIndex});
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
        fi = raw_key(f, key) ? table.find(key) : -1;
        plan[state] = fi;
      }
      state = fi < 0 ? unknown_key : fi + 1;
      od::value v = f.value();
      if (fi < 0) continue;  // not a fact of the schema: ignored
      const FieldDef& fd = rec.fields[static_cast<size_t>(fi)];
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
    return true;
  }

  bool bind_root(FactStore& fs, uint32_t root, od::object obj) {
    const RootDef& r = schema.roots[root];
    init(fs, r.record, r.base);
    path.clear();
    path.push_back({&r.name, 0});
    return bind_object(fs, r.record, r.base, obj);
  }

  // The id of a line that could not be bound, for its error record, if it can be read.
  // The document is parsed again: after a JSON error simdjson abandons the first one,
  // and rewinding it would follow a null parser.
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

void Binder::clear_root(FactStore& fs, uint32_t root) const {
  const RootDef& r = impl_->schema.roots[root];
  impl_->init(fs, r.record, r.base);
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
  if (nests_deeper_than(data, len, limits_.max_depth)) {
    res.ok = false;
    res.error = fmt::format("objects and lists nested more than {} deep", limits_.max_depth);
    return res;
  }
  simdjson::padded_string_view view;
  if (capacity >= len + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(data, len, capacity);
  } else {
    m.copy = simdjson::padded_string(data, len);
    view = simdjson::padded_string_view(m.copy);
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
  if (nests_deeper_than(data, len, limits_.max_depth)) {
    res.ok = false;
    res.error = fmt::format("objects and lists nested more than {} deep", limits_.max_depth);
    return res;
  }
  simdjson::padded_string_view view;
  if (capacity >= len + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(data, len, capacity);
  } else {
    m.copy = simdjson::padded_string(data, len);
    view = simdjson::padded_string_view(m.copy);
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

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace lawful
