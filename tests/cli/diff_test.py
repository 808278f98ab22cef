#!/usr/bin/env python3
"""`lawful diff` end to end: on a generated contact file where the movement between two
versions of a policy is known (a small model of both versions computes it), the counts
per movement, the rules behind them, the contact ids, what differs between the
versions, --json, --fail-on-change, --cases, --as-of, .lawc files and bad lines.

usage: diff_test.py LAWFUL        (run from the repository root)
"""
import json, sys
from collections import Counter

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

OLD = """policy t.diff "Email"

decision email when campaign.channel == email:
  rule unsolicited: deny
    cite "reg 22(2)"
  rule consented: allow basis consent
    when any c in contact.consents: c.channel == email
    overrides unsolicited
    cite "reg 22(2) consent"
  rule corporate: allow basis corporate_subscriber
    when contact.entity in {company, llp}
    overrides unsolicited
    cite "reg 22 corporate"
  rule objection: deny
    when contact.objected
    overrides consented, corporate
    cite "art 21(3)"
"""

# The new version: LLPs are no longer treated as corporate subscribers, and a contact
# on the TPS is not emailed.
NEW = OLD.replace("contact.entity in {company, llp}", "contact.entity == company").replace(
    "    cite \"art 21(3)\"\n",
    "    cite \"art 21(3)\"\n  rule tps_listed: deny\n    when contact.tps\n    overrides consented, corporate\n    cite \"house rule: TPS\"\n")

CAMPAIGN = {"id": "c", "channel": "email", "send_date": "2026-12-01"}
ENTITIES = ["company", "llp", "consumer", "sole_trader"]


def contacts(n):
    rows = []
    for i in range(n):
        row = {"id": f"k{i}", "entity": ENTITIES[i % 4], "objected": i % 7 == 0,
               "consents": [{"channel": "email"}] if i % 3 == 0 else []}
        if i % 11 != 0:
            row["tps"] = i % 5 == 0  # absent (unknown) on every 11th contact
        rows.append(row)
    return rows


def model(row, new):
    """(verdict, basis) as each version decides it."""
    consent = bool(row["consents"])
    corporate = row["entity"] in (("company",) if new else ("company", "llp"))
    tps = row.get("tps")  # None: unknown
    if row["objected"]:
        return ("deny", None)
    allow = "consent" if consent else "corporate_subscriber" if corporate else None
    if allow and new:
        if tps is None:
            return ("review", None)
        if tps:
            return ("deny", None)
    return ("allow", allow) if allow else ("deny", None)


def label(v):
    return v[0] if v[1] is None else f"{v[0]} basis {v[1]}"


ROWS = contacts(300)


def setup():
    old, new = write("diff/old/p.law", OLD), write("diff/new/p.law", NEW)
    data = write("diff/contacts.jsonl", "".join(json.dumps(r) + "\n" for r in ROWS))
    camp = write("diff/campaign.json", json.dumps(CAMPAIGN))
    return old, new, data, camp


def expected():
    moves = Counter()
    ids = {}
    for r in ROWS:
        a, b = model(r, False), model(r, True)
        if a != b:
            moves[(a, b)] += 1
            ids.setdefault((a, b), []).append(r["id"])
    return moves, ids


@test
def counts_per_movement_match_the_model():
    old, new, data, camp = setup()
    p = run("diff", old, new, "--contacts", data, "--campaign", camp, "--json")
    check(p.returncode == 0, "diff succeeds", p)
    t = json.loads(p.stdout)
    moves, ids = expected()
    check(len(moves) >= 3, f"the generated file exercises several movements: {moves}")
    got = {((m["from"]["verdict"], m["from"]["basis"]), (m["to"]["verdict"], m["to"]["basis"])): m["count"] for m in t["movements"]}
    check(got == dict(moves), f"movements: got {got}, expected {dict(moves)}", p)
    check(t["contacts"] == 300 and t["changed"] == sum(moves.values()) and t["unchanged"] == 300 - t["changed"]
          and t["errors"] == 0, "totals", p)
    counts = [m["count"] for m in t["movements"]]
    check(counts == sorted(counts, reverse=True), "largest movement first", p)
    for m in t["movements"]:
        key = ((m["from"]["verdict"], m["from"]["basis"]), (m["to"]["verdict"], m["to"]["basis"]))
        check(m["contacts"] == ids[key][:5], f"the first contact ids of {key}", p)


@test
def rules_behind_each_movement_and_what_changed():
    old, new, data, camp = setup()
    t = json.loads(run("diff", old, new, "--contacts", data, "--campaign", camp, "--json").stdout)
    check(sorted((c.get("rule"), c["change"]) for c in t["changes"]) == [("corporate", "changed"), ("tps_listed", "added")],
          f"changes: {t['changes']}")
    by = {((m["from"]["verdict"], m["from"]["basis"]), (m["to"]["verdict"], m["to"]["basis"])): m for m in t["movements"]}
    to_review = by[(("allow", "consent"), ("review", None))]
    check([(r["rule"], r["change"]) for r in to_review["now"]] == [("tps_listed", "added")], "review: tps_listed might apply")
    check("consented" in [r["rule"] for r in to_review["was"]], "was decided by consented (and corporate, for companies)")
    llp = by[(("allow", "corporate_subscriber"), ("deny", None))]
    now = {r["rule"]: r["count"] for r in llp["now"]}
    # A denied LLP on the TPS is denied by both rules: each rule counts the decisions it is in.
    check(set(now) == {"unsolicited", "tps_listed"} and max(now.values()) <= llp["count"] <= sum(now.values()),
          f"deny now by: {now}")


@test
def the_text_report():
    old, new, data, camp = setup()
    p = run("diff", old, new, "--contacts", data, "--campaign", camp)
    moves, ids = expected()
    changed = sum(moves.values())
    lines = p.stdout.splitlines()
    check(lines[0].startswith(f"300 contacts: {changed} decisions changed, {300 - changed} unchanged"), "summary line", p)
    check("What differs between the versions\n  t.diff: rule email.corporate changed\n  t.diff: rule email.tps_listed added\n"
          in p.stdout, "the changed rules", p)
    for (a, b), n in moves.items():
        check(f"\n{label(a)} -> {label(b)}: {n}\n" in p.stdout, f"movement {label(a)} -> {label(b)}", p)
    check("  now by: t.diff: email.tps_listed (" in p.stdout and ", added)" in p.stdout, "rules marked added", p)
    key = ((("allow", "consent"), ("review", None)))
    first = ", ".join(ids[key][:5])
    check(f"  contacts: {first}, and {moves[key] - 5} more\n" in p.stdout, "a few ids and how many more", p)


@test
def fail_on_change_for_ci():
    old, new, data, camp = setup()
    p = run("diff", old, new, "--contacts", data, "--campaign", camp, "--fail-on-change")
    check(p.returncode == 1, "changes fail with --fail-on-change", p)
    same = write("diff/same/p.law", OLD)
    p = run("diff", old, same, "--contacts", data, "--campaign", camp, "--fail-on-change")
    check(p.returncode == 0 and p.stdout == "300 contacts: 0 decisions changed, 300 unchanged\n", "no change passes", p)


@test
def cases_as_of_and_compiled_files():
    eff = ROOT / "tests/lang/effective.law"
    later = write("diff/later.law", eff.read_text().replace("2026-08-11", "2026-10-01"))
    cases = write("diff/cases.jsonl", "".join(json.dumps({"contact": {"id": f"e{i}", "objected": True},
                                                          "campaign": {"send_date": d}}) + "\n"
                                              for i, d in enumerate(["2026-01-01", "2026-09-01", "2027-01-01"])))
    p = run("diff", eff, later, "--cases", cases, "--json")
    t = json.loads(p.stdout)
    check(t["changed"] == 1 and t["movements"][0]["contacts"] == ["e1"], "only the contact sent between the two dates moves", p)
    m = t["movements"][0]
    check((m["from"]["verdict"], m["to"]["verdict"]) == ("deny", "allow"), "deny -> allow", p)
    p = run("diff", eff, later, "--cases", cases, "--as-of", "2026-09-01", "--json")
    check(json.loads(p.stdout)["changed"] == 3, "--as-of decides every case on that date", p)
    a, b = TMP / "diff/a.lawc", TMP / "diff/b.lawc"
    run("compile", eff, "-o", a)
    run("compile", later, "-o", b)
    p = run("diff", a, b, "--cases", cases, "--json")
    check(p.returncode == 0 and json.loads(p.stdout)["changed"] == 1, "compiled programs", p)


@test
def unchanged_decisions_for_other_rules_or_citations_are_broken_down():
    # Issue 16, item 5: the decisions that kept their verdict but not their rules or
    # citations, per verdict and kind, as the movements are.
    old = write("diff/old/p.law", OLD)
    renamed = write("diff/renamed/p.law", OLD.replace("rule objection: deny", "rule objected: deny")
                    .replace('cite "reg 22 corporate"', 'cite "reg 22 corporate (amended)"'))
    data, camp = write("diff/contacts.jsonl", "".join(json.dumps(r) + "\n" for r in ROWS)), write("diff/campaign.json", json.dumps(CAMPAIGN))
    p = run("diff", old, renamed, "--contacts", data, "--campaign", camp, "--json")
    t = json.loads(p.stdout)
    corporate = [r for r in ROWS if r["entity"] in ("company", "llp") and not r["objected"]]
    expected = {("deny", None, "rules"): sum(1 for r in ROWS if r["objected"]),
                ("allow", "corporate_subscriber", "citations"): sum(1 for r in corporate if not r["consents"]),
                ("allow", "consent", "citations"): sum(1 for r in corporate if r["consents"])}
    got = {(g["from"]["verdict"], g["from"]["basis"], g["changed"]): g["count"] for g in t["other_reasons_by"]}
    check(p.returncode == 0 and t["changed"] == 0 and got == expected, f"groups: got {got}, expected {expected}", p)
    check(t["other_reasons"] == sum(expected.values()), "other_reasons is their total", p)
    counts = [g["count"] for g in t["other_reasons_by"]]
    check(counts == sorted(counts, reverse=True), "largest first", p)
    deny = next(g for g in t["other_reasons_by"] if g["changed"] == "rules")
    check(deny["from"] == deny["to"] == {"verdict": "deny", "basis": None}, "the verdict, on both sides", p)
    check(("objected", "added") in [(r["rule"], r["change"]) for r in deny["now"]]
          and ("objection", "removed") in [(r["rule"], r["change"]) for r in deny["was"]], "the rules behind it", p)
    check(deny["contacts"] == [r["id"] for r in ROWS if r["objected"]][:5], "its first contacts", p)
    p = run("diff", old, renamed, "--contacts", data, "--campaign", camp)
    n = expected[("allow", "corporate_subscriber", "citations")]
    check(f"(300 of them for other rules or citations)" not in p.stdout
          and f"({sum(expected.values())} of them for other rules or citations)\n" in p.stdout, "the summary line", p)
    check(f"\nallow basis corporate_subscriber, unchanged, by other citations of the same rules: {n}\n"
          "  now by: t.diff: email.corporate (" in p.stdout, "a citations block", p)
    check(f"\ndeny, unchanged, by other rules: {expected[('deny', None, 'rules')]}\n" in p.stdout, "a rules block", p)
    # Nothing to break down: no blocks.
    p = run("diff", old, old, "--contacts", data, "--campaign", camp, "--json")
    check(json.loads(p.stdout)["other_reasons_by"] == [], "none", p)


@test
def csv_input_as_check_reads_it():
    old, new, data, camp = setup()
    fields = ["id", "entity", "objected", "tps"]
    plain = [{k: r[k] for k in fields if k in r} for r in ROWS]
    cell = lambda v: "" if v is None else ("true" if v is True else "false" if v is False else str(v))
    csv_text = ",".join(fields) + "\n" + "".join(",".join(cell(r.get(k)) for k in fields) + "\n" for r in plain)
    as_csv = write("diff/contacts.csv", csv_text)
    as_jsonl = write("diff/plain.jsonl", "".join(json.dumps(r) + "\n" for r in plain))
    a = run("diff", old, new, "--contacts", as_csv, "--campaign", camp, "--json")
    b = run("diff", old, new, "--contacts", as_jsonl, "--campaign", camp, "--json")
    check(a.returncode == 0 and a.stdout == b.stdout and json.loads(a.stdout)["contacts"] == 300,
          "a CSV file gives the report of the same contacts in JSON Lines", a)
    check(json.loads(a.stdout)["changed"] > 0, "and something moves", a)
    named = write("diff/contacts.txt", csv_text)
    c = run("diff", old, new, "--contacts", named, "--campaign", camp, "--json", "--input-format", "csv")
    check(c.returncode == 0 and c.stdout == a.stdout, "--input-format csv", c)
    p = run("diff", old, new, "--contacts", write("diff/list.csv", "id,consents\nx,email\n"), "--campaign", camp)
    check(p.returncode == 1 and "list.csv: " in p.stderr and "consents" in p.stderr, "a header naming a list", p)
    p = run("diff", old, new, "--contacts", write("diff/empty.csv", ""), "--campaign", camp)
    check(p.returncode == 1 and "no header row" in p.stderr, "an empty CSV file", p)
    p = run("diff", old, new, "--cases", as_csv)
    check(p.returncode == 2 and "--cases reads JSON Lines only" in p.stderr, "--cases with CSV", p)
    p = run("diff", old, new, "--contacts", as_jsonl, "--campaign", camp, "--input-format", "xml")
    check(p.returncode == 2 and "--input-format: xml not in {auto,jsonl,csv}" in p.stderr and p.stdout == "",
          "an unknown format: CLI11's check, as check's", p)
    p = run("diff", old, new, "--contacts", as_jsonl, "--campaign", camp, "--engine", "fast")
    check(p.returncode == 2 and "--engine: fast not in {vm,jit,auto}" in p.stderr, "an unknown engine", p)
    p = run("diff", old, new, "--contacts", "-", "--campaign", camp, "--json", "--input-format", "csv", stdin=csv_text)
    check(p.returncode == 0 and p.stdout == a.stdout, "CSV on standard input", p)


@test
def an_over_long_line_is_reported_and_the_rest_decided():
    old, new, data, camp = setup()
    long = json.dumps({"id": "big", "entity": "company", "note": "x" * (1 << 20)})
    text = json.dumps(ROWS[1]) + "\n" + long + "\n" + json.dumps(ROWS[2]) + "\n"
    p = run("diff", old, new, "--contacts", write("diff/long.jsonl", text), "--campaign", camp, "--json")
    t = json.loads(p.stdout)
    check(p.returncode == 1 and t["contacts"] == 3 and t["errors"] == 1, "one line not decided, the others decided", p)
    check(t["error_lines"] == [{"line": 2, "error": f"a line of {len(long)} bytes; the limit is 1048576"}], "why", p)
    check(t["changed"] + t["unchanged"] == 2, "the two short lines", p)
    fields = "id,entity\n"
    p = run("diff", old, new, "--contacts", write("diff/long.csv", fields + "a,company\nb," + "y" * (1 << 20) + "\nc,llp\n"),
            "--campaign", camp, "--json")
    t = json.loads(p.stdout)
    check(p.returncode == 1 and [e["line"] for e in t["error_lines"]] == [3] and t["changed"] + t["unchanged"] == 2,
          "in CSV too (line 3: the header is line 1)", p)


@test
def bad_lines_and_usage():
    old, new, data, camp = setup()
    bad = write("diff/bad.jsonl", json.dumps(ROWS[1]) + "\n{oops\n\n" + json.dumps({"id": "z", "entity": "compny"}) + "\n")
    p = run("diff", old, new, "--contacts", bad, "--campaign", camp, "--json")
    t = json.loads(p.stdout)
    check(p.returncode == 1 and t["errors"] == 3 and [e["line"] for e in t["error_lines"]] == [2, 3, 4], "bad lines", p)
    check("compny" in t["error_lines"][2]["error"], "the binder's message", p)
    check(t["error_lines"][1]["error"] == "a blank line" and t["contacts"] == 3, "a blank line: reported, not a contact", p)
    check(run("diff", old, new).returncode == 2, "no input")
    check(run("diff", old, new, "--contacts", data).returncode == 2, "contacts without campaign")
    p = run("diff", old, TMP / "nowhere.law", "--contacts", data, "--campaign", camp)
    check(p.returncode == 1 and "no such file" in p.stderr, "a missing version", p)


@test
def a_run_time_error_in_one_version_leaves_the_line_undecided():
    old, new, data, camp = setup()
    # The new version's first rule fails on every contact (a date past 9999).
    far = write("diff/far/p.law", NEW.replace("  rule unsolicited: deny\n",
                                              "  rule unsolicited: deny\n    when campaign.send_date + 9000 years > campaign.send_date\n"))
    p = run("diff", old, far, "--contacts", data, "--campaign", camp, "--json", "--examples", "2")
    t = json.loads(p.stdout)
    check(p.returncode == 1 and t["errors"] == len(ROWS) and t["contacts"] == len(ROWS) and t["changed"] == 0,
          "no line decided", p)
    want = f"a date outside the years 1 to 9999 in rule 'unsolicited' ({far}:5:10; "
    check([e["line"] for e in t["error_lines"]] == [1, 2] and all(e["error"].startswith(want) for e in t["error_lines"]),
          "the run-time error, where it happened, as check gives it", p)
    p = run("check", far, "--contacts", data, "--campaign", camp, "--quiet")
    first = json.loads(p.stdout.splitlines()[0])
    check(first["error"] == t["error_lines"][0]["error"], "the same message as check's record", p)


if __name__ == "__main__":
    main()
