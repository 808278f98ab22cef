#!/usr/bin/env python3
"""The command line with --engine jit against --engine vm.

usage: run_engines.py LAWFUL     (from the checkout's root)

- `lawful test --engine jit` passes the language corpus and the policies' test blocks
  (with full coverage, as the `policies` test asks of the interpreter);
- `lawful check` gives the same output, byte for byte, with either engine: the legal
  scenarios (../shared/scenarios, as cases) with 1 and 2 threads, as JSON Lines and as
  CSV, and with --as-of; gen-contacts' contacts (3 seeds; the first with 2 threads too;
  lawful_jit_diff decides 20,000 of each in process);
- `lawful diff` reports the same with either engine;
- `--engine auto` on a small input decides with the interpreter, silently.
Exit 77 (skipped) when the build has no native back end.
"""
import glob, json, os, subprocess, sys, tempfile

lawful = sys.argv[1]
env = dict(os.environ, NO_COLOR="1")
tmp = tempfile.mkdtemp(prefix="lawful-engines-")
failed = 0


def run(*args, **kw):
    return subprocess.run([lawful, *args], capture_output=True, text=True, env=env, timeout=600, **kw)


def fail(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


probe = run("test", "--engine", "jit", "tests/lang/kleene.law")
if "native back end cannot run" in probe.stderr and "without LLVM" in probe.stderr:
    print("skipped: " + probe.stderr.strip())
    sys.exit(77)

for args in (["tests/lang"], ["policies", "--coverage", "--min-coverage", "100"]):
    p = run("test", "--engine", "jit", *args)
    if p.returncode != 0 or "native back end" in p.stderr:
        fail(f"lawful test --engine jit {' '.join(args)}: status {p.returncode}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")

campaign = "examples/campaign.json"
inputs = []  # (what, check arguments)
scen = os.path.join(tmp, "scenarios.jsonl")
with open(scen, "w") as out:
    for f in sorted(glob.glob("../shared/scenarios/*.jsonl")):
        for line in open(f):
            if line.strip():
                s = json.loads(line)
                out.write(json.dumps({"contact": dict(s["contact"], id=s["id"]), "campaign": s["campaign"]}) + "\n")
every = ([], ["--threads", "2"], ["--format", "csv"], ["--as-of", "2021-06-30"])
inputs.append(("scenarios", ["--cases", scen], every))
for seed, n in ((1, 5000), (2, 2000), (3, 2000)):
    contacts = os.path.join(tmp, f"contacts{seed}.jsonl")
    g = run("gen-contacts", "--n", str(n), "--seed", str(seed), "-o", contacts)
    if g.returncode != 0:
        fail(f"gen-contacts: {g.stderr}")
    inputs.append((f"contacts seed {seed}", ["--contacts", contacts, "--campaign", campaign],
                   every[:2] if seed == 1 else every[:1]))

for what, args, extras in inputs:
    for extra in extras:
        outs = {}
        for engine in ("vm", "jit"):
            p = run("check", "policies", *args, *extra, "--engine", engine, "-q")
            outs[engine] = (p.returncode, p.stdout, p.stderr)
        if outs["vm"] != outs["jit"]:
            a, b = outs["vm"][1].splitlines(), outs["jit"][1].splitlines()
            first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            fail(f"check {what} {' '.join(extra)}: the engines differ (status {outs['vm'][0]} / {outs['jit'][0]}),"
                 f" first at line {first + 1}:\n  vm:  {a[first] if first < len(a) else ''}\n"
                 f"  jit: {b[first] if first < len(b) else ''}\n  stderr: {outs['jit'][2][:500]}")
        elif not outs["vm"][1]:
            fail(f"check {what} {' '.join(extra)}: no output")

# diff: the same report with either engine.
contacts = inputs[1][1][1]
reports = [run("diff", "policies", "tests/lang/kleene.law", "--contacts", contacts, "--campaign", campaign,
               "--engine", e) for e in ("vm", "jit")]
if (reports[0].returncode, reports[0].stdout) != (reports[1].returncode, reports[1].stdout):
    fail("diff: the engines differ")

# auto on a small input: the interpreter, and nothing said.
p = run("check", "policies", "--cases", scen, "--engine", "auto", "-q")
if p.returncode != 0 or p.stderr:
    fail(f"check --engine auto: status {p.returncode}, {p.stderr!r}")
p = run("check", "policies", "--cases", scen, "--engine", "fast")
if p.returncode != 2 or "--engine: fast not in {vm,jit,auto}" not in p.stderr:
    fail(f"check --engine fast: status {p.returncode}, {p.stderr!r}")

print(f"{'all passed' if not failed else f'{failed} failed'}")
sys.exit(1 if failed else 0)
