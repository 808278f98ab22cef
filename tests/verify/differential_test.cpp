// The encoding against the VM, contact by contact: gen-contacts' contacts bound, decided
// by the VM through the router, and the same facts fixed in the solver, whose formula for
// the routed policy must give the VM's verdict (and, where no string function is
// approximated, only that verdict). Contacts with longer lists than the bound are skipped.
#include <doctest/doctest.h>
#include <z3++.h>

#include <string>

#include "cli/gen_contacts.h"
#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/vm/vm.h"
#include "verify/encoder.h"

namespace lawful::verify {

namespace {

void differential(const std::string& campaign, size_t n, uint64_t seed) {
  Compilation c = compile_path(std::string(LAWFUL_SOURCE_DIR) + "/policies");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Options opt;
  opt.max_list = 2;
  Vm vm(prog);
  Binder binder(prog);
  FactStore& fs = vm.facts();
  REQUIRE(binder.bind_campaign(fs, campaign).ok);
  // One solver per policy, with its formula.
  z3::context ctx;
  Encoder enc(ctx, prog, opt, "d");
  std::vector<std::optional<SOutcome>> outcome(prog.policies.size());
  std::vector<std::unique_ptr<z3::solver>> solver(prog.policies.size());
  cli::GenOptions go;
  go.seed = seed;
  cli::ContactGenerator gen(go);
  size_t compared = 0, exact = 0;
  for (uint64_t i = 0; i < n; ++i) {
    std::string line;
    gen.contact(line, i);
    fs.reset_to_campaign();
    if (!binder.bind_contact(fs, line.data(), line.size(), line.size()).ok) continue;
    Outcome out;
    vm.decide_routed(out);
    if (out.policy < 0 || !out.error.empty()) continue;
    const auto p = static_cast<size_t>(out.policy);
    if (!solver[p]) {
      outcome[p] = enc.decide_policy(static_cast<uint32_t>(p));
      solver[p] = std::make_unique<z3::solver>(ctx);
      for (const z3::expr& e : enc.domain()) solver[p]->add(e);
      for (const z3::expr& e : enc.take_side()) solver[p]->add(e);
    }
    z3::solver& s = *solver[p];
    z3::expr facts = ctx.bool_val(true);
    try {
      facts = enc.equals_facts(fs);
    } catch (const Unsupported&) {
      continue;  // a list longer than the bound
    }
    const int vm_verdict = static_cast<int>(out.verdict);
    s.push();
    s.add(facts);
    INFO("contact " << i << ": " << line);
    INFO("the VM decides " << vm_verdict);
    s.push();
    s.add(outcome[p]->verdict == vm_verdict);
    CHECK(s.check() == z3::sat);  // the encoding admits the VM's verdict
    s.pop();
    s.add(outcome[p]->verdict != vm_verdict);
    if (s.check() == z3::unsat) ++exact;  // and only it
    s.pop();
    ++compared;
  }
  MESSAGE(compared << " contacts compared, " << exact << " with the VM's verdict the only one the formula admits");
  CHECK(compared > n / 4);
  // lower(), domain() and local_part() are free functions to the solver: a contact whose
  // decision turns on one can leave the formula open (admitting the VM's verdict and another).
  CHECK(exact * 4 >= compared * 3);
}

}  // namespace

TEST_CASE("the encoding decides generated contacts as the VM does (email campaign)") {
  differential(R"({"id": "c", "channel": "email", "sender": {"name": "Northwind Ltd", "identified": true, )"
               R"("contact_address": true, "postal_address": true, "kind": "company"}, "unsubscribe": true, )"
               R"("ad_disclosed": true, "honest_headers": true, "products": ["garden_tools"], )"
               R"("audience_roles": ["operations"], "send_date": "2026-12-01", "lia_recorded": true})",
               150, 7);
}

TEST_CASE("the encoding decides generated contacts as the VM does (live calls, a charity)") {
  differential(R"({"id": "c", "channel": "phone_live", "sender": {"name": "Hope Trust", "identified": true, )"
               R"("kind": "charity"}, "charitable_purpose_only": true, "send_date": "2026-03-01"})",
               150, 11);
}

}  // namespace lawful::verify
