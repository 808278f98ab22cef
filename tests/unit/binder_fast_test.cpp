// The binder's fast path (one pass over a contact line's bytes) against its simdjson
// walk: for every line, good or damaged, the two must give the same result, the same
// error and the same facts. The fast path only takes lines it is sure of and leaves the
// rest to the walk, so this compares thousands of lines of `lawful gen-contacts` and
// many more made from them by random damage: bytes deleted, inserted, doubled and
// swapped, values of other types, escapes, non-ASCII text and bytes that are not UTF-8,
// keys twice, deep nesting, and limits made small enough to be crossed.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <random>

#include "cli/gen_contacts.h"
#include "runtime/facts/csv_binder.h"
#include "helpers.h"

using namespace lawful;
using namespace lawful::testing;

namespace {

const char* kPolicy = R"(policy t.fast "fast path"
decision d:
  rule yes: allow basis consent
    cite "yes"
)";

std::vector<std::string> unknown_paths(const Binder& b) {
  std::vector<std::string> out;
  for (uint32_t id : b.line_unknown()) out.push_back(b.unknown_fields()[id].path);
  return out;
}

struct Pair {
  Pair(const Program& p, BindLimits lim) : prog(p), fast(p, lim), slow(p, lim), fs_fast(p), fs_slow(p) {
    slow.set_fast_path(false);
    const std::string campaign = R"({"channel": "email", "sender": {"name": "Northwind Ltd"}})";
    REQUIRE(fast.bind_campaign(fs_fast, campaign).ok);
    REQUIRE(slow.bind_campaign(fs_slow, campaign).ok);
  }
  const Program& prog;
  Binder fast, slow;
  FactStore fs_fast, fs_slow;
  size_t compared = 0, fast_taken = 0;

  // Binds `line` both ways (padded, as `lawful check`'s chunks are, and unpadded) and
  // compares everything; as a contact, or (`as_case`) as a case line. The padding goes on
  // as JSON would (the separators the fast path tests in one word read past the line's
  // end, which must not count).
  void compare(const std::string& line, bool as_case = false, const std::string& after = R"( "x": 1, "y": [2, 3]})") {
    for (int padded = 0; padded < 2; ++padded) {
      std::string buf = line + (padded ? after + std::string(64, '\n') : "");
      BindResult a = as_case ? fast.bind_case(fs_fast, buf.data(), line.size(), buf.size())
                             : fast.bind_contact(fs_fast, buf.data(), line.size(), buf.size());
      BindResult b = as_case ? slow.bind_case(fs_slow, buf.data(), line.size(), buf.size())
                             : slow.bind_contact(fs_slow, buf.data(), line.size(), buf.size());
      INFO("line: " << line);
      REQUIRE(a.ok == b.ok);
      REQUIRE(a.error == b.error);
      REQUIRE(a.id == b.id);
      if (a.ok) ++fast_taken;
      ++compared;
      if (!a.ok) continue;
      // The same unknown keys, by name (ids are each binder's own), while neither has
      // reached its cap of distinct names (random damage makes many; the fast path, which
      // reads on past the point where the walk stops, may have seen more of them).
      if (fast.unknown_fields().size() >= kMaxUnknownFields || slow.unknown_fields().size() >= kMaxUnknownFields)
        continue;
      INFO("fast: " << fmt::format("{}", fmt::join(unknown_paths(fast), ",")) << " slow: " << fmt::format("{}", fmt::join(unknown_paths(slow), ",")));
      REQUIRE(unknown_paths(fast) == unknown_paths(slow));
      REQUIRE(fs_fast.slots.size() == fs_slow.slots.size());
      REQUIRE(fs_fast.strings.size() == fs_slow.strings.size());
      for (size_t i = 0; i < fs_fast.slots.size(); ++i) REQUIRE(fs_fast.slots[i] == fs_slow.slots[i]);
      for (size_t i = prog.strings.size(); i < fs_fast.strings.size(); ++i)
        REQUIRE(fs_fast.strings[i] == fs_slow.strings[i]);
    }
  }
};

// `contact` as a case line, in one of several shapes: the campaign after or before it,
// a key of neither kind beside them.
std::string as_case(const std::string& contact, size_t shape) {
  const std::string campaign = R"({"channel": "email", "sender": {"name": "Northwind Ltd"}, "send_date": "2026-12-01"})";
  switch (shape % 3) {
    case 0: return "{\"contact\": " + contact + ", \"campaign\": " + campaign + "}";
    case 1: return "{ \"campaign\" : " + campaign + " , \"contact\" : " + contact + " }";
    default: return "{\"note\": [1, {\"a\": null}], \"contact\": " + contact + ", \"campaign\": " + campaign + "}";
  }
}

// Limits small enough for the lines here to cross.
BindLimits small_limits(size_t max_string) {
  BindLimits small;
  small.max_list = 2;
  small.max_string = max_string;
  small.max_depth = 4;
  return small;
}

std::vector<std::string> generated(uint64_t n, uint64_t seed) {
  cli::GenOptions o;
  o.n = n;
  o.seed = seed;
  cli::ContactGenerator g(o);
  std::vector<std::string> lines;
  std::string s;
  for (uint64_t i = 0; i < n; ++i) {
    s.clear();
    g.contact(s, i);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    lines.push_back(s);
  }
  return lines;
}

// A damaged copy of `line`.
std::string damage(const std::string& line, std::mt19937_64& rng) {
  static const std::vector<std::string> bits = {
      "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\t", "0", "-", "1e5", "1.5", "00", "true", "false", "null",
      "nul", "\\u00e9", "\\n", "\\x", "\xc3\xa9", "\xe2\x82\xac", "\xff", "\xc3", "\x01", "\x7f", "é", "\"id\": \"z\", ",
      "\"objected\": true, ", "\"email_kind\": \"nope\", ", "\"last_contact\": \"2023-02-29\", ",
      "\"consents\": [{\"channel\": \"sms\"}], ", "\"x\": [[[[[[1]]]]]], ", "\"x\": {\"a\": [1, 2.5e-3, \"q\\\"\"]}, ",
      "\"customer\": null, ", "\"customer\": {\"purchased\": [\"a\", \"b\"], \"opt_out_offered\": false}, ",
      "\"tps\": 1, ", "\"objected\": \"yes\", ", "\"email\": \"a\\u0040b.com\", ", "\"em\\u0061il\": \"k@x.com\", ",
      "\"age\": -0, ", "\"age\": 123456789012345678901, ", "\"country\": \"GB\", "};
  std::string s = line;
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    if (s.empty()) s = "{}";
    size_t at = rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0: s.erase(std::min(at, s.size() - 1), 1 + rng() % 3); break;
      case 1:
      case 2: s.insert(at, bits[rng() % bits.size()]); break;
      case 3: s.insert(at, s.substr(at, rng() % 20)); break;
      case 4:
        if (at + 1 < s.size()) std::swap(s[at], s[at + 1]);
        break;
      default: {
        // after a key's colon: a value of another kind
        size_t colon = s.find(": ", at);
        if (colon != std::string::npos) s.insert(colon + 2, bits[rng() % bits.size()]);
      }
    }
  }
  return s;
}

// The program and the two pairs of binders (the usual limits and small ones) that the
// damage tests compare.
struct DamageRun {
  explicit DamageRun(uint64_t seed) : rng(seed) {}
  Compilation c = compile_text(kPolicy);
  Pair normal{*c.program, {}};
  Pair limited{*c.program, small_limits(24)};
  std::mt19937_64 rng;
};

}  // namespace

TEST_CASE("the fast path binds every generated contact as the simdjson walk does") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair pair(*c.program, {});
  for (const std::string& line : generated(3000, 7)) pair.compare(line);
  CHECK(pair.compared == 6000);
  CHECK(pair.fast_taken == 6000);  // good lines all bind
}

TEST_CASE("the fast path binds every generated case as the simdjson walk does") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair pair(*c.program, {});
  size_t i = 0;
  for (const std::string& line : generated(1500, 8)) pair.compare(as_case(line, i++), true);
  CHECK(pair.compared == 3000);
  CHECK(pair.fast_taken == 3000);
}

TEST_CASE("damaged cases: the fast path and the walk agree on every one") {
  DamageRun run(20261207);
  Pair& normal = run.normal;
  Pair& limited = run.limited;
  std::mt19937_64& rng = run.rng;
  std::vector<std::string> base = generated(200, 4);
  const std::vector<std::string> hand = {
      R"({"contact": {"id": "a"}})",
      R"({"campaign": {"channel": "email"}})",
      R"({"contact": {"id": "a"}, "campaign": {"channel": "email"}, "contact": {"id": "b"}})",
      R"({"contact": null, "campaign": {"channel": "email"}})",
      R"({"contact": [], "campaign": {"channel": "email"}})",
      R"({"contact": {"id": "a"}, "campaign": {"channel": "email"}})",
      R"({"contact": {"id": "a"}, "campaign": {"channel": "email"}} x)",
      R"({"contact": {"id": "a"}, "campaign": {"channel": "emial"}})",
      R"({})",
      R"([])",
  };
  size_t bad = 0;
  for (const std::string& line : hand) {
    normal.compare(line, true);
    limited.compare(line, true);
  }
  for (int round = 0; round < 10; ++round)
    for (size_t i = 0; i < base.size(); ++i) {
      // The contact damaged inside a good case, or the whole case damaged.
      std::string d = round % 2 ? as_case(damage(base[i], rng), i) : damage(as_case(base[i], i), rng);
      normal.compare(d, true);
      limited.compare(d, true);
      BindResult r = normal.fast.bind_case(normal.fs_fast, d.data(), d.size(), d.size());
      bad += !r.ok;
    }
  CHECK(bad > 300);
  CHECK(normal.fast_taken > 500);
  CHECK(limited.fast_taken < normal.fast_taken);
}

TEST_CASE("damaged lines: the fast path and the walk agree on every one") {
  DamageRun run(20261206);
  Pair& normal = run.normal;
  Pair& limited = run.limited;
  std::mt19937_64& rng = run.rng;
  std::vector<std::string> base = generated(300, 3);
  size_t bad = 0;
  for (int round = 0; round < 40; ++round)
    for (const std::string& line : base) {
      std::string d = damage(line, rng);
      normal.compare(d);
      limited.compare(d);
      BindResult r = normal.fast.bind_contact(normal.fs_fast, d.data(), d.size(), d.size());
      bad += !r.ok;
    }
  // Both kinds were seen in numbers: lines bound, and lines refused with an error.
  CHECK(bad > 1000);
  CHECK(normal.fast_taken > 1000);
  CHECK(limited.fast_taken < normal.fast_taken);
}

TEST_CASE("the fast path keeps every guarantee on hand-made lines") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair normal(*c.program, {});
  Pair limited(*c.program, small_limits(16));
  const std::vector<std::string> lines = {
      R"({})",
      R"( { "id" : "a" , "objected" : false } )",
      // no space, a space then a tab, spaces and a tab at the end (the fast path's
      // one-comparison and two-comparison steps over white space, and its loop)
      R"({"id":"a","objected":false,"consents":[{"channel":"email"}]})",
      "{\"id\": \"a\", \t\"objected\": \tfalse,  \"consents\": [ \t{\"channel\": \"email\"} ]} \t",
      "{\"id\": \"a\",\r\n\"objected\": false}",
      R"({"id": "a"} x)",
      R"({"id": "a"}{})",
      R"({"id": "a",})",
      R"({"id": "a" "objected": true})",
      R"({"id": "a", "id": "b"})",
      R"({"customer": {"opt_out_offered": true}, "customer": {"last_purchase": "2025-01-01"}})",
      R"({"consents": [], "consents": [{"channel": "email"}]})",
      R"({"id": "caf\u00e9"})",
      "{\"id\": \"caf\xc3\xa9\"}",
      "{\"id\": \"caf\xc3\"}",
      "{\"name\": \"\xed\xa0\x80\"}",
      "{\"name\": \"\\ud800\", \"id\": \"s\"}",
      "{\"id\": \"tab\there\"}",
      R"({"consents": [{"channel": "email", "third_parties": ["a", "b", "c"]}]})",
      R"({"consents": [{"channel": "email"}, {"channel": "sms"}, {"channel": "post"}]})",
      R"({"consents": [null]})",
      R"({"consents": [{"third_parties": [null]}]})",
      R"({"x": {"y": {"z": {"w": 1}}}})",
      R"({"x": [[[]]], "id": "d"})",
      R"({"x": 01})",
      R"({"x": -})",
      R"({"x": 1.})",
      R"({"x": 1e})",
      R"({"x": .5})",
      R"({"x": tru})",
      R"({"x": "\q"})",
      R"({"x": "\u12"})",
      R"({"id": "a-very-long-identifier"})",
      R"({"last_contact": "2024-02-29", "objected": null})",
      R"({"last_contact": "2023-02-29"})",
      R"({"last_contact": "2023-2-28"})",
      // Keys not in the schema, remembered per position: the same again, one alike in its
      // first bytes, a field of the schema in its place, sixteen bytes and seventeen.
      R"({"id": "a", "nam": 1, "email": "x@y.z"})",
      R"({"id": "a", "name": 1, "email": "x@y.z"})",
      R"({"id": "a", "name": 2, "email": "x@y.z"})",
      R"({"id": "a", "names": 2, "email": "x@y.z"})",
      R"({"id": "a", "email": "x@y.z", "name": 3})",
      R"({"id": "a", "tps": true})",
      R"({"id": "a", "a_sixteen_bytes_": 1, "tps": true})",
      R"({"id": "a", "a_sixteen_bytes_x": 1, "tps": true})",
      R"({"id": "a", "a_sixteen_bytes_": {"tps": 1}, "tps": false})",
      R"({"id": "a", "a_sixteen_bytes_": 1, "tps": "no"})",
      R"({"last_contact": "2024-02-28"})",
      R"({"last_contact": "2024-02-30"})",
      R"({"last_contact": "2024-02-00"})",
      R"({"last_contact": "2024-02-0x"})",
      R"({"last_contact": "2023-02-28"})",
      R"({"last_contact": "2023-02-29"})",
      R"({"last_contact": "2024-13-01"})",
      R"({"last_contact": "0000-01-01"})",
      R"({"last_contact": "9999-12-31"})",
      R"({"last_contact": "2024-02-29", "consents": [{"given_at": "2024-02-29"}, {"given_at": "2024-02-31"}]})",
      R"({"email_kind": "Personal"})",
      R"({"email_kind": "personal "})",
      // Enumeration members found from their first bytes (member_table.h): near misses,
      // an escape, a member of twenty bytes (past the small limits' sixteen), cut short.
      R"({"email_kind": "persona"})",
      R"({"email_kind": "personalx", "entity": "company"})",
      R"({"email_kind": "pers\u006fnal"})",
      R"({"entity": "scottish_partnership"})",
      R"({"entity": "scottish_partnershi"})",
      R"({"entity": "scottish_partnershipp"})",
      R"({"entity": "scottish_partnershiP"})",
      R"({"entity": "Scottish_partnership"})",
      R"({"entity": "llp", "consents": [{"channel": "sms", "method": "verbal"}, {"channel": "SMS"}]})",
      R"({"entity": "llp)",
      R"({"entity": "ll)",
      R"({"entity": ")",
      R"({"entity": "company", "source": "customer", "tps": true, "ctps": false})",
      R"({"tps": True})",
      R"({"tps": 0})",
      R"({"customer": []})",
      R"({"customer": null, "consents": null})",
      R"([{"id": "a"}])",
      R"("id")",
      R"({"id": "a")",
      "{\"id\": \"a\"}\r",
      "\xef\xbb\xbf{\"id\": \"a\"}",
      // Cut at a separator (the padding then goes on as JSON; see compare), and the
      // separators' other spellings.
      R"({"id":)",
      R"({"id": )",
      R"({"id" :)",
      R"({"id": "a",)",
      R"({"id": "a", )",
      R"({"id": "a", ")",
      R"({"consents": [{"channel": "email"},)",
      R"({"consents": [{"channel": "email"}, )",
      R"({"consents": [{"channel": "email"}, {)",
      R"({"id":"a", "objected" :false ,"tps": true})",
      R"({"id": "a",  "objected":  false, "consents": [{"channel": "email"},{"channel": "sms"},  {"channel": "post"}]})",
      // A name of fifteen bytes (compared with its closing quote in one test), and keys
      // one byte shorter and longer.
      R"({"customer": {"opt_out_offered": true}})",
      R"({"customer": {"opt_out_offere": true, "opt_out_offered": false}})",
      R"({"customer": {"opt_out_offeredx": true, "opt_out_offered": false}})",
      // Names of 17 and 22 bytes (their first sixteen in one test, then their last eight
      // and the quote), and keys alike in all but one byte, one shorter and longer.
      R"({"published_address": true, "no_solicitation_notice": false})",
      R"({"published_addresx": true, "no_solicitation_notic": false, "published_address": false})",
      R"({"published_addres": true, "no_solicitation_noticee": false, "tps": true})",
      R"({"publishedXaddress": true, "no_solicitation_noticE": false})",
      R"({"published_address" : true, "no_solicitation_notice": null})",
  };
  for (const std::string& line : lines) {
    normal.compare(line);
    limited.compare(line);
  }
  CHECK(normal.fast_taken > 10);
}

TEST_CASE("the next key read with its separators: near misses, other spellings, lines cut inside it") {
  // After a value, the fast path compares the bytes `, "name": ` of the keys its plan
  // expects in one test each (fast_object's next_key_at). Every key of generated lines:
  // each byte of its name changed, a byte more or fewer, the separators spelt otherwise,
  // and the line cut at every byte of them (with the rest of the line after its end, in
  // the buffer). Each must bind as the walk binds it.
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair pair(*c.program, {});
  size_t variants = 0;
  for (const std::string& line : generated(24, 11)) {
    pair.compare(line);  // the plan learns the line's order
    for (size_t at = line.find(", \""); at != std::string::npos; at = line.find(", \"", at + 1)) {
      const size_t name = at + 3, quote = line.find('"', name);
      REQUIRE(quote != std::string::npos);
      if (line.compare(quote, 3, "\": ") != 0) continue;  // not a key
      std::vector<std::string> lines;
      for (size_t i = name; i < quote; ++i) {
        std::string s = line;
        s[i] = static_cast<char>(s[i] ^ 0x20);
        lines.push_back(s);
      }
      lines.push_back(line.substr(0, quote) + "x" + line.substr(quote));
      lines.push_back(line.substr(0, quote - 1) + line.substr(quote));
      for (const char* colon : {"\":", "\" : ", "\":  ", "\":\t", "\"\t: "})
        lines.push_back(line.substr(0, quote) + colon + line.substr(quote + 3));
      for (const char* comma : {",\"", " , \"", ",  \""}) lines.push_back(line.substr(0, at) + comma + line.substr(name));
      for (const std::string& l : lines) pair.compare(l);
      for (size_t end = at; end <= quote + 4; ++end) pair.compare(line.substr(0, end), false, line.substr(end));
      variants += lines.size() + quote + 5 - at;
    }
  }
  CHECK(variants > 1000);
  CHECK(pair.fast_taken > variants);  // most bind (compare() counts each line twice)
}

TEST_CASE("a member whose closing quote lies past the line's end is not taken") {
  // What follows a line in its buffer is not the line: a member found with the next
  // bytes' quote would bind a line that the walk refuses.
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair normal(*c.program, {});
  for (const char* line : {R"({"entity": "llp)", R"({"entity": "scottish_partnership)", R"({"email_kind": "personal)",
                           R"({"consents": [{"channel": "sms)"})
    for (const char* after : {"\"}", "\", \"tps\": true}", "\"]}"}) normal.compare(line, false, after);
  CHECK(normal.fast_taken == 0);
}

TEST_CASE("unknown keys: counted per line, alike on both paths, refused alike when strict") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  Pair p(*c.program, {});
  const std::vector<std::string> lines = {
      R"({"id": "a", "objectd": true, "crm_owner": "sam"})",
      R"({"id": "b", "objectd": false, "crm_owner": "kim"})",  // the fast path's cached keys
      R"({"id": "c", "objected": false})",
      R"({"id": "d", "consents": [{"chanel": "email"}, {"chanel": "sms"}], "obj\u0065ctd": 1})",
      R"({"id": "e", "a_key_longer_than_sixteen_bytes": [1, {"x": 2}], "objectd": null})",
      R"({"id": "f", "objectd": true, "entity": "compny"})",  // not bound: not counted
      R"({"id": "g", "crm_owner": "ann"})",                    // one unknown key: counted at once
      R"({"id": "h", "crm_owner": "bo", "crm_owner": "cy"})",  // one key twice: one line
  };
  for (const std::string& l : lines) p.compare(l);
  for (const Binder* b : {&p.fast, &p.slow}) {
    std::map<std::string, uint64_t> got;
    std::map<std::string, std::string> near;
    for (const UnknownField& u : b->unknown_fields()) {
      got[u.path] += u.lines;
      near[u.path] = u.suggestion;
    }
    // Each line binds twice (padded and not) in compare().
    CHECK(got["contact.objectd"] == 2 * 4);
    CHECK(near["contact.objectd"] == "contact.objected");
    CHECK(got["contact.crm_owner"] == 2 * 4);
    CHECK(near["contact.crm_owner"].empty());
    CHECK(got["contact.consents.chanel"] == 2 * 1);  // twice in the line: one line
    CHECK(near["contact.consents.chanel"] == "contact.consents.channel");
    CHECK(got["contact.a_key_longer_than_sixteen_bytes"] == 2 * 1);
  }
  // Strict: the same error either way, naming the key and the field.
  p.fast.set_strict_fields(true);
  p.slow.set_strict_fields(true);
  p.compare(R"({"id": "a", "objectd": true})");
  p.compare(R"({"id": "a", "consents": [{"chanel": "email"}]})");
  std::string line = R"({"id": "a", "objectd": true})";
  BindResult r = p.fast.bind_contact(p.fs_fast, line.data(), line.size(), line.size());
  CHECK_FALSE(r.ok);
  CHECK(r.error == "contact.objectd: not a field of the schema (--strict-fields); did you mean 'objected'?");
  CHECK(r.id == "a");
  line = R"({"id": "a", "consents": [{"chanel": "email"}]})";
  r = p.fast.bind_contact(p.fs_fast, line.data(), line.size(), line.size());
  CHECK(r.error == "contact.consents[0].chanel: not a field of the schema (--strict-fields); did you mean 'channel'?");
}

TEST_CASE("unknown CSV columns: counted on the rows that fill them; refused there when strict") {
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  FactStore fs(*c.program);
  Binder b(*c.program);
  REQUIRE(b.bind_campaign(fs, R"({"channel": "email"})").ok);
  CsvBinder csv(*c.program, b);
  REQUIRE(csv.set_header("id,objectd,customer.opt_out_ofered,country").empty());
  for (const char* row : {"a,true,,GB", "b,,true,GB", "c,,,GB", "d,x,y,GB"}) REQUIRE(csv.bind_row(fs, row).ok);
  std::map<std::string, uint64_t> got;
  for (const UnknownField& u : b.unknown_fields()) got[u.path] += u.lines;
  CHECK(got["contact.objectd"] == 2);
  CHECK(got["contact.customer.opt_out_ofered"] == 2);
  b.set_strict_fields(true);
  CHECK(csv.bind_row(fs, "e,,,GB").ok);
  BindResult r = csv.bind_row(fs, "f,true,,GB");
  CHECK_FALSE(r.ok);
  CHECK(r.error == "contact.objectd: not a field of the schema (--strict-fields); did you mean 'objected'?");
  CHECK(r.id == "f");
}

TEST_CASE("CSV cells: enumeration members found exactly, near misses named") {
  // The CSV binder finds a cell's member through the binder's member tables
  // (member_table.h), as JSON lines do: every member of every enumeration field of a
  // contact, and texts near each, against a plain search of the schema's members.
  Compilation c = compile_text(kPolicy);
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  const Schema& schema = prog.schema;
  FactStore fs(prog);
  Binder b(prog);
  REQUIRE(b.bind_campaign(fs, R"({"channel": "email"})").ok);
  const RootDef& root = schema.roots[static_cast<size_t>(schema.find_root("contact"))];
  size_t rows = 0, fields = 0;
  for (const FieldDef& f : schema.records[root.record].fields) {
    const Type& t = schema.type(f.type);
    if (t.kind != TypeKind::Enum) continue;
    ++fields;
    const EnumDef& e = schema.enums[t.ref];
    CsvBinder csv(prog, b);
    REQUIRE(csv.set_header("id," + f.name).empty());
    std::vector<std::string> texts;
    for (const std::string& m : e.members) {
      texts.push_back(m);
      texts.push_back(m + "x");
      texts.push_back(m.substr(0, m.size() - 1));
      texts.push_back(m + m);
      for (size_t i = 0; i < m.size(); ++i) {
        std::string s = m;
        s[i] = static_cast<char>(s[i] ^ 0x20);
        texts.push_back(s);
      }
    }
    for (const std::string& text : texts) {
      if (text.empty() || text.find(',') != std::string::npos || text.find('"') != std::string::npos) continue;
      int want = -1;
      for (size_t k = 0; k < e.members.size(); ++k)
        if (e.members[k] == text) want = static_cast<int>(k);
      INFO("field " << f.name << ", cell '" << text << "'");
      BindResult r = csv.bind_row(fs, "a," + text);
      ++rows;
      REQUIRE(r.ok == (want >= 0));
      if (r.ok) CHECK(fs.slots[root.base + f.offset] == want);
      else CHECK(r.error == "contact." + f.name + ": '" + text + "' is not a value of " + e.name);
    }
  }
  CHECK(fields >= 3);
  CHECK(rows > 300);
}
