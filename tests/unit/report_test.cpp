// report/: the counts of a check run added up chunk by chunk (the same whatever the
// chunking), error kinds, and the HTML pieces' escaping.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "report/check_counts.h"
#include "report/html.h"

using namespace lawful;
using report::CheckCounts;

namespace {

const char* kPolicy = R"law(policy t.report "Report"

decision email:
  rule unsolicited: deny
    cite "reg 22(2)"
)law";

// The counts of `errors` error lines (line i gets messages[i]), cut into chunks of `size`
// lines and added up in order, as lawful check's writer does.
CheckCounts counted(const Program& prog, const std::vector<std::string>& messages, size_t size) {
  CheckCounts total;
  total.reset(prog);
  for (size_t start = 0; start < messages.size(); start += size) {
    CheckCounts chunk;
    chunk.reset(prog);
    for (size_t i = start; i < messages.size() && i < start + size; ++i) chunk.error(i + 1, messages[i]);
    total.add(chunk);
  }
  return total;
}

}  // namespace

TEST_CASE("error kinds mask values and keep the first lines") {
  CHECK(report::error_kind("contact.entity: 'zzz' is not a value of Entity") ==
        "contact.entity: '\u2026' is not a value of Entity");
  CHECK(report::error_kind("a line of 2000000 bytes; the limit is 1048576") == "a line of N bytes; the limit is N");
  CHECK(report::error_kind("an \"odd quote") == "an \"odd quote");  // an unclosed quote stays
}

TEST_CASE("error kinds are the same for any chunking, past the kinds kept apart") {
  Compilation c = compile_sources({{"t.law", kPolicy}});
  REQUIRE(static_cast<bool>(c.program));
  std::vector<std::string> messages;
  for (int round = 0; round < 3; ++round)
    for (int k = 0; k < 40; ++k) messages.push_back("field f" + std::string(1, static_cast<char>('a' + k % 26)) +
                                                    std::string(static_cast<size_t>(k / 26 + 1), 'x') + ": wrong");
  CheckCounts one = counted(*c.program, messages, messages.size());
  CHECK(one.errors == 120);
  REQUIRE(one.error_kinds.size() == CheckCounts::kMaxErrorKinds);
  CHECK(one.error_kinds.back().kind == CheckCounts::kOtherKind);
  CHECK(one.error_kinds.back().count == 3 * (40 - 31));
  for (size_t size : {1, 7, 39, 64}) {
    CheckCounts other = counted(*c.program, messages, size);
    REQUIRE(other.error_kinds.size() == one.error_kinds.size());
    for (size_t k = 0; k < one.error_kinds.size(); ++k) {
      CHECK(other.error_kinds[k].kind == one.error_kinds[k].kind);
      CHECK(other.error_kinds[k].count == one.error_kinds[k].count);
      CHECK(other.error_kinds[k].examples == one.error_kinds[k].examples);
    }
  }
  // The first lines of a kind, in input order.
  CHECK(one.error_kinds[0].examples.size() == 3);
  CHECK(one.error_kinds[0].examples[1].first == 41);
  CHECK(one.first_error_line == 1);
}

TEST_CASE("html escapes what it is given, and shortens by characters") {
  CHECK(report::html::escaped("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(report::html::shortened("h\u00e9llo w\u00f6rld", 5) == "h\u00e9llo\u2026");
  CHECK(report::html::shortened("short", 5) == "short");
  CHECK(report::html::grouped(1234567) == "1,234,567");
  CHECK(report::html::grouped(0) == "0");
}

TEST_CASE("charts: nothing to draw, a huge bar beside a tiny one, more bars than shown") {
  using namespace report::html;
  std::string out;
  bar_chart(out, "c", "Title", {{"a", "allow"}}, {}, "Nothing <here>.");
  CHECK(out.find("<svg") == std::string::npos);
  CHECK(out.find("<p class=\"empty\">Nothing &lt;here&gt;.</p>") != std::string::npos);
  out.clear();
  bar_chart(out, "c", "T", {{"a", "allow"}}, {{"zero", {0}}}, "none");
  CHECK(out.find("<svg") == std::string::npos);  // bars of nothing: nothing to scale to

  out.clear();
  const uint64_t huge = 18'000'000'000'000'000'000ull;
  bar_chart(out, "c", "T", {{"a", "allow"}, {"d", "deny"}}, {{"big <b>", {huge, 1}}, {"small", {1, 0}}}, "none");
  CHECK(out.find("nan") == std::string::npos);
  CHECK(out.find("inf") == std::string::npos);
  CHECK(out.find("18,000,000,000,000,000,001") != std::string::npos);  // the total, whole
  CHECK(out.find("data-label=\"big &lt;b&gt;\"") != std::string::npos);
  // The count of 1 beside 1.8e19 still gets a sliver of a pixel.
  size_t rects = 0, slivers = 0;
  for (size_t at = out.find("<rect class=\""); at != std::string::npos; at = out.find("<rect class=\"", at + 1)) {
    if (out.compare(out.find('>', at) + 1, 7, "<title>") != 0) continue;  // a legend's key, not a bar
    ++rects;
    size_t w = out.find("width=\"", at) + 7;
    double width = std::stod(out.substr(w, out.find('"', w) - w));
    if (width >= 1 && width < 2) ++slivers;
  }
  CHECK(rects >= 3);
  CHECK(slivers >= 2);

  out.clear();
  std::vector<Bar> many;
  for (int i = 0; i < 20; ++i) many.push_back({"bar " + std::to_string(i), {static_cast<uint64_t>(20 - i)}});
  bar_chart(out, "c", "T", {{"n", "one"}}, many, "none", 15);
  size_t bars = 0;
  for (size_t at = out.find("<g class=\"bar\""); at != std::string::npos; at = out.find("<g class=\"bar\"", at + 1)) ++bars;
  CHECK(bars == 15);
  CHECK(out.find("The 15 largest of 20; the table lists them all.") != std::string::npos);
}

TEST_CASE("a matrix of nothing says so; the diagonal is told apart") {
  using namespace report::html;
  std::string out;
  matrix_chart(out, "m", "T", {"deny"}, {"deny"}, {{0}}, "No decisions.");
  CHECK(out.find("<svg") == std::string::npos);
  CHECK(out.find("No decisions.") != std::string::npos);
  out.clear();
  matrix_chart(out, "m", "T", {"allow: consent", "deny"}, {"allow: consent", "deny"}, {{5, 2}, {0, 7}}, "none");
  CHECK(out.find("class=\"cell same\"") != std::string::npos);
  CHECK(out.find("allow: consent to deny: 2") != std::string::npos);  // the description in words
  CHECK(out.find(": 7 (unchanged)") != std::string::npos);
}
