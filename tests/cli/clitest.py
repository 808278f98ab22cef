"""A small harness shared by the end-to-end tests of `lawful` commands.

Each test script: `from clitest import *`, decorate functions with @test, call main().
Run from the repository root with the binary as the first argument.
"""
import json, os, pathlib, resource, subprocess, sys, tempfile

LAWFUL = os.path.abspath(sys.argv[1])
# The sanitizer build passes --sanitized (tests/CMakeLists.txt): the tests marked
# @text_test are then skipped, and say so.
SANITIZED = "--sanitized" in sys.argv[2:]
ROOT = pathlib.Path.cwd()
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-test-"))
ENV = dict(os.environ, NO_COLOR="1")
_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def text_test(fn):
    """A test of what the command prints and its exit status (help, usage errors, the
    words of a report), on paths that other tests run under the sanitizers: the Release
    phase runs it, the sanitizer phase skips it (a sanitized `lawful` costs about 0.3 s
    of processor time to start; docs/performance.md, "The test command's time")."""
    fn.text_only = True
    return test(fn)


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


def _cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    failed = skipped = 0
    for t in _tests:
        if SANITIZED and getattr(t, "text_only", False):
            skipped += 1
            print(f"skip {t.__name__} (a text test: the Release phase runs it)")
            continue
        start = _cpu()
        try:
            t()
            # The processor time of the processes it started (finished ones).
            print(f"ok   {t.__name__} ({_cpu() - start:.1f} s)")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {t.__name__}: {e}")
        except subprocess.TimeoutExpired:
            failed += 1
            print(f"FAIL {t.__name__}: timed out")
    print(f"{len(_tests) - failed - skipped} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)
