// Diagnostics: every code is documented, suggestions are sensible, and the rendering
// puts the caret under the span.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "compiler/syntax/diagnostics.h"

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
