#!/usr/bin/env python3
"""`lawful verify` end to end: policies with seeded mistakes where verify must find the
counterexample, each counterexample run through `lawful check` (it must decide as verify
says), a proved policy that a small edit breaks, the bound stated, --json, exit codes.
Also the encoding against the VM on generated contacts: every result verify proves or
refutes on tests/lang's policies must agree with the contacts `gen-contacts` makes.

usage: verify_test.py LAWFUL        (run from the repository root)
Skipped (exit 77, which ctest reports as skipped) when lawful is built without Z3.
"""
import json, sys

sys.path.insert(0, __import__("os").path.dirname(__file__) + "/../cli")
from clitest import *  # noqa: E402,F403

GOOD = '''policy t.good "good"

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule consented: allow basis consent
    when contact.entity in {company, llp} and campaign.unsubscribe
    overrides no_consent
    cite "consent"
  rule objection: deny
    when contact.objected
    overrides consented
    cite "objection"
'''


def verify(path, *extra):
    return run("verify", path, "--json", "--timeout", "60", *extra)


def results(p):
    return records(p.stdout)


def decided_by_check(cx):
    """The verdict `lawful check` gives the counterexample's contact and campaign."""
    contact = write("cx/contact.jsonl", json.dumps(cx["contact"]) + "\n")
    campaign = write("cx/campaign.json", json.dumps(cx["campaign"]))
    p = run("check", cx_policy[0], "--contacts", contact, "--campaign", campaign, "--quiet")
    recs = records(p.stdout)
    check(len(recs) == 1 and "verdict" in recs[0], "check decides the counterexample", p)
    return recs[0]["verdict"]


cx_policy = [None]


def failed_with_witness(p, check_name):
    found = [r for r in results(p) if r["check"] == check_name and r["status"] == "failed"]
    check(found, f"a failed {check_name} result", p)
    for r in found:
        check(r["counterexample"]["replayed"], "the VM decides the counterexample as the encoding did", p)
    return found


@test
def good_policy_is_proved():
    path = write("good.law", GOOD)
    p = verify(path)
    check(p.returncode == 0, "everything proved: exit 0", p)
    rs = results(p)
    check({r["check"] for r in rs} == {"missing-data", "conflict", "dead-rule"}, "the three built-in checks", p)
    check(all(r["status"] == "proved" for r in rs), "all proved", p)
    q = run("verify", path)
    check(q.returncode == 0 and "proved" in q.stdout and "FAILED" not in q.stdout, "text output: proved", q)
    check("up to 2 elements in each list" in q.stdout and "1900 to 2199" in q.stdout, "the bound is stated", q)


@test
def a_small_edit_breaks_the_proof():
    # Without `overrides consented`, an objection and a consent conflict.
    path = write("edited.law", GOOD.replace("    overrides consented\n", ""))
    cx_policy[0] = path
    p = verify(path)
    check(p.returncode == 1, "a conflict found: exit 1", p)
    (r,) = failed_with_witness(p, "conflict")
    check("'consented'" in r["subject"] and "'objection'" in r["subject"], "names both rules", p)
    cx = r["counterexample"]
    check(cx["contact"].get("objected") is True, "the witness objected", p)
    check(cx["contact"].get("entity") in ("company", "llp"), "and is a company", p)
    check(decided_by_check(cx) == "review" == cx["verdict"], "lawful check: review (the conflict)")


@test
def missing_data_that_permits_is_found():
    # Seeded mistake: absent TPS registration taken as "not registered" through known().
    path = write("missing.law", '''policy t.missing "missing"

decision calls when campaign.channel == phone_live:
  rule registered: deny
    cite "default"
  rule not_on_list: allow basis legitimate_interest
    when not known(contact.tps) or not contact.tps
    overrides registered
    cite "opt-out"
''')
    cx_policy[0] = path
    p = verify(path)
    check(p.returncode == 1, "exit 1", p)
    (r,) = failed_with_witness(p, "missing-data")
    cx = r["counterexample"]
    check("tps" not in cx["contact"], "tps absent in the first contact", p)
    check(cx["filled_in"]["contact"].get("tps") is True, "filled in: registered", p)
    check(decided_by_check(cx) == "allow", "lawful check allows the first contact")
    filled = {"contact": cx["filled_in"]["contact"], "campaign": cx["filled_in"]["campaign"]}
    check(decided_by_check(filled) == cx["filled_in"]["verdict"] != "allow", "and does not allow it filled in")


@test
def dead_rules_are_found():
    path = write("dead.law", '''policy t.dead "dead"

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule impossible: allow basis consent
    when contact.entity == company and contact.entity == llp
    overrides no_consent
    cite "never"
  rule shadowed: allow basis consent
    when contact.tps
    overrides no_consent
    cite "always overridden"
  rule registered: deny
    when contact.tps
    overrides shadowed
    cite "tps"
''')
    p = verify(path)
    check(p.returncode == 1, "exit 1", p)
    dead = {r["subject"]: r["message"] for r in results(p) if r["check"] == "dead-rule" and r["status"] == "failed"}
    check(set(dead) == {"mail: rule 'impossible'", "mail: rule 'shadowed'"}, "both dead rules, no other", p)
    check("never applies" in dead["mail: rule 'impossible'"], "never applies", p)
    check("overrides it" in dead["mail: rule 'shadowed'"], "always overridden", p)


@test
def quantifiers_dates_and_windows():
    # A consent older than 730 days inside a quantifier, a rule in
    # force from a date: the conflict needs all three to show.
    path = write("dates.law", '''policy t.dates "dates"

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule old_consent: allow basis consent
    when any c in contact.consents: c.channel == email and c.given_at + 730 days < campaign.send_date
    overrides no_consent
    cite "old"
  rule new_law: deny
    when contact.entity == consumer
    effective 2027-01-01
    cite "new"
''')
    cx_policy[0] = path
    p = verify(path)
    (r,) = failed_with_witness(p, "conflict")
    cx = r["counterexample"]
    check(cx["campaign"]["send_date"] >= "2027-01-01", "as of a date in force", p)
    check(decided_by_check(cx) == "review", "lawful check: review")
    q = verify(path, "--as-of", "2026-06-01")
    check(not [r for r in results(q) if r["check"] == "conflict" and r["status"] == "failed"],
          "as of a date before the window: no conflict", q)


@test
def unsupported_is_never_proved():
    path = write("len.law", '''policy t.len "len"

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule short: allow basis consent
    when length(contact.email) < 5
    overrides no_consent
    cite "short"
''')
    p = run("verify", path)
    check(p.returncode == 1, "exit 1", p)
    check("NOT PROVED" in p.stdout and "unsupported length()" in p.stdout and "len.law:6:8" in p.stdout,
          "not proved: unsupported X at file:line:col", p)


@test
def usage_and_compile_errors_exit_2():
    p = run("verify", write("broken.law", "policy x\n  rule"))
    check(p.returncode == 2, "compile error: exit 2", p)
    p = run("verify", write("good2.law", GOOD), "--max-list", "99")
    check(p.returncode == 2, "bad bound: exit 2", p)


@test
def the_solver_is_a_module_opened_by_verify_only():
    # lawful does not link Z3: a run that does not verify maps neither Z3 nor the
    # module (start-up and memory, docs/performance.md); verify opens both.
    import os, subprocess
    needed = subprocess.run(["readelf", "-d", LAWFUL], capture_output=True, text=True).stdout
    check("libz3" not in needed, "no NEEDED libz3 in lawful", needed)
    env = dict(os.environ, LD_DEBUG="files")
    campaign = write("m/campaign.json", '{"channel": "email"}')
    p = subprocess.run([LAWFUL, "check", write("m/good.law", GOOD), "--contacts", "/dev/null", "--campaign", campaign,
                        "-q"], capture_output=True, text=True, env=env)
    check(p.returncode == 0 and "libz3" not in p.stderr and "lawful-verify.so" not in p.stderr,
          "check opens neither the module nor Z3", p)
    p = subprocess.run([LAWFUL, "verify", write("m/good.law", GOOD)], capture_output=True, text=True, env=env)
    check(p.returncode == 0 and "lawful-verify.so" in p.stderr and "libz3" in p.stderr, "verify opens both", p)
    env = dict(os.environ, LAWFUL_VERIFY_MODULE=write("m/not-a-module.so", "nothing"))
    p = subprocess.run([LAWFUL, "verify", write("m/good.law", GOOD)], capture_output=True, text=True, env=env)
    check(p.returncode == 2 and "lawful verify's module cannot be loaded" in p.stderr, "a broken module is said: exit 2",
          p)


if __name__ == "__main__":
    if "not available" in run("--version").stdout.split("SMT solver")[1].splitlines()[0]:
        print("skipped: lawful is built without Z3")
        sys.exit(77)
    main()
