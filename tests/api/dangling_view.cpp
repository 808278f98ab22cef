// Views into a temporary Decision would dangle at the end of the statement
// (`for (auto r : engine.decide(c, k).rules())` printed garbage): lawful.hpp deletes the
// view accessors on rvalues. tests/api/dangling_view_test.py compiles this file (syntax
// only, never run) as is, which must succeed, and with -DLAWFUL_DANGLE, which must fail
// on a deleted function at every line marked "dangles".
#include <lawful/lawful.hpp>

#include <cstdio>

int main() {
  lawful::Engine e = lawful::Engine::load("policies").value();
  lawful::Facts f = e.facts();
  // Held in a variable: every view is fine.
  lawful::Decision d = e.decide("{}", "{}");
  for (std::string_view r : d.rules()) std::printf("%.*s\n", static_cast<int>(r.size()), r.data());
  std::string_view all[] = {d.json(), d.id(), d.basis(), d.policy(), d.name(), d.reason(), d.error(),
                            d.content_hash(), d.revision(), d.cites()[0], d.obligations()[0], d.missing()[0],
                            f.error()};
  // Values, not views, are fine on a temporary.
  bool ok = e.decide("{}", "{}").ok() && e.decide("{}", "{}").verdict() == lawful::Verdict::allow;
  lawful::PolicyVersion v = e.decide("{}", "{}").version();
  (void)all, (void)ok, (void)v;
#ifdef LAWFUL_DANGLE
  for (std::string_view r : e.decide("{}", "{}").rules()) (void)r;  // dangles
  std::string_view c = e.decide("{}", "{}").cites()[0];  // dangles
  auto o = e.decide("{}", "{}").obligations();  // dangles
  auto m = e.decide("{}", "{}").missing();  // dangles
  std::string_view j = e.decide("{}", "{}").json();  // dangles
  std::string_view i = e.decide("{}", "{}").id();  // dangles
  std::string_view b = e.decide("{}", "{}").basis();  // dangles
  std::string_view r = e.decide("{}", "{}").reason();  // dangles
  std::string_view x = e.decide("{}", "{}").error();  // dangles
  std::string_view h = e.decide("{}", "{}").content_hash();  // dangles
  std::string_view fe = e.facts().error();  // dangles
  std::string_view p = e.decide("{}", "{}").policy();  // dangles
#endif
  return 0;
}
