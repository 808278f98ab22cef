#!/usr/bin/env python3
"""Hand-crafted malicious .lawc files against the `lawful` command.

usage: run_malicious.py LAWFUL MAKE_MALICIOUS

MAKE_MALICIOUS (tests/lawc/make_malicious.cpp) writes the files and a manifest; each is
given to `lawful check` (with a case that reaches every rule), `lawful disasm` and, when
it is refused, nothing may run: no record on standard output, exit status 1 and the
message `FILE: refused: ...` naming the problem. A file that verifies but carries forged
values must give an error record for its line (or decide), never crash or hang. Each is
also run with `--engine jit`, which must give the same status and output.
"""
import json, os, subprocess, sys, tempfile

lawful, make = sys.argv[1], sys.argv[2]
out = tempfile.mkdtemp(prefix="lawful-malicious-")
subprocess.run([make, out], check=True, stdout=subprocess.DEVNULL)
case = os.path.join(out, "case.jsonl")
with open(case, "w") as f:
    f.write(json.dumps({
        "contact": {"id": "m1", "country": "GB", "objected": False,
                    "consents": [{"channel": "email", "third_parties": ["Acme"]}, {"channel": "email"}]},
        "campaign": {"channel": "email", "send_date": "2026-01-01", "sender": {"name": "Acme"}}}) + "\n")
env = dict(os.environ, NO_COLOR="1")
failed = 0
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "manifest.tsv")) if l.strip()]
for name, expect, says in rows:
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
print(f"{len(rows) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
