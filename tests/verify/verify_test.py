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


PROPS = GOOD + '''  oblige include_unsubscribe when verdict == allow

property "an objection never yields allow" {
  when contact.objected
  expect mail is not allow
}

property "every allow carries an unsubscribe link" {
  expect mail obliges include_unsubscribe for every allow
}

property "consumers are never allowed by consent" {
  when contact.entity == consumer
  expect mail is not allow basis consent
}
'''

# Seeded mistakes: the consent beats the objection, and the unsubscribe link is owed
# to companies only.
PROPS_BAD = (PROPS.replace("    overrides consented\n", "")
             .replace("overrides no_consent\n", "overrides no_consent, objection\n", 1)
             .replace("when verdict == allow\n", "when verdict == allow and contact.entity == company\n"))


@test
def properties_are_proved():
    path = write("props.law", PROPS)
    p = verify(path, "--no-builtin")
    check(p.returncode == 0, "every property proved: exit 0", p)
    rs = results(p)
    check([r["subject"] for r in rs] == ["an objection never yields allow", "every allow carries an unsubscribe link",
                                         "consumers are never allowed by consent"], "one result per property, in order", p)
    check(all(r["check"] == "property" and r["status"] == "proved" for r in rs), "all proved", p)
    check(rs[0]["where"] == f"{path}:16:1", "file:line:col of the property", p)
    q = verify(path)
    check(q.returncode == 0 and {r["check"] for r in results(q)} == {"missing-data", "conflict", "dead-rule", "property"},
          "with the built-in checks too", q)


@test
def a_broken_property_gives_a_counterexample_check_confirms():
    path = write("props_bad.law", PROPS_BAD)
    cx_policy[0] = path
    p = verify(path, "--no-builtin")
    check(p.returncode == 1, "a property fails: exit 1", p)
    by = {r["subject"]: r for r in results(p)}
    check(by["consumers are never allowed by consent"]["status"] == "proved", "the unbroken one still proved", p)
    obj = by["an objection never yields allow"]
    check(obj["status"] == "failed" and obj["counterexample"]["replayed"], "objection: failed, replayed", p)
    cx = obj["counterexample"]
    check(cx["contact"].get("objected") is True and cx["verdict"] == "allow", "an objector allowed", p)
    check(decided_by_check(cx) == "allow", "lawful check allows the objector")
    explain = run("explain", path, "--contact", write("cx/c.json", json.dumps(cx["contact"])), "--campaign",
                  write("cx/k.json", json.dumps(cx["campaign"])))
    check(explain.returncode == 0 and "allow" in explain.stdout, "lawful explain reads it", explain)
    uns = by["every allow carries an unsubscribe link"]["counterexample"]
    check(uns["verdict"] == "allow" and "include_unsubscribe" not in uns["obligations"] and uns["replayed"],
          "an allow without the link", p)
    contact = write("cx/u.jsonl", json.dumps(uns["contact"]) + "\n")
    q = run("check", path, "--contacts", contact, "--campaign", write("cx/u.json", json.dumps(uns["campaign"])), "--quiet")
    (rec,) = records(q.stdout)
    check(rec["verdict"] == "allow" and "include_unsubscribe" not in rec["obligations"], "lawful check: no link", q)


@test
def emitted_tests_fail_as_the_property_does():
    path = write("emit.law", PROPS_BAD)
    p = verify(path, "--no-builtin", "--emit-test")
    blocks = [r["counterexample"]["test"] for r in results(p) if r["status"] == "failed"]
    check(len(blocks) == 2 and all(b.startswith("test \"counterexample: ") for b in blocks), "two test blocks", p)
    text = run("verify", path, "--no-builtin", "--emit-test")
    check(blocks[0] in text.stdout, "the text output prints the block too", text)
    with_tests = write("emit_tests.law", PROPS_BAD + "\n" + "\n".join(blocks))
    t = run("test", with_tests)
    check(t.returncode == 1 and "0 passed, 2 failed" in t.stdout, "lawful test runs both and both fail", t)
    check("expected: mail is not allow" in t.stdout and "actual:   mail is allow" in t.stdout,
          "the objection test fails as the property does", t)
    check("expected: mail obliges include_unsubscribe" in t.stdout, "the obligation test too", t)
    # On the good policy the objection's test passes: it fails because of the seeded mistake.
    t = run("test", write("emit_good.law", PROPS + "\n" + blocks[0]))
    check(t.returncode == 0, "and passes once the mistake is undone", t)


@test
def property_errors_point_at_the_text():
    path = write("props_err.law", GOOD + '''
property "typo" {
  when contact.objectd
  expect mial is not allow
}

property "empty" {
  when contact.objected
}
''')
    p = run("verify", path)
    check(p.returncode == 2, "compile errors: exit 2", p)
    check("props_err.law:16:16: error: 'contact' has no field 'objectd'" in p.stderr and "did you mean 'objected'?" in p.stderr,
          "the misspelt field, with a suggestion", p)
    check("^^^^^^^" in p.stderr, "a caret under it", p)
    check("has no decision 'mial'" in p.stderr and "did you mean 'mail'?" in p.stderr, "the misspelt decision", p)
    check("property 'empty' expects nothing" in p.stderr, "a property that expects nothing", p)


@test
def properties_survive_fmt():
    path = write("props_fmt.law", PROPS_BAD.replace("  expect mail is not allow\n", "  // why\n  expect   mail is not   allow\n"))
    p = run("fmt", path)
    check(p.returncode == 0, "fmt accepts properties", p)
    text = open(path).read()
    check("  // why\n  expect mail is not allow\n" in text, "printed back in the canonical layout, comment kept", text)
    check(run("fmt", "--check", path).returncode == 0, "and it is its own layout")
    check(run("verify", path, "--no-builtin").returncode == 1, "the formatted file verifies the same")


def check_decides(policy, cx, verdict):
    contact = write("eq/contact.jsonl", json.dumps(cx["contact"]) + "\n")
    campaign = write("eq/campaign.json", json.dumps(cx["campaign"]))
    p = run("check", policy, "--contacts", contact, "--campaign", campaign, "--quiet")
    (rec,) = records(p.stdout)
    check(rec["verdict"] == verdict, f"lawful check on {policy}: {verdict}", p)


@test
def equivalence_with_the_formatted_text_and_a_rewrite():
    messy = write("eq/messy.law", PROPS.replace("  rule consented: allow basis consent\n    when",
                                                 "  rule consented:   allow   basis consent\n        when"))
    tidy = write("eq/tidy.law", open(messy).read())
    check(run("fmt", tidy).returncode == 0 and open(tidy).read() != open(messy).read(), "fmt changes the layout")
    p = run("verify", "--equiv", messy, tidy, "--json")
    check(p.returncode == 0, "a policy and its fmt output: equivalent, exit 0", p)
    (r,) = results(p)
    check(r["check"] == "equiv" and r["status"] == "proved", "proved", p)
    # The same rules written otherwise: other bytecode, the same decisions.
    rewrite = write("eq/rewrite.law", PROPS.replace("contact.entity in {company, llp}",
                                                    "(contact.entity == llp or contact.entity == company)"))
    p = run("verify", "--equiv", messy, rewrite)
    check(p.returncode == 0 and "1 proved, 0 failed" in p.stdout, "a rewritten condition: equivalent", p)


@test
def equivalence_finds_a_small_edit():
    old = write("eq/old.law", PROPS)
    new = write("eq/new.law", PROPS.replace("contact.entity in {company, llp}", "contact.entity in {company, llp, public_body}"))
    p = run("verify", "--equiv", old, new, "--json")
    check(p.returncode == 1, "a difference: exit 1", p)
    moves = {r["subject"]: r for r in results(p)}
    check("t.good: deny -> allow" in moves, "grouped by how the decision moved", p)
    check(not any(r["status"] == "proved" for r in results(p)), "no 'decides the same'", p)
    for subject, r in moves.items():
        cx = r["counterexample"]
        check(cx["replayed"] and cx["contact"].get("entity") == "public_body", f"{subject}: a public body, replayed", p)
        check_decides(old, cx, cx["verdict"])
        check_decides(new, cx, cx["new_verdict"])
    text = run("verify", "--equiv", old, new)
    check("decided:  deny (old), allow (new)" in text.stdout, "the text names both decisions", text)
    check(run("verify", "--equiv", old).returncode == 2, "--equiv with one version: usage error, exit 2")


RETENTION = '''policy t.retention "retention"

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule customer: allow basis soft_opt_in
    when known(contact.customer) and campaign.unsubscribe
    overrides no_consent
    cite "customer"
  rule retention: deny
    when campaign.send_date - contact.last_contact > 3 years
    overrides customer
    cite "three years"

property "past three years from the last contact, no email" {
  when campaign.send_date - contact.last_contact > 3 years
  expect mail is not allow
}
'''


@test
def calendar_durations_are_proved_and_refuted():
    # Years are calendar units: the solver must find dates three years and a day apart.
    good = write("ret/good.law", RETENTION)
    p = verify(good, "--no-builtin")
    check(p.returncode == 0, "the retention bound proved", p)
    bad = write("ret/bad.law", RETENTION.replace("    overrides customer\n", "    overrides no_consent\n")
                .replace("    overrides no_consent\n    cite \"customer\"", "    overrides no_consent, retention\n    cite \"customer\""))
    cx_policy[0] = bad
    p = verify(bad, "--no-builtin")
    check(p.returncode == 1, "a customer beats the retention bound: exit 1", p)
    (r,) = results(p)
    check(r["status"] == "failed" and r["counterexample"]["replayed"], "a counterexample, replayed (not a timeout)", p)
    cx = r["counterexample"]
    sent, last = cx["campaign"]["send_date"], cx["contact"]["last_contact"]
    y, m, d = map(int, last.split("-"))
    check(sent > f"{y + 3:04d}-{m:02d}-{d:02d}", "sent more than three calendar years after the last contact", p)
    check(decided_by_check(cx) == "allow", "lawful check allows it")


@test
def a_query_the_budget_cuts_is_never_proved():
    # A budget too small to settle fr.cnil's queries (--rlimit: resource units, the same on
    # a busy machine): each cut query is `not_proved`, says why and which query, never `proved`.
    p = run("verify", "policies", "--policy", "fr.cnil", "--json", "--rlimit", "2000")
    rs = [r for r in results(p) if "check" in r]
    cut = [r for r in rs if "resource units" in r.get("message", "")]
    check(p.returncode == 1 and cut, "cut queries: exit 1", p)
    check(all(r["status"] == "not_proved" and "unknown (gave up after its budget of 2000 resource units" in r["message"]
              for r in cut), "each cut query is not proved, with the budget named", p)
    check(any(r["check"] == "missing-data" and "rule '" in r["message"] for r in cut),
          "the missing-data case that was cut is named", p)
    check(all(r["status"] == "not_proved" for r in rs if r["check"] in ("missing-data", "dead-rule")),
          "checks whose queries were cut are not proved", p)


LOWER = """policy t.lower "lower"

let kind = if known(contact.email_kind) then contact.email_kind
  else if domain(contact.email) == "gmail.com" then personal else professional

decision mail when campaign.channel == email:
  rule no_consent: deny
    cite "default"
  rule listed: allow basis corporate_subscriber
    when kind == professional and lower(contact.email) == "ann@gmail.com"
    overrides no_consent
    cite "listed"
  rule private: deny
    when kind == personal
    overrides listed
    cite "private"
"""


@test
def lower_and_domain_are_exact_in_the_missing_data_check():
    # lower(email) == "ann@gmail.com" makes domain(email) "gmail.com", so the guessed kind
    # is personal and `listed` never allows with email_kind absent: proved. With lower()
    # and domain() as functions the solver chooses, its counterexample did not replay
    # (not proved).
    p = verify(write("lower.law", LOWER))
    (r,) = [r for r in results(p) if r["check"] == "missing-data"]
    check(r["status"] == "proved", "proved: lower() and domain() as the VM computes them", p)
    # Guess professional for gmail.com instead: a real counterexample, in any letter case.
    path = write("lower2.law", LOWER.replace('"gmail.com" then personal', '"gmail.com" then professional'))
    cx_policy[0] = path
    p = verify(path)
    (r,) = failed_with_witness(p, "missing-data")
    cx = r["counterexample"]
    check(cx["contact"]["email"].lower() == "ann@gmail.com", "the address, in some letter case", p)
    check(decided_by_check(cx) == "allow", "lawful check allows it with email_kind absent")
    check(decided_by_check(cx["filled_in"]) == "deny", "and denies it filled in")


ROUTED = '''policy t.routed "routed"

decision mail when campaign.channel == email:
  rule default: deny
    cite "default"
  rule british: allow basis consent
    when contact.country == "GB"
    overrides default
    cite "written in upper case"

property "every email routed here is allowed" {
  when campaign.channel == email
  expect mail is allow
}
'''


@test
def routes_match_in_any_letter_case_as_the_router_does():
    # The router sends "gb" to t.routed as it sends "GB" (runtime/bytecode/routes.h), and
    # the policy's own == is exact: the property holds only for "GB". When the encoding
    # restricted the policy to contacts whose country is the route's text exactly, it was
    # proved; now the counterexample is a lower-case country, and lawful check denies it.
    write("rt/route.law", 'routing "one route"\n\nroute GB to t.routed\n')
    path = write("rt/routed.law", ROUTED)
    cx_policy[0] = path.parent
    p = verify(path.parent, "--no-builtin")
    check(p.returncode == 1, "the property fails: exit 1", p)
    (r,) = results(p)
    check(r["status"] == "failed" and r["counterexample"]["replayed"], "failed, and the VM replays it", p)
    cx = r["counterexample"]
    check(cx["contact"]["country"] != "GB" and cx["contact"]["country"].upper() == "GB", "GB in another case", p)
    check(decided_by_check(cx) == "deny", "lawful check routes it to t.routed and denies it")
    # Equivalence: a routing file that writes the country in lower case routes the same.
    other = write("rt2/route.law", 'routing "one route"\n\nroute "gb" to t.routed\n')
    write("rt2/routed.law", ROUTED)
    q = run("verify", "--equiv", path.parent, other.parent, "--json", "--timeout", "60")
    check(q.returncode == 0 and not [x for x in results(q) if x["subject"].startswith("route ")],
          "equivalent: no route reported as moved", q)


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
