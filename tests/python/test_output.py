"""decide_many(..., output=PATH): the records written straight to a file, byte for byte as
`lawful check -o PATH` writes them, on any number of threads, through the command's own
pipeline and output rule (a temporary renamed when complete; links, devices, pipes and
directories as docs/security.md says), with memory bounded however long the input, and
Ctrl-C leaving nothing behind. Links, pipes and files are made in pytest's temporary
folder only. Bounded: about 10 s on an idle 2-core machine."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import lawful

from conftest import CAMPAIGN, CAMPAIGN_PATH, POLICIES, run


def leftovers(folder):
    """Temporaries of an output (NAME.tmp.PID.RANDOM) left in `folder`."""
    return [p.name for p in folder.iterdir() if ".tmp." in p.name]


def test_to_file_equals_check(policies, contacts, tmp_path):
    expected = contacts["expected"]
    out = tmp_path / "decisions.jsonl"
    for threads in (1, 2, 4):
        summary = policies.decide_many(contacts["path"], CAMPAIGN, threads=threads, output=out)
        assert out.read_bytes() == expected, f"threads={threads}"
        for key in ("lines", "decisions", "errors", "verdicts", "bases", "policies", "first_error"):
            assert summary[key] == contacts["summary"][key], (threads, key)
    # Input held in memory (bytes, contacts one by one) goes to a file by the same rule.
    data = contacts["path"].read_bytes()
    summary = policies.decide_many(data, json.loads(CAMPAIGN), output=str(out))
    assert out.read_bytes() == expected and summary["lines"] == len(contacts["lines"])
    policies.decide_many(iter(contacts["lines"]), CAMPAIGN, output=out)
    assert out.read_bytes() == expected
    assert leftovers(tmp_path) == []


def test_output_rule(policies, contacts, tmp_path):
    expected = contacts["expected"]
    # An existing file is replaced (atomically); its mode is kept.
    out = tmp_path / "old.jsonl"
    out.write_bytes(b"old\n")
    out.chmod(0o640)
    policies.decide_many(contacts["path"], CAMPAIGN, output=out)
    assert out.read_bytes() == expected and (out.stat().st_mode & 0o777) == 0o640
    # A link to a file: the file it names is replaced, the link stays a link.
    target = tmp_path / "target.jsonl"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    policies.decide_many(contacts["path"], CAMPAIGN, threads=2, output=link)
    assert link.is_symlink() and target.read_bytes() == expected
    # A link to nothing and a directory are refused; nothing is made.
    dangling = tmp_path / "dangling.jsonl"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OSError, match="dangling.jsonl"):
        policies.decide_many(contacts["path"], CAMPAIGN, output=dangling)
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(OSError, match="directory"):
        policies.decide_many(contacts["path"], CAMPAIGN, output=tmp_path)
    with pytest.raises(OSError, match="directory"):
        policies.decide_many(b'{"id": "a"}\n', CAMPAIGN, output=tmp_path)
    # A named pipe is written as it is (read here by a thread), never replaced.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    import threading
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    policies.decide_many(contacts["path"], CAMPAIGN, threads=2, output=fifo)
    reader.join(30)
    assert got == [expected] and fifo.is_fifo()
    # A missing input, a bad campaign or an output folder that does not exist: an error,
    # and the output as it was.
    out.write_bytes(b"kept\n")
    with pytest.raises(OSError, match="absent.jsonl"):
        policies.decide_many(tmp_path / "absent.jsonl", CAMPAIGN, output=out)
    with pytest.raises(ValueError, match="campaign"):
        policies.decide_many(contacts["path"], '{"channel": "fax"}', output=out)
    with pytest.raises(OSError, match="no-such-folder"):
        policies.decide_many(contacts["path"], CAMPAIGN, output=tmp_path / "no-such-folder" / "d.jsonl")
    with pytest.raises(TypeError, match="output"):
        policies.decide_many(contacts["path"], CAMPAIGN, output=3)
    assert out.read_bytes() == b"kept\n"
    assert leftovers(tmp_path) == []


# Run in a child process: decide a file into another, and report the peak memory
# (VmHWM) before and after.
MEMORY_PROBE = textwrap.dedent("""
    import sys, lawful
    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    p = lawful.load(sys.argv[1])
    campaign = open(sys.argv[2]).read()
    p.decide_many(b'{"id": "warm"}\\n', campaign, threads=2)
    before = hwm()
    summary = p.decide_many(sys.argv[3], campaign, threads=2, output=sys.argv[4])
    print(before, hwm(), summary["lines"])
""")


def test_memory_stays_bounded(tmp_path):
    """150,000 contacts (about 49 MB of records) decided to a file: the peak memory grows
    by the pipeline's chunks (a few MiB a thread), not by the records, which held in
    memory would be the output's size."""
    n = 150_000
    contacts = tmp_path / "contacts.jsonl"
    run("gen-contacts", "--n", n, "--seed", 5, "-o", contacts)
    out, want = tmp_path / "got.jsonl", tmp_path / "want.jsonl"
    p = subprocess.run([sys.executable, "-c", MEMORY_PROBE, POLICIES, CAMPAIGN_PATH, contacts, out],
                       capture_output=True, text=True, env=os.environ, timeout=120)
    assert p.returncode == 0, p.stderr
    before, after, lines = map(int, p.stdout.split())
    assert lines == n
    size = out.stat().st_size
    assert size > 40_000_000
    grown = after - before
    print(f"peak memory grew by {grown / 2**20:.1f} MiB for {size / 2**20:.0f} MiB of records")
    assert grown < 32 << 20 and grown < size / 2, f"peak memory grew by {grown / 2**20:.1f} MiB for {size / 2**20:.0f} MB"
    run("check", POLICIES, "--contacts", contacts, "--campaign", CAMPAIGN_PATH, "-o", want, "--quiet")
    assert out.read_bytes() == want.read_bytes()


INTERRUPT_PROBE = textwrap.dedent("""
    import sys, lawful
    p = lawful.load(sys.argv[1])
    campaign = open(sys.argv[2]).read()
    print("deciding", flush=True)
    try:
        p.decide_many(sys.argv[3], campaign, threads=2, output=sys.argv[4])
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    print("finished", flush=True)
""")


def test_ctrl_c_leaves_nothing(contacts, tmp_path):
    """Ctrl-C (SIGINT) while the input (a named pipe) is still being written: the run
    stops with KeyboardInterrupt, the temporary is removed, the output is not made."""
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    out = tmp_path / "out" / "d.jsonl"
    out.parent.mkdir()
    child = subprocess.Popen([sys.executable, "-c", INTERRUPT_PROBE, POLICIES, CAMPAIGN_PATH, fifo, out],
                             stdout=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert child.stdout.readline() == "deciding\n"
        with open(fifo, "wb") as w:
            w.write(b"\n".join(contacts["lines"][:500]) + b"\n")
            w.flush()
            # The run is under way once its temporary exists; then the input stays open.
            deadline = time.monotonic() + 30
            while not leftovers(out.parent) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert leftovers(out.parent), "the run did not start"
            child.send_signal(signal.SIGINT)
            rest, _ = child.communicate(timeout=30)
        assert child.returncode == 3 and rest == "interrupted\n"
    finally:
        child.kill()
        child.wait()
    assert not out.exists() and leftovers(out.parent) == []
