#!/usr/bin/env python3
"""End-to-end tests of the `lawful` command on the built binary.

Each test runs the binary as a user would and checks its output and exit status. The
tests marked @text_test check the command's words and exit statuses on paths other tests
run under the sanitizers; the sanitizer build skips them (docs/performance.md, "The test
command's time", names what covers each there).

usage: run_cli.py LAWFUL [--sanitized]        (run from the repository root)
"""
import json, os, pathlib, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(__file__))
from clitest import *  # noqa: E402,F403


SPEC = ROOT / "tests/lang/spec_example.law"
CAMPAIGN = {"id": "c1", "channel": "email", "unsubscribe": True, "send_date": "2026-12-01",
            "sender": {"name": "Acme Ltd", "identified": True, "contact_address": True}}


def contacts_file(rows):
    return write("contacts.jsonl", "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


@text_test
def help_on_every_command():
    for cmd in ([], ["check"], ["test"], ["compile"], ["disasm"], ["explain"], ["diff"], ["fmt"], ["lint"]):
        p = run(*cmd, "--help")
        check(p.returncode == 0 and "Usage" in p.stdout, f"--help for {cmd}", p)


@text_test
def only_the_named_command_gets_its_options_yet_all_are_listed():
    # main.cpp adds the options of the command a command line names only (start-up):
    # the list of commands stays whole, and each command still parses its own options.
    names = ["check", "test", "compile", "disasm", "fmt", "lint", "explain", "diff", "gen-contacts", "verify",
             "lsp", "serve", "map"]
    p = run("--help")
    listed = [l.split()[0] for l in p.stdout.splitlines() if l.startswith("  ") and not l.lstrip().startswith("-")]
    check(p.returncode == 0 and listed == names, "lawful --help lists every command", p)
    for cmd, option in (("check", "--contacts"), ("gen-contacts", "--seed"), ("map", "--preview"), ("diff", "--cases"),
                        ("test", "--min-coverage FLOAT:FLOAT in [0 - 100]")):
        p = run(cmd, "--help")
        check(p.returncode == 0 and option in p.stdout, f"{cmd} --help shows {option}", p)
    # An option of another command is still unknown to the one named, as before.
    p = run("lint", "--contacts", "x.jsonl", "tests/lang/spec_example.law")
    check(p.returncode == 2 and "--contacts" in p.stderr, "another command's option is a usage error", p)
    p = run("--version", "check")
    check(p.returncode == 2 and "path" in p.stderr, "a command after --version is parsed as that command", p)
    p = run("nonsense")
    check(p.returncode == 2 and "nonsense" in p.stderr, "an unknown command is a usage error, as before", p)


@text_test
def version_names_the_build_and_the_standard_library():
    # The hash is FNV-1a 64 over "lawful standard library", then each module's path and
    # text (sorted by path, as stdlib/embed.cmake embeds them), each followed by its length.
    def fnv(data, h):
        for b in data:
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        return h
    h = fnv(b"lawful standard library", 0xcbf29ce484222325)
    root = pathlib.Path("stdlib")
    files = sorted(str(f.relative_to(root)) for f in root.rglob("*.law"))
    for f in files:
        for part in (f"<stdlib>/{f}".encode(), (root / f).read_bytes()):
            h = fnv(part, h)
            h = fnv(len(part).to_bytes(8, "little"), h)
    p = run("--version")
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and re.fullmatch(r"lawful \d+\.\d+\.\d+", lines[0]), "the version first", p)
    check(f"standard library: {h:016x} ({len(files)} modules)" in lines, "the standard library's hash", p)
    check(any(l.startswith("native back end (--engine jit): ") for l in lines), "whether the JIT is there", p)
    # The solver: Z3's version where the build has lawful verify's module, else why not.
    check(any(re.fullmatch(r"SMT solver \(lawful verify\): (Z3 \d+\.\d+\.\d+|not available: .+)", l) for l in lines),
          "the solver", p)
    p = run()
    check(p.returncode == 2 and "give a command" in p.stderr, "no command and no --version: a usage error", p)


@text_test
def usage_errors_exit_2():
    check(run().returncode == 2, "no command")
    check(run("nonsense").returncode == 2, "unknown command")
    check(run("check", SPEC).returncode == 2, "check without input")
    check(run("check", SPEC, "--contacts", "x.jsonl").returncode == 2, "contacts without campaign")
    # Options with a fixed set of values, checked by CLI11 before anything runs.
    cases = write("fixed-values.jsonl", json.dumps({"contact": {}, "campaign": CAMPAIGN}) + "\n")
    for args, says in ((["check", SPEC, "--cases", cases, "--format", "xml"], "--format: xml not in {jsonl,csv}"),
                       (["check", SPEC, "--cases", cases, "--input-format", "tsv"],
                        "--input-format: tsv not in {auto,jsonl,csv}"),
                       (["check", SPEC, "--cases", cases, "--engine", "fast"], "--engine: fast not in {vm,jit,auto}"),
                       (["test", SPEC, "--engine", "fast"], "--engine: fast not in {vm,jit,auto}"),
                       (["gen-contacts", "--n", "1", "--format", "xml"], "--format: xml not in {jsonl,csv}")):
        p = run(*args)
        check(p.returncode == 2 and says in p.stderr and p.stdout == "", f"{' '.join(args[:1] + args[-2:])}: {says}", p)
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
    check(not list(TMP.glob("out.jsonl.tmp*")), "no temporary file left")


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
def run_time_errors_point_at_the_expression_with_either_engine():
    pol = write("runtime.law", 'policy t.rt "Run-time errors"\ndecision email:\n  rule far: deny\n'
                '    when contact.objected\n      and campaign.send_date + 9000 years > 2020-01-01\n    cite "x"\n')
    cases = write("runtime.jsonl", json.dumps({"contact": {"id": "r1", "objected": True},
                                                 "campaign": {"send_date": "2026-01-01"}}) + "\n")
    want = "a date outside the years 1 to 9999 in rule 'far' (" + str(pol) + ":5:11; bytecode "
    outs = []
    for engine in ("vm", "jit"):
        p = run("check", pol, "--cases", cases, "--engine", engine, "-q")
        out = records(p.stdout)
        check(p.returncode == 1 and len(out) == 1 and out[0]["error"].startswith(want), f"--engine {engine}: {want}", p)
        outs.append(p.stdout)
    check(outs[0] == outs[1], "both engines give the same record")
    # The span table is in the .lawc file (format 4; format 1 files: tests/lawc, unit/lawc_test.cpp).
    lawc = TMP / "runtime.lawc"
    check(run("compile", pol, "-o", lawc).returncode == 0, "compile")
    data = bytearray(lawc.read_bytes())
    check(data[4:8] == (4).to_bytes(4, "little"), "compile writes format 4")
    p = run("check", lawc, "--cases", cases, "-q")
    check(p.stdout == outs[0], "the compiled file reports the same position", p)


@text_test
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


@text_test
def disasm_shows_the_program():
    lawc = TMP / "spec.lawc"
    run("compile", SPEC, "-o", lawc)
    p = run("disasm", lawc)
    check(p.returncode == 0, "disasm", p)
    for needle in ("policy lang.spec_example", "rule 1 consented: allow basis consent overrides unsolicited", "IterBegin", "LoadSlot", "; contact.objected", "Ret"):
        check(needle in p.stdout, f"disasm shows {needle!r}", p)


@text_test
def test_command_reports_failures():
    pol = write("t.law", 'policy t.t "x"\ndecision d:\n  rule r: deny\n    cite "c"\n'
                'test "passes" {\n  expect d is deny\n}\n'
                'test "fails" {\n  expect d is allow\n}\n')
    p = run("test", pol)
    check(p.returncode == 1, "failing test exits 1", p)
    check("FAIL" in p.stdout and "fails" in p.stdout and "expected: d is allow" in p.stdout and "actual:   d is deny" in p.stdout, "failure shows expected and actual", p)
    check(p.stdout.strip().endswith("1 passed, 1 failed"), "summary line", p)
    # A citation expected but not there: the citations that are (issue 24).
    pol = write("tc.law", 'policy t.c "x"\ndecision d:\n  rule r: deny\n    cite "PECR reg 22(2)"\n    cite "c2"\n'
                'test "wrong cite" {\n  expect d cites "PECR reg 22"\n}\n')
    p = run("test", pol)
    check(p.returncode == 1 and 'expected: d cites "PECR reg 22"' in p.stdout
          and '  cites:    "PECR reg 22(2)", "c2"' in p.stdout, "a failed cites expectation shows the actual cites", p)
    p = run("test", ROOT / "tests/lang")
    check(p.returncode == 0 and " 0 failed" in p.stdout, "the language corpus passes", p)


@text_test
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



@text_test
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

def lines_of(text):
    return [json.loads(l) for l in text.split("\n") if l != ""]


@test
def check_accounts_for_every_line_of_a_bad_file():
    good = {"id": "g", "entity": "company", "objected": False, "suppressed": False, "consents": []}
    rows = [
        json.dumps(good).encode(),
        b"{not json",
        b"",
        b"   \t",
        b'{"id": "big", "email": "' + b"x" * (2 << 20) + b'"}',   # over the 1 MiB line limit
        '{"id": "utf", "email": "caf'.encode() + b"\xc3\x28" + b'@x.fr"}',  # bad UTF-8
        json.dumps({"id": "t1", "objected": "no"}).encode(),
        json.dumps({"id": "t2", "consents": {"channel": "email"}}).encode(),
        json.dumps({"id": "t3", "last_contact": 20240101}).encode(),
        b"[1, 2, 3]",
        json.dumps({"id": "crlf", "entity": "llp", "objected": False, "suppressed": False}).encode() + b"\r",
        json.dumps({"id": "last", "entity": "company", "objected": False, "suppressed": False}).encode(),  # no newline
    ]
    path = TMP / "bad.jsonl"
    path.write_bytes(b"\n".join(rows))
    camp = write("campaign.json", json.dumps(CAMPAIGN))
    outs = []
    for threads in ("1", "2", "3"):
        p = subprocess.run([LAWFUL, "check", str(SPEC), "--contacts", str(path), "--campaign", str(camp), "--threads", threads],
                           capture_output=True, env=ENV, timeout=120)
        check(p.returncode == 1, "bad lines exit 1")
        outs.append(p.stdout)
        out = lines_of(p.stdout.decode())
        check(len(out) == len(rows), f"one record per line: {len(out)} for {len(rows)}")
        check(out[0]["id"] == "g" and out[0]["verdict"] == "allow", "good line decided")
        for i in range(1, 10):
            check(out[i]["line"] == i + 1 and out[i]["error"], f"line {i + 1} is an error record: {out[i]}")
        check("blank" in out[2]["error"] and "blank" in out[3]["error"], "blank lines")
        check(out[4] == {"id": None, "line": 5, "error": f"a line of {len(rows[4])} bytes; the limit is 1048576"}, f"huge line: {out[4]}")
        check("UTF" in out[5]["error"] or "utf" in out[5]["error"].lower(), f"bad UTF-8: {out[5]}")
        check(out[6] == {"id": "t1", "line": 7, "error": "contact.objected: expected true or false, got a string"}, f"t1: {out[6]}")
        check(out[7]["id"] == "t2" and out[7]["error"] == "contact.consents: expected a list, got an object", f"t2: {out[7]}")
        check(out[8]["id"] == "t3" and "last_contact" in out[8]["error"], f"t3: {out[8]}")
        check(out[9]["error"] == "not a JSON object", f"array: {out[9]}")
        check(out[10]["id"] == "crlf" and out[10]["verdict"] == "allow", "CRLF line")
        check(out[11]["id"] == "last" and out[11]["verdict"] == "allow", "last line without newline")
        check("error lines: 9 (the first: line 2:" in p.stderr.decode(), "summary counts the error lines")
    check(outs[0] == outs[1] == outs[2], "the same output for 1, 2 and 3 threads")


def gen(n, seed=1, fmt="jsonl"):
    path = TMP / f"gen-{n}-{seed}.{'csv' if fmt == 'csv' else 'jsonl'}"
    p = run("gen-contacts", "--n", n, "--seed", seed, "--format", fmt, "-o", path)
    check(p.returncode == 0, "gen-contacts", p)
    return path


@text_test
def gen_contacts_is_realistic_and_repeatable():
    a, b = gen(3000), gen(3000)
    check(a.read_bytes() == b.read_bytes(), "the same seed gives the same file")
    check(gen(3000, seed=2).read_bytes() != a.read_bytes(), "another seed another file")
    rows = [json.loads(l) for l in a.read_text().splitlines()]
    check(len(rows) == 3000 and len({r["id"] for r in rows}) == 3000, "3000 contacts with distinct ids")
    countries = {r["country"] for r in rows}
    for c in ("GB", "FR", "DE", "IE", "ES", "IT", "US", "CA", "JP"):
        check(c in countries, f"contacts from {c}")
    entities = {r.get("entity") for r in rows}
    check({"company", "consumer", "sole_trader", "llp", None} <= entities, f"entities {entities}")
    check(any(r.get("consents") for r in rows) and any("consents" not in r for r in rows), "consents given, and unknown")
    check(any("customer" in r for r in rows) and any(r.get("objected") for r in rows), "customers and objections")
    check(any("withdrawn_at" in c for r in rows for c in r.get("consents", [])), "withdrawn consents")
    for field in ("objected", "suppressed", "tps", "bloctel", "dnc"):
        check(any(field in r for r in rows) and any(field not in r for r in rows), f"{field} known and unknown")
    supporters = [r for r in rows if "supporter" in r]
    check(supporters and all(r["country"] == "GB" and r.get("entity") == "consumer" for r in supporters),
          f"charity supporters, GB consumers only: {len(supporters)}")
    check(any(s["supporter"].get("collected_at", "9") < "2026-02-05" for s in supporters) and
          any(s["supporter"].get("collected_at", "0") >= "2026-02-05" for s in supporters), "collected before and after 5 Feb 2026")
    csv_rows = gen(3000, fmt="csv").read_text().splitlines()
    check(len(csv_rows) == 3001 and csv_rows[0].startswith("id,email,"), "CSV: a header and a row per contact")
    check(csv_rows[0].endswith(",supporter.collected_by,supporter.opt_out_offered"), f"CSV supporter columns: {csv_rows[0]}")
    check(sum(1 for l in csv_rows[1:] if ",Northwind Ltd," in l or "GiveNow" in l) == len(supporters), "CSV: the same supporters")
    # A sender with a comma, quotes and a backslash stays one JSON string and one CSV cell.
    import csv, io
    odd = 'Hope, "Trust" \\ Ltd'
    for fmt in ("jsonl", "csv"):
        path = TMP / f"odd.{fmt}"
        p = run("gen-contacts", "--n", 400, "--seed", 1, "--format", fmt, "--sender", odd, "-o", path)
        check(p.returncode == 0, "gen-contacts --sender", p)
        if fmt == "jsonl":
            rs = [json.loads(l) for l in path.read_text().splitlines()]
            names = {r["supporter"]["collected_by"] for r in rs if "supporter" in r}
            names |= {c["controller"] for r in rs for c in r.get("consents", [])}
        else:
            rs = list(csv.DictReader(io.StringIO(path.read_text())))
            names = {r["supporter.collected_by"] for r in rs if r["supporter.collected_by"]}
        check(odd in names, f"{fmt}: the sender read back: {names}")


@test
def check_threads_give_identical_output():
    contacts = gen(20000, seed=5)
    camp = ROOT / "examples/campaign.json"
    outs = {}
    for fmt in ("jsonl", "csv"):
        for threads in ("1", "2", "4"):
            out = TMP / f"dec-{threads}.{fmt}"
            p = run("check", "policies", "--contacts", contacts, "--campaign", camp, "--threads", threads, "--format", fmt, "-o", out)
            check(p.returncode == 0, f"check --threads {threads}", p)
            outs[(fmt, threads)] = out.read_bytes()
        check(outs[(fmt, "1")] == outs[(fmt, "2")] == outs[(fmt, "4")], f"{fmt}: byte-identical for 1, 2 and 4 threads")
    recs = lines_of(outs[("jsonl", "1")].decode())
    check(len(recs) == 20000 and [r["id"] for r in recs] == [f"c-{i:08}" for i in range(1, 20001)], "in input order")
    check(len(outs[("csv", "1")].decode().splitlines()) == 20001, "CSV: a header and a row per contact")


@test
def check_summary_on_stderr_and_as_json():
    contacts = gen(5000, seed=3)
    summary = TMP / "summary.json"
    p = run("check", "policies", "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o", TMP / "d.jsonl",
            "--summary", summary)
    check(p.returncode == 0, "check", p)
    check("lawful check: 5,000 lines" in p.stderr and "GB (uk.pecr)" in p.stderr and "(no policy)" in p.stderr, "summary table", p)
    check("\r" not in p.stderr, "no progress bar when standard error is not a terminal", p)
    pairs = json.loads(summary.read_text(), object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    check(len(keys) == len(set(keys)), f"no key twice in the summary: {keys}")
    s = json.loads(summary.read_text())
    check(s["policy_path"] == "policies" and isinstance(s["policies"], list), "the path, and the per-policy table")
    # Traceable (issue 16, item 1): the build's version and standard library, as
    # `lawful --version` prints them, and the program's sources hash, as `disasm` does.
    version = run("--version").stdout.splitlines()
    check(version[0] == f"lawful {s['lawful_version']}", f"version {s['lawful_version']} vs {version[0]}")
    check(version[1].startswith(f"standard library: {s['stdlib_hash']} ("), f"stdlib {s['stdlib_hash']} vs {version[1]}")
    check(run("disasm", "policies").stdout.splitlines()[0].endswith(f"sources {s['sources_hash']}"), "sources hash")
    lawc = TMP / "summary.lawc"
    check(run("compile", "policies", "-o", lawc).returncode == 0, "compiled")
    p = run("check", lawc, "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o", "/dev/null",
            "--summary", summary)
    s2 = json.loads(summary.read_text())
    check(p.returncode == 0 and s2["stdlib_hash"] is None and s2["sources_hash"] == s["sources_hash"],
          f"a .lawc: no build's standard library, its own sources hash: {s2.get('stdlib_hash')}, {s2.get('sources_hash')}", p)
    # Issue 24: the content hash (SHA-256 of the text, whose first 16 digits are the sources
    # hash) the same from a .lawc and from a copy of the policies elsewhere; the revision label.
    check(re.fullmatch(r"[0-9a-f]{64}", s["content_hash"] or "") and s["content_hash"].startswith(s["sources_hash"]),
          f"content hash {s.get('content_hash')}")
    check(s2["content_hash"] == s["content_hash"] and s["revision"] is None, "the .lawc's content hash; no revision")
    copy = TMP / "policies-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "policies", copy)
    q = run("check", str(copy) + "/", "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o",
            "/dev/null", "--summary", summary, "--revision", "v42")
    s3 = json.loads(summary.read_text())
    check(q.returncode == 0 and s3["content_hash"] == s["content_hash"] and s3["revision"] == "v42",
          f"a copy: the same content hash, and the label: {s3.get('content_hash')} {s3.get('revision')}", q)
    check(f"policy version: {s['content_hash']}, revision v42" in q.stderr, "the text summary names the version", q)
    q = run("check", "policies", "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o",
            "/dev/null", "--revision", "bad label")
    check(q.returncode == 2 and "--revision: a revision label has letters" in q.stderr, "a bad label: usage error", q)
    recs = lines_of((TMP / "d.jsonl").read_text())
    for v in ("allow", "deny", "review"):
        check(s["verdicts"][v] == sum(1 for r in recs if r.get("verdict") == v), f"summary counts {v}")
    check(s["lines"] == 5000 and s["errors"] == 0 and s["decisions"] == 5000, f"summary lines {s}")
    check(sum(s["bases"].values()) == s["verdicts"]["allow"], "bases add up to the allows")
    gb = [x for x in s["policies"] if x["policy"] == "uk.pecr"][0]
    check(gb["jurisdictions"] == ["GB"] and gb["allow"] + gb["deny"] + gb["review"] == sum(1 for r in recs if r["policy"] == "uk.pecr"), "by jurisdiction")
    check(s["elapsed_seconds"] > 0 and s["lines_per_second"] > 0, "time and rate")
    check(s["peak_memory_kib"] > 0 and "peak memory" in p.stderr, "peak memory", p)
    p = run("check", "policies", "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o", TMP / "d.jsonl", "--quiet")
    check(p.returncode == 0 and p.stderr == "", "--quiet says nothing", p)


@test
def check_shows_progress_on_a_terminal():
    import pty
    contacts = gen(20000, seed=4)
    master, slave = pty.openpty()
    p = subprocess.run([LAWFUL, "check", "policies", "--contacts", str(contacts), "--campaign", str(ROOT / "examples/campaign.json"),
                        "-o", str(TMP / "p.jsonl"), "--threads", "1"], stdout=subprocess.DEVNULL, stderr=slave, env=ENV, timeout=120)
    os.close(slave)
    err = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            err += chunk
    except OSError:
        pass
    os.close(master)
    text = err.decode(errors="replace")
    check(p.returncode == 0 and "lawful check: 20,000 lines" in text, f"summary on the terminal: {text[-300:]!r}")
    # The bar redraws at most every 200 ms; a slow machine shows it, a fast one may finish first.
    if "\r\x1b[K" in text:
        check("contacts" in text and "/s" in text, f"the bar shows contacts and rate: {text[:300]!r}")


@test
def check_csv_contacts_in_and_csv_out():
    import csv, io
    text = ("\ufeffid,entity,objected,suppressed,country,email,customer.opt_out_offered,nickname\n"
            "a,company,false,false,GB,a@x.co.uk,,whatever\n"
            "\"b, the second\",sole_trader,FALSE,false,GB,\"b\"\"q\"\"@x.com\",true,\n"
            "c,compny,false,false,GB,,,\n"
            "d,company,maybe,false,GB,,,\n"
            "e,company,false\n"
            "\n"
            "f,llp,,false,GB,,,\n")
    path = TMP / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    camp = write("campaign.json", json.dumps(CAMPAIGN))
    p = run("check", SPEC, "--contacts", path, "--campaign", camp)
    check(p.returncode == 1, "bad rows exit 1", p)
    out = records(p.stdout)
    check(len(out) == 7, f"one record per row after the header: {len(out)}", p)
    check(out[0]["id"] == "a" and out[0]["verdict"] == "allow" and out[0]["basis"] == "corporate_subscriber", f"a: {out[0]}")
    # No consents column: the consents are unknown, so a sole trader is `review`, never allow.
    check(out[1]["id"] == "b, the second" and out[1]["verdict"] == "review" and "contact.consents" in out[1]["missing"], f"quoted id: {out[1]}")
    check(out[2] == {"id": "c", "line": 4, "error": "contact.entity: 'compny' is not a value of Entity"}, f"c: {out[2]}")
    check(out[3] == {"id": "d", "line": 5, "error": "contact.objected: expected true or false, got 'maybe'"}, f"d: {out[3]}")
    check(out[4]["id"] == "e" and out[4]["line"] == 6 and "3 cells; the header has 8" in out[4]["error"], f"e: {out[4]}")
    check(out[5]["line"] == 7 and "blank" in out[5]["error"], f"blank: {out[5]}")
    check(out[6]["id"] == "f" and out[6]["verdict"] == "review" and out[6]["missing"] == ["contact.objected"], f"f: {out[6]}")
    # CSV out: a header, then one row per input row, errors included.
    p = run("check", SPEC, "--contacts", path, "--campaign", camp, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    check(len(rows) == 7 and list(rows[0]) == ["line", "id", "verdict", "basis", "policy", "decision", "rules", "cites",
                                                "obligations", "missing", "reason", "error"], f"CSV header: {p.stdout[:200]!r}")
    check(rows[0]["line"] == "2" and rows[0]["verdict"] == "allow" and rows[0]["obligations"] == "include_unsubscribe", f"row a: {rows[0]}")
    check(rows[1]["id"] == "b, the second" and rows[1]["rules"] == "unsolicited | consented | existing_customer", f"row b: {rows[1]}")
    check(rows[1]["cites"] == "PECR reg 22(2) | PECR reg 22(2); UK GDPR art 4(11), art 7 | PECR reg 22(3)", f"cites: {rows[1]}")
    check(rows[2]["error"] == "contact.entity: 'compny' is not a value of Entity" and rows[2]["verdict"] == "", f"row c: {rows[2]}")
    check(rows[6]["missing"] == "contact.objected" and "might apply" in rows[6]["reason"], f"row f: {rows[6]}")
    # A list cannot come from one cell; --input-format csv for a file not named .csv.
    bad = write("bad.txt", "id,consents\nx,[]\n")
    p = run("check", SPEC, "--contacts", bad, "--campaign", camp, "--input-format", "csv")
    check(p.returncode == 1 and "column 'consents' is a list" in p.stderr, "list column refused", p)
    p = run("check", SPEC, "--cases", path, "--input-format", "csv")
    check(p.returncode == 2, "--cases is JSON Lines only", p)


@test
def charity_supporters_from_json_and_csv():
    # The supporter record (FACTS.md) from JSON and from `supporter.*` CSV columns: the UK
    # charitable purpose soft opt-in (PECR reg 22(3A)) decides alike, and relies on no
    # consent, so the decision owes no consent record.
    camp = {"id": "appeal", "channel": "email", "unsubscribe": True, "send_date": "2026-12-01",
            "charitable_purpose_only": True,
            "sender": {"name": "Hope Trust", "kind": "charity", "identified": True, "contact_address": True}}
    campf = write("charity.json", json.dumps(camp))
    base = {"country": "GB", "entity": "consumer", "objected": False, "suppressed": False, "consents": []}
    sup = {"support_given": True, "collected_at": "2026-03-10", "collected_by": "Hope Trust", "opt_out_offered": True}
    rows = [dict(base, id="s1", supporter=sup),
            dict(base, id="s2", supporter=dict(sup, collected_at="2025-11-20")),
            dict(base, id="s3", supporter=dict(sup, collected_by="GiveNow Ltd")),
            dict(base, id="s4")]
    p = run("check", "policies", "--contacts", contacts_file(rows), "--campaign", campf, "--quiet")
    check(p.returncode == 0, "check", p)
    out = records(p.stdout)
    check([(r["verdict"], r["rules"]) for r in out] ==
          [("allow", ["charity_supporter"]), ("review", ["supporter_before_commencement"]),
           ("deny", ["no_consent"]), ("deny", ["no_consent"])], f"verdicts: {out}")
    check(out[0]["basis"] == "soft_opt_in" and out[0]["obligations"] ==
          ["identify_sender", "include_contact_address", "include_unsubscribe", "honour_objection",
           "keep_collection_record"],
          f"no keep_consent_record without a consent; the record of the collection (uk.law's own): {out[0]}")
    # Before the rule came into force, the same contact needs consent.
    p = run("check", "policies", "--contacts", contacts_file(rows[:1]), "--campaign", campf, "--as-of", "2026-02-04", "--quiet")
    check(records(p.stdout)[0]["rules"] == ["no_consent"], "as of 2026-02-04", p)
    # The purpose of the message unknown: review naming it.
    del camp["charitable_purpose_only"]
    p = run("check", "policies", "--contacts", contacts_file(rows[:1]), "--campaign", write("c2.json", json.dumps(camp)), "--quiet")
    r = records(p.stdout)[0]
    check(r["verdict"] == "review" and r["missing"] == ["campaign.charitable_purpose_only"], f"purpose unknown: {r}")
    # CSV: `supporter.FIELD` columns make the supporter present; none given, it is absent.
    csv_text = ("id,country,entity,objected,suppressed,supporter.support_given,supporter.interest_expressed,"
                "supporter.collected_at,supporter.collected_by,supporter.opt_out_offered\n"
                "s1,GB,consumer,false,false,true,,2026-03-10,Hope Trust,true\n"
                "s2,GB,consumer,false,false,,true,2025-11-20,hope trust,true\n"
                "s4,GB,consumer,false,false,,,,,\n")
    p = run("check", "policies", "--contacts", write("supporters.csv", csv_text), "--campaign", campf, "--quiet")
    check(p.returncode == 0, "CSV check", p)
    out = records(p.stdout)
    # No consents column: the consents are unknown, which the charitable route does not need.
    check([(r["id"], r["verdict"], r["rules"]) for r in out] ==
          [("s1", "allow", ["charity_supporter"]), ("s2", "review", ["supporter_before_commencement"]),
           ("s4", "review", ["no_consent", "consented"])], f"CSV verdicts: {out}")
    check(out[2]["missing"] == ["contact.consents"], f"s4: {out[2]}")
    # Consents unknown, and the allow rests on the supporter route: no consent is relied on.
    check(out[0]["obligations"] == ["identify_sender", "include_contact_address", "include_unsubscribe", "honour_objection",
                                    "keep_collection_record"],
          f"s1 obligations: {out[0]}")


@test
def check_generated_csv_and_jsonl_agree():
    # The same contacts as CSV and as JSON Lines (CSV without the lists) decide alike
    # wherever the lists do not matter: companies without consents.
    j = [json.loads(l) for l in gen(2000, seed=9).read_text().splitlines()]
    import csv
    c = list(csv.DictReader(open(gen(2000, seed=9, fmt="csv"), encoding="utf-8")))
    check(len(j) == len(c) and all(a["id"] == b["id"] and a.get("entity", "") == b["entity"] for a, b in zip(j, c)), "same contacts")
    p = run("check", "policies", "--contacts", gen(2000, seed=9, fmt="csv"), "--campaign", ROOT / "examples/campaign.json", "--quiet")
    check(p.returncode == 0 and len(records(p.stdout)) == 2000, "generated CSV decides without errors", p)


@test
def check_output_to_dev_null_and_stdin():
    contacts = gen(1000, seed=6)
    p = run("check", "policies", "--contacts", contacts, "--campaign", ROOT / "examples/campaign.json", "-o", "/dev/null", "--quiet")
    check(p.returncode == 0 and p.stdout == "", "-o /dev/null", p)
    p = subprocess.run([LAWFUL, "check", "policies", "--contacts", "-", "--campaign", str(ROOT / "examples/campaign.json"), "--quiet"],
                       input=contacts.read_bytes(), capture_output=True, env=ENV, timeout=120)
    check(p.returncode == 0 and len(p.stdout.splitlines()) == 1000, "standard input")



@test
def check_says_what_the_campaign_lacks_at_the_start():
    # Issue 24: a campaign without a channel (or `{}`) made every decision review, silently.
    contacts = contacts_file([{"id": "a", "country": "GB", "entity": "company", "consents": []}])
    summary = TMP / "lacks-summary.json"
    empty = write("empty-campaign.json", "{}")
    p = run("check", SPEC, "--contacts", contacts, "--campaign", empty, "--summary", summary)
    check(p.returncode == 0, "a campaign that lacks facts is still decided", p)
    first = p.stderr.splitlines()[0]
    check(first == f"lawful check: warning: {empty}: every decision will be review: campaign.channel missing",
          "said first, before the summary", p)
    s = json.loads(summary.read_text())
    check(s["campaign_check"]["every_review"] is True and "campaign.channel" in s["campaign_check"]["lacks"]
          and s["campaign_check"]["warnings"][0] == "every decision will be review: campaign.channel missing",
          f"in the summary: {s['campaign_check']}")
    check(all(r["verdict"] == "review" for r in records(p.stdout)), "and it is true", p)
    # Without send_date: said, but not as every decision (decisions that need no date go on).
    no_date = dict(CAMPAIGN)
    del no_date["send_date"]
    camp = write("no-date.json", json.dumps(no_date))
    p = run("check", SPEC, "--contacts", contacts, "--campaign", camp, "--summary", summary)
    s = json.loads(summary.read_text())
    check(s["campaign_check"]["every_review"] is False and "campaign.send_date" in s["campaign_check"]["lacks"],
          f"send_date: {s['campaign_check']}")
    check(any("campaign.send_date" in l and "decisions that need" in l for l in p.stderr.splitlines()),
          "send_date named at the start", p)
    # A whole campaign: nothing said, empty lists.
    p = run("check", SPEC, "--contacts", contacts, "--campaign", write("whole.json", json.dumps(CAMPAIGN)), "--summary",
            summary)
    s = json.loads(summary.read_text())
    check(not s["campaign_check"]["every_review"] and "warning" not in p.stderr and s["unknown_fields"] == [],
          f"a whole campaign: {s['campaign_check']}", p)


@test
def check_counts_unknown_fields_with_a_suggestion_and_refuses_them_when_strict():
    rows = [{"id": str(i), "country": "GB", "entity": "company", "consents": [], "objectd": True, "crm_owner": "x"}
            for i in range(3)] + [{"id": "k", "country": "GB", "entity": "company", "consents": [], "objected": False}]
    contacts = contacts_file(rows)
    camp = write("camp.json", json.dumps(CAMPAIGN))
    summary = TMP / "unknown-summary.json"
    for threads in ("1", "2"):
        p = run("check", SPEC, "--contacts", contacts, "--campaign", camp, "--summary", summary, "--threads", threads)
        check(p.returncode == 0 and len(records(p.stdout)) == 4, "extra keys are accepted", p)
        s = json.loads(summary.read_text())
        check(s["strict_fields"] is False and s["unknown_fields"] == [
            {"field": "contact.crm_owner", "lines": 3, "did_you_mean": None},
            {"field": "contact.objectd", "lines": 3, "did_you_mean": "contact.objected"}] or s["unknown_fields"] == [
            {"field": "contact.objectd", "lines": 3, "did_you_mean": "contact.objected"},
            {"field": "contact.crm_owner", "lines": 3, "did_you_mean": None}], f"counted: {s['unknown_fields']}")
        check("    contact.objectd: 3 lines, did you mean contact.objected?" in p.stderr.splitlines(),
              "in the text summary", p)
    # CSV: a column, counted on the rows that fill it.
    csv = write("c.csv", "id,country,entity,objectd\na,GB,company,true\nb,GB,company,\n")
    p = run("check", SPEC, "--contacts", csv, "--campaign", camp, "--summary", summary)
    s = json.loads(summary.read_text())
    check(s["unknown_fields"] == [{"field": "contact.objectd", "lines": 1, "did_you_mean": "contact.objected"}],
          f"CSV: {s['unknown_fields']}", p)
    # Strict: each line with one is an error record naming it.
    p = run("check", SPEC, "--contacts", contacts, "--campaign", camp, "--strict-fields", "--summary", summary, "-q")
    recs = records(p.stdout)
    check(p.returncode != 0 and [r.get("error", "") for r in recs[:3]] == [
        "contact.objectd: not a field of the schema (--strict-fields); did you mean 'objected'?"] * 3
        and recs[3]["verdict"] in ("allow", "deny", "review"), "strict: error records", p)
    p = run("check", SPEC, "--contacts", csv, "--campaign", camp, "--strict-fields", "-q")
    recs = records(p.stdout)
    check("error" in recs[0] and "objectd" in recs[0]["error"] and "verdict" in recs[1], "strict CSV: the filled cell", p)


main()
