#!/usr/bin/env python3
"""Views cannot be taken from a temporary Decision: dangling_view.cpp compiles as it is,
and with -DLAWFUL_DANGLE fails on a deleted function at each line marked "dangles" (and
nowhere else). Syntax only: nothing is built or run, so it is the same in every build."""
import re
import subprocess
import sys

compiler, include, source = sys.argv[1:4]
cmd = [compiler, "-std=c++17", "-fsyntax-only", "-I" + include, source]
ok = subprocess.run(cmd, capture_output=True, text=True)
if ok.returncode != 0:
    sys.exit("views from a Decision in a variable must compile:\n" + ok.stderr)
bad = subprocess.run(cmd + ["-DLAWFUL_DANGLE"], capture_output=True, text=True)
marked = {i + 1 for i, line in enumerate(open(source)) if line.rstrip().endswith("// dangles")}
name = re.escape(source.rsplit("/", 1)[-1])
errors = {}
for m in re.finditer(name + r":(\d+):\d+: error: (.*)", bad.stderr):
    errors.setdefault(int(m.group(1)), []).append(m.group(2))
deleted = {line for line, msgs in errors.items() if any(re.search(r"deleted (member )?function", x) for x in msgs)}
failures = []
if bad.returncode == 0:
    failures.append("views from a temporary Decision compiled")
if len(marked) < 12:
    failures.append(f"only {len(marked)} marked lines")
for line in sorted(marked - deleted):
    failures.append(f"line {line}: no 'deleted function' error (got {errors.get(line)})")
for line in sorted(set(errors) - marked):
    failures.append(f"line {line}: an error on an unmarked line: {errors[line]}")
if failures:
    sys.exit("\n".join(failures) + "\n" + bad.stderr[-4000:])
print(f"{len(marked)} views from temporaries refused; the same views from a variable compile")
