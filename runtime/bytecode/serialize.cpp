// Program <-> bytes; see serialize.h. Little-endian, length-prefixed.
#include "runtime/bytecode/serialize.h"

#include <cstring>
#include <type_traits>

#include <fmt/format.h>

namespace lawful {

uint64_t fnv1a64(std::string_view data, uint64_t h) {
  // Byte by byte as FNV-1a is defined, the bytes taken eight at a time from one load
  // (the same value: 6 instructions a byte became about 4.5, at every program load).
  constexpr uint64_t kPrime = 0x100000001b3ull;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w |= static_cast<uint64_t>(p[i]) << (8 * i);  // one load
    for (int i = 0; i < 8; ++i, w >>= 8) h = (h ^ (w & 0xff)) * kPrime;
  }
  for (; n > 0; --n, ++p) h = (h ^ *p) * kPrime;
  return h;
}

namespace {

class Writer {
 public:
  std::string out;
  template <class T>
  void num(T v) {
    static_assert(std::is_integral_v<T>);
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    for (size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
  }
  void str(const std::string& s) {
    num<uint32_t>(static_cast<uint32_t>(s.size()));
    out += s;
  }
  template <class T>
  void nums(const std::vector<T>& v) {
    num<uint32_t>(static_cast<uint32_t>(v.size()));
    for (T x : v) num<T>(x);
  }
  void pos(const SourcePos& p) {
    num(p.file);
    num(p.line);
    num(p.col);
    num(p.begin);
    num(p.end);
  }
  void window(const Window& w) {
    num(w.from);
    num(w.until);
  }
  // LEB128: 7 bits a byte, low first.
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out += static_cast<char>(v);
  }
  void zigzag(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  // The code span table, compactly (as Lua's line info): each entry as differences from
  // the one before (offset, line, byte range), one to three bytes a number.
  void spans(const std::vector<CodeSpan>& spans) {
    num<uint32_t>(static_cast<uint32_t>(spans.size()));
    CodeSpan prev;
    for (const CodeSpan& cs : spans) {
      zigzag(int64_t{cs.pc} - prev.pc);
      varint(cs.pos.file == kNoSourceFile ? 0 : uint64_t{cs.pos.file} + 1);
      zigzag(int64_t{cs.pos.line} - prev.pos.line);
      varint(cs.pos.col);
      zigzag(int64_t{cs.pos.begin} - prev.pos.begin);
      zigzag(int64_t{cs.pos.end} - cs.pos.begin);
      prev = cs;
    }
  }
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::string error;

  bool ok() const { return error.empty(); }
  bool at_end() const { return pos_ == in_.size(); }

  template <class T>
  T num() {
    static_assert(std::is_integral_v<T>);
    if (!need(sizeof(T))) return T{};
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<U>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i));
    pos_ += sizeof(T);
    return static_cast<T>(u);
  }
  // A count of things that each take at least `each` bytes: bounded by what is left.
  uint32_t count(size_t each) {
    uint32_t n = num<uint32_t>();
    if (ok() && static_cast<uint64_t>(n) * each > in_.size() - pos_) {
      fail("a count larger than the file");
      return 0;
    }
    return n;
  }
  std::string str() {
    uint32_t n = count(1);
    if (!need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // `count` has checked that all n are in the file: read them without a check each.
  template <class T>
  std::vector<T> nums() {
    static_assert(std::is_integral_v<T>);
    uint32_t n = count(sizeof(T));
    if (!ok() || n == 0) return {};
    std::vector<T> v(n);
    const char* from = in_.data() + pos_;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::memcpy(v.data(), from, size_t{n} * sizeof(T));
#else
    using U = std::make_unsigned_t<T>;
    for (uint32_t k = 0; k < n; ++k) {
      U u = 0;
      for (size_t i = 0; i < sizeof(T); ++i)
        u |= static_cast<U>(static_cast<U>(static_cast<unsigned char>(from[k * sizeof(T) + i])) << (8 * i));
      v[k] = static_cast<T>(u);
    }
#endif
    pos_ += size_t{n} * sizeof(T);
    return v;
  }
  SourcePos pos() {
    SourcePos p;
    p.file = num<uint32_t>();
    p.line = num<uint32_t>();
    p.col = num<uint32_t>();
    p.begin = num<uint32_t>();
    p.end = num<uint32_t>();
    return p;
  }
  Window window() {
    Window w;
    w.from = num<int32_t>();
    w.until = num<int32_t>();
    return w;
  }
  void fail(std::string why) {
    if (error.empty()) error = std::move(why);
  }
  uint64_t varint() {
    if (!ok()) return 0;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data()) + pos_;
    const size_t left = in_.size() - pos_;
    uint64_t v = 0;
    size_t i = 0;
    for (int shift = 0; shift < 64; shift += 7, ++i) {
      if (i == left) {
        fail("the file ends too early (truncated)");
        return 0;
      }
      const unsigned char b = p[i];
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        pos_ += i + 1;
        return v;
      }
    }
    fail("a number longer than ten bytes");
    return 0;
  }
  // A difference: never more than 2^33 either way (so that sums of them stay in range).
  int64_t zigzag() {
    uint64_t v = varint();
    if (v >> 34) {
      fail("a code span out of range");
      return 0;
    }
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  std::vector<CodeSpan> spans() {
    uint32_t n = count(6);  // six numbers of at least a byte each
    std::vector<CodeSpan> spans;
    spans.reserve(n);
    CodeSpan prev;
    auto u32 = [&](int64_t v) {
      if (v < 0 || v > int64_t{UINT32_MAX}) fail("a code span out of range");
      return static_cast<uint32_t>(v);
    };
    for (uint32_t i = 0; i < n && ok(); ++i) {
      CodeSpan cs;
      cs.pc = u32(int64_t{prev.pc} + zigzag());
      const uint64_t file = varint();  // 0: no file
      if (file > kNoSourceFile) fail("a code span out of range");
      cs.pos.file = file == 0 ? kNoSourceFile : static_cast<uint32_t>(file - 1);
      cs.pos.line = u32(int64_t{prev.pos.line} + zigzag());
      const uint64_t col = varint();
      if (col > UINT32_MAX) fail("a code span out of range");
      cs.pos.col = static_cast<uint32_t>(col);
      cs.pos.begin = u32(int64_t{prev.pos.begin} + zigzag());
      cs.pos.end = u32(int64_t{cs.pos.begin} + zigzag());
      spans.push_back(cs);
      prev = cs;
    }
    return spans;
  }

 private:
  bool need(size_t n) {
    if (!ok()) return false;
    if (n > in_.size() - pos_) {
      fail("the file ends too early (truncated)");
      return false;
    }
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

void write_schema(Writer& w, const Schema& s) {
  w.num<uint32_t>(static_cast<uint32_t>(s.types.size()));
  for (const Type& t : s.types) {
    w.num<uint8_t>(static_cast<uint8_t>(t.kind));
    w.num(t.ref);
  }
  w.num<uint32_t>(static_cast<uint32_t>(s.enums.size()));
  for (const EnumDef& e : s.enums) {
    w.str(e.name);
    w.num<uint32_t>(static_cast<uint32_t>(e.members.size()));
    for (const std::string& m : e.members) w.str(m);
  }
  w.num<uint32_t>(static_cast<uint32_t>(s.records.size()));
  for (const RecordDef& r : s.records) {
    w.str(r.name);
    w.num(r.size);
    w.num<uint32_t>(static_cast<uint32_t>(r.fields.size()));
    for (const FieldDef& f : r.fields) {
      w.str(f.name);
      w.num(f.type);
      w.num<uint8_t>(f.optional);
      w.num<uint8_t>(f.has_default);
      w.num(f.default_value);
      w.num(f.offset);
      w.num(f.path);
    }
  }
  w.num<uint32_t>(static_cast<uint32_t>(s.roots.size()));
  for (const RootDef& r : s.roots) {
    w.str(r.name);
    w.num(r.record);
    w.num(r.base);
  }
  w.num<uint32_t>(static_cast<uint32_t>(s.paths.size()));
  for (const PathDef& p : s.paths) {
    w.str(p.name);
    w.num(p.type);
    w.num(p.slot);
  }
  w.num(s.root_slots);
  w.num(s.as_of_path);
}

void read_schema(Reader& r, Schema& s) {
  s.types.clear();
  uint32_t n = r.count(5);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Type t;
    t.kind = static_cast<TypeKind>(r.num<uint8_t>());
    t.ref = r.num<uint32_t>();
    s.types.push_back(t);
  }
  n = r.count(8);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    EnumDef e;
    e.name = r.str();
    uint32_t m = r.count(4);
    for (uint32_t k = 0; k < m && r.ok(); ++k) e.members.push_back(r.str());
    s.enums.push_back(std::move(e));
  }
  n = r.count(12);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    RecordDef rec;
    rec.name = r.str();
    rec.size = r.num<uint32_t>();
    uint32_t m = r.count(26);
    for (uint32_t k = 0; k < m && r.ok(); ++k) {
      FieldDef f;
      f.name = r.str();
      f.type = r.num<uint32_t>();
      f.optional = r.num<uint8_t>() != 0;
      f.has_default = r.num<uint8_t>() != 0;
      f.default_value = r.num<int64_t>();
      f.offset = r.num<uint32_t>();
      f.path = r.num<uint32_t>();
      rec.fields.push_back(std::move(f));
    }
    s.records.push_back(std::move(rec));
  }
  n = r.count(12);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    RootDef root;
    root.name = r.str();
    root.record = r.num<uint32_t>();
    root.base = r.num<uint32_t>();
    s.roots.push_back(std::move(root));
  }
  n = r.count(12);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    PathDef p;
    p.name = r.str();
    p.type = r.num<uint32_t>();
    p.slot = r.num<int32_t>();
    s.paths.push_back(std::move(p));
  }
  s.root_slots = r.num<uint32_t>();
  s.as_of_path = r.num<int32_t>();
}

}  // namespace

std::string serialize_program(const Program& p, uint32_t version) {
  Writer w;
  write_schema(w, p.schema);
  w.num<uint32_t>(static_cast<uint32_t>(p.files.size()));
  for (const std::string& f : p.files) w.str(f);
  w.num<uint32_t>(static_cast<uint32_t>(p.strings.size()));
  for (const std::string& s : p.strings) w.str(s);
  w.nums(p.consts);
  w.num<uint32_t>(static_cast<uint32_t>(p.string_sets.size()));
  for (const auto& set : p.string_sets) w.nums(set);
  w.nums(p.code);
  w.nums(p.code_paths);
  if (version >= 2) {
    w.spans(p.code_spans);
  }
  w.num<uint32_t>(static_cast<uint32_t>(p.functions.size()));
  for (const Function& f : p.functions) {
    w.num(f.begin);
    w.num(f.end);
    w.num(f.max_stack);
    w.num(f.n_locals);
  }
  w.num<uint32_t>(static_cast<uint32_t>(p.lets.size()));
  for (const LetInfo& l : p.lets) {
    w.num(l.name);
    w.num(l.fn);
  }
  w.num<uint32_t>(static_cast<uint32_t>(p.decisions.size()));
  for (const DecisionInfo& d : p.decisions) {
    w.num(d.name);
    w.num(d.policy);
    w.num(d.guard);
    w.pos(d.pos);
    w.num<uint32_t>(static_cast<uint32_t>(d.rules.size()));
    for (const RuleInfo& r : d.rules) {
      w.num(r.name);
      w.num(r.verdict);
      w.num(r.basis);
      w.num(r.cond);
      w.window(r.window);
      w.nums(r.overrides);
      w.nums(r.cites);
      w.nums(r.needs);
      w.pos(r.pos);
      w.num(r.origin);
    }
    w.num<uint32_t>(static_cast<uint32_t>(d.obliges.size()));
    for (const ObligeInfo& o : d.obliges) {
      w.num(o.name);
      w.num(o.cond);
      if (version >= 3) w.nums(o.rules);
      w.nums(o.cites);
      w.pos(o.pos);
    }
  }
  w.num<uint32_t>(static_cast<uint32_t>(p.policies.size()));
  for (const PolicyInfo& pi : p.policies) {
    w.num(pi.name);
    w.num(pi.title);
    w.nums(pi.jurisdictions);
    w.nums(pi.decisions);
    w.window(pi.window);
    w.pos(pi.pos);
  }
  w.num<uint32_t>(static_cast<uint32_t>(p.routes.size()));
  for (const Route& r : p.routes) {
    w.num(r.country);
    w.num(r.policy);
  }
  w.num<uint8_t>(p.has_router);
  w.num(p.route_path);
  w.num(p.entry_policy);
  w.num(p.basis_enum);
  w.num(p.obligation_enum);
  if (version >= 4) w.str(p.content_hash);

  // The checksum covers everything before it in the header and the whole payload, so
  // that no byte of the file can change unnoticed.
  Writer head;
  head.out.append(kLawcMagic, 4);
  head.num<uint32_t>(version);
  head.num<uint64_t>(p.source_hash);
  head.num<uint64_t>(w.out.size());
  uint64_t sum = fnv1a64(w.out, fnv1a64(head.out));
  head.num<uint64_t>(sum);
  head.out += w.out;
  return head.out;
}

std::string deserialize_program(std::string_view bytes, Program& p) {
  constexpr size_t kHeader = 4 + 4 + 8 + 8 + 8;
  if (bytes.size() < kHeader) return "not a compiled policy file: too short";
  if (std::memcmp(bytes.data(), kLawcMagic, 4) != 0) return "not a compiled policy file (no LAWC magic number)";
  Reader h(bytes.substr(4, kHeader - 4));
  uint32_t version = h.num<uint32_t>();
  uint64_t hash = h.num<uint64_t>();
  uint64_t len = h.num<uint64_t>();
  uint64_t sum = h.num<uint64_t>();
  if (version < Program::kOldestFormatVersion || version > Program::kFormatVersion)
    return fmt::format("compiled with format version {}; this lawful reads versions {} to {}", version,
                       Program::kOldestFormatVersion, Program::kFormatVersion);
  std::string_view payload = bytes.substr(kHeader);
  if (payload.size() != len)
    return payload.size() < len ? "the file is truncated" : "the file has bytes after its end";
  if (fnv1a64(payload, fnv1a64(bytes.substr(0, kHeader - 8))) != sum)
    return "the checksum does not match: the file is damaged";

  Reader r(payload);
  p = Program{};
  p.source_hash = hash;
  read_schema(r, p.schema);
  uint32_t n = r.count(4);
  for (uint32_t i = 0; i < n && r.ok(); ++i) p.files.push_back(r.str());
  n = r.count(4);
  for (uint32_t i = 0; i < n && r.ok(); ++i) p.strings.push_back(r.str());
  p.consts = r.nums<int64_t>();
  n = r.count(4);
  for (uint32_t i = 0; i < n && r.ok(); ++i) p.string_sets.push_back(r.nums<uint32_t>());
  p.code = r.nums<uint32_t>();
  p.code_paths = r.nums<int16_t>();
  if (version >= 2) p.code_spans = r.spans();  // version 1 has none: run-time errors point at the rule
  n = r.count(16);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Function f;
    f.begin = r.num<uint32_t>();
    f.end = r.num<uint32_t>();
    f.max_stack = r.num<uint32_t>();
    f.n_locals = r.num<uint32_t>();
    p.functions.push_back(f);
  }
  n = r.count(8);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    LetInfo l;
    l.name = r.num<uint32_t>();
    l.fn = r.num<uint32_t>();
    p.lets.push_back(l);
  }
  n = r.count(36);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    DecisionInfo d;
    d.name = r.num<uint32_t>();
    d.policy = r.num<uint32_t>();
    d.guard = r.num<int32_t>();
    d.pos = r.pos();
    uint32_t nr = r.count(40);
    for (uint32_t k = 0; k < nr && r.ok(); ++k) {
      RuleInfo ri;
      ri.name = r.num<uint32_t>();
      ri.verdict = r.num<uint8_t>();
      ri.basis = r.num<int32_t>();
      ri.cond = r.num<int32_t>();
      ri.window = r.window();
      ri.overrides = r.nums<uint32_t>();
      ri.cites = r.nums<uint32_t>();
      ri.needs = r.nums<uint32_t>();
      ri.pos = r.pos();
      ri.origin = r.num<uint32_t>();
      d.rules.push_back(std::move(ri));
    }
    uint32_t no = r.count(32);
    for (uint32_t k = 0; k < no && r.ok(); ++k) {
      ObligeInfo o;
      o.name = r.num<uint32_t>();
      o.cond = r.num<int32_t>();
      if (version >= 3) o.rules = r.nums<uint32_t>();  // before: none (any rule)
      o.cites = r.nums<uint32_t>();
      o.pos = r.pos();
      d.obliges.push_back(std::move(o));
    }
    p.decisions.push_back(std::move(d));
  }
  n = r.count(40);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    PolicyInfo pi;
    pi.name = r.num<uint32_t>();
    pi.title = r.num<uint32_t>();
    pi.jurisdictions = r.nums<uint32_t>();
    pi.decisions = r.nums<uint32_t>();
    pi.window = r.window();
    pi.pos = r.pos();
    p.policies.push_back(std::move(pi));
  }
  n = r.count(8);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Route rt;
    rt.country = r.num<uint32_t>();
    rt.policy = r.num<int32_t>();
    p.routes.push_back(rt);
  }
  p.has_router = r.num<uint8_t>() != 0;
  p.route_path = r.num<int32_t>();
  p.entry_policy = r.num<int32_t>();
  p.basis_enum = r.num<int32_t>();
  p.obligation_enum = r.num<int32_t>();
  if (version >= 4) {
    p.content_hash = r.str();  // before: none (the 64-bit source hash only)
    if (r.ok() && !p.content_hash.empty() &&
        (p.content_hash.size() != 64 || p.content_hash.find_first_not_of("0123456789abcdef") != std::string::npos))
      return "the content hash is not 64 hex digits";
  }
  if (!r.ok()) return r.error;
  if (!r.at_end()) return "the file has bytes the format does not account for";
  return {};
}

}  // namespace lawful
