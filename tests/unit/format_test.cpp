// `lawful fmt`'s printer: the canonical layout, every comment kept, the printed text
// says the same thing and prints to itself, and parentheses appear where the grouping
// needs them.
#include <doctest/doctest.h>

#include <functional>

#include "compiler/format/format.h"
#include "compiler/syntax/ast_dump.h"
#include "compiler/syntax/parser.h"

using namespace lawful;

namespace {

std::string fmt_text(const std::string& text, std::string* problem = nullptr) {
  SourceManager sm;
  FileId f = sm.add("f.law", text);
  Diagnostics diags;
  std::string out, why;
  bool ok = format::format_file(sm, f, diags, out, why);
  if (problem) *problem = ok ? "" : (why.empty() ? diags.render(sm) : why);
  return ok ? out : std::string();
}

void clear_parens(ast::Expr& e) {
  e.parens = false;
  for (auto& k : e.kids) clear_parens(*k);
}

}  // namespace

TEST_CASE("the canonical layout") {
  const std::string messy =
      "policy   t.f \"F\"\n"
      "  jurisdiction GB,IE\n"
      "use std.consent\n"
      "let a=contact.entity in {company,llp}\n"
      "decision email when campaign.channel in {email,sms}:\n"
      "  rule no : deny cite \"r 1\"\n"
      "  rule yes: allow basis consent when a overrides no\n"
      "    cite \"r 2\"\n"
      "test \"t\" { contact {entity:company}\n"
      "  campaign {channel:email}\n"
      "  expect email is allow basis consent }\n";
  CHECK(fmt_text(messy) ==
        "policy t.f \"F\"\n"
        "  jurisdiction GB, IE\n"
        "\n"
        "use std.consent\n"
        "\n"
        "let a = contact.entity in {company, llp}\n"
        "\n"
        "decision email when campaign.channel in {email, sms}:\n"
        "  rule no: deny\n"
        "    cite \"r 1\"\n"
        "  rule yes: allow basis consent\n"
        "    when a\n"
        "    overrides no\n"
        "    cite \"r 2\"\n"
        "\n"
        "test \"t\" {\n"
        "  contact  { entity: company }\n"
        "  campaign { channel: email }\n"
        "  expect email is allow basis consent\n"
        "}\n");
}

TEST_CASE("a broken condition keeps its breaks, operators in front, operands aligned") {
  const std::string in =
      "policy t.f \"F\"\n"
      "let x =\n"
      "  contact.objected or\n"
      "  contact.suppressed\n"
      "decision d:\n"
      "  rule r: deny\n"
      "    when contact.objected and\n"
      "         contact.tps\n"
      "    cite \"c\"\n";
  CHECK(fmt_text(in) ==
        "policy t.f \"F\"\n"
        "\n"
        "let x =\n"
        "     contact.objected\n"
        "  or contact.suppressed\n"
        "\n"
        "decision d:\n"
        "  rule r: deny\n"
        "    when contact.objected\n"
        "     and contact.tps\n"
        "    cite \"c\"\n");
}

TEST_CASE("comments stay where they were: after code on its line, or on a line of their own") {
  const std::string in =
      "// top\n"
      "policy t.f \"F\" // head\n"
      "decision d:\n"
      "  // before the rule\n"
      "  rule r: deny   // the default\n"
      "    cite \"c\"\n"
      "    // about r, indented under it\n"
      "  # about s\n"
      "  rule s: allow basis consent\n"
      "    when contact.objected == false\n"
      "    overrides r\n"
      "    cite \"s\"\n"
      "// the end\n";
  CHECK(fmt_text(in) ==
        "// top\n"
        "policy t.f \"F\" // head\n"
        "\n"
        "decision d:\n"
        "  // before the rule\n"
        "  rule r: deny // the default\n"
        "    cite \"c\"\n"
        "    // about r, indented under it\n"
        "  # about s\n"
        "  rule s: allow basis consent\n"
        "    when contact.objected == false\n"
        "    overrides r\n"
        "    cite \"s\"\n"
        "// the end\n");
}

TEST_CASE("comments at the ends of consecutive lines line up") {
  const std::string in = "module t.e \"E\"\nenum E {\n  a, // one\n  bbbbbb, // two\n  c // three\n}\n";
  CHECK(fmt_text(in) == "module t.e \"E\"\n\nenum E {\n  a,      // one\n  bbbbbb, // two\n  c       // three\n}\n");
}

TEST_CASE("the printed text prints to itself and says the same thing") {
  const std::string in =
      "policy t.f \"F\"\n"
      "let f = any q in contact.consents:\n"
      "   q.channel == email and\n"
      "   // own line inside\n"
      "   q.purpose == \"mark\\\"eting\"\n"
      "let g = (count q in contact.consents: q.method == written) >= 2 # n\n"
      "let h = campaign.send_date - contact.last_contact > 1 year 6 months\n"
      "test \"t\" { contact {\n  entity: company, objected: true\n  suppressed: false\n }\n}\n";
  std::string problem;
  std::string once = fmt_text(in, &problem);
  REQUIRE_MESSAGE(problem.empty(), problem);
  CHECK(fmt_text(once) == once);
  CHECK(once.find("1 year 6 months") != std::string::npos);
  CHECK(once.find("# n") != std::string::npos);
  CHECK(once.find("// own line inside") != std::string::npos);
}

TEST_CASE("parentheses are added where the grouping needs them") {
  const char* exprs[] = {
      "(not a) == b",      "not (a and b)",  "(a or b) and c",  "a and (b or c)",  "(any x in l: p) and q",
      "-(a * b)",          "(a - b) - c",    "a - (b - c)",     "(a == b) == c",   "(if a then b else c) or d",
      "f(a).b",            "(a + b).c",      "-(-a)",           "not (any x in l: p) and q",
  };
  for (const char* e : exprs) {
    SourceManager sm;
    FileId f = sm.add("f.law", std::string("policy t.p \"p\"\nlet x = ") + e + "\n");
    Diagnostics diags;
    auto m = parse_module(sm, f, diags);
    REQUIRE_FALSE(diags.has_errors());
    std::string before = ast::dump(*m);
    clear_parens(*m->lets[0].body);
    std::string printed = format::print_module(sm, f, *m);
    SourceManager sm2;
    FileId f2 = sm2.add("g.law", printed);
    auto m2 = parse_module(sm2, f2, diags);
    REQUIRE_FALSE(diags.has_errors());
    CHECK_MESSAGE(ast::dump(*m2) == before, e << " printed as " << printed);
  }
}

TEST_CASE("a file with a syntax error is not formatted") {
  std::string problem;
  CHECK(fmt_text("policy t.f \"F\"\ndecision d\n  rule r: deny\n", &problem).empty());
  CHECK(problem.find("E103") != std::string::npos);
}
