"""A small harness shared by the end-to-end tests of `lawful` commands.

Each test script: `from clitest import *`, decorate functions with @test, call main().
Run from the repository root with the binary as the first argument.
"""
import json, os, pathlib, subprocess, sys, tempfile

LAWFUL = os.path.abspath(sys.argv[1])
ROOT = pathlib.Path.cwd()
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-test-"))
ENV = dict(os.environ, NO_COLOR="1")
_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def run(*args, stdin=None, cwd=None):
    return subprocess.run([LAWFUL, *map(str, args)], capture_output=True, text=True, input=stdin, env=ENV,
                          timeout=300, cwd=cwd)


def check(cond, msg, p=None):
    if not cond:
        extra = f"\n    exit {p.returncode}\n    stdout: {p.stdout[:1500]!r}\n    stderr: {p.stderr[:1500]!r}" if p else ""
        raise AssertionError(msg + extra)


def records(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def write(name, text):
    p = TMP / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def main():
    failed = 0
    for t in _tests:
        try:
            t()
            print(f"ok   {t.__name__}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {t.__name__}: {e}")
        except subprocess.TimeoutExpired:
            failed += 1
            print(f"FAIL {t.__name__}: timed out")
    print(f"{len(_tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
