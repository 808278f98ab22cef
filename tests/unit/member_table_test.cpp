// The binder's enumeration lookup (runtime/facts/member_table.h) against the plain
// answer, a search of the member list: every member of every enumeration of the schema
// found, whatever follows its closing quote; near misses (a byte short, a byte more, one
// byte changed, another case, an escape) and a quote past the line's end refused; and
// made-up enumerations that stress the table (one-byte members, long shared beginnings,
// members of 15 to 100 bytes, hundreds of members).
#include <doctest/doctest.h>

#include <random>

#include "runtime/facts/member_table.h"
#include "helpers.h"

using namespace lawful;
using namespace lawful::testing;

namespace {

int plain_find(const std::vector<std::string>& members, std::string_view text) {
  for (size_t i = 0; i < members.size(); ++i)
    if (members[i] == text) return static_cast<int>(i);
  return -1;
}

// `text` as a JSON string's inside with its closing quote and `after`, in a buffer with
// the bytes match() may read after it; the line ends at `end_at` bytes from the start.
int match_in_line(const MemberTable& t, const std::string& text, const std::string& after, size_t& len,
                  size_t end_at = std::string::npos) {
  std::string buf = text + "\"" + after;
  const size_t end = std::min(end_at, buf.size());
  buf.append(64, '\0');
  return t.match(buf.data(), buf.data() + end, len);
}

// Checks `text` both ways against the plain search.
void check_text(const MemberTable& t, const std::vector<std::string>& members, const std::string& text) {
  INFO("text: '" << text << "'");
  const int want = plain_find(members, text);
  CHECK(t.find(text) == want);
  for (const char* after : {"", ", \"next\": 1}", "}", "\"", "\\\"", "]", "abcdefghijklmnopqrstuvwxyz"}) {
    size_t len = 99;
    const int got = match_in_line(t, text, after, len);
    if (text.find('"') != std::string::npos) continue;  // its first quote ends it: checked below
    CHECK(got == want);
    if (got >= 0) CHECK(len == text.size());
  }
}

// Every member, and texts near each one.
void check_members(const std::vector<std::string>& members) {
  MemberTable t(members);
  REQUIRE(t.size() == members.size());
  for (const std::string& m : members) {
    check_text(t, members, m);
    for (size_t n = 0; n < m.size(); ++n) check_text(t, members, m.substr(0, n));  // cut short
    check_text(t, members, m + "x");
    check_text(t, members, m + " ");
    check_text(t, members, m + m);
    check_text(t, members, " " + m);
    for (size_t i = 0; i < m.size(); ++i) {
      std::string s = m;
      s[i] = static_cast<char>(s[i] ^ 0x20);  // the other case of a letter, '_' to DEL
      check_text(t, members, s);
      s = m;
      s[i] = static_cast<char>(s[i] + 1);
      check_text(t, members, s);
      s = m;
      s.insert(i, "\\");  // an escape inside: JSON text, never a member as it stands
      check_text(t, members, s);
    }
    // The quote past the line's end: the line stops before the quote, or inside the member.
    size_t len = 0;
    CHECK(match_in_line(t, m, "}", len, m.size()) == -1);
    if (!m.empty()) CHECK(match_in_line(t, m, "}", len, m.size() - 1) == -1);
    CHECK(match_in_line(t, m, "}", len, m.size() + 1) == plain_find(members, m));
  }
}

}  // namespace

TEST_CASE("every member of every enumeration of the schema is found, in one comparison") {
  Compilation c = compile_text(kSamplePolicy);
  REQUIRE(c.ok());
  const Schema& schema = c.program->schema;
  REQUIRE(schema.enums.size() >= 8);
  size_t members = 0;
  for (const EnumDef& e : schema.enums) {
    INFO("enum " << e.name);
    check_members(e.members);
    MemberTable t(e.members);
    CHECK(t.longest_cell() == 1);  // the schema's members differ in eight bytes they all have
    members += e.members.size();
  }
  CHECK(members > 50);
}

TEST_CASE("members are compared exactly: case, spaces and escapes are not a member") {
  const std::vector<std::string> members = {"email", "sms", "phone_live", "scottish_partnership"};
  MemberTable t(members);
  size_t len = 0;
  CHECK(match_in_line(t, "email", ", ", len) == 0);
  CHECK(len == 5);
  CHECK(match_in_line(t, "scottish_partnership", "}", len) == 3);
  CHECK(len == 20);
  for (const char* miss : {"Email", "EMAIL", "emai", "emails", " email", "email ", "em\\u0061il", "Sms", "sMs", "phone",
                           "phone_liv", "phone_livE", "scottish_partnershiP", "Scottish_partnership",
                           "scottish_partnershi", "scottish_partnershipp", "scottish_partnerXhip", ""}) {
    INFO(miss);
    CHECK(t.find(miss) == -1);
    CHECK(match_in_line(t, miss, "}", len) == -1);
  }
}

TEST_CASE("made-up enumerations: short, shared beginnings, long members, many members") {
  // One byte each, and one byte with longer ones beginning with it.
  check_members({"a", "b", "c", "z"});
  check_members({"a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", "b"});
  // Members alike in all the bytes they share (they share a cell: each compared), and
  // alike in their first eight bytes only (eight further on tell them apart).
  check_members({"marketing_email", "marketing_phone", "marketing_post", "marketing", "marketing_sms_x"});
  {
    MemberTable t({"marketing_email", "marketing_phone", "marketing_post", "marketing"});
    CHECK(t.longest_cell() == 4);
    MemberTable u({"include_unsubscribe", "include_postal_address", "include_contact_address", "record_lia"});
    CHECK(u.longest_cell() == 1);
  }
  // Around the lengths where the comparison changes: 15 (with its quote in 16 bytes),
  // 16, 17 to 24 (a last word), 25 and more (the rest compared).
  std::vector<std::string> lengths;
  for (size_t n : {7, 8, 9, 14, 15, 16, 17, 23, 24, 25, 31, 40, 100}) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7 + n) % 26);
    lengths.push_back(s);
  }
  check_members(lengths);
  // The same beginning, different ends, long.
  check_members({std::string(30, 'q') + "a", std::string(30, 'q') + "b", std::string(20, 'q') + "ab"});
  // Hundreds of members, random words.
  std::mt19937_64 rng(7);
  std::vector<std::string> many;
  while (many.size() < 300) {
    std::string s;
    const size_t n = 1 + rng() % 20;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>("abcdefghijklmnopqrstuvwxyz_0123456789"[rng() % 37]);
    if (plain_find(many, s) < 0) many.push_back(s);
  }
  check_members(many);
  // None.
  MemberTable none(std::vector<std::string>{});
  size_t len = 0;
  CHECK(none.find("a") == -1);
  CHECK(match_in_line(none, "a", "}", len) == -1);
}
