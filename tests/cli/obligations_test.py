#!/usr/bin/env python3
"""Obligations per rule and a policy's own obligations (issue 16, item 6), on decision
records and in explain: what must not be listed (a test block can only say what is),
each route's own citation, obligations declared by a policy, and what another policy's
declaration does not make visible.

usage: obligations_test.py LAWFUL        (run from the repository root)
"""
import atexit, json, shutil, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

atexit.register(shutil.rmtree, TMP, True)

SENDER = {"name": "Northwind Ltd", "identified": True, "contact_address": True}
CAMPAIGN = {"channel": "email", "send_date": "2026-12-01", "unsubscribe": True, "products": ["boilers"],
            "lia_recorded": True, "ad_disclosed": True, "honest_headers": True, "sender": dict(SENDER, postal_address=True)}


def decide(contact, campaign=CAMPAIGN, policies="policies"):
    cases = write("cases.jsonl", json.dumps({"contact": contact, "campaign": campaign}) + "\n")
    p = run("check", policies, "--cases", cases, "--quiet")
    check(p.returncode == 0, "decided", p)
    return records(p.stdout)[0]


@test
def soft_opt_in_with_consents_unknown_owes_no_consent_record():
    # The case: the soft opt-in allows, the consents are unknown. In every policy
    # with a soft opt-in and a consent rule, no consent record is owed, because no
    # consent decided.
    customer = {"purchased": ["boilers"], "opt_out_offered": True}
    for country in ["GB", "FR", "DE", "IE"]:
        r = decide({"id": "c", "country": country, "entity": "consumer", "objected": False, "suppressed": False,
                    "last_contact": "2026-10-01", "customer": dict(customer, last_purchase="2026-10-01")})
        check(r["verdict"] == "allow" and r["basis"] == "soft_opt_in", f"{country}: the soft opt-in allows: {r}")
        check("keep_consent_record" not in r["obligations"], f"{country}: no consent record: {r['obligations']}")
        check("include_unsubscribe" in r["obligations"], f"{country}: the opt-out still owed: {r['obligations']}")
    r = decide({"id": "c", "country": "GB", "entity": "consumer", "objected": False, "suppressed": False,
                "customer": customer})
    check(r["obligations"] == ["identify_sender", "include_contact_address", "include_unsubscribe", "honour_objection",
                               "keep_collection_record"], f"GB, exactly: {r['obligations']}")


@test
def the_consent_that_decided_owes_its_record():
    consent = {"channel": "email", "purpose": "marketing", "controller": "Northwind Ltd", "given_at": "2026-01-11",
               "method": "double_opt_in"}
    r = decide({"id": "c", "country": "GB", "entity": "consumer", "objected": False, "suppressed": False,
                "consents": [consent]})
    check(r["basis"] == "consent" and "keep_consent_record" in r["obligations"]
          and "keep_collection_record" not in r["obligations"], f"{r}")
    # A corporate subscriber with a consent: both decide, both routes' duties.
    r = decide({"id": "c", "country": "GB", "entity": "company", "email": "sam@acme-widgets.co.uk", "objected": False,
                "suppressed": False, "consents": [consent]}, dict(CAMPAIGN, lia_recorded=False))
    check(set(r["rules"]) == {"corporate", "consented"} and "keep_consent_record" in r["obligations"]
          and "record_lia" in r["obligations"], f"{r}")
    # A company with consents unknown: the corporate route alone, no consent record.
    r = decide({"id": "c", "country": "GB", "entity": "company", "email": "sam@acme-widgets.co.uk", "objected": False,
                "suppressed": False}, dict(CAMPAIGN, lia_recorded=False))
    check(r["rules"] == ["corporate"] and "keep_consent_record" not in r["obligations"], f"{r}")


@test
def a_review_that_a_rule_for_might_change_brings_nothing_of_it():
    # The lang corpus' policy: an objection (review) overrides every allow. The consent
    # rule applies but is overridden: its duties are not owed.
    r = decide({"id": "c", "entity": "consumer", "objected": True, "consents": [{"channel": "email"}]},
               {"channel": "email"}, "tests/lang/obligations_for.law")
    check(r["verdict"] == "review" and r["obligations"] == ["honour_objection"], f"{r}")
    # Nothing decided on the consent's side when it only might apply.
    r = decide({"id": "c", "entity": "consumer", "objected": False, "customer": {"purchased": ["x"]}},
               {"channel": "email"}, "tests/lang/obligations_for.law")
    check(r["verdict"] == "allow" and r["basis"] == "soft_opt_in" and "keep_consent_record" not in r["obligations"]
          and sorted(r["obligations"]) == ["include_unsubscribe", "keep_collection_record"], f"{r}")


@test
def explain_cites_the_route_that_decided():
    customer = {"purchased": ["boilers"], "opt_out_offered": True}
    contact = write("c.json", json.dumps({"id": "c", "country": "GB", "entity": "consumer", "objected": False,
                                          "suppressed": False, "customer": customer}))
    camp = write("camp.json", json.dumps(CAMPAIGN))
    p = run("explain", "policies", "--contact", contact, "--campaign", camp, "--json")
    check(p.returncode == 0, "explained", p)
    obl = {o["name"]: o["cites"] for o in json.loads(p.stdout)["obligations"]}
    check(obl["include_unsubscribe"] == ["PECR reg 22(3)(c); UK GDPR art 21(4)"], f"the soft opt-in's own: {obl}")
    check(obl["keep_collection_record"][0].startswith("UK GDPR art 5(2)"), f"{obl}")


@test
def another_policys_obligation_must_be_declared():
    write("two/a.law", 'policy t.a "a"\nobligation keep_log "a log"\n'
          'decision d:\n  rule r: allow basis consent\n    cite "x"\n  oblige keep_log cite "y"\n')
    write("two/b.law", 'policy t.b "b"\n'
          'decision d:\n  rule r: allow basis consent\n    cite "x"\n  oblige keep_log cite "y"\n')
    p = run("test", TMP / "two")
    check(p.returncode == 1 and "b.law:5:10: error: 'keep_log' is not an obligation [E211]" in p.stderr
          and "another policy declares it; declare it in this one too: `obligation keep_log`" in p.stderr, "refused", p)
    # Declared in both: one name in the records, whichever policy decided.
    write("two/b.law", 'policy t.b "b"\nobligation keep_log "b log"\n'
          'decision d:\n  rule r: allow basis consent\n    cite "x"\n  oblige keep_log cite "y"\n')
    write("two/route.law", 'routing "r"\nroute "GB" to t.a\nroute "FR" to t.b\n')
    cases = write("two.jsonl", '{"contact": {"id": "1", "country": "GB"}, "campaign": {}}\n'
                  '{"contact": {"id": "2", "country": "FR"}, "campaign": {}}\n')
    p = run("check", TMP / "two", "--cases", cases, "--quiet")
    check(p.returncode == 0 and [r["obligations"] for r in records(p.stdout)] == [["keep_log"], ["keep_log"]],
          "both declare it: one name in the records, whichever policy decided", p)
    # A policy that extends one sees its obligations.
    write("ext/a.law", 'policy t.a "a"\nobligation keep_log "a log"\n'
          'decision d:\n  rule r: allow basis consent\n    cite "x"\n')
    write("ext/b.law", 'policy t.b "b" extends t.a\ndecision d:\n  oblige keep_log for r cite "y"\n'
          'test "t" {\n  contact { }\n  expect d obliges keep_log\n}\n')
    p = run("test", TMP / "ext")
    check(p.returncode == 0 and "1 passed" in p.stdout, "an extending policy uses it", p)
    # Not in a module.
    write("mod/m.law", 'module t.m "m"\nobligation keep_log\n')
    p = run("check", TMP / "mod/m.law", "--cases", "/dev/null")
    check(p.returncode == 1 and "an obligation cannot be declared in a module [E404]" in p.stderr, "misplaced", p)


@test
def compiled_programs_keep_the_rules_of_an_obligation():
    lawc = TMP / "p.lawc"
    p = run("compile", "policies", "-o", lawc)
    check(p.returncode == 0, "compiled", p)
    p = run("disasm", lawc)
    check(" oblige keep_consent_record for consented (policies/uk.law:" in p.stdout, "disassembly names the rule", p)
    customer = {"purchased": ["boilers"], "opt_out_offered": True}
    cases = write("c2.jsonl", json.dumps({"contact": {"id": "c", "country": "GB", "entity": "consumer", "objected": False,
                                                      "suppressed": False, "customer": customer},
                                          "campaign": CAMPAIGN}) + "\n")
    a = run("check", lawc, "--cases", cases, "--quiet")
    b = run("check", "policies", "--cases", cases, "--quiet")
    check(a.returncode == 0 and a.stdout == b.stdout and "keep_consent_record" not in a.stdout, "the .lawc decides alike", a)
    # Files of format 2 (before ObligeInfo::rules) and 3 (before the content hash) are still
    # read. A policy without obligations has the same payload in formats 2 and 3, and format
    # 4 adds only the content hash at the end (a u32 length, then 64 hex digits): an older
    # file is this one without it, with its version, payload size and checksum (FNV-1a 64
    # over the header and the payload) recomputed here.
    write("plain/p.law", 'policy t.p "p"\ndecision d:\n  rule r: deny\n    cite "x"\n')
    two = TMP / "plain.lawc"
    check(run("compile", TMP / "plain/p.law", "-o", two).returncode == 0, "compiled")
    data = bytearray(two.read_bytes())
    check(data[4:8] == (4).to_bytes(4, "little"), "written as format 4")
    check(data[-68:-64] == (64).to_bytes(4, "little") and all(c in b"0123456789abcdef" for c in data[-64:]),
          "the content hash ends the payload")

    def fnv(b, h):
        for x in b:
            h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        return h

    def with_version(v):
        d = bytearray(data if v >= 4 else data[:-68])
        d[4:8] = v.to_bytes(4, "little")
        d[16:24] = (len(d) - 32).to_bytes(8, "little")
        d[24:32] = fnv(bytes(d[32:]), fnv(bytes(d[:24]), 0xcbf29ce484222325)).to_bytes(8, "little")
        f = TMP / f"plain{v}.lawc"
        f.write_bytes(bytes(d))
        return f

    check(with_version(4).read_bytes() == two.read_bytes(), "the checksum as lawful writes it")
    p = run("check", with_version(2), "--cases", write("one.jsonl", '{"contact": {"id": "1"}, "campaign": {}}\n'), "--quiet")
    check(p.returncode == 0 and records(p.stdout)[0]["verdict"] == "deny", "format 2 read", p)
    p = run("check", with_version(3), "--cases", TMP / "one.jsonl", "--quiet")
    check(p.returncode == 0 and records(p.stdout)[0]["verdict"] == "deny", "format 3 read", p)
    p = run("disasm", with_version(5))
    check(p.returncode == 1 and "format version 5; this lawful reads versions 1 to 4" in p.stderr, "format 5 refused", p)


if __name__ == "__main__":
    main()
