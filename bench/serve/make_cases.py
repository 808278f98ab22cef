#!/usr/bin/env python3
"""Writes N cases (gen-contacts' contacts with examples/campaign.json), one JSON line
each, for the benchmarks of `lawful serve`.
usage: bench/serve/make_cases.py LAWFUL OUT N    (from the repository root)"""
import json, subprocess, sys

lawful, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
campaign = json.load(open("examples/campaign.json"))
contacts = subprocess.run([lawful, "gen-contacts", "--n", str(n), "--seed", "1"], capture_output=True, text=True,
                          check=True).stdout
with open(out, "w") as f:
    for line in contacts.splitlines():
        f.write(json.dumps({"contact": json.loads(line), "campaign": campaign}) + "\n")
