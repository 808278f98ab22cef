// `property` blocks for lawful verify: compiled properties as verify.h's (the program's
// decisions, functions and names; file:line:col), and a counterexample as a `test` block
// (`--emit-test`). No Z3 here: part of the command's side of the module boundary.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verify/properties.h"

#include "runtime/core/dates.h"
#include "runtime/core/value.h"

namespace lawful::verify {

namespace {

const char* verdict_word(uint8_t v) {
  return v == static_cast<uint8_t>(VerdictCode::Allow) ? "allow" : v == static_cast<uint8_t>(VerdictCode::Deny) ? "deny" : "review";
}

// The expectation as a test writes it: `obliges X for every allow` is `obliges X` (the
// counterexample has that verdict).
std::string test_text(const Program& prog, const PropertyExpect& e) {
  const std::string d = prog.str(prog.decisions[static_cast<size_t>(e.decision)].name);
  if (!e.obliges) {
    std::string s = fmt::format("{} is {}{}", d, e.negated ? "not " : "", verdict_word(e.verdict));
    if (e.basis >= 0) s += " basis " + prog.basis_name(e.basis);
    return s;
  }
  std::vector<std::string> names;
  for (uint32_t o : e.obligations) names.push_back(prog.obligation_name(o));
  return fmt::format("{} obliges {}", d, fmt::join(names, ", "));
}

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

}  // namespace

std::vector<Property> compiled_properties(const Compilation& c) {
  std::vector<Property> out;
  if (!c.program) return out;
  const Program& prog = *c.program;
  for (const sema::CompiledProperty& cp : c.properties) {
    Property p;
    p.title = cp.title;
    p.policy = cp.policy;
    const LineCol lc = c.sources.line_col(cp.span.file, cp.span.begin);
    p.where = fmt::format("{}:{}:{}", c.sources.path(cp.span.file), lc.line, lc.col);
    if (cp.as_of) p.as_of = static_cast<Days>(*cp.as_of);
    p.conds = cp.conds;
    for (const sema::CompiledExpect& ce : cp.expects) {
      PropertyExpect e;
      e.decision = ce.decision;
      e.obliges = ce.kind == ast::Expectation::Obliges;
      e.negated = ce.negated;
      e.verdict = ce.verdict;
      e.basis = ce.has_basis ? ce.basis : -1;
      e.obligations = ce.ids;
      e.for_every = ce.for_every;
      e.text = test_text(prog, e);
      if (e.obliges && e.for_every >= 0) e.text += fmt::format(" for every {}", verdict_word(static_cast<uint8_t>(e.for_every)));
      p.expects.push_back(std::move(e));
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string test_block(const Program& prog, const Property& p, const Witness& w) {
  const PropertyExpect* failed = nullptr;
  for (const PropertyExpect& e : p.expects)
    if (e.text == w.expectation) failed = &e;
  std::string out = fmt::format("test \"counterexample: {}\" {{\n", escaped(p.title));
  out += fmt::format("  // lawful verify: {} is {}{}\n", w.decision, w.verdict,
                     w.obligations.empty() ? std::string() : fmt::format(", obliging {}", fmt::join(w.obligations, ", ")));
  if (p.as_of) out += fmt::format("  as of {}\n", format_date(*p.as_of));
  out += fmt::format("  contact  {}\n  campaign {}\n", w.contact_literal, w.campaign_literal);
  out += fmt::format("  expect {}\n}}\n", failed ? test_text(prog, *failed) : w.expectation);
  return out;
}

}  // namespace lawful::verify
