// Diagnostics: every code is documented, suggestions are sensible, and the rendering
// puts the caret under the span.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "compiler/syntax/diagnostics.h"
#include "helpers.h"

using namespace lawful;

TEST_CASE("every diagnostic code is in docs/diagnostics.md") {
  std::ifstream in(LAWFUL_SOURCE_DIR "/docs/diagnostics.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (DiagCode c : all_diag_codes()) {
    std::string code = diag_info(c).code;
    CHECK_MESSAGE(doc.find("## " + code) != std::string::npos, code << " is not documented");
  }
}

TEST_CASE("suggestions: close names only") {
  CHECK(did_you_mean("entiy", {"entity", "email", "country"}) == "did you mean 'entity'?");
  CHECK(did_you_mean("enitty", {"entity", "email"}) == "did you mean 'entity'?");
  CHECK(did_you_mean("zzzz", {"entity", "email"}) == "");
  CHECK(did_you_mean("consnet", {"consent", "soft_opt_in"}) == "did you mean 'consent'?");
}

TEST_CASE("rendering: file:line:col, the line, a caret as wide as the span") {
  SourceManager sm;
  FileId f = sm.add("p.law", "line one\n  when contact.entiy\n");
  Diagnostics d;
  d.error(DiagCode::UnknownField, Span{f, 24, 29}, "'contact' has no field 'entiy'").help = "did you mean 'entity'?";
  CHECK(d.render(sm) ==
        "p.law:2:16: error: 'contact' has no field 'entiy' [E201]\n"
        " 2 |   when contact.entiy\n"
        "   |                ^^^^^\n"
        "help: did you mean 'entity'?\n");
}

TEST_CASE("columns count characters, not bytes") {
  SourceManager sm;
  FileId f = sm.add("p.law", "cite \"réf\" §x\n");
  LineCol lc = sm.line_col(f, 12);  // the § (byte 12: é takes two)
  CHECK(lc.col == 12);
}

TEST_CASE("a very long line is shown as a window around the span; control characters as '?'") {
  SourceManager sm;
  std::string text = "let x = " + std::string(100000, 'a') + " or contact.entiy\n";
  FileId f = sm.add("long.law", text);
  Diagnostics d;
  uint32_t at = static_cast<uint32_t>(text.find("entiy"));
  d.error(DiagCode::UnknownField, Span{f, at, at + 5}, "'contact' has no field 'entiy'");
  std::string out = d.render(sm);
  CHECK(out.size() < 600);
  std::string line = out.substr(out.find('\n') + 1);
  std::string snippet = line.substr(0, line.find('\n'));
  std::string carets = line.substr(line.find('\n') + 1);
  CHECK(snippet.find(" 1 | ...") == 0);
  CHECK(snippet.find("contact.entiy") != std::string::npos);
  // The caret is under the 'e' of "entiy".
  CHECK(carets.find('^') == snippet.find("entiy"));
  CHECK(carets.find("^^^^^") != std::string::npos);

  FileId g = sm.add("ctl.law", "when \x1b]0;owned\x07 contact\n");
  Diagnostics e;
  e.error(DiagCode::BadCharacter, Span{g, 5, 6}, "unexpected character");
  std::string r = e.render(sm);
  CHECK(r.find('\x1b') == std::string::npos);
  CHECK(r.find('\x07') == std::string::npos);
  CHECK(r.find("when ?]0;owned? contact") != std::string::npos);
}

TEST_CASE("suggestions for a very long word are not searched for") {
  std::string word(1u << 20, 'x');
  CHECK(did_you_mean(word, {"entity", "email"}) == "");
  CHECK(did_you_mean("emial", {"entity", std::string(100000, 'e'), "email"}) == "did you mean 'email'?");
}

TEST_CASE("a control character in a policy is named, not printed") {
  Compilation c = lawful::testing::compile_text("policy p.x \"t\"\ndecision d:\n  rule r: deny\n    when \x1b[2J contact.objected\n");
  REQUIRE(!c.diags.all().empty());
  CHECK(c.diags.all()[0].message == "unexpected control character U+001B");
  CHECK(c.diags.render(c.sources).find('\x1b') == std::string::npos);
}

TEST_CASE("diagnostics are kept once, at most kMaxKept of each kind, and the rest counted") {
  SourceManager sm;
  FileId f = sm.add("p.law", std::string(2000, 'x'));
  Diagnostics d;
  const size_t n = Diagnostics::kMaxKept + 300;
  for (size_t i = 0; i < n; ++i) {
    Diagnostic& w = d.warn(DiagCode::Conflict, Span{f, static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)}, "w");
    w.help = "help";
    // The same place and words again: one diagnostic.
    d.warn(DiagCode::Conflict, Span{f, static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)}, "w");
  }
  CHECK(d.all().size() == Diagnostics::kMaxKept);
  CHECK(d.warning_count() == n);
  CHECK(d.error_count() == 0);
  CHECK(!d.has_errors());
  // Errors are not crowded out by warnings.
  d.error(DiagCode::TooMany, Span{f, 0, 1}, "e");
  CHECK(d.has_errors());
  CHECK(d.all().back().severity == Severity::Error);
  std::string r = d.render(sm);
  CHECK(r.find("note: 300 more warnings not shown (at most 200 errors and 200 warnings are shown)\n") != std::string::npos);
  // A copy keeps the counts; appending adds them.
  Diagnostics e;
  e.append(d);
  CHECK(e.warning_count() == n);
  CHECK(e.error_count() == 1);
  CHECK(e.all().size() == d.all().size());
}

TEST_CASE("a name longer than 256 bytes is refused before it is repeated") {
  std::string name(257, 'a');
  Compilation c = lawful::testing::compile_text("policy p.x \"t\"\ndecision d:\n  rule " + name + ": deny\n");
  REQUIRE(!c.ok());
  CHECK(c.diags.all()[0].message == "a name of 257 bytes; the limit is 256");
  Compilation ok = lawful::testing::compile_text("policy p.x \"t\"\ndecision d:\n  rule " + name.substr(1) + ": deny\n");
  CHECK(ok.ok());
}
