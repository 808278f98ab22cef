#!/usr/bin/env python3
"""End-to-end tests of the `lawful` command on the built binary.

usage: run_cli.py LAWFUL        (run from the repository root)

Each test runs the binary as a user would and checks its output and exit status.
"""
import json, os, pathlib, re, subprocess, sys, tempfile

LAWFUL = os.path.abspath(sys.argv[1])
ROOT = pathlib.Path.cwd()
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-cli-"))
ENV = dict(os.environ, NO_COLOR="1")
tests, failures = [], []


def test(fn):
    tests.append(fn)
    return fn


def run(*args, stdin=None):
    return subprocess.run([LAWFUL, *map(str, args)], capture_output=True, text=True, input=stdin, env=ENV, timeout=120)


def check(cond, msg, p=None):
    if not cond:
        extra = f"\n    exit {p.returncode}\n    stdout: {p.stdout[:800]!r}\n    stderr: {p.stderr[:800]!r}" if p else ""
        raise AssertionError(msg + extra)


def records(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


SPEC = ROOT / "tests/lang/spec_example.law"
CAMPAIGN = {"id": "c1", "channel": "email", "unsubscribe": True, "send_date": "2026-12-01",
            "sender": {"name": "Acme Ltd", "identified": True, "contact_address": True}}


def write(name, text):
    p = TMP / name
    p.write_text(text)
    return p


def contacts_file(rows):
    return write("contacts.jsonl", "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


@test
def help_on_every_command():
    for cmd in ([], ["check"], ["test"], ["compile"], ["disasm"], ["explain"], ["diff"], ["fmt"], ["lint"]):
        p = run(*cmd, "--help")
        check(p.returncode == 0 and "Usage" in p.stdout, f"--help for {cmd}", p)


@test
def usage_errors_exit_2():
    check(run().returncode == 2, "no command")
    check(run("nonsense").returncode == 2, "unknown command")
    check(run("check", SPEC).returncode == 2, "check without input")
    check(run("check", SPEC, "--contacts", "x.jsonl").returncode == 2, "contacts without campaign")
    check(run("check", SPEC, "--cases", "x", "--as-of", "2024-13-01").returncode == 2, "bad --as-of")


@test
def check_one_record_per_line_in_order():
    rows = [
        {"id": "a", "entity": "company", "objected": False, "suppressed": False, "consents": []},
        "{not json",
        "",
        {"id": "b", "entity": "sole_trader", "objected": False, "suppressed": False, "consents": []},
        {"id": "c", "entity": "compny"},
        {"id": "d", "entity": "company"},
    ]
    camp = write("campaign.json", json.dumps(CAMPAIGN))
    p = run("check", SPEC, "--contacts", contacts_file(rows), "--campaign", camp)
    out = records(p.stdout)
    check(p.returncode == 1, "bad lines make the exit status 1", p)
    check(len(out) == len(rows), f"one record per line: {len(out)} for {len(rows)}", p)
    check(out[0]["id"] == "a" and out[0]["verdict"] == "allow" and out[0]["basis"] == "corporate_subscriber", "a", p)
    check(out[0]["cites"] == ["PECR reg 22 (individual subscribers only)"] and out[0]["obligations"] == ["include_unsubscribe"], "a cites", p)
    check(out[1]["line"] == 2 and "error" in out[1] and out[1]["id"] is None, "broken JSON gives an error record", p)
    check(out[2]["line"] == 3 and "blank" in out[2]["error"], "blank line gives an error record", p)
    check(out[3]["id"] == "b" and out[3]["verdict"] == "deny" and out[3]["rules"] == ["unsolicited"], "b", p)
    check(out[4] == {"id": "c", "line": 5, "error": "contact.entity: 'compny' is not a value of Entity"}, "c", p)
    check(out[5]["verdict"] == "review" and out[5]["missing"] == ["contact.objected", "contact.suppressed"], "d: review with missing", p)
    for r in out:
        if "verdict" in r:
            check(set(r) == {"id", "verdict", "basis", "policy", "decision", "rules", "cites", "obligations", "missing", "reason"}, "record keys", p)


@test
def check_cases_and_output_file():
    case = {"contact": {"id": "x", "entity": "consumer", "objected": False, "suppressed": False, "consents": []}, "campaign": CAMPAIGN}
    cases = write("cases.jsonl", json.dumps(case) + "\n")
    out = TMP / "out.jsonl"
    p = run("check", SPEC, "--cases", cases, "-o", out)
    check(p.returncode == 0 and p.stdout == "", "-o writes to the file, not stdout", p)
    r = records(out.read_text())
    check(len(r) == 1 and r[0]["verdict"] == "deny", "decision in the file", p)
    check(not (TMP / "out.jsonl.tmp").exists(), "no temporary file left")


@test
def check_stdin():
    camp = write("campaign.json", json.dumps(CAMPAIGN))
    p = run("check", SPEC, "--contacts", "-", "--campaign", camp, stdin=json.dumps({"id": "s", "entity": "llp", "objected": False, "suppressed": False}) + "\n")
    check(p.returncode == 0 and records(p.stdout)[0]["basis"] == "corporate_subscriber", "stdin", p)


@test
def check_decision_and_as_of():
    pol = ROOT / "tests/lang/effective.law"
    case = {"contact": {"id": "e", "objected": True}, "campaign": {"send_date": "2026-12-01"}}
    cases = write("eff.jsonl", json.dumps(case) + "\n")
    p = run("check", pol, "--cases", cases)
    check(records(p.stdout)[0]["verdict"] == "deny", "the send date picks the new rule", p)
    p = run("check", pol, "--cases", cases, "--as-of", "2026-01-01")
    check(records(p.stdout)[0]["verdict"] == "allow", "--as-of picks the old rule", p)
    p = run("check", ROOT / "tests/lang/kleene.law", "--cases", cases, "--decision", "d")
    check(p.returncode == 0 and records(p.stdout)[0]["decision"] == "d", "--decision", p)
    p = run("check", ROOT / "tests/lang/kleene.law", "--cases", cases, "--decision", "nope")
    check(p.returncode == 1 and "no decision named 'nope'" in p.stderr, "unknown --decision", p)


@test
def policy_with_several_decisions_is_decided_by_their_guards():
    pol = ROOT / "tests/lang/guards.law"
    rows = [{"contact": {"id": str(i)}, "campaign": c} for i, c in enumerate([{"channel": "email"}, {"channel": "post"}, {"channel": "sms"}, {}])]
    p = run("check", pol, "--cases", write("g.jsonl", "".join(json.dumps(r) + "\n" for r in rows)))
    out = records(p.stdout)
    check([r["decision"] for r in out[:2]] == ["email", "post"], "each channel its decision", p)
    check(out[2]["verdict"] == "review" and out[2]["reason"] == "no rule covers this channel", "no decision applies", p)
    check(out[3]["verdict"] == "review" and out[3]["missing"] == ["campaign.channel"], "unknown channel", p)


@test
def errors_in_policies_exit_1_with_positions():
    bad = write("bad.law", 'policy t.bad "x"\ndecision d:\n  rule r: deny\n    when contact.entiy == company\n')
    p = run("check", bad, "--cases", "/dev/null")
    check(p.returncode == 1 and "bad.law:4:18: error: 'contact' has no field 'entiy'" in p.stderr and "did you mean 'entity'?" in p.stderr, "diagnostic", p)
    p = run("check", TMP / "missing.law", "--cases", "/dev/null")
    check(p.returncode == 1 and "no such file" in p.stderr, "missing file", p)


@test
def compile_then_check_gives_the_same_decisions():
    lawc = TMP / "spec.lawc"
    p = run("compile", SPEC, "-o", lawc)
    check(p.returncode == 0 and lawc.exists(), "compile", p)
    rows = [{"contact": {"id": str(i), "entity": e, "objected": o, "suppressed": False, "consents": []}, "campaign": CAMPAIGN}
            for i, (e, o) in enumerate([("company", False), ("consumer", False), ("llp", True), ("unknown", None)])]
    cases = write("rt.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    a = run("check", SPEC, "--cases", cases)
    b = run("check", lawc, "--cases", cases)
    check(a.returncode == b.returncode and a.stdout == b.stdout and len(records(a.stdout)) == 4, "same decisions from .lawc", b)


@test
def damaged_lawc_is_refused():
    lawc = TMP / "spec.lawc"
    run("compile", SPEC, "-o", lawc)
    data = bytearray(lawc.read_bytes())
    cases = write("one.jsonl", json.dumps({"contact": {"id": "1"}, "campaign": CAMPAIGN}) + "\n")
    for i in (0, 5, 20, 40, len(data) // 2, len(data) - 1):
        d = bytearray(data)
        d[i] ^= 0x5A
        bad = TMP / "bad.lawc"
        bad.write_bytes(bytes(d))
        p = run("check", bad, "--cases", cases)
        check(p.returncode == 1 and "refused" in p.stderr and p.stdout == "", f"flipped byte {i} refused", p)
    (TMP / "short.lawc").write_bytes(bytes(data[: len(data) // 3]))
    p = run("check", TMP / "short.lawc", "--cases", cases)
    check(p.returncode == 1 and "truncated" in p.stderr, "truncated file refused", p)


@test
def disasm_shows_the_program():
    lawc = TMP / "spec.lawc"
    run("compile", SPEC, "-o", lawc)
    p = run("disasm", lawc)
    check(p.returncode == 0, "disasm", p)
    for needle in ("policy lang.spec_example", "rule 1 consented: allow basis consent overrides unsolicited", "IterBegin", "LoadSlot", "; contact.objected", "Ret"):
        check(needle in p.stdout, f"disasm shows {needle!r}", p)


@test
def test_command_reports_failures():
    pol = write("t.law", 'policy t.t "x"\ndecision d:\n  rule r: deny\n    cite "c"\n'
                'test "passes" {\n  expect d is deny\n}\n'
                'test "fails" {\n  expect d is allow\n}\n')
    p = run("test", pol)
    check(p.returncode == 1, "failing test exits 1", p)
    check("FAIL" in p.stdout and "fails" in p.stdout and "expected: d is allow" in p.stdout and "actual:   d is deny" in p.stdout, "failure shows expected and actual", p)
    check(p.stdout.strip().endswith("1 passed, 1 failed"), "summary line", p)
    p = run("test", ROOT / "tests/lang")
    check(p.returncode == 0 and " 0 failed" in p.stdout, "the language corpus passes", p)


@test
def test_coverage():
    head = ('policy t.cov "x"\ndecision d:\n  rule r: deny\n    cite "c"\n  rule s: allow basis consent\n'
            '    when contact.objected == false\n    overrides r\n    cite "s"\n')
    r_decides = 'test "r decides" {\n  contact { objected: true }\n  expect d is deny\n}\n'
    s_decides = 'test "s decides" {\n  contact { objected: false }\n  expect d is allow\n}\n'
    unknown = 'test "s might apply" {\n  contact { }\n  expect d is review\n}\n'
    p = run("test", write("cov.law", head + r_decides), "--coverage")
    check("coverage t.cov: 1/2 rules decisive (50%)" in p.stdout and "never decisive: d.s" in p.stdout, "coverage report", p)
    # s's condition is false: s is shown not to apply; r, which always applies, is never set aside.
    check("1/2 shown not to apply (50%)" in p.stdout and "never shown not to apply: d.r" in p.stdout
          and "never shown not to apply: d.s" not in p.stdout, "rules shown not to apply", p)
    check(p.returncode == 0, "coverage alone does not fail", p)
    p = run("test", write("cov.law", head + r_decides), "--coverage", "--min-coverage", "100")
    check(p.returncode == 1 and "coverage t.cov: below the required 100%" in p.stdout, "--min-coverage fails", p)
    # s decides and r, overridden by it, is set aside: decisive for s, set aside for r, but r
    # never decisive and s never set aside.
    p = run("test", write("cov.law", head + s_decides), "--coverage", "--min-coverage", "50")
    check("1/2 rules decisive (50%), 1/2 shown not to apply (50%)" in p.stdout and "never shown not to apply: d.s" in p.stdout
          and "never decisive: d.r" in p.stdout and p.returncode == 0, "an overridden rule is shown not to apply", p)
    # A rule whose condition is unknown is neither decisive nor shown not to apply.
    p = run("test", write("cov.law", head + unknown), "--coverage")
    check("0/2 rules decisive (0%), 0/2 shown not to apply (0%)" in p.stdout, "an unknown rule proves nothing", p)
    # Both ways, for both rules: full coverage passes the threshold.
    p = run("test", write("cov.law", head + r_decides + s_decides), "--coverage", "--min-coverage", "100")
    check(p.returncode == 0 and "2/2 rules decisive (100%), 2/2 shown not to apply (100%)" in p.stdout, "full coverage", p)


@test
def project_routing_covers_the_eea_and_the_policies():
    # Every EEA member state (std.countries.eea) goes to its own policy or to eu.gdpr; a
    # country with no policy, or none, gets review naming contact.country.
    text = (ROOT / "stdlib/std/countries.law").read_text()
    eea_block = text[text.index("let eea = {"):]
    eea = re.findall(r'"([A-Z]{2})"', eea_block[:eea_block.index("}")])
    check(len(eea) == 30, f"30 EEA states in std.countries, found {len(eea)}")
    own = {"FR": "fr.cnil", "DE": "de.uwg", "GB": "uk.pecr", "US": "us.canspam", "CA": "ca.casl", "fr": "fr.cnil"}
    want = {c: own.get(c, "eu.gdpr") for c in eea}
    want.update(own)
    rows = [{"contact": {"id": c, "country": c, "objected": False, "suppressed": False}, "campaign": {"channel": "post"}}
            for c in want]
    rows += [{"contact": {"id": c, "country": c, "objected": False, "suppressed": False}, "campaign": {"channel": "post"}}
             for c in ("JP", "CH", "UK")]
    rows.append({"contact": {"id": "none", "objected": False, "suppressed": False}, "campaign": {"channel": "post"}})
    p = run("check", ROOT / "policies", "--cases", write("route.jsonl", "".join(json.dumps(r) + "\n" for r in rows)))
    out = {r["id"]: r for r in records(p.stdout)}
    for c, policy in want.items():
        check(out[c]["policy"] == policy, f"{c} routes to {policy}, not {out[c]['policy']}", p)
    for c in ("JP", "CH", "UK", "none"):
        check(out[c]["verdict"] == "review" and out[c]["policy"] is None and out[c]["missing"] == ["contact.country"],
              f"{c}: review naming contact.country", p)


@test
def every_policy_rule_is_documented_for_lawyers():
    # docs/policies/<file>.md names every decision and every rule of policies/<file>.law.
    for law in sorted((ROOT / "policies").glob("*.law")):
        text = law.read_text()
        if text.lstrip().startswith("routing"):
            continue
        doc = ROOT / "docs/policies" / (law.stem + ".md")
        check(doc.exists(), f"{doc} documents {law.name}")
        page = doc.read_text()
        for d in re.findall(r"^decision (\w+)", text, re.M):
            check(f"decision `{d}`" in page, f"{doc.name} has a section for decision `{d}`")
        for r in re.findall(r"^\s+(?:replace )?rule (\w+):", text, re.M):
            check(f"| `{r}` |" in page, f"{doc.name} explains rule `{r}`")
        check("## Sources" in page, f"{doc.name} lists its sources")



@test
def test_as_of_and_coverage_by_date():
    # A regulation change: the old rules until 2026-08-11, the new ones from then.
    pol = write("change.law", 'policy t.change "x"\ndecision d:\n'
                '  rule old: deny\n    effective 2000-01-01 until 2026-08-11\n    cite "old"\n'
                '  rule old_consent: allow basis consent\n    when contact.objected == false\n    overrides old\n'
                '    effective 2000-01-01 until 2026-08-11\n    cite "old, consent"\n'
                '  rule new: deny\n    effective 2026-08-11\n    cite "new"\n'
                '  rule new_consent: allow basis consent\n    when contact.objected == false\n    overrides new\n'
                '    effective 2026-08-11\n    cite "new, consent"\n'
                'test "objected" {\n  contact { objected: true }\n  expect d is deny\n}\n'
                'test "not objected" {\n  contact { objected: false }\n  expect d is allow\n}\n')
    p = run("test", pol, "--coverage", "--as-of", "2026-01-01", "--min-coverage", "100")
    check(p.returncode == 0, "rules not in force on the date do not count against coverage", p)
    check("coverage t.change: 2/2 rules decisive (100%), 2/2 shown not to apply (100%), 2 not in force on 2026-01-01\n"
          "  not in force on 2026-01-01: d.new\n  not in force on 2026-01-01: d.new_consent\n" in p.stdout, "report", p)
    p = run("test", pol, "--coverage", "--as-of", "2027-01-01", "--min-coverage", "100")
    check(p.returncode == 0 and "coverage t.change: 2/2 rules decisive (100%), 2/2 shown not to apply (100%), 2 not in force on 2027-01-01\n"
          "  not in force on 2027-01-01: d.old\n  not in force on 2027-01-01: d.old_consent\n" in p.stdout, "after the change", p)
    p = run("test", pol, "--coverage")
    check("coverage t.change: 0/4 rules decisive (0%), 2/4 shown not to apply (50%)\n" in p.stdout and p.returncode == 1,
          "without a date, no send date: review", p)

failed = 0
for t in tests:
    try:
        t()
        print(f"ok   {t.__name__}")
    except AssertionError as e:
        failed += 1
        print(f"FAIL {t.__name__}: {e}")
    except subprocess.TimeoutExpired:
        failed += 1
        print(f"FAIL {t.__name__}: timed out")
print(f"{len(tests) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
