#!/usr/bin/env python3
"""Golden tests for diagnostics (see tests/diag/README.md).

usage: run_diag.py LAWFUL [--update]
Run from the repository root, so that paths in messages are tests/diag/NAME.law.
"""
import os, pathlib, subprocess, sys

lawful = sys.argv[1]
update = "--update" in sys.argv[2:]
failed = 0
files = sorted(pathlib.Path("tests/diag").glob("*.law"))
env = dict(os.environ, NO_COLOR="1")
for law in files:
    p = subprocess.run([lawful, "check", str(law), "--cases", "/dev/null", "--quiet"], capture_output=True, text=True, env=env)
    expected_file = law.with_suffix(".expected")
    got = p.stderr
    want_status = 1 if ": error:" in got else 0
    problems = []
    if p.returncode != want_status:
        problems.append(f"exit status {p.returncode}, expected {want_status}")
    if p.stdout:
        problems.append(f"unexpected standard output: {p.stdout[:200]!r}")
    if update:
        expected_file.write_text(got)
    elif not expected_file.exists():
        problems.append("no .expected file (run with --update, then read it)")
    elif expected_file.read_text() != got:
        problems.append("the diagnostics differ:\n--- expected\n" + expected_file.read_text() + "--- got\n" + got)
    if problems:
        failed += 1
        print(f"FAIL {law}: " + "\n  ".join(problems))
print(f"{len(files) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
