#!/usr/bin/env python3
"""`lawful fmt` end to end: idempotent and meaning-preserving over every .law file of
the repository, comments kept, --check and in-place rewriting, errors.

usage: fmt_test.py LAWFUL        (run from the repository root)
"""
import re, shutil, sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from clitest import *  # noqa: E402,F403

# Every .law file of the repository, except build trees.
ALL = sorted(p for p in ROOT.rglob("*.law") if not any(part.startswith(("build", ".")) for part in p.relative_to(ROOT).parts))


def comments(text):
    """The comments of a .law text, outside strings, as written (trailing spaces dropped)."""
    out = []
    for line in text.splitlines():
        in_str, i = False, 0
        while i < len(line):
            c = line[i]
            if in_str:
                if c == "\\":
                    i += 1
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "#" or line.startswith("//", i):
                out.append(line[i:].rstrip())
                break
            i += 1
    return out


def formatted(path):
    """(exit status, output, stderr) of `lawful fmt -` on a file's text."""
    p = run("fmt", "-", stdin=path.read_text())
    return p


def normal_disasm(text):
    text = re.sub(r"sources [0-9a-f]+", "sources", text)
    return re.sub(r" \([^()]*\.law:\d+:\d+\)", "", text)


def diag_lines(text):
    return sorted(re.sub(r"^.*?: (error|warning): ", r"\1: ", l) for l in text.splitlines() if re.search(r": (error|warning): ", l))


@test
def every_file_formats_to_a_fixed_point_and_keeps_its_comments():
    # Copies of every file, formatted in place by one run (a run per file made this test
    # start lawful 375 times, minutes under the sanitizers), then formatted again.
    check(len(ALL) > 40, f"found only {len(ALL)} .law files")
    once_dir, twice_dir = TMP / "fixed" / "once", TMP / "fixed" / "twice"
    for path in ALL:
        copy = once_dir / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    p = run("fmt", once_dir)
    # Only the golden diagnostics and the fuzzers' seeds may be files that do not parse;
    # fmt names each on its error and leaves it as it was.
    refused = {once_dir / m for m in re.findall(r"^" + re.escape(str(once_dir)) + r"/(\S+?\.law):\d+:\d+: error:", p.stderr, re.M)}
    check(p.stdout == "" and (p.returncode == 0) == (not refused), "fmt over the copies", p)
    parsed = 0
    for path in ALL:
        copy = once_dir / path.relative_to(ROOT)
        if copy in refused:
            rel = path.relative_to(ROOT)
            check(path.parent.name == "diag" or "fuzz" in rel.parts, f"{path} does not format", p)
            check(copy.read_text() == path.read_text(), f"{path}: a file that does not parse was changed")
            copy.unlink()
            continue
        parsed += 1
        check(comments(copy.read_text()) == comments(path.read_text()), f"{path}: comments changed")
    check(parsed > 30, f"only {parsed} files parse")
    shutil.copytree(once_dir, twice_dir)
    p = run("fmt", twice_dir)
    check(p.returncode == 0 and p.stdout == "" and p.stderr == "", "formatting the formatted copies", p)
    for copy in sorted(once_dir.rglob("*.law")):
        check((twice_dir / copy.relative_to(once_dir)).read_text() == copy.read_text(),
              f"{copy.relative_to(once_dir)}: formatting the formatted text changes it")
    p = run("fmt", "--check", once_dir)
    check(p.returncode == 0 and p.stdout == "", "--check refuses formatted text", p)
    # Standard input to standard output formats as the files were formatted.
    for path in ALL[:: max(1, len(ALL) // 8)]:
        copy = once_dir / path.relative_to(ROOT)
        if copy.exists():
            p = formatted(path)
            check(p.returncode == 0 and p.stdout == copy.read_text(), f"{path}: fmt - differs from fmt FILE", p)


@test
def formatting_changes_no_meaning():
    # Format copies of the trees in place, then compare the compiled programs (disassembly
    # without positions), the tests' results and the diagnostics.
    for tree in ("tests/lang", "policies", "tests/diag"):
        copy = TMP / "meaning" / tree
        shutil.copytree(ROOT / tree, copy)
        run("fmt", copy)  # files that do not parse stay as they are
        for original in sorted((ROOT / tree).glob("*.law")):
            mine = copy / original.name
            a, b = run("disasm", original), run("disasm", mine)
            check(a.returncode == b.returncode, f"{original}: disasm status changed", b)
            check(normal_disasm(a.stdout) == normal_disasm(b.stdout), f"{original}: the compiled program changed")
            check(diag_lines(a.stderr) == diag_lines(b.stderr), f"{original}: the diagnostics changed", b)
        if tree != "tests/diag":
            a, b = run("test", ROOT / tree), run("test", copy)
            check(a.returncode == b.returncode == 0 and a.stdout.splitlines()[-1] == b.stdout.splitlines()[-1],
                  f"{tree}: test results changed", b)


@test
def the_repository_is_formatted():
    # policies/ is written by other hands too: a failure here means fmt wants a change there.
    for tree in ("tests/lang", "tests/lint", "policies", "stdlib"):
        p = run("fmt", "--check", ROOT / tree)
        check(p.returncode == 0 and p.stdout == "", f"{tree} is not in the canonical layout", p)


MESSY = """policy   t.m "M"   // head
use std.consent
let a=contact.entity in {company,llp} // corporate
decision d :
  rule no: deny cite "x"
  # before yes
  rule yes: allow basis consent when a overrides no
    cite "y"
test "t" { contact {entity:company}
  expect d is allow }
"""

CLEAN = """policy t.m "M" // head

use std.consent

let a = contact.entity in {company, llp} // corporate

decision d:
  rule no: deny
    cite "x"
  # before yes
  rule yes: allow basis consent
    when a
    overrides no
    cite "y"

test "t" {
  contact { entity: company }
  expect d is allow
}
"""


@test
def check_lists_unformatted_files_and_fails():
    d = TMP / "check"
    messy, clean = write("check/messy.law", MESSY), write("check/clean.law", CLEAN)
    p = run("fmt", "--check", d)
    check(p.returncode == 1 and p.stdout == f"{messy}\n", "--check lists the messy file only", p)
    check(messy.read_text() == MESSY, "--check changes nothing")
    p = run("fmt", "--check", clean)
    check(p.returncode == 0 and p.stdout == "", "a clean file passes --check", p)


@test
def fmt_rewrites_in_place():
    f = write("inplace/m.law", MESSY)
    p = run("fmt", f)
    check(p.returncode == 0, "fmt succeeds", p)
    check(f.read_text() == CLEAN, "the file is rewritten in the canonical layout:\n" + f.read_text())
    check(not list((TMP / "inplace").glob("m.law.tmp*")), "no temporary file left")
    p = run("fmt", "-", stdin=MESSY)
    check(p.returncode == 0 and p.stdout == CLEAN, "- formats standard input to standard output", p)


@test
def a_file_that_does_not_parse_is_left_alone():
    bad = 'policy t.b "b"\ndecision d\n  rule r: deny\n'
    f = write("bad/b.law", bad)
    p = run("fmt", f)
    check(p.returncode == 1 and "b.law:3:3: error: expected ':' before 'rule' [E103]" in p.stderr, "syntax error reported", p)
    check(f.read_text() == bad, "the file is unchanged")
    p = run("fmt", TMP / "nowhere")
    check(p.returncode == 1 and "no such file" in p.stderr, "missing path", p)


if __name__ == "__main__":
    main()
