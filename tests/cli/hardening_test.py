#!/usr/bin/env python3
"""Findings of the second hardening round (issue 17) in the compiler and the data paths,
each as its user met it: memory and output bounded for a large policy, a country routed
twice in two cases, diff of a .lawc against its own source, gen-contacts --sender
escaped, byte-order marks, folders and trailing text in the input.

The tests marked @text_test check messages and exit statuses on paths other tests run
under the sanitizers; the sanitizer build skips them (docs/performance.md, "The test
command's time", names what covers each there).

usage: hardening_test.py LAWFUL [--sanitized]        (run from the repository root)
"""
import json, os, resource, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(__file__))
from clitest import *  # noqa: E402,F403

CAMPAIGN = ROOT / "examples/campaign.json"
CONTACTS = ROOT / "examples/contacts.jsonl"


def sanitized():
    """A sanitizer build reserves terabytes of address space: RLIMIT_AS cannot hold it."""
    with open(LAWFUL, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data or b"AddressSanitizer" in data


SANITIZED = sanitized()


def run_limited(args, megabytes, timeout=600):
    """Runs lawful with its memory limited to `megabytes`: the address space (ulimit -v),
    or under a sanitizer its resident memory (hard_rss_limit_mb). Only this process."""
    env = dict(ENV)
    preexec = None
    if SANITIZED:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + f":hard_rss_limit_mb={megabytes}"
    else:
        limit = megabytes << 20

        def preexec():
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return subprocess.run([LAWFUL, *map(str, args)], capture_output=True, env=env, timeout=timeout,
                          preexec_fn=preexec)


def pairs_policy(path, decisions):
    """`decisions` decisions of 512 allow and 512 deny rules that can all apply, none
    overriding another: 262,144 pairs each (issue 17, finding 3)."""
    lines = ['policy big.pairs "Every allow against every deny"', ""]
    for d in range(decisions):
        lines.append(f"decision d{d}:")
        lines += [f"  rule a{i}: allow basis consent" for i in range(512)]
        lines += [f"  rule n{i}: deny" for i in range(512)]
    path.write_text("\n".join(lines) + "\n")
    return path


@test
def conflict_warnings_are_bounded_per_decision_and_in_all():
    law = pairs_policy(TMP / "pairs1.law", 1)
    p = run("check", law, "--cases", "/dev/null", "--quiet")
    err = p.stderr
    check(p.returncode == 0, "warnings only: exit 0", p)
    check(err.count("[W100]") == 11, f"10 pairs and one summary, not 262,144: {err.count('[W100]')}", p)
    check("decision 'd0' has 262134 more pairs of allow and deny rules that can both apply" in err,
          "the summary says how many pairs were left out", p)
    check(len(err) < 20000, f"{len(err)} bytes of diagnostics", p)


@test
def a_policy_near_the_size_limit_lints_and_compiles_in_bounded_memory():
    # Forty such decisions, just under the 1 MiB limit, ended in std::bad_alloc (exit 134).
    law = pairs_policy(TMP / "pairs40.law", 40)
    check(law.stat().st_size < 1 << 20, f"{law.stat().st_size} bytes: under the source limit")
    p = run_limited(["lint", law], 1024)
    out = p.stdout.decode()
    check(p.returncode == 0, "lint: warnings only, exit 0", p)
    check(len(out) < 1_000_000, f"lint printed {len(out)} bytes", p)
    check("more pairs of allow and deny rules" in out and out.count("[W100]") <= 40 * 11, "pairs summed up", p)
    check("warnings not shown (at most 200 errors and 200 warnings are shown)" in out, "the rest counted in one line", p)
    last = out.strip().splitlines()[-1]
    check(last.startswith("0 errors, ") and int(last.split()[2]) > 200, f"the count includes those left out: {last}", p)
    lawc = TMP / "pairs40.lawc"
    p = run_limited(["compile", law, "-o", lawc], 1024)
    check(p.returncode == 0 and lawc.exists(), "compile", p)
    check(len(p.stderr) < 200_000, f"compile printed {len(p.stderr)} bytes", p)
    p = run_limited(["check", law, "--cases", "/dev/null", "--quiet"], 1024)
    check(p.returncode == 0, "check", p)


@test
def out_of_memory_is_a_clear_error():
    if SANITIZED:
        return  # the sanitizer's allocator reports and exits on its own terms
    # It takes about 100 MB; with less, an error (not an abort, exit 134, as it was).
    law = pairs_policy(TMP / "pairs40m.law", 40)
    said = 0
    for megabytes in (60, 100, 300):
        p = run_limited(["lint", law], megabytes)
        text = p.stderr.decode() + p.stdout.decode()
        check(p.returncode in (0, 1), f"{megabytes} MB: exit {p.returncode}, never an abort", p)
        check("terminate called" not in text and "bad_alloc" not in text, "no uncaught exception", p)
        if p.returncode == 1:
            check("not enough memory to compile these policies [E004]" in text or "out of memory" in text,
                  f"{megabytes} MB: the error says memory ran out", p)
            said += 1
    check(said > 0, "at least one limit was too small")
    # check, with threads: a thread that cannot start was an abort over a joinable thread.
    contacts = TMP / "oom-contacts.jsonl"
    check(run("gen-contacts", "--n", 5000, "-o", contacts).returncode == 0, "gen-contacts")
    for megabytes in (20, 30, 40, 50, 60):
        p = run_limited(["check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-o", TMP / "oom.jsonl",
                         "--quiet", "--threads", 2], megabytes)
        err = p.stderr.decode()
        check(p.returncode in (0, 1) and "terminate" not in err, f"check in {megabytes} MB: exit {p.returncode}", p)
        check(p.returncode == 0 or err.startswith("lawful: error: "), f"check in {megabytes} MB: an error message", p)


def routing_tree(routes):
    d = TMP / f"routes{abs(hash(routes))}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "route.law").write_text('routing "Countries"\n\n' + routes)
    for name, verdict in (("uk.x", "deny"), ("us.x", "allow basis opt_out_regime")):
        (d / f"{name}.law").write_text(f'policy {name} "{name}"\n\ndecision email:\n  rule default: {verdict}\n    cite "x"\n')
    return d


@text_test
def a_country_routed_twice_in_two_cases_is_e213():
    d = routing_tree('route "gb" to uk.x\nroute "GB" to us.x\n')
    p = run("compile", d, "-o", TMP / "r.lawc")
    check(p.returncode == 1 and "[E213]" in p.stderr, "E213", p)
    check("country 'GB' is routed twice: 'gb' and 'GB' are the same country" in p.stderr, "says why", p)
    d = routing_tree('route GB to uk.x\nroute "us", "gB" to us.x\n')
    p = run("compile", d, "-o", TMP / "r.lawc")
    check(p.returncode == 1 and "[E213]" in p.stderr, "a code and a name in another case", p)


@test
def routes_match_whatever_their_case():
    # A route written in lower case routed nobody: the router looked it up in upper case.
    d = routing_tree('route "gb" to uk.x\nroute "united states" to us.x\n')
    contacts = write("route-case.jsonl", "".join(json.dumps({"id": c, "country": c}) + "\n"
                                                 for c in ("GB", "gb", "Gb", "UNITED STATES", "United States", "FR")))
    p = run("check", d, "--contacts", contacts, "--campaign", CAMPAIGN, "--quiet")
    out = records(p.stdout)
    check(len(out) == 6, "a record per line", p)
    check([r["policy"] for r in out] == ["uk.x"] * 3 + ["us.x"] * 2 + [None], f"policies {[r['policy'] for r in out]}", p)


@test
def diff_of_a_lawc_against_its_source_shows_no_change():
    lawc = TMP / "policies.lawc"
    p = run("compile", "policies", "-o", lawc)
    check(p.returncode == 0, "compile", p)
    # Under the sanitizers one order: the other two load the same two programs the same way.
    pairs = ((lawc, "policies"), ("policies", lawc), (lawc, lawc))
    for a, b in pairs[:1] if SANITIZED else pairs:
        p = run("diff", a, b, "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--json")
        check(p.returncode == 0, f"diff {a} {b}", p)
        r = json.loads(p.stdout)
        check(r["changes"] == [] and r["changed"] == 0, f"diff {a} {b}: {r['changes'][:3]}", p)
        p = run("diff", a, b, "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--fail-on-change")
        check(p.returncode == 0 and "What differs" not in p.stdout, f"diff {a} {b} in words", p)


@test
def diff_of_a_lawc_still_shows_a_changed_rule():
    src = TMP / "diff-src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(ROOT / "policies", src)
    lawc = TMP / "before.lawc"
    check(run("compile", src, "-o", lawc).returncode == 0, "compile")
    uk = src / "uk.law"
    text = uk.read_text()
    check('cite "PECR reg 22(2)"' in text, "the citation to change")
    uk.write_text(text.replace('cite "PECR reg 22(2)"', 'cite "PECR reg 22(2) (amended)"', 1))
    p = run("diff", lawc, src, "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--json")
    r = json.loads(p.stdout)
    check(len(r["changes"]) == 1 and r["changes"][0]["policy"] == "uk.pecr" and r["changes"][0]["change"] == "changed",
          f"one rule changed: {r['changes']}", p)


@test
def gen_contacts_escapes_the_sender():
    for sender in ['Back\\slash Ltd', 'Quote" , "injected": "x', "New\nline", "Tab\tand \x01 control", "Zoë & Søn"]:
        out = TMP / "gen-sender.jsonl"
        p = run("gen-contacts", "--n", 300, "--sender", sender, "-o", out)
        check(p.returncode == 0, f"gen-contacts --sender {sender!r}", p)
        lines = out.read_text(encoding="utf-8").split("\n")
        check(lines[-1] == "" and len(lines) == 301, f"{sender!r}: 300 lines, one per contact ({len(lines) - 1})")
        try:
            rows = [json.loads(l) for l in lines[:-1]]
        except ValueError as e:
            raise AssertionError(f"{sender!r}: a line that is not JSON: {e}")
        controllers = {c["controller"] for r in rows for c in r.get("consents", [])}
        check(sender in controllers, f"{sender!r}: the sender, exactly, in consents: {sorted(controllers)[:6]}")
        check(all("injected" not in c for r in rows for c in r.get("consents", [])), "no field injected")
        third = [t for r in rows for c in r.get("consents", []) for t in c.get("third_parties", [])]
        check(sender in third, f"{sender!r}: as a third party too")
    p = subprocess.run([LAWFUL.encode(), b"gen-contacts", b"--n", b"3", b"--sender", b"Bad \xff Ltd"], capture_output=True, env=ENV)
    check(p.returncode == 2 and b"UTF-8" in p.stderr and p.stdout == b"", "a sender that is not UTF-8 is refused", p)


@test
def a_byte_order_mark_is_read_as_csv_reads_it():
    bom = "\ufeff"
    contact = {"id": "b1", "country": "GB", "entity": "company", "email": "a@b.co.uk", "email_kind": "professional",
               "consents": [], "objected": False, "suppressed": False}
    plain = run("check", "policies", "--contacts", write("nobom.jsonl", json.dumps(contact) + "\n"), "--campaign", CAMPAIGN, "--quiet")
    check(plain.returncode == 0, "without a mark", plain)
    p = run("check", "policies", "--contacts", write("bom.jsonl", bom + json.dumps(contact) + "\n"), "--campaign", CAMPAIGN, "--quiet")
    check(p.returncode == 0 and p.stdout == plain.stdout, "JSON Lines with a byte-order mark", p)
    camp = write("bom-campaign.json", bom + CAMPAIGN.read_text())
    p = run("check", "policies", "--contacts", write("nobom2.jsonl", json.dumps(contact) + "\n"), "--campaign", camp, "--quiet")
    check(p.returncode == 0 and p.stdout == plain.stdout, "a campaign with a byte-order mark", p)
    case = {"contact": contact, "campaign": json.loads(CAMPAIGN.read_text())}
    plain = run("check", "policies", "--cases", write("nobom-cases.jsonl", json.dumps(case) + "\n"), "--quiet")
    p = run("check", "policies", "--cases", write("bom-cases.jsonl", bom + json.dumps(case) + "\n"), "--quiet")
    check(plain.returncode == 0 and p.returncode == 0 and p.stdout == plain.stdout, "cases with a byte-order mark", p)


@text_test
def a_folder_as_input_names_the_folder_and_why():
    folder = TMP / "a-folder.jsonl"
    folder.mkdir(exist_ok=True)
    p = run("check", "policies", "--contacts", folder, "--campaign", CAMPAIGN, "--quiet")
    check(p.returncode == 1 and f"{folder}: Is a directory" in p.stderr, "contacts", p)
    p = run("check", "policies", "--cases", folder, "--quiet")
    check(p.returncode == 1 and f"{folder}: Is a directory" in p.stderr, "cases", p)
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", folder, "--quiet")
    check(p.returncode == 1 and f"cannot read {folder}: Is a directory" in p.stderr, "campaign", p)
    p = run("explain", "policies", "--contact", folder, "--id", "c-1", "--campaign", CAMPAIGN)
    check(p.returncode == 1 and f"cannot read {folder}: Is a directory" in p.stderr, "explain --contact", p)


@test
def text_after_a_json_object_says_so_with_the_id():
    rows = ['{"id": "t1", "country": "GB"} x', '{"id": "t2", "country": "GB"} {"id": "other"}',
            '{"id": "t3", "country": "GB"}}', '{"id": "t4", "country": "GB"}   ']
    p = run("check", "policies", "--contacts", write("trailing.jsonl", "\n".join(rows) + "\n"), "--campaign", CAMPAIGN, "--quiet")
    out = records(p.stdout)
    check(len(out) == 4, "a record per line", p)
    for i in range(3):
        check(out[i] == {"id": f"t{i + 1}", "line": i + 1, "error": "text after the JSON object"}, f"line {i + 1}: {out[i]}", p)
    check(out[3]["id"] == "t4" and "verdict" in out[3], "white space after the object is fine", p)
    case = json.dumps({"contact": {"id": "k1", "country": "GB"}, "campaign": json.loads(CAMPAIGN.read_text())})
    p = run("check", "policies", "--cases", write("trailing-cases.jsonl", case + " x\n"), "--quiet")
    check(records(p.stdout) == [{"id": "k1", "line": 1, "error": "text after the JSON object"}], "cases", p)
    # A second object on the campaign's line was ignored.
    camp = write("two-campaigns.json", CAMPAIGN.read_text().strip() + ' {"channel": "sms"}\n')
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", camp, "--quiet")
    check(p.returncode == 1 and "the campaign: text after the JSON object" in p.stderr and p.stdout == "", "campaign", p)


# ---------------------------------------------------------------- concerns (docs/security.md)

@test
def concerns_duplicate_and_escaped_keys():
    rows = ['{"id": "e1", "country": "GB", "email": "a@b.co.uk", "email_kind": "professional", "entity": "company", '
            '"consents": [], "suppressed": false, "obj\\u0065cted": true}',
            '{"id": "d1", "country": "GB", "objected": true, "objected": false}',
            '{"id": "d2", "country": "GB", "consents": [{"channel": "email", "channel": "sms"}]}',
            '{"id": "u1", "country": "GB", "nickname": "a", "nickname": "b", "objected": true}']
    p = run("check", "policies", "--contacts", write("keys.jsonl", "\n".join(rows) + "\n"), "--campaign", CAMPAIGN, "--quiet")
    out = records(p.stdout)
    check(len(out) == 4, "a record per line", p)
    check(out[0]["verdict"] == "deny" and "objection" in out[0]["rules"], f"an escaped key is the field it names: {out[0]}", p)
    check(out[1] == {"id": "d1", "line": 2, "error": "contact.objected: the key appears twice"}, f"{out[1]}", p)
    check(out[2] == {"id": "d2", "line": 3, "error": "contact.consents[0].channel: the key appears twice"}, f"{out[2]}", p)
    check("verdict" in out[3], "a key that is not a fact may repeat", p)


@test
def concerns_csv_output_is_not_a_formula():
    rows = [{"id": '=HYPERLINK("http://x","y")', "country": "GB"}, {"id": "a\u0000b", "country": "GB"},
            {"id": "-1+1", "country": "GB"}, {"id": "plain", "country": "GB"}]
    contacts = write("formula.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    p = subprocess.run([LAWFUL, "check", "policies", "--contacts", str(contacts), "--campaign", str(CAMPAIGN), "--quiet",
                        "--format", "csv"], capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 0 and b"\0" not in p.stdout, "no NUL in the CSV", p)
    lines = p.stdout.decode().splitlines()
    check(lines[1].startswith('1,"\'=HYPERLINK(""http://x"",""y"")",'), f"a formula is quoted text: {lines[1][:60]}", p)
    check(lines[2].startswith('2,"a\ufffdb",'), f"NUL as U+FFFD: {lines[2][:20]!r}", p)
    check(lines[3].startswith('3,"\'-1+1",') and lines[4].startswith("4,plain,"), f"{lines[3][:20]} {lines[4][:20]}", p)


@text_test
def concerns_from_line_past_the_end():
    n = len(CONTACTS.read_text().splitlines())
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--quiet", "--from-line", n + 2)
    check(p.returncode == 1 and f"--from-line {n + 2}: {CONTACTS} has only {n} lines" in p.stderr and p.stdout == "", "an error", p)
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--quiet", "--from-line", n + 1)
    check(p.returncode == 0 and p.stdout == "", "the line after the last: a run stopped at the end, resumed", p)
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--quiet", "--from-line", n)
    check(p.returncode == 0 and len(records(p.stdout)) == 1, "the last line", p)


@test
def concerns_no_escape_codes_reach_the_terminal():
    d = TMP / "escapes"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "route.law").write_text('routing "x"\n\nroute "G\x1b[2JB" to review\nroute "g\x1b[2Jb" to review\n'
                                 'route GB to p.esc\n')
    (d / "p.law").write_text('policy p.esc "Title \x1b]0;owned\x07"\n\ndecision email:\n  rule default: deny\n'
                             '    cite "reg \x1b[31m22\u009b2J"\n')
    p = subprocess.run([LAWFUL, "lint", str(d)], capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 1 and b"[E213]" in p.stdout, "lint finds the route twice", p)
    check(b"\x1b" not in p.stdout and b"\x07" not in p.stdout and b"\xc2\x9b" not in p.stdout, "no escape codes from lint", p)
    (d / "route.law").write_text('routing "x"\n\nroute GB to p.esc\n')
    with open(d / "p.law", "a") as f:
        f.write('\ntest "title \x1b[2J" {\n  contact { entity: company }\n  expect email cites "x\x1b[5m"\n}\n')
    p = subprocess.run([LAWFUL, "test", str(d)], capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 1 and b"FAIL" in p.stdout and b"title ?[2J" in p.stdout, "test: the failing test, made safe", p)
    check(b"\x1b" not in p.stdout and b"\xc2\x9b" not in p.stdout, "no escape codes from test", p)
    lawc = TMP / "esc.lawc"
    check(run("compile", d, "-o", lawc).returncode == 0, "compile")
    p = subprocess.run([LAWFUL, "disasm", str(lawc)], capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 0 and b"reg ?[31m22?2J" in p.stdout, "disasm shows the citation, made safe", p)
    check(b"\x1b" not in p.stdout and b"\x07" not in p.stdout and b"\xc2\x9b" not in p.stdout, "no escape codes from disasm", p)
    contact = write("esc-contact.json", json.dumps({"id": "c\x1b[2J", "country": "GB", "email": "\x1b]0;x\x07@b.c"}))
    p = subprocess.run([LAWFUL, "explain", str(d), "--contact", str(contact), "--campaign", str(CAMPAIGN)],
                       capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 0 and b"reg ?[31m22?2J" in p.stdout, "explain shows the citation, made safe", p)
    check(b"\x1b" not in p.stdout and b"\x07" not in p.stdout and b"\xc2\x9b" not in p.stdout, "no escape codes from explain", p)
    p = subprocess.run([LAWFUL, "explain", str(d), "--contact", str(contact), "--campaign", str(CAMPAIGN), "--json"],
                       capture_output=True, env=ENV, timeout=60)
    check(p.returncode == 0 and json.loads(p.stdout)["rules"][0]["cites"] == ["reg \x1b[31m22\u009b2J"],
          "JSON keeps the text, escaped", p)


@test
def concerns_many_threads_take_little_memory():
    one = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--quiet", "--threads", 1)
    p = run_limited(["check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "--quiet", "--threads", 1000], 1024)
    check(p.returncode == 0 and p.stdout.decode() == one.stdout, "--threads 1000 in 1 GB, the output of one thread", p)


@test
def concerns_explain_says_when_an_id_repeats():
    rows = [{"id": "x", "country": "GB", "objected": True}, {"id": "y", "country": "GB"}, {"id": "x", "country": "US"}]
    contacts = write("repeat.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    p = run("explain", "policies", "--contact", contacts, "--id", "x", "--campaign", CAMPAIGN, "--json")
    check(p.returncode == 0 and json.loads(p.stdout)["route"]["country"] == "GB", "the first is explained", p)
    check(f"lawful: note: 2 contacts of {contacts} have the id 'x': this is the first" in p.stderr, "and the note says so", p)
    p = run("explain", "policies", "--contact", contacts, "--id", "y", "--campaign", CAMPAIGN, "--json")
    check(p.returncode == 0 and p.stderr == "", "no note for an id on one line", p)


@text_test
def concerns_output_and_summary_in_one_file():
    out = TMP / "same.jsonl"
    out.write_text("kept\n")
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "-o", out, "--summary", out, "--quiet")
    check(p.returncode == 2 and "name the same file" in p.stderr and out.read_text() == "kept\n", "refused, file kept", p)
    link = TMP / "same-link.jsonl"
    if not link.exists():
        link.symlink_to(out)
    p = run("check", "policies", "--contacts", CONTACTS, "--campaign", CAMPAIGN, "-o", out, "--summary", link, "--quiet")
    check(p.returncode == 2 and out.read_text() == "kept\n", "a link to it too", p)


main()
