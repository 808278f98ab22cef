#!/usr/bin/env python3
"""Hand-crafted malicious .lawc files against the `lawful` command.

usage: run_malicious.py LAWFUL MAKE_MALICIOUS

MAKE_MALICIOUS (tests/lawc/make_malicious.cpp) writes the files and a manifest; each is
given to `lawful check` (with a case that reaches every rule), `lawful disasm` and, when
it is refused, nothing may run: no record on standard output, exit status 1 and the
message `FILE: refused: ...` naming the problem. A file that verifies but carries forged
values must give an error record for its line (or decide), never crash or hang. Each is
also run with `--engine jit`, which must give the same status and output.

DECIDE_MALICIOUS (tests/lawc/decide_malicious.cpp) then loads and decides every file in
one process through the API, with the same expectations. With --sample (the sanitizer
build), `lawful` itself runs only SAMPLE, one file of each kind: a sanitized `lawful`
costs about 0.3 s of processor time to start, and three runs a file were about a minute;
every file still goes through the loader, the verifier, the interpreter and the native
back end under the sanitizers in DECIDE_MALICIOUS, and the Release phase runs `lawful`
on all of them (docs/performance.md, "The test command's time").

usage: run_malicious.py LAWFUL MAKE_MALICIOUS DECIDE_MALICIOUS [--sample]
"""
import json, os, subprocess, sys, tempfile

lawful, make, decide = sys.argv[1], sys.argv[2], sys.argv[3]
sample = "--sample" in sys.argv[4:]
# Through `lawful` under the sanitizers: a refusal by the header's checks, one by the
# verifier, a forged value stopped at run time, a harmless forgery, a format 1 file.
SAMPLE = {"checksum.lawc", "jump_outside_the_function.lawc", "forged_list.lawc", "forged_string.lawc",
          "format_1.lawc"}
out = tempfile.mkdtemp(prefix="lawful-malicious-")
subprocess.run([make, out], check=True, stdout=subprocess.DEVNULL)
case = os.path.join(out, "case.jsonl")
contact = {"id": "m1", "country": "GB", "objected": False,
           "consents": [{"channel": "email", "third_parties": ["Acme"]}, {"channel": "email"}]}
campaign = {"channel": "email", "send_date": "2026-01-01", "sender": {"name": "Acme"}}
with open(case, "w") as f:
    f.write(json.dumps({"contact": contact, "campaign": campaign}) + "\n")
for name, value in (("contact.json", contact), ("campaign.json", campaign)):
    with open(os.path.join(out, name), "w") as f:
        json.dump(value, f)
env = dict(os.environ, NO_COLOR="1")
failed = 0
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "manifest.tsv")) if l.strip()]
names = {row[0] for row in rows}
if sample and not SAMPLE <= names:
    print(f"FAIL: the sample names files that are not made: {sorted(SAMPLE - names)}")
    sys.exit(1)
# Every file, in one process, through the API.
d = subprocess.run([decide, out, os.path.join(out, "contact.json"), os.path.join(out, "campaign.json")],
                   capture_output=True, text=True, env=env, timeout=600)
print(d.stdout, end="")
if d.returncode != 0:
    print(f"FAIL lawful_decide_malicious: status {d.returncode} {d.stderr[-2000:]}")
    failed += 1
for name, expect, says in rows:
    if sample and name not in SAMPLE:
        continue
    path = os.path.join(out, name)
    problems = []
    try:
        p = subprocess.run([lawful, "check", path, "--cases", case], capture_output=True, text=True, env=env,
                           timeout=120)
    except subprocess.TimeoutExpired:
        print(f"FAIL {name}: lawful check did not finish in 120 s")
        failed += 1
        continue
    if p.returncode < 0 or p.returncode > 2:
        problems.append(f"crashed (status {p.returncode})")
    # The native back end: refused, stopped or decided exactly as by the interpreter.
    try:
        j = subprocess.run([lawful, "check", path, "--cases", case, "--engine", "jit"], capture_output=True,
                           text=True, env=env, timeout=120)
        # (stderr's summary has times in it: compared only for a refused file)
        note = lambda err: "".join(l for l in err.splitlines(True) if "native back end cannot run" not in l)
        if (j.returncode, j.stdout) != (p.returncode, p.stdout) or (expect == "refused" and note(j.stderr) != p.stderr):
            problems.append(f"--engine jit differs: status {j.returncode}, {j.stdout[:300]!r} {j.stderr[:300]!r}")
    except subprocess.TimeoutExpired:
        problems.append("lawful check --engine jit did not finish in 120 s")
    if expect == "refused":
        if p.returncode != 1:
            problems.append(f"exit status {p.returncode}, expected 1")
        if p.stdout:
            problems.append(f"something ran: {p.stdout[:200]!r}")
        if f"{name}: refused: " not in p.stderr or says not in p.stderr:
            problems.append(f"expected 'refused: ...{says}...', got {p.stderr.strip()[:300]!r}")
        d = subprocess.run([lawful, "disasm", path], capture_output=True, text=True, env=env, timeout=120)
        if d.returncode != 1 or d.stdout:
            problems.append(f"disasm did not refuse it (status {d.returncode})")
    else:
        records = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
        if len(records) != 1:
            problems.append(f"expected one record, got {len(records)}: {p.stdout[:300]!r}")
        elif expect == "error":
            if p.returncode != 1 or says not in records[0].get("error", ""):
                problems.append(f"expected an error record with '{says}', got {records[0]} (status {p.returncode})")
        elif expect == "decides":
            if p.returncode != 0 or "verdict" not in records[0]:
                problems.append(f"expected a decision, got {records[0]} (status {p.returncode})")
    if problems:
        failed += 1
        print(f"FAIL {name}: " + "; ".join(problems))
ran = len(SAMPLE) if sample else len(rows)
print(f"lawful on {ran} of {len(rows)} files{' (--sample)' if sample else ''}; {failed} failed")
sys.exit(1 if failed else 0)
