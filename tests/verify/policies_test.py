#!/usr/bin/env python3
"""`lawful verify policies` with the built-in checks (missing data, conflicts, dead rules)
and every property: each result is `proved`, or listed in policies_expected.txt (the
findings documented in docs/policies). Fails on a result not listed, and on a listed one
that no longer appears. The timeout is generous so that a busy machine gives the same
results as a quiet one (no query comes near it: docs/performance.md).

usage: policies_test.py LAWFUL        (run from the repository root)
"""
import json, os, subprocess, sys

lawful = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
p = subprocess.run([lawful, "verify", "policies", "--json", "--timeout", "600"], capture_output=True, text=True)
if p.returncode not in (0, 1) or p.stderr:
    sys.exit(f"lawful verify failed to run (exit {p.returncode}):\n{p.stderr}")
expected = set()
with open(os.path.join(here, "policies_expected.txt")) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            expected.add(line)
seen, unexpected, proved = set(), [], 0
for line in p.stdout.splitlines():
    r = json.loads(line)
    if "check" not in r:
        continue
    if r["status"] == "proved":
        proved += 1
        continue
    key = f'{r["policy"]} {r["check"]} {r["status"]}: {r["subject"]}'
    seen.add(key)
    if key not in expected:
        unexpected.append(f'{key}\n    {r.get("message", "")}\n    {json.dumps(r.get("counterexample"))}')
gone = sorted(expected - seen)
for u in unexpected:
    print("NEW (not in policies_expected.txt):", u)
for g in gone:
    print("GONE (listed in policies_expected.txt, not found; remove the line):", g)
print(f"{proved} proved, {len(seen)} expected findings")
sys.exit(1 if unexpected or gone or proved == 0 else 0)
