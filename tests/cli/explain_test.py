#!/usr/bin/env python3
"""`lawful explain` end to end: the text for a known decision, exactly; the JSON tree;
routing, review with the facts that would settle it, windows, --decision, --as-of,
.lawc files, and the contact file forms.

usage: explain_test.py LAWFUL        (run from the repository root)
"""
import json, re, shutil, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

SPEC = "tests/lang/spec_example.law"  # relative: explanations show paths as given
CAMPAIGN = {"id": "spring", "channel": "email", "unsubscribe": True, "send_date": "2026-12-01",
            "sender": {"name": "Acme Ltd", "identified": True, "contact_address": True}}


def campaign(**changes):
    c = dict(CAMPAIGN, **changes)
    return write(f"campaign-{len(changes)}.json", json.dumps(c))


def contact(name, **fields):
    return write(f"{name}.json", json.dumps(dict(id=name, **fields)))


EXPECTED_COMPANY = """Decision for contact 'acme-1' as of 2026-12-01

Decision
  email: applies
    facts: campaign.channel = email
    tests/lang/spec_example.law:
      20 | decision email when campaign.channel in {email, sms}:

Rules of email
  unsolicited: deny -- applies, but corporate overrides it
    no condition: applies whenever it is in force
    tests/lang/spec_example.law:
      22 | rule unsolicited: deny
      23 |   cite "PECR reg 22(2)"
  consented: allow basis consent -- does not apply
    facts: contact.consents = []; campaign.channel = email
    tests/lang/spec_example.law:
      25 | rule consented: allow basis consent
      26 |   when std.consent.valid_for(campaign.channel)
      27 |   overrides unsolicited
      28 |   cite "PECR reg 22(2); UK GDPR art 4(11), art 7"
  existing_customer: allow basis soft_opt_in -- does not apply
    facts: contact.customer is absent
    tests/lang/spec_example.law:
      30 | rule existing_customer: allow basis soft_opt_in
      31 |   when soft_opt_in
      32 |   overrides unsolicited
      33 |   cite "PECR reg 22(3)"
    definition soft_opt_in = false
      tests/lang/spec_example.law:
        13 | let soft_opt_in =
        14 |       known(contact.customer)
        15 |   and contact.customer.opt_out_offered
        16 |   and campaign.unsubscribe
        17 |   and any p in campaign.products:
        18 |         p in contact.customer.purchased or p in contact.customer.negotiated
  corporate: allow basis corporate_subscriber -- applies, prevails
    facts: contact.entity = company
    tests/lang/spec_example.law:
      35 | rule corporate: allow basis corporate_subscriber
      36 |   when corporate_subscriber
      37 |   overrides unsolicited
      38 |   cite "PECR reg 22 (individual subscribers only)"
    definition corporate_subscriber = true
      tests/lang/spec_example.law:
        10 | let corporate_subscriber =
        11 |   contact.entity in {company, llp, public_body, scottish_partnership}
  objection: deny -- does not apply
    facts: contact.objected = false; contact.suppressed = false
    tests/lang/spec_example.law:
      40 | rule objection: deny
      41 |   when contact.objected or contact.suppressed
      42 |   overrides consented, existing_customer, corporate
      43 |   cite "UK GDPR art 21(3)"
  hidden_sender: deny -- does not apply
    facts: campaign.sender.identified = true; campaign.sender.contact_address = true
    tests/lang/spec_example.law:
      45 | rule hidden_sender: deny
      46 |   when not campaign.sender.identified or not campaign.sender.contact_address
      47 |   overrides consented, existing_customer, corporate
      48 |   cite "PECR reg 23"

Outcome: allow basis corporate_subscriber
  decided by corporate: "PECR reg 22 (individual subscribers only)"
  obliges include_unsubscribe: "PECR reg 23(b)"
"""


@test
def the_text_of_a_known_decision():
    c = contact("acme-1", entity="company", objected=False, suppressed=False, consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign())
    check(p.returncode == 0 and p.stderr == "", "explain succeeds", p)
    check(p.stdout == EXPECTED_COMPANY, "the explanation, line by line:\n" + p.stdout, p)


@test
def review_names_the_rule_and_the_facts_that_would_settle_it():
    c = contact("acme-2", entity="company", consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign())
    out = p.stdout
    check("  objection: deny -- unknown, might change the outcome\n" in out, "the undetermined rule", p)
    check("    facts: contact.objected is absent; contact.suppressed is absent\n"
          "    unknown because absent: contact.objected, contact.suppressed\n" in out, "its absent facts", p)
    check("  corporate: allow basis corporate_subscriber -- applies, prevails\n" in out, "the allow that would win", p)
    check(out.endswith("Outcome: review\n  why: rule 'objection' might apply, and would change the outcome\n"
                       "  to settle it, the facts needed: contact.objected, contact.suppressed\n"), "outcome", p)


@test
def json_gives_the_same_tree():
    c = contact("acme-2", entity="company", consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign(), "--json")
    check(p.returncode == 0, "explain --json", p)
    t = json.loads(p.stdout)
    check(t["contact"] == "acme-2" and t["as_of"] == "2026-12-01" and t["route"] is None, "head", p)
    check(t["policy"] == {"name": "lang.spec_example", "title": "UK PECR 2003 and UK GDPR: direct marketing", "in_force": True}, "policy", p)
    check(t["decision"] == "email" and t["decisions"][0]["state"] == "applies", "decision", p)
    rules = {r["name"]: r for r in t["rules"]}
    check(list(rules) == ["unsolicited", "consented", "existing_customer", "corporate", "objection", "hidden_sender"], "rules in order", p)
    o = rules["objection"]
    check(o["state"] == "unknown" and o["might_change_outcome"] and o["missing"] == ["contact.objected", "contact.suppressed"], "objection", p)
    check(o["facts"] == [{"fact": "contact.objected", "value": None, "absent": True},
                         {"fact": "contact.suppressed", "value": None, "absent": True}], "objection facts", p)
    check(o["overrides"] == ["consented", "existing_customer", "corporate"] and o["cites"] == ["UK GDPR art 21(3)"], "overrides, cites", p)
    check(rules["unsolicited"]["overridden_by"] == ["corporate"] and rules["corporate"]["prevails"], "who overrode whom", p)
    check(rules["corporate"]["facts"] == [{"fact": "contact.entity", "value": "company", "absent": False}], "values", p)
    src = rules["corporate"]["source"]
    check(src["file"] == "tests/lang/spec_example.law" and src["line"] == 35 and src["text"].startswith("rule corporate:"), "source", p)
    # The outcome is the decision record `lawful check` writes.
    cases = write("one.jsonl", json.dumps({"contact": json.loads(c.read_text()), "campaign": CAMPAIGN}) + "\n")
    line = run("check", SPEC, "--cases", cases).stdout
    rec = records(line)[0]
    check(t["outcome"] == rec, "outcome == check's record", p)
    check(p.stdout.count("\n") == 1 and p.stdout.endswith(',"outcome":' + line.rstrip("\n") + "}\n"),
          "one line, ending with check's record as check writes it", p)


@test
def consents_and_lists_are_shown_whole():
    c = contact("acme-3", entity="consumer", objected=False, suppressed=False,
                consents=[{"channel": "email", "purpose": "marketing", "controller": "Acme Ltd",
                           "given_at": "2025-01-10", "method": "unticked_checkbox"}])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign())
    check('facts: contact.consents = [{ channel: email, purpose: "marketing", controller: "Acme Ltd", third_parties: [], '
          'given_at: 2025-01-10, withdrawn_at: never, method: unticked_checkbox }]' in p.stdout, "the list of consents", p)
    check("  consented: allow basis consent -- applies, prevails\n" in p.stdout, "consented prevails", p)
    check("Outcome: allow basis consent\n  decided by consented:" in p.stdout, "outcome", p)


@test
def routing_is_explained():
    tree = TMP / "tree"
    tree.mkdir()
    shutil.copy(ROOT / SPEC, tree / "uk.law")
    (tree / "route.law").write_text('routing "r"\n\nroute GB, IE to lang.spec_example\n')
    c = contact("gb", country="GB", entity="company", objected=False, suppressed=False, consents=[])
    p = run("explain", tree, "--contact", c, "--campaign", campaign())
    check(p.stdout.startswith("Decision for contact 'gb' as of 2026-12-01\n\nRoute\n"
                              "  contact.country = \"GB\": policy lang.spec_example \"UK PECR 2003 and UK GDPR: direct marketing\"\n"
                              f"  {tree}/route.law:\n    3 | route GB, IE to lang.spec_example\n"), "the route", p)
    jp = contact("jp", country="JP")
    p = run("explain", tree, "--contact", jp, "--campaign", campaign())
    check(p.stdout == "Decision for contact 'jp' as of 2026-12-01\n\nRoute\n  contact.country = \"JP\": no policy for country 'JP'\n\n"
                      "Outcome: review\n  why: no policy for country 'JP'\n  to settle it, the facts needed: contact.country\n", "no route", p)
    p = run("explain", tree, "--contact", contact("none"), "--campaign", campaign(), "--json")
    t = json.loads(p.stdout)
    check(t["route"]["country"] is None and t["route"]["policy"] is None and t["outcome"]["missing"] == ["contact.country"], "absent country", p)


@test
def decisions_that_do_not_apply_and_windows():
    c = contact("post", entity="company", objected=False, suppressed=False, consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign(channel="post"))
    check("Decision\n  email: does not apply\n    facts: campaign.channel = post\n" in p.stdout and "Rules of" not in p.stdout, "guard false", p)
    check(p.stdout.endswith("Outcome: review\n  why: decision 'email' does not apply\n"), "outcome", p)
    eff = ROOT / "tests/lang/effective.law"
    c = contact("e", objected=True)
    p = run("explain", eff, "--contact", c, "--campaign", campaign(), "--as-of", "2026-01-01")
    check(p.stdout.startswith("Decision for contact 'e' as of 2026-01-01\n"), "--as-of", p)
    check("  opt_in: deny -- not in force\n    in force only from 2026-08-11\n" in p.stdout, "a rule out of its window", p)
    check("  opt_out: allow basis legitimate_interest -- applies, prevails\n    in force since 2000-01-01, until 2026-08-11\n"
          in p.stdout, "the old rule, and when it stops", p)


@test
def rules_in_force_say_since_when():
    # Issue 16, item 4: a rule with an effective window says since when it is in force.
    eff = ROOT / "tests/lang/effective.law"
    c = contact("e", objected=True)
    p = run("explain", eff, "--contact", c, "--campaign", campaign())
    check("  opt_in: deny -- applies, prevails\n    in force since 2026-08-11\n    no condition:" in p.stdout, "since", p)
    check("  opt_out: allow basis legitimate_interest -- not in force\n    in force only from 2000-01-01 until 2026-08-11\n"
          in p.stdout, "a window that has ended", p)
    check("  consented: allow basis consent -- does not apply\n    in force since 2026-08-11\n    facts: contact.objected = true\n"
          in p.stdout, "in force, but its condition is false", p)
    t = json.loads(run("explain", eff, "--contact", c, "--campaign", campaign(), "--json").stdout)
    rules = {r["name"]: r for r in t["rules"]}
    check(rules["opt_in"]["in_force"] == {"from": "2026-08-11", "until": None}, "JSON: since", p)
    check(rules["opt_out"]["in_force"] == {"from": "2000-01-01", "until": "2026-08-11"}, "JSON: from and until", p)
    t = json.loads(run("explain", SPEC, "--contact", c, "--campaign", campaign(), "--json").stdout)
    check(all(r["in_force"] is None for r in t["rules"]), "JSON: null without a window", p)


@test
def overridden_rules_in_plain_words():
    # Issue 16, item 4: no "does not apply, overridden by".
    c = contact("o", entity="company", objected=True, suppressed=False, consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign())
    check("  consented: allow basis consent -- does not apply (and objection would override it anyway)\n" in p.stdout,
          "a rule that does not apply, and would lose anyway", p)
    check("  corporate: allow basis corporate_subscriber -- applies, but objection overrides it\n" in p.stdout,
          "a rule that applies and loses", p)
    check("  unsolicited: deny -- applies, but corporate overrides it\n" in p.stdout, "one overrider", p)
    check("overridden by" not in p.stdout, "the old wording is gone", p)
    c = contact("o2", entity="company", consents=[])
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign(), "--json")
    rules = {r["name"]: r for r in json.loads(p.stdout)["rules"]}
    check(rules["unsolicited"]["summary"] == "applies, but corporate overrides it", "JSON summary", p)
    check(rules["objection"]["summary"] == "unknown, might change the outcome", "JSON summary of a review's rule", p)
    check(rules["unsolicited"]["overridden_by"] == ["corporate"], "overridden_by kept", p)


@test
def definitions_with_their_values():
    # Issue 16, item 4: the definitions a rule used, with their values.
    c = contact("d", entity="company", objected=False, suppressed=False, consents=[],
                customer={"opt_out_offered": True, "purchased": ["tools"]})
    p = run("explain", SPEC, "--contact", c, "--campaign", campaign(products=["tools"]))
    check("    definition soft_opt_in = true\n      tests/lang/spec_example.law:\n        13 | let soft_opt_in =\n" in p.stdout,
          "soft_opt_in, true, with its text", p)
    check("    definition corporate_subscriber = true\n" in p.stdout, "corporate_subscriber", p)
    unknown = contact("u", consents=[])
    p = run("explain", SPEC, "--contact", unknown, "--campaign", campaign())
    check("    definition corporate_subscriber = unknown\n" in p.stdout, "an unknown definition", p)
    t = json.loads(run("explain", SPEC, "--contact", c, "--campaign", campaign(products=["tools"]), "--json").stdout)
    rules = {r["name"]: r for r in t["rules"]}
    d = rules["existing_customer"]["definitions"]
    check([(x["name"], x["value"], x["unknown"]) for x in d] == [("lang.spec_example.soft_opt_in", True, False)], "JSON", p)
    check(d[0]["source"]["line"] == 13 and d[0]["source"]["text"].startswith("let soft_opt_in =\n"), "JSON source", p)
    check(rules["unsolicited"]["definitions"] == [], "a rule without definitions", p)
    # A .lawc keeps no types: the definition is named, its value not shown.
    lawc = TMP / "spec-defs.lawc"
    run("compile", SPEC, "-o", lawc)
    p = run("explain", lawc, "--contact", c, "--campaign", campaign(products=["tools"]))
    check("    definition soft_opt_in (its value needs the policy's source)\n" in p.stdout, "from .lawc", p)


@test
def definitions_of_every_kind_and_through_other_definitions():
    law = write("defs.law", 'policy t.defs "Definitions of every kind"\n\n'
                'let last = contact.last_contact\n'
                'let gap = campaign.send_date - contact.last_contact\n'
                'let wait = if contact.objected then 3 years else 1 year + 6 months\n'
                'let stale_contact = last < campaign.send_date and gap > wait\n\n'
                'decision d:\n  rule stale: deny\n    when stale_contact\n    cite "x"\n')
    c = contact("a", last_contact="2020-01-01", objected=False)
    camp = write("defs-campaign.json", json.dumps({"send_date": "2026-12-01"}))
    p = run("explain", law, "--contact", c, "--campaign", camp)
    names = re.findall(r"\n    definition (\S+) = ([^\n]*)", p.stdout)
    check(names == [("stale_contact", "true"), ("last", "2020-01-01"), ("gap", "from 2020-01-01 to 2026-12-01"),
                    ("wait", "1 year 6 months")], f"in order of first use, through stale_contact: {names}", p)
    t = json.loads(run("explain", law, "--contact", c, "--campaign", camp, "--json").stdout)
    d = t["rules"][0]["definitions"]
    check([(x["name"], x["value"]) for x in d] == [("t.defs.stale_contact", True), ("t.defs.last", "2020-01-01"),
                                                   ("t.defs.gap", "from 2020-01-01 to 2026-12-01"),
                                                   ("t.defs.wait", "1 year 6 months")], "JSON", p)
    p = run("explain", law, "--contact", contact("b", objected=True), "--campaign", camp)
    names = re.findall(r"\n    definition (\S+) = ([^\n]*)", p.stdout)
    check(names == [("stale_contact", "unknown"), ("last", "unknown"), ("gap", "unknown"), ("wait", "3 years")],
          f"unknown where a fact is absent: {names}", p)


@test
def several_decisions_an_unknown_channel_and_a_policy_out_of_force():
    guards = "tests/lang/guards.law"
    c = contact("g")
    p = run("explain", guards, "--contact", c, "--campaign", write("nochannel.json", "{}"))
    check("Decisions\n  email: unknown\n    facts: campaign.channel is absent\n    unknown because absent: campaign.channel\n"
          in p.stdout and "  post: unknown\n" in p.stdout, "every decision, with the fact its condition lacks", p)
    check(p.stdout.endswith("Outcome: review\n  why: decision 'email' might apply\n"
                            "  to settle it, the facts needed: campaign.channel\n"), "outcome", p)
    t = json.loads(run("explain", guards, "--contact", c, "--campaign", write("nochannel.json", "{}"), "--json").stdout)
    check([d["missing"] for d in t["decisions"]] == [["campaign.channel"], ["campaign.channel"]] and t["decision"] is None, "json", p)
    p = run("explain", guards, "--contact", c, "--campaign", campaign(channel="post"))
    check("Decisions\n  email: does not apply\n" in p.stdout and "  post: applies\n" in p.stdout
          and "Rules of post\n  always: allow basis legitimate_interest -- applies, prevails\n" in p.stdout, "the one that applies", p)
    dated = write("dated.law", 'policy t.dated "d"\n  effective 2027-01-01\n\ndecision d:\n  rule r: deny\n    cite "r"\n')
    p = run("explain", dated, "--contact", c, "--campaign", campaign())
    check("\nPolicy t.dated is not in force (effective 2027-01-01)\n" in p.stdout and "Decision\n" not in p.stdout, "out of force", p)
    p = run("explain", dated, "--contact", c, "--campaign", write("nodate.json", "{}"))
    check("\nPolicy t.dated might not be in force: the date is unknown (effective 2027-01-01)\n" in p.stdout
          and p.stdout.endswith("  to settle it, the facts needed: campaign.send_date\n"), "unknown date", p)


@test
def decision_option_and_compiled_programs():
    kleene = ROOT / "tests/lang/kleene.law"
    c = contact("k", objected=True)
    p = run("explain", kleene, "--contact", c, "--campaign", campaign(), "--decision", "nope")
    check(p.returncode == 1 and "no decision named 'nope'" in p.stderr, "unknown decision", p)
    lawc = TMP / "spec.lawc"
    run("compile", SPEC, "-o", lawc)
    c = contact("acme-1", entity="company", objected=False, suppressed=False, consents=[])
    p = run("explain", lawc, "--contact", c, "--campaign", campaign())
    check(p.returncode == 0 and "  corporate: allow basis corporate_subscriber -- applies, prevails\n" in p.stdout, "from .lawc", p)
    check("    tests/lang/spec_example.law:35\n" in p.stdout and " | rule corporate" not in p.stdout, "positions without text", p)


@test
def contact_files():
    lines = write("many.jsonl", "".join(json.dumps({"id": f"m{i}", "entity": "company", "objected": i == 2,
                                                    "suppressed": False, "consents": []}) + "\n" for i in range(4)))
    p = run("explain", SPEC, "--contact", lines, "--campaign", campaign())
    check(p.returncode == 1 and "holds 4 contacts, one a line: say which with --id" in p.stderr, "JSON Lines need --id", p)
    p = run("explain", SPEC, "--contact", lines, "--campaign", campaign(), "--id", "m2")
    check(p.returncode == 0 and p.stdout.startswith("Decision for contact 'm2'") and "Outcome: deny" in p.stdout, "--id", p)
    p = run("explain", SPEC, "--contact", lines, "--campaign", campaign(), "--id", "zz")
    check(p.returncode == 1 and "no contact with id 'zz'" in p.stderr, "unknown id", p)
    bad = write("bad.json", '{"id": "b", "entity": "compny"}')
    p = run("explain", SPEC, "--contact", bad, "--campaign", campaign())
    check(p.returncode == 1 and "contact.entity: 'compny' is not a value of Entity" in p.stderr, "bad facts", p)
    check(run("explain", SPEC, "--contact", bad).returncode == 2, "--campaign is required")


@test
def contact_and_campaign_given_as_json_objects():
    # --contact and --campaign take the object itself as well as a file; the text is the
    # same, and errors name the option.
    c = {"id": "acme-1", "entity": "company", "objected": False, "suppressed": False, "consents": []}
    from_files = run("explain", SPEC, "--contact", contact("acme-1", **{k: v for k, v in c.items() if k != "id"}),
                     "--campaign", campaign())
    inline = run("explain", SPEC, "--contact", json.dumps(c), "--campaign", "  " + json.dumps(CAMPAIGN))
    check(inline.returncode == 0 and inline.stdout == from_files.stdout == EXPECTED_COMPANY, "the same explanation", inline)
    pretty = run("explain", SPEC, "--contact", json.dumps(c, indent=2), "--campaign", json.dumps(CAMPAIGN), "--json")
    check(pretty.returncode == 0 and json.loads(pretty.stdout)["outcome"]["verdict"] == "allow", "an object on several lines", pretty)
    p = run("explain", SPEC, "--contact", '{"id": "b", "entity": "compny"}', "--campaign", json.dumps(CAMPAIGN))
    check(p.returncode == 1 and "--contact: contact.entity: 'compny' is not a value of Entity" in p.stderr, "a bad object", p)
    p = run("explain", SPEC, "--contact", json.dumps(c), "--campaign", '{"channel": 3}')
    check(p.returncode == 1 and "--campaign: campaign.channel" in p.stderr, "a bad campaign object", p)
    p = run("explain", SPEC, "--contact", "no-such-file.json", "--campaign", json.dumps(CAMPAIGN))
    check(p.returncode == 1 and "cannot read no-such-file.json" in p.stderr, "not an object: a file, which is missing", p)


@test
def a_run_time_error_says_where_and_gives_no_empty_reason():
    law = write("overflow.law", 'policy t.overflow "A run-time error"\ndecision d:\n  rule far: allow basis consent\n'
                '    when campaign.send_date + 9000 years > contact.last_contact\n    cite "far"\n')
    c = contact("x", last_contact="2020-01-01")
    p = run("explain", law, "--contact", c, "--campaign", campaign())
    check(p.returncode == 1, "a failed decision exits 1", p)
    tail = p.stdout[p.stdout.find("Outcome: "):]
    check(re.fullmatch("Outcome: review\n  the decision failed: a date outside the years 1 to 9999 in rule 'far' "
                       + re.escape(f"({law}:3:8; bytecode ") + "[0-9]+\\)\n", tail) is not None,
          "the error, where it happened, and no empty 'why'", p)
    p = run("check", law, "--contacts", c, "--campaign", campaign(), "--quiet")
    rec = json.loads(p.stdout)
    check(p.returncode == 1 and rec["error"].startswith("a date outside the years 1 to 9999 in rule 'far' ("), "check's record", p)


if __name__ == "__main__":
    main()
