#!/usr/bin/env python3
"""Every example in the documentation, run: the docs cannot drift from the code.

usage: run_docs.py LAWFUL        (run from the repository root)

Fenced blocks in README.md and docs/**/*.md:

  ```law                  a whole file: it compiles without errors, its tests pass, and
                          it is in the canonical layout (lawful fmt --check)
  ```law file=PATH        the same text as the repository file PATH, exactly
  ```law excerpt=PATH     consecutive lines of the repository file PATH (indentation
                          aside): a piece of a policy that the tests run whole
  ```law fragment         a piece of a policy: a rule or obligation is put in a decision,
                          a decision, definition, use or test in a policy, and an
                          expression (fragment=expr) in a definition; it must compile,
                          and its tests, if any, pass
  ```law error=CODE       (with or without fragment) it must fail to compile with CODE
  ```law group=NAME name=FILE.law
                          files of one directory, compiled and tested together
  ```console [exit=N]     `$ lawful ...` lines (`< FILE` feeds standard input) are run
                          from the repository root; the
                          lines after each are its output (standard output, then
                          standard error), exactly, except that `...` in a line stands
                          for any text (a hash, a number that depends on the schema);
                          the exit status is N (default 0)

Blocks in docs/diagnostics.md that start with `tests/diag/X.law:` or `tests/lint/X.law:`
must appear, exactly, in that file's .expected output. Every command of `lawful --help`
has a page docs/commands/NAME.md, and every page is linked from README.md.
Other blocks (```sh, ``` without a language) are not run.
"""
import os, pathlib, re, shlex, shutil, subprocess, sys, tempfile

LAWFUL = os.path.abspath(sys.argv[1])
ROOT = pathlib.Path.cwd()
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-docs-"))
ENV = dict(os.environ, NO_COLOR="1")
failures = []
counts = {"law": 0, "console": 0, "diag": 0}


def run(*args, cwd=None):
    return subprocess.run([LAWFUL, *map(str, args)], capture_output=True, text=True, env=ENV, timeout=300,
                          cwd=cwd or ROOT)


def fail(where, msg, p=None):
    extra = f"\n    exit {p.returncode}\n    stdout: {p.stdout[:2000]}\n    stderr: {p.stderr[:2000]}" if p else ""
    failures.append(f"{where}: {msg}{extra}")


def blocks(path):
    """(line, info words, text) of each fenced block."""
    out, lines, i = [], path.read_text().splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, lang, rest = len(m.group(1)), m.group(2), m.group(3).split()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        out.append((start, lang, rest, "\n".join(body) + "\n"))
        i += 1
    return out


def attrs(words):
    a = {}
    for w in words:
        k, _, v = w.partition("=")
        a[k] = v
    return a


def wrap(text, kind):
    """A compilable file around a fragment."""
    head = 'policy doc.fragment "A fragment of the documentation"\n\n'
    first = text.lstrip().split(None, 1)[0] if text.strip() else ""
    if kind == "expr":
        return head + "let fragment =\n" + "".join("  " + l + "\n" for l in text.splitlines())
    if first in ("rule", "oblige", "replace") and not text.lstrip().startswith("replace let"):
        return head + "decision fragment:\n" + "".join("  " + l + "\n" if l else "\n" for l in text.splitlines())
    if first in ("policy", "module", "routing"):
        return text
    return head + text


def check_law(doc, line, info, text, groups):
    where = f"{doc}:{line}"
    a = attrs(info)
    counts["law"] += 1
    if "file" in a:
        target = ROOT / a["file"]
        if not target.exists():
            return fail(where, f"file={a['file']} does not exist")
        if target.read_text() != text:
            return fail(where, f"the block differs from {a['file']}")
        return
    if "excerpt" in a:
        target = ROOT / a["excerpt"]
        if not target.exists():
            return fail(where, f"excerpt={a['excerpt']} does not exist")
        want = [l.strip() for l in text.splitlines()]
        have = [l.strip() for l in target.read_text().splitlines()]
        if not any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1)):
            fail(where, f"the block is not a piece of {a['excerpt']}")
        return
    if "group" in a:
        groups.setdefault(a["group"], []).append((where, a.get("name", f"f{len(groups.get(a['group'], []))}.law"), text))
        return
    src = wrap(text, a.get("fragment")) if "fragment" in a else text
    d = TMP / f"block{counts['law']}"
    d.mkdir()
    f = d / "example.law"
    f.write_text(src)
    p = run("check", f, "--cases", "/dev/null")
    if "error" in a:
        if p.returncode == 0 or f"[{a['error']}]" not in p.stderr:
            fail(where, f"expected error {a['error']}", p)
        return
    if p.returncode != 0:
        return fail(where, "does not compile:\n" + src, p)
    if "test " in src:
        p = run("test", f)
        if p.returncode != 0:
            return fail(where, "its tests fail", p)
    if "fragment" not in a:
        p = run("fmt", "--check", f)
        if p.returncode != 0:
            fail(where, "not in the canonical layout (lawful fmt)", p)


def check_groups(groups):
    for name, files in groups.items():
        d = TMP / f"group-{name}"
        d.mkdir()
        for where, fname, text in files:
            (d / fname).write_text(text)
        where = files[0][0]
        p = run("test", d)
        if p.returncode != 0:
            fail(where, f"group {name} does not pass `lawful test`", p)


def check_console(doc, line, info, text):
    where = f"{doc}:{line}"
    a = attrs(info)
    want_exit = int(a.get("exit", "0"))
    commands, current = [], None
    for l in text.splitlines():
        if l.startswith("$ "):
            current = [l[2:], []]
            commands.append(current)
        elif current is not None:
            current[1].append(l)
    if not commands:
        return fail(where, "a console block without a `$ ` command")
    for cmd, expected in commands:
        counts["console"] += 1
        words = shlex.split(cmd)
        if words[0] != "lawful":
            fail(where, f"only lawful commands run here: {cmd}")
            continue
        stdin = None
        if "<" in words:  # `$ lawful fmt - < FILE`
            k = words.index("<")
            stdin = (ROOT / words[k + 1]).read_text()
            words = words[:k] + words[k + 2:]
        p = subprocess.run([LAWFUL, *words[1:]], capture_output=True, text=True, env=ENV, timeout=300, cwd=ROOT,
                           input=stdin)
        got = p.stdout + p.stderr
        want = "\n".join(expected) + ("\n" if expected else "")
        pattern = "".join(".*?" if part == "..." else re.escape(part) for part in re.split(r"(\.\.\.)", want))
        if not re.fullmatch(pattern, got, re.S) or got.count("\n") != want.count("\n"):
            fail(where, f"`{cmd}` prints something else:\n--- documented\n{want}--- actual\n{got}")
        elif p.returncode != want_exit:
            fail(where, f"`{cmd}` exits {p.returncode}, documented {want_exit}", p)


def check_diagnostics_page():
    doc = ROOT / "docs/diagnostics.md"
    for line, lang, info, text in blocks(doc):
        m = re.match(r"^(tests/(?:diag|lint)/\w+)\.law:", text)
        if not m:
            continue
        counts["diag"] += 1
        expected = ROOT / (m.group(1) + ".expected")
        if not expected.exists() or text not in expected.read_text():
            fail(f"docs/diagnostics.md:{line}", f"the example is not in {expected.relative_to(ROOT)} as shown")


def check_command_pages():
    p = run("--help")
    names = re.findall(r"^  (\w+)\s", p.stdout.split("Subcommands:")[-1], re.M)
    if len(names) < 8:
        fail("lawful --help", f"found only the commands {names}", p)
    readme = (ROOT / "README.md").read_text()
    for n in names:
        page = ROOT / f"docs/commands/{n}.md"
        if not page.exists():
            fail(f"docs/commands/{n}.md", "every command has a page")
        elif f"docs/commands/{n}.md" not in readme:
            fail("README.md", f"does not link docs/commands/{n}.md")


def main():
    docs = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
    groups = {}
    for doc in docs:
        rel = doc.relative_to(ROOT)
        for line, lang, info, text in blocks(doc):
            if lang == "law":
                check_law(rel, line, info, text, groups)
            elif lang == "console":
                check_console(rel, line, info, text)
    check_groups(groups)
    check_diagnostics_page()
    check_command_pages()
    # The examples the pages use pass their own tests and are formatted.
    for tree in sorted((ROOT / "docs/examples").iterdir()):
        if (tree.is_dir() and any(tree.glob("*.law"))) or tree.suffix == ".law":
            # A policy tree covers every rule; a single file may be a lesson about coverage.
            more = ["--coverage", "--min-coverage", "100"] if tree.is_dir() else []
            p = run("test", tree.relative_to(ROOT), *more)
            if p.returncode != 0:
                fail(str(tree.relative_to(ROOT)), "its tests fail or do not cover every rule", p)
            p = run("fmt", "--check", tree.relative_to(ROOT))
            if p.returncode != 0:
                fail(str(tree.relative_to(ROOT)), "not in the canonical layout", p)
    for f in failures:
        print("FAIL " + f)
    print(f"{counts['law']} law blocks, {counts['console']} commands, {counts['diag']} diagnostics examples; "
          f"{len(failures)} failed")
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
