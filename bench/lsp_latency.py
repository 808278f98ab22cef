#!/usr/bin/env python3
"""Latency of `lawful lsp`'s diagnostics after an edit of policies/uk.law: the time from
sending a one-character textDocument/didChange to reading the textDocument/publishDiagnostics
for that version (compile with lint, index, publish), as an editor sees it; and the
server's own CPU time per edit (from /proc, which the machine's load disturbs less).

Usage: bench/lsp_latency.py build/lawful [--edits N] [--file policies/uk.law]
Results: docs/performance.md ("The language server")."""

import argparse
import os
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lawful")
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--file", default=str(ROOT / "policies/uk.law"))
    o = ap.parse_args()
    path = Path(o.file).resolve()
    with tempfile.TemporaryDirectory() as cache:
        c = Client(o.lawful, dict(os.environ, XDG_CACHE_HOME=cache))
        c.initialize(path.parent)
        text = path.read_text()
        u = uri(path)
        c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "law", "version": 1, "text": text}})
        c.diagnostics(u)
        # Type and delete a character in a rule's condition, as a lawyer editing would.
        k = text.index("when objected") + len("when objected")
        times = []
        cpu0 = cpu_seconds(c.proc.pid)
        for v in range(2, o.edits + 2):
            change = ({"range": {"start": position(text, k), "end": position(text, k)}, "text": "x"} if v % 2 == 0 else
                      {"range": {"start": position(text, k), "end": position(text, k + 1)}, "text": ""})
            t0 = time.monotonic()
            c.notify("textDocument/didChange", {"textDocument": {"uri": u, "version": v}, "contentChanges": [change]})
            c.diagnostics(u, v)
            times.append((time.monotonic() - t0) * 1000)
        cpu = (cpu_seconds(c.proc.pid) - cpu0) * 1000 / o.edits
        c.result("shutdown", None)
        c.notify("exit", None)
        c.proc.wait(10)
    times.sort()
    print(f"{path.name}: {o.edits} edits, diagnostics after each")
    print(f"  wall clock: median {statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9)]:.1f} ms, "
          f"max {times[-1]:.1f} ms")
    print(f"  server CPU per edit: {cpu:.1f} ms")
    print(f"  load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
