#!/usr/bin/env python3
"""Latency of `lawful lsp`'s diagnostics after an edit of policies/uk.law: the time from
sending a one-character textDocument/didChange to reading the textDocument/publishDiagnostics
for that version (compile with lint, index, publish), as an editor sees it; and the
server's own CPU time per edit (from /proc, which the machine's load disturbs less).

Usage: bench/lsp_latency.py build/lawful [--edits N] [--file policies/uk.law] [--open policies/route.law ...]
       bench/lsp_latency.py build/lawful --instructions [--open ...]
         (--open: other files open in the editor too, compiled again after each edit,
         as the server does for the open files of the edited file's folder)
         (under callgrind, sessions of 10 and of 40 edits: the instructions of one edit,
         which the load does not change; needs valgrind)
Results: docs/performance.md ("The language server")."""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/lsp"))
from lsp_client import Client, position, uri  # noqa: E402


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def session(argv, path, edits, cache, others=()):
    """Opens `path` (and `others`) in the server, edits `path` `edits` times; the times and the
    CPU per edit."""
    c = Client(argv[0], dict(os.environ, XDG_CACHE_HOME=cache), args=argv[1:])
    c.initialize(path.parent, timeout=600)  # valgrind starts slowly on a loaded machine
    text = path.read_text()
    u = uri(path)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "law", "version": 1, "text": text}})
    c.diagnostics(u, timeout=600)
    for other in others:
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri(other), "languageId": "law", "version": 1,
                                                           "text": other.read_text()}})
        c.diagnostics(uri(other), timeout=600)
    # Type and delete a character in a rule's condition, as a lawyer editing would.
    k = text.index("when objected") + len("when objected")
    times = []
    cpu0 = cpu_seconds(c.proc.pid)
    for v in range(2, edits + 2):
        change = ({"range": {"start": position(text, k), "end": position(text, k)}, "text": "x"} if v % 2 == 0 else
                  {"range": {"start": position(text, k), "end": position(text, k + 1)}, "text": ""})
        t0 = time.monotonic()
        c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": v}, "contentChanges": [change]})
        c.diagnostics(u, v, timeout=600)
        times.append((time.monotonic() - t0) * 1000)
    cpu = (cpu_seconds(c.proc.pid) - cpu0) * 1000 / edits
    c.request("shutdown", None, timeout=600)  # after the other open files' compilations
    c.notify("exit", None)
    c.proc.wait(600)
    return sorted(times), cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lawful")
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--file", default=str(ROOT / "policies/uk.law"))
    ap.add_argument("--open", nargs="*", default=[])
    ap.add_argument("--sessions", type=int, nargs=2, default=[10, 40], metavar=("FEW", "MANY"),
                    help="--instructions: the edits of the two sessions (the difference is divided out)")
    ap.add_argument("--instructions", action="store_true")
    o = ap.parse_args()
    path = Path(o.file).resolve()
    others = [Path(p).resolve() for p in o.open]
    with tempfile.TemporaryDirectory() as cache:
        if o.instructions:
            totals = {}
            few, many = o.sessions
            for n in (few, many):
                out = Path(cache) / f"callgrind.{n}.out"
                session(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", o.lawful, "lsp"], path, n, cache, others)
                totals[n] = int(re.search(r"^totals: (\d+)", out.read_text(), re.M).group(1))
            print(f"{path.name}{' (' + ', '.join(p.name for p in others) + ' open)' if others else ''}: "
                  f"{(totals[many] - totals[few]) / (many - few) / 1e6:.1f} million instructions per edit "
                  f"(callgrind, sessions of {few} and {many} edits)")
            return
        times, cpu = session([o.lawful, "lsp"], path, o.edits, cache, others)
    print(f"{path.name}: {o.edits} edits, diagnostics after each")
    print(f"  wall clock: median {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9)]:.1f} ms, "
          f"max {times[-1]:.1f} ms")
    print(f"  server CPU per edit: {cpu:.1f} ms")
    print(f"  load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
