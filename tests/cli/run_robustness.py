#!/usr/bin/env python3
"""Bad input against the `lawful` command: every input line still gets exactly one
record, in order; bad policies get a diagnostic; nothing crashes or runs without end.

usage: run_robustness.py LAWFUL        (run from the repository root)
"""
import json, os, pathlib, subprocess, sys, tempfile, time

LAWFUL = os.path.abspath(sys.argv[1])
ROOT = pathlib.Path.cwd()
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-robust-"))
ENV = dict(os.environ, NO_COLOR="1")
POLICIES = ROOT / "policies"
CAMPAIGN = ROOT / "examples/campaign.json"
tests, failures = [], []


def test(fn):
    tests.append(fn)
    return fn


def run(*args, timeout=300):
    return subprocess.run([LAWFUL, *map(str, args)], capture_output=True, env=ENV, timeout=timeout)


def check(cond, msg, p=None):
    if not cond:
        extra = ""
        if p is not None:
            extra = f"\n    exit {p.returncode}\n    stdout: {p.stdout[:600]!r}\n    stderr: {p.stderr[:600]!r}"
        raise AssertionError(msg + extra)


def records(p):
    check(p.returncode in (0, 1), f"exit status {p.returncode} (a crash?)", p)
    text = p.stdout.decode("utf-8")  # records are UTF-8, always
    lines = text.split("\n")
    check(lines[-1] == "", "the output ends with a newline", p)
    return [json.loads(l) for l in lines[:-1]]


GOOD = json.dumps({"id": "good", "country": "GB", "entity": "company", "objected": False, "suppressed": False,
                   "consents": []}).encode()

# Lines a CRM export or a broken pipeline might produce, each with what its record says.
BAD_LINES = [
    (b'{"id": "colon", "country": "GB", "a" "b", "objected": false}', "not valid JSON"),
    (b'{"id": "cut", "country": "GB", "consents": [{"channel": "em', "not valid JSON"),
    (b'{"id": "nul\x00", "country": "GB"}', "not valid JSON"),
    (b'\x00\x01\x02\xff\xfe garbage', "not valid JSON"),
    (b'{"id": "latin1", "country": "caf\xe9"}', "not valid JSON"),
    (b'{"id": "deep", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}", "nested more than 64 deep"),
    (b'{"id": "big", "notes": "' + b"n" * (2 << 20) + b'"}', "a line of 2097178 bytes; the limit is 1048576"),
    (b'["an", "array"]', "not a JSON object"),
    (b'{"id": "twice"} {"id": "again"}', "text after the JSON object"),
    (b"   ", "a blank line"),
    (b'{"id": "many", "consents": [' + b",".join([b"{}"] * 10001) + b"]}", "a list of 10001 elements"),
    (b'{"id": "long", "email": "' + b"e" * 70000 + b'"}', "a string of 70000 bytes"),
    (b'{"id": "type", "objected": "yes"}', "expected true or false"),
    (b'{"id": "\\ud800"}', "not valid JSON"),
]


@test
def every_contact_line_gets_one_record_in_order():
    lines = []
    for bad, _ in BAD_LINES:
        lines += [GOOD, bad]
    lines.append(GOOD)
    path = TMP / "contacts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    start = time.time()
    p = run("check", POLICIES, "--contacts", path, "--campaign", CAMPAIGN)
    out = records(p)
    check(len(out) == len(lines), f"{len(lines)} lines, {len(out)} records", p)
    check(p.returncode == 1, "bad lines make the exit status 1", p)
    for i, (bad, says) in enumerate(BAD_LINES):
        good, rec = out[2 * i], out[2 * i + 1]
        check(good.get("id") == "good" and "verdict" in good, f"line {2 * i + 1} decided: {good}")
        check(rec.get("line") == 2 * i + 2 and says in rec.get("error", ""),
              f"line {2 * i + 2} ({bad[:40]!r}): expected an error record with {says!r}, got {str(rec)[:300]}")
    check("verdict" in out[-1], "the last line is decided")
    check(time.time() - start < 120, "bounded time")


# CSV rows a CRM export might produce, each with what its record says.
CSV_HEADER = b"id,country,entity,objected,suppressed"
CSV_GOOD = b"good,GB,company,false,false"
CSV_BAD = [
    (b"caf\xe9,GB,company,false,false", "the row is not valid UTF-8"),
    (b"\xff\xfe,GB,company,false,false", "the row is not valid UTF-8"),
    (b"bad,GB," + "\u00e9".encode() * 30 + b",false,false", "is not a value of Entity"),
    (b'"open,GB,company,false,false', "a quoted field is not closed"),
    (b'"q"x,GB,company,false,false', "text after a quoted field"),
    (b"few,GB", "a row of 2 cells; the header has 5"),
    (b"nul\x00,GB,company,maybe,false", "expected true or false"),
    (b"big," + b"n" * (2 << 20), "a line of 2097156 bytes; the limit is 1048576"),
    (b" \t ", "a blank line"),
]


@test
def every_csv_row_gets_one_record_in_order():
    lines = [CSV_HEADER]
    for bad, _ in CSV_BAD:
        lines += [CSV_GOOD, bad]
    lines.append(CSV_GOOD)
    path = TMP / "contacts.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for fmt in ("jsonl", "csv"):
        p = run("check", POLICIES, "--contacts", path, "--campaign", CAMPAIGN, "--format", fmt)
        check(p.returncode == 1, "bad rows make the exit status 1", p)
        p.stdout.decode("utf-8")  # records are UTF-8, always
        if fmt == "csv":
            import csv, io
            rows = list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8"), newline="")))
            check(len(rows) == len(lines) - 1 and [int(r["line"]) for r in rows] == list(range(2, len(lines) + 1)),
                  "one CSV row per input row, in order", p)
            continue
        out = records(p)
        check(len(out) == len(lines) - 1, f"{len(lines) - 1} rows, {len(out)} records", p)
        for i, (bad, says) in enumerate(CSV_BAD):
            good, rec = out[2 * i], out[2 * i + 1]
            check(good.get("id") == "good" and "verdict" in good, f"line {2 * i + 2} decided: {good}")
            check(rec.get("line") == 2 * i + 3 and says in rec.get("error", ""),
                  f"line {2 * i + 3} ({bad[:40]!r}): expected an error record with {says!r}, got {str(rec)[:300]}")
        check("verdict" in out[-1], "the last row is decided")
    # A header that is not UTF-8 is refused with a message, not a crash.
    bad_header = TMP / "bad-header.csv"
    bad_header.write_bytes(b"id,caf\xe9\ngood,x\n")
    p = run("check", POLICIES, "--contacts", bad_header, "--campaign", CAMPAIGN)
    check(p.returncode == 1 and b"the header is not valid UTF-8" in p.stderr, "a header not UTF-8", p)


@test
def every_case_line_gets_one_record_in_order():
    camp = json.loads(CAMPAIGN.read_text())
    good = json.dumps({"contact": json.loads(GOOD), "campaign": camp}).encode()
    bad = [
        b'{"contact": {"id": "c1", "a" "b"}, "campaign": {}}',
        b'{"contact": {"id": "c2"}}',
        b'{"contact": ' + b"{\"x\": " * 70 + b"1" + b"}" * 70 + b', "campaign": {}}',
        b'{"contact": [], "campaign": {}}',
    ]
    lines = []
    for b in bad:
        lines += [good, b]
    path = TMP / "cases.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    p = run("check", POLICIES, "--cases", path)
    out = records(p)
    check(len(out) == len(lines), f"{len(lines)} lines, {len(out)} records", p)
    for i in range(len(bad)):
        check("verdict" in out[2 * i], f"good line {2 * i + 1} decided")
        check(out[2 * i + 1].get("line") == 2 * i + 2 and out[2 * i + 1].get("error"), f"bad line {2 * i + 2}: {out[2 * i + 1]}")
    check(out[1]["id"] == "c1", "the id of a broken line is kept when it can be read", p)


@test
def policies_at_and_past_the_limits_get_diagnostics():
    cases = TMP / "one.jsonl"
    cases.write_text(json.dumps({"contact": {"id": "1", "objected": True}, "campaign": {"channel": "email"}}) + "\n")
    head = 'policy r.p "robust"\ndecision email when campaign.channel == email:\n  rule r: deny\n    cite "x"\n    when '
    big = TMP / "big" / "big.law"
    big.parent.mkdir()
    big.write_text(head + "contact.objected\n" + "// " + "x" * (1 << 20) + "\n")
    p = run("check", big, "--cases", cases)
    check(p.returncode == 1 and b"[E003]" in p.stderr and p.stdout == b"", "a file over 1 MiB: E003", p)
    deep = TMP / "deep" / "deep.law"
    deep.parent.mkdir()
    deep.write_text(head + "(" * 100000 + "contact.objected" + ")" * 100000 + "\n")
    p = run("check", deep, "--cases", cases)
    check(p.returncode == 1 and b"[E106]" in p.stderr, "100000 brackets: E106", p)
    nots = TMP / "nots" / "nots.law"
    nots.parent.mkdir()
    nots.write_text(head + "not " * 100000 + "contact.objected\n")
    p = run("check", nots, "--cases", cases)
    check(p.returncode == 1 and b"[E106]" in p.stderr, "100000 `not`s: E106", p)
    chain = TMP / "chain" / "chain.law"
    chain.parent.mkdir()
    lets = "".join(f"let a{i} = a{i - 1} and contact.objected\n" for i in range(1, 20000))
    chain.write_text('policy r.p "robust"\nlet a0 = contact.objected\n' + lets + head.split("\n", 1)[1] + "a19999\n")
    p = run("check", chain, "--cases", cases)
    check(p.returncode == 1 and b"[E106]" in p.stderr and b"[E004]" in p.stderr, "20000 chained definitions", p)
    garbage = TMP / "garbage" / "garbage.law"
    garbage.parent.mkdir()
    garbage.write_bytes(bytes(range(256)) * 64)
    p = run("check", garbage, "--cases", cases)
    check(p.returncode == 1 and b"not valid UTF-8" in p.stderr, "binary garbage", p)


@test
def a_decision_that_would_run_for_hours_stops_with_an_error_record():
    pol = TMP / "slow" / "slow.law"
    pol.parent.mkdir()
    pol.write_text('policy r.slow "slow"\ndecision email when campaign.channel == email:\n  rule r: deny\n'
                   "    when any a in contact.consents: any b in contact.consents: any c in contact.consents:\n"
                   "         a.channel == sms\n    cite \"x\"\n")
    consents = [{"channel": "email"}] * 1000
    cases = TMP / "slow.jsonl"
    cases.write_text(json.dumps({"contact": {"id": "slow", "consents": consents}, "campaign": {"channel": "email"}}) + "\n"
                     + json.dumps({"contact": {"id": "fast", "consents": []}, "campaign": {"channel": "email"}}) + "\n")
    p = run("check", pol, "--cases", cases)
    out = records(p)
    check(len(out) == 2 and "steps of quantifiers" in out[0].get("error", ""), "10^9 steps stop at the limit", p)
    check(out[1]["verdict"] == "review", "the next line is decided", p)


for t in tests:
    try:
        t()
        print(f"ok   {t.__name__}")
    except Exception as e:  # noqa: BLE001 - report every failure, then exit 1
        failures.append(t.__name__)
        print(f"FAIL {t.__name__}: {e}")
print(f"{len(tests) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
