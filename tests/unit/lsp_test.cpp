// The language server's parts that need no client: UTF-16 positions against byte offsets
// (broken UTF-8 included), incremental edits, the framing of messages (a bad header, a
// body cut short, a body too large), and the index of names built from a compilation.
#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

#include "lsp/index.h"
#include "lsp/protocol.h"
#include "lsp/text.h"

using namespace lawful;
using namespace lawful::lsp;

TEST_CASE("lsp: UTF-16 positions against byte offsets") {
  // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
  std::string text = "ab\nxé😀z\n\nlast";
  LineMap m(text);
  CHECK(m.lines() == 4);
  CHECK(m.offset(text, {1, 0}) == 3);
  CHECK(m.offset(text, {1, 1}) == 4);  // before é
  CHECK(m.offset(text, {1, 2}) == 6);  // after é
  CHECK(m.offset(text, {1, 4}) == 10);  // after 😀
  CHECK(m.offset(text, {1, 5}) == 11);  // after z
  CHECK(m.offset(text, {1, 99}) == 11);  // past the line's end: its end
  CHECK(m.offset(text, {9, 0}) == text.size());  // past the last line: the text's end
  for (uint32_t off : {0u, 3u, 4u, 6u, 10u, 11u, 12u, 13u, 17u}) {
    Position p = m.position(text, off);
    CHECK(m.offset(text, p) == off);
  }
  CHECK(m.position(text, 10).character == 4);
  // Broken UTF-8: each stray byte counts as one unit, both ways.
  std::string bad = "a\xff\xc3z";
  LineMap mb(bad);
  CHECK(mb.position(bad, 4).character == 4);
  CHECK(mb.offset(bad, {0, 2}) == 2);
}

TEST_CASE("lsp: incremental edits") {
  std::string text = "let a = 1\nlet b = 2\n";
  apply_edit(text, {1, 4}, {1, 5}, "bee");
  CHECK(text == "let a = 1\nlet bee = 2\n");
  apply_edit(text, {0, 0}, {0, 0}, "// é😀\n");
  CHECK(text == "// é😀\nlet a = 1\nlet bee = 2\n");
  apply_edit(text, {0, 3}, {0, 6}, "");  // é and 😀 (1 + 2 units)
  CHECK(text == "// \nlet a = 1\nlet bee = 2\n");
  apply_edit(text, {2, 0}, {0, 0}, "");  // start after end: the range is taken in order
  CHECK(text == "let bee = 2\n");
  CHECK(is_identifier("charity_soft_opt_in"));
  CHECK_FALSE(is_identifier("rule"));
  CHECK_FALSE(is_identifier("2x"));
  CHECK_FALSE(is_identifier("a-b"));
}

namespace {

// The reader over a pipe holding `bytes`, then closed.
ReadStatus read_from(const std::string& bytes, std::string& body, std::string& error, int count = 1) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::write(fds[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fds[1]);
  MessageReader r(fds[0]);
  ReadStatus st = ReadStatus::End;
  for (int i = 0; i < count; ++i) st = r.read(body, error);
  ::close(fds[0]);
  return st;
}

}  // namespace

TEST_CASE("lsp: message framing") {
  std::string body, error;
  CHECK(read_from("Content-Length: 2\r\n\r\n{}", body, error) == ReadStatus::Message);
  CHECK(body == "{}");
  // Other header fields are ignored; the name is case-insensitive; two messages in a row.
  CHECK(read_from("content-type: x\r\ncontent-length:3\r\n\r\n[1]Content-Length: 1\r\n\r\n7", body, error, 2) ==
        ReadStatus::Message);
  CHECK(body == "7");
  CHECK(read_from("Content-Length: 10\r\n\r\n{}", body, error) == ReadStatus::End);  // cut short
  CHECK(read_from("", body, error) == ReadStatus::End);
  CHECK(read_from("Content-Type: x\r\n\r\n{}", body, error) == ReadStatus::BadFrame);
  CHECK(error.find("Content-Length") != std::string::npos);
  CHECK(read_from("Content-Length: 99999999999\r\n\r\n", body, error) == ReadStatus::BadFrame);
  CHECK(read_from("Content-Length: 12x\r\n\r\n", body, error) == ReadStatus::BadFrame);
  CHECK(read_from(std::string(9000, 'x'), body, error) == ReadStatus::BadFrame);  // a header without end
}

TEST_CASE("lsp: the index resolves names as sema does") {
  std::string text =
      "policy t.p \"T\"\n"
      "  jurisdiction GB\n"
      "use std.consent\n"
      "let b2b = contact.entity in {company, llp}\n"
      "let any_email(c: Consent) = c.channel == email\n"
      "decision d when campaign.channel == email:\n"
      "  rule no: deny\n"
      "    cite \"x\"\n"
      "  rule yes: allow basis consent\n"
      "    when b2b and any k in contact.consents: any_email(k) and std.consent.valid_for(campaign.channel)\n"
      "    overrides no\n"
      "    cite \"y\"\n";
  Compilation c = compile_sources({{"t.law", text}});
  REQUIRE(c.ok());
  Index ix;
  ix.build(c);
  FileId f = c.user_files[0];
  auto sym_at = [&](const std::string& needle, size_t k) -> const Symbol* {
    const Occurrence* o = ix.at(f, static_cast<uint32_t>(text.find(needle) + k));
    return o ? &ix.symbols()[o->symbol] : nullptr;
  };
  const Symbol* s = sym_at("overrides no", 10);
  REQUIRE(s);
  CHECK(s->kind == SymKind::Rule);
  CHECK(s->name == "no");
  s = sym_at("when b2b", 5);
  REQUIRE(s);
  CHECK((s->kind == SymKind::Let && s->name == "b2b"));
  s = sym_at("{company", 1);
  REQUIRE(s);
  CHECK((s->kind == SymKind::Member && s->key == "member Entity/company"));
  // `email` is a member of two enumerations: the one the comparison expects.
  s = sym_at("c.channel == email", 13);
  REQUIRE(s);
  CHECK(s->key == "member ConsentChannel/email");
  s = sym_at("campaign.channel == email", 20);
  REQUIRE(s);
  CHECK(s->key == "member CampaignChannel/email");
  s = sym_at("c.channel ==", 2);  // a parameter's field
  REQUIRE(s);
  CHECK(s->key == "field Consent/channel");
  s = sym_at("any_email(k)", 10);  // a quantifier's variable
  REQUIRE(s);
  CHECK(s->kind == SymKind::Local);
  s = sym_at("std.consent.valid_for", 14);
  REQUIRE(s);
  CHECK(s->key == "let std.consent/valid_for");
  s = sym_at("std.consent.valid_for", 3);
  REQUIRE(s);
  CHECK(s->key == "module std.consent");
  s = sym_at("basis consent", 7);
  REQUIRE(s);
  CHECK(s->key == "member Basis/consent");
  // Every occurrence of the rule `no`: its declaration and the override.
  int no = ix.find("rule t.p/d/no");
  REQUIRE(no >= 0);
  auto occ = ix.occurrences_of(static_cast<uint32_t>(no));
  REQUIRE(occ.size() == 2);
  CHECK(occ[0].declaration);
  CHECK_FALSE(occ[1].declaration);
}
