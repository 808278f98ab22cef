// The parse boundary: comments come out with their positions and kinds, parentheses are
// remembered, and neither changes what the file says.
#include <doctest/doctest.h>

#include "compiler/syntax/ast_dump.h"
#include "compiler/syntax/parser.h"

using namespace lawful;

namespace {
struct Parsed {
  SourceManager sm;
  Diagnostics diags;
  std::unique_ptr<ast::Module> module;
};

std::unique_ptr<Parsed> parse(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  FileId f = p->sm.add("p.law", text);
  p->module = parse_module(p->sm, f, p->diags);
  return p;
}
}  // namespace

TEST_CASE("every comment is kept with its kind, text and position") {
  const std::string text =
      "// a note\n"
      "policy t.c \"c\" # after the header\n"
      "/// The default.\n"
      "decision d:\n"
      "  rule r: deny // why\n"
      "    cite \"x\"\n";
  auto p = parse(text);
  REQUIRE_FALSE(p->diags.has_errors());
  const auto& cs = p->module->comments;
  REQUIRE(cs.size() == 4);
  CHECK(cs[0].kind == ast::Comment::Line);
  CHECK(cs[0].text == "// a note");
  CHECK(cs[0].span.begin == 0);
  CHECK(cs[1].kind == ast::Comment::Hash);
  CHECK(cs[1].text == "# after the header");
  CHECK(cs[2].kind == ast::Comment::Doc);
  CHECK(cs[3].text == "// why");
  CHECK(text.substr(cs[3].span.begin, cs[3].span.end - cs[3].span.begin) == "// why");
  // `///` still documents the declaration that follows it.
  CHECK(p->module->decisions[0].doc == "The default.\n");
}

TEST_CASE("comments do not change the tree") {
  auto with = parse("policy t.c \"c\"\nlet x = // note\n  contact.objected # and\n  and contact.tps\n");
  auto without = parse("policy t.c \"c\"\nlet x = contact.objected and contact.tps\n");
  REQUIRE_FALSE(with->diags.has_errors());
  CHECK(ast::dump(*with->module) == ast::dump(*without->module));
}

TEST_CASE("parentheses are remembered, and the span stays inside them") {
  auto p = parse("policy t.c \"c\"\nlet x = (contact.objected or contact.tps) and contact.suppressed\n");
  REQUIRE_FALSE(p->diags.has_errors());
  const ast::Expr& body = *p->module->lets[0].body;
  REQUIRE(body.kind == ast::ExprKind::Binary);
  CHECK(body.op == ast::BinOp::And);
  CHECK(body.kids[0]->parens);
  CHECK_FALSE(body.kids[1]->parens);
  CHECK(p->sm.text(0).substr(body.kids[0]->span.begin, 2) == "co");
  CHECK(ast::dump(body) == "(and (or (. contact objected) (. contact tps)) (. contact suppressed))");
}

TEST_CASE("precedence as the grammar orders it") {
  auto dump_of = [](const std::string& expr) {
    auto p = parse("policy t.c \"c\"\nlet x = " + expr + "\n");
    REQUIRE_FALSE(p->diags.has_errors());
    return ast::dump(*p->module->lets[0].body);
  };
  CHECK(dump_of("not a == b") == "(not (== a b))");
  CHECK(dump_of("not a and b") == "(and (not a) b)");
  CHECK(dump_of("-a * b") == "(* (- a) b)");
  CHECK(dump_of("a and any x in l: p or q") == "(and a (any x l (or p q)))");
  CHECK(dump_of("a in s == b") == "(== (in a s) b)");
}

TEST_CASE("the positions of a test's `as of` and a policy's sources") {
  const std::string text = "policy t.c \"c\"\n  source \"https://x\"\ntest \"t\" {\n  as of 2024-01-01\n}\n";
  auto p = parse(text);
  REQUIRE_FALSE(p->diags.has_errors());
  REQUIRE(p->module->source_spans.size() == 1);
  CHECK(text.substr(p->module->source_spans[0].begin, 6) == "source");
  CHECK(text.substr(p->module->tests[0].as_of_span.begin, 5) == "as of");
}

TEST_CASE("overrides: names and `every VERDICT`, in order, with their spans") {
  const std::string text =
      "policy t.e \"e\"\n"
      "decision d:\n"
      "  rule every: deny\n"
      "  rule r: deny\n"
      "    overrides every allow, every, every review\n"
      "    cite \"x\"\n";
  auto p = parse(text);
  REQUIRE_FALSE(p->diags.has_errors());
  const auto& ov = p->module->decisions.at(0).rules.at(1).overrides;
  REQUIRE(ov.size() == 3);
  CHECK(ov[0].every == ast::Verdict::Allow);
  CHECK(ov[0].text == "every allow");
  CHECK(text.substr(ov[0].span.begin, ov[0].span.end - ov[0].span.begin) == "every allow");
  CHECK_FALSE(ov[1].every.has_value());  // `every` alone is the rule named every
  CHECK(ov[1].text == "every");
  CHECK(ov[2].every == ast::Verdict::Review);
  CHECK(text.substr(ov[2].span.begin, ov[2].span.end - ov[2].span.begin) == "every review");
  // `every` stays a name: a rule may be called so.
  CHECK(p->module->decisions.at(0).rules.at(0).name.text == "every");
}

TEST_CASE("`every` followed by a word that is not a verdict: one error that says so") {
  auto p = parse(
      "policy t.e \"e\"\n"
      "decision d:\n"
      "  rule r: deny\n"
      "    overrides every permit\n");
  REQUIRE(p->diags.has_errors());
  const Diagnostic& d = p->diags.all().at(0);
  CHECK(d.message == "`every` takes a verdict, not 'permit'");
  CHECK(d.help.find("overrides every allow") != std::string::npos);
}
