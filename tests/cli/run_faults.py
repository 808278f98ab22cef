#!/usr/bin/env python3
"""`lawful check` under faults: output that cannot be written (disk full, a file too
large, a closed pipe), `-o FILE` through a temporary file, SIGINT and SIGTERM mid-run,
and resuming with --from-line so that an interrupted run's output and the resumed run's
output together are the uninterrupted run's, byte for byte.

No test depends on timing: a signal is sent only once the run has shown it is under
way (its first output bytes, or its input consumed), and a run writing to a pipe cannot
finish before the test reads.

usage: run_faults.py LAWFUL        (run from the repository root)
"""
import os, re, resource, signal, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import *  # noqa: E402,F401

CAMPAIGN = ROOT / "examples/campaign.json"
_generated = {}


def gen(n, seed=1, fmt="jsonl"):
    key = (n, seed, fmt)
    if key not in _generated:
        path = TMP / f"gen-{n}-{seed}.{fmt}"
        p = run("gen-contacts", "--n", n, "--seed", seed, "--format", fmt, "-o", path)
        check(p.returncode == 0, "gen-contacts", p)
        _generated[key] = path
    return _generated[key]


def check_args(contacts, *extra):
    return [LAWFUL, "check", "policies", "--contacts", str(contacts), "--campaign", str(CAMPAIGN), "-q", *map(str, extra)]


def full_output(contacts, *extra):
    p = subprocess.run(check_args(contacts, "--threads", 1, *extra), capture_output=True, env=ENV, timeout=300)
    check(p.returncode == 0, "the uninterrupted run", p)
    return p.stdout


INTERRUPTED = re.compile(r"^lawful check: interrupted after (\d+) lines; resume with --from-line (\d+)(.*)$", re.M)


def interrupted_after(stderr, p=None):
    m = INTERRUPTED.search(stderr)
    check(m is not None, f"the interrupted message: {stderr!r}", p)
    n = int(m.group(1))
    check(int(m.group(2)) == n + 1, "resume from the next line")
    return n, m.group(3)


def no_temporaries(directory):
    left = [f.name for f in directory.iterdir() if ".tmp" in f.name]
    check(not left, f"no temporary file left behind: {left}")


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def interrupt_on_stdout(args, sig):
    """Runs `args` with standard output to a pipe; once the first record is out, sends
    `sig`, then reads everything to the end. The run cannot finish before the signal:
    it blocks on the pipe, which is not read until then. A thread is already waiting in
    read() when the signal goes, so that the run's last records find a reader."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    first = proc.stdout.read(1)
    rest = []
    reader = threading.Thread(target=lambda: rest.append(proc.stdout.read()))
    reader.start()
    proc.send_signal(sig)
    reader.join(timeout=300)
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    return Result(proc.returncode, first + b"".join(rest), err)


TORN = re.compile(r"standard output was not being read: it ends with part of the record of line (\d+)\)$", re.M)


def whole_records_prefix(p, full):
    """The interrupted run's output, a prefix of the uninterrupted run's, as whole records.
    After a signal the run waits 200 ms for a reader to take what it has handed over
    (cli/cmd_check.cpp); a reader slower than that (a loaded machine) gets a last record
    cut short, and then the run must say so: that tail is dropped here, and the resumed
    run writes the record again."""
    out = p.stdout
    check(out == full[:len(out)], "the output is a prefix of the uninterrupted run's", p)
    check(len(out) < len(full), "the run stopped before the end (the input is large enough)", p)
    if out and not out.endswith(b"\n"):
        m = TORN.search(p.stderr)
        n, _ = interrupted_after(p.stderr, p)
        check(m is not None and int(m.group(1)) == n + 1, "whole records only, or the torn one named", p)
        out = out[: out.rfind(b"\n") + 1]
    else:
        check(TORN.search(p.stderr) is None, "no torn record reported when none is", p)
    return out


@test
def sigint_mid_run_leaves_a_prefix_and_resume_completes_it():
    contacts = gen(200000)
    full = full_output(contacts)
    for threads in (1, 4):
        p = interrupt_on_stdout(check_args(contacts, "--threads", threads), signal.SIGINT)
        check(p.returncode == 130, f"SIGINT: exit 130 ({threads} threads)", p)
        out = whole_records_prefix(p, full)
        n, _ = interrupted_after(p.stderr, p)
        check(out.count(b"\n") == n, f"N = the records written (one per line): {n}", p)
        r = subprocess.run(check_args(contacts, "--threads", threads, "--from-line", n + 1), capture_output=True,
                           env=ENV, timeout=300)
        check(r.returncode == 0, "the resumed run", r)
        check(out + r.stdout == full, f"prefix + resumed == uninterrupted ({threads} threads)")


@test
def sigterm_mid_run_exits_143_and_resume_completes_it():
    contacts = gen(200000)
    full = full_output(contacts)
    p = interrupt_on_stdout(check_args(contacts, "--threads", 2), signal.SIGTERM)
    check(p.returncode == 143, "SIGTERM: exit 143", p)
    out = whole_records_prefix(p, full)
    n, _ = interrupted_after(p.stderr, p)
    r = subprocess.run(check_args(contacts, "--threads", 2, "--from-line", n + 1), capture_output=True, env=ENV,
                       timeout=300)
    check(r.returncode == 0 and out + r.stdout == full, "prefix + resumed == uninterrupted", r)


@test
def csv_in_and_out_interrupted_and_resumed():
    # Line numbers count the header; a resumed run still reads it, and its CSV output
    # has no header of its own, so the two outputs concatenate.
    contacts = gen(150000, seed=2, fmt="csv")
    full = full_output(contacts, "--format", "csv")
    p = interrupt_on_stdout(check_args(contacts, "--threads", 3, "--format", "csv"), signal.SIGINT)
    check(p.returncode == 130, "exit 130", p)
    out = whole_records_prefix(p, full)
    n, _ = interrupted_after(p.stderr, p)
    rows = out.split(b"\n")[1:-1]  # after the output's header
    if rows:
        check(int(rows[-1].split(b",")[0]) == n, f"the last row written is line {n}", p)
    r = subprocess.run(check_args(contacts, "--threads", 3, "--format", "csv", "--from-line", n + 1),
                       capture_output=True, env=ENV, timeout=300)
    check(r.returncode == 0 and out + r.stdout == full, "CSV: prefix + resumed == uninterrupted", r)
    # JSON Lines records of a resumed CSV run keep the file's line numbers.
    bad = write("resume.csv", "id,country,entity\na,GB,company\nb,GB,compny\nc,GB,company\nd,GB,nope\n")
    r = subprocess.run(check_args(bad, "--from-line", 4), capture_output=True, text=True, env=ENV, timeout=60)
    out = records(r.stdout)
    check(r.returncode == 1 and [x.get("id") for x in out] == ["c", "d"] and out[1]["line"] == 5,
          "from line 4: rows c and d, d's error record says line 5", r)


@test
def from_line_skips_lines_and_keeps_their_numbers():
    lines = ['{"id": "a", "country": "GB", "entity": "company"}', "not json", "",
             '{"id": "d", "country": "GB", "entity": "company"}', "also bad"]
    path = write("from.jsonl", "\n".join(lines) + "\n")
    full = subprocess.run(check_args(path), capture_output=True, text=True, env=ENV, timeout=60)
    full_recs = records(full.stdout)
    check(len(full_recs) == 5 and full_recs[4]["line"] == 5, "every line has its record", full)
    for start in range(1, 7):
        r = subprocess.run(check_args(path, "--from-line", start), capture_output=True, text=True, env=ENV, timeout=60)
        check(records(r.stdout) == full_recs[start - 1:], f"--from-line {start}: the records of lines {start} on", r)
        check(r.returncode == (1 if start <= 5 else 0), f"--from-line {start}: exit for the error lines left", r)
    r = subprocess.run(check_args(path, "--from-line", 0), capture_output=True, text=True, env=ENV, timeout=60)
    check(r.returncode == 2 and "--from-line counts lines from 1" in r.stderr, "--from-line 0 is a usage error", r)
    # With --cases, too.
    case = json.dumps({"contact": {"id": "k", "country": "GB", "entity": "company"}, "campaign": json.loads(CAMPAIGN.read_text())})
    cases = write("cases.jsonl", f"{case}\n{case}\n{case}\n")
    r = subprocess.run([LAWFUL, "check", "policies", "--cases", str(cases), "--from-line", "3", "-q"], capture_output=True,
                       text=True, env=ENV, timeout=60)
    check(r.returncode == 0 and len(records(r.stdout)) == 1, "--cases --from-line 3: one record", r)


@test
def interrupted_with_output_file_keeps_file_and_leaves_partial():
    for threads in (1, 2):
        interrupted_with_output_file(threads)


def interrupted_with_output_file(threads):
    contacts = gen(200000)
    full = full_output(contacts)
    outdir = TMP / f"out-int-{threads}"
    outdir.mkdir()
    target = outdir / "decisions.jsonl"
    target.write_bytes(b"the previous run's output\n")
    # Input through a pipe: once 120000 lines have been taken in, at least most of them
    # have been decided and written (the run holds only a few chunks at a time), and the
    # run cannot end, because standard input stays open: the signal finds it waiting for
    # input (with one thread, in the read itself).
    proc = subprocess.Popen(check_args("-", "--threads", threads, "-o", target), stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    data = contacts.read_bytes()
    cut = 0
    for _ in range(120000):
        cut = data.index(b"\n", cut) + 1
    proc.stdin.write(data[:cut])
    proc.stdin.flush()
    temps = [f.name for f in outdir.iterdir() if re.fullmatch(rf"decisions\.jsonl\.tmp\.{proc.pid}\.[0-9a-f]{{8}}", f.name)]
    check(len(temps) == 1, f"the temporary is named FILE.tmp.PID.RANDOM: {[f.name for f in outdir.iterdir()]}")
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    proc.stdin.close()
    p = Result(proc.returncode, b"", err)
    check(proc.returncode == 130, "exit 130", p)
    n, where = interrupted_after(err, p)
    check(0 < n <= 120000, f"N within what was given: {n}", p)
    check(target.read_bytes() == b"the previous run's output\n", "FILE left as it was")
    partial = outdir / "decisions.jsonl.partial"
    check(f"lines 1 to {n} are in {partial}; {target} was not written" in where, f"says where the prefix is: {where}", p)
    check(partial.read_bytes() == full[:len(partial.read_bytes())] and partial.read_bytes().count(b"\n") == n,
          "FILE.partial holds the records of lines 1 to N")
    no_temporaries(outdir)
    rest = outdir / "rest.jsonl"
    r = subprocess.run(check_args(contacts, "--from-line", n + 1, "-o", rest), capture_output=True, env=ENV, timeout=300)
    check(r.returncode == 0 and partial.read_bytes() + rest.read_bytes() == full, "partial + resumed == uninterrupted", r)
    no_temporaries(outdir)


@test
def interrupted_before_any_record_with_output_file_leaves_nothing():
    outdir = TMP / "out-early"
    outdir.mkdir()
    target = outdir / "d.jsonl"
    proc = subprocess.Popen(check_args("-", "-o", target), stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    proc.stdin.write(b'{"id": "a"')  # no whole line: nothing can be decided yet
    proc.stdin.flush()
    # The temporary exists once the run is under way.
    for _ in range(6000):
        if any(".tmp." in f.name for f in outdir.iterdir()) or proc.poll() is not None:
            break
        time.sleep(0.01)
    check(any(".tmp." in f.name for f in outdir.iterdir()), "the run is under way (its temporary exists)")
    proc.send_signal(signal.SIGTERM)
    err = proc.stderr.read().decode()
    proc.wait(timeout=300)
    proc.stdin.close()
    p = Result(proc.returncode, b"", err)
    check(proc.returncode == 143, "exit 143", p)
    n, where = interrupted_after(err, p)
    check(n == 0 and f"({target} was not written)" in where, "interrupted after 0 lines, nothing written", p)
    check(list(outdir.iterdir()) == [], f"nothing left: {list(outdir.iterdir())}")


@test
def disk_full_is_a_write_error():
    contacts = gen(20000, seed=3)
    p = subprocess.run(check_args(contacts, "-o", "/dev/full"), capture_output=True, text=True, env=ENV, timeout=120)
    check(p.returncode == 1 and "lawful check: cannot write /dev/full: No space left on device" in p.stderr, "-o /dev/full", p)
    with open("/dev/full", "wb") as full:
        p = subprocess.run(check_args(contacts), stdout=full, stderr=subprocess.PIPE, text=True, env=ENV, timeout=120)
    check(p.returncode == 1 and "lawful check: cannot write standard output: No space left on device" in p.stderr,
          "standard output to /dev/full", p)
    # A small file, all written at the end (one flush): the error comes at closing.
    small = write("small.jsonl", '{"id": "a", "country": "GB", "entity": "company"}\n')
    p = subprocess.run(check_args(small, "-o", "/dev/full"), capture_output=True, text=True, env=ENV, timeout=60)
    check(p.returncode == 1 and "cannot write /dev/full: No space left on device" in p.stderr, "the last flush too", p)


def limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # kept across exec: writes fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


@test
def file_too_large_leaves_no_partial_output_file():
    contacts = gen(20000, seed=3)
    outdir = TMP / "out-big"
    outdir.mkdir()
    target = outdir / "d.jsonl"
    for threads in (1, 3):
        p = subprocess.run(check_args(contacts, "--threads", threads, "-o", target), capture_output=True, text=True,
                           env=ENV, timeout=120, preexec_fn=limit_file_size)
        check(p.returncode == 1 and f"lawful check: cannot write {target}: File too large" in p.stderr,
              "a write error names FILE and the cause", p)
        check(list(outdir.iterdir()) == [], f"no FILE and no temporary: {list(outdir.iterdir())}")
    target.write_text("old\n")
    p = subprocess.run(check_args(contacts, "-o", target), capture_output=True, text=True, env=ENV, timeout=120,
                       preexec_fn=limit_file_size)
    check(p.returncode == 1 and target.read_text() == "old\n", "an existing FILE is left as it was", p)
    no_temporaries(outdir)


@test
def closed_pipe_is_a_write_error_not_a_silent_death():
    # `lawful check ... | head -1`
    contacts = gen(200000)
    for threads in (1, 2):
        proc = subprocess.Popen(check_args(contacts, "--threads", threads), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=ENV)
        line = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=300)
        p = Result(proc.returncode, line, err)
        check(line.startswith(b'{"id": "c-00000001"'), "the first record", p)
        check(proc.returncode == 1, f"exit 1, not killed by SIGPIPE ({threads} threads)", p)
        check("lawful check: cannot write standard output: Broken pipe" in err, "says why", p)


@test
def output_file_that_cannot_be_opened():
    contacts = gen(20000, seed=3)
    p = subprocess.run(check_args(contacts, "-o", TMP / "no-such-dir" / "d.jsonl"), capture_output=True, text=True,
                       env=ENV, timeout=60)
    check(p.returncode == 1 and f"cannot write {TMP / 'no-such-dir' / 'd.jsonl'}: No such file or directory" in p.stderr,
          "a missing folder", p)
    p = subprocess.run(check_args(contacts, "-o", TMP), capture_output=True, text=True, env=ENV, timeout=60)
    check(p.returncode == 1 and f"cannot write {TMP}: Is a directory" in p.stderr, "a folder", p)


@test
def concurrent_runs_to_one_file_do_not_collide():
    contacts = gen(20000, seed=3)
    outdir = TMP / "out-conc"
    outdir.mkdir()
    target = outdir / "d.jsonl"
    # Both runs are held on their standard input, so both temporaries exist at once.
    procs = [subprocess.Popen(check_args("-", "-o", target), stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
             for _ in range(2)]
    data = contacts.read_bytes()
    half = data.index(b"\n", len(data) // 2) + 1
    for proc in procs:
        proc.stdin.write(data[:half])
        proc.stdin.flush()
    def temporaries():
        return {f.name.rsplit(".", 1)[0] for f in outdir.iterdir() if ".tmp." in f.name}
    names = {f"d.jsonl.tmp.{proc.pid}" for proc in procs}
    for _ in range(6000):
        if names <= temporaries():
            break
        time.sleep(0.01)
    check(names <= temporaries(), f"two temporaries: {[f.name for f in outdir.iterdir()]}")
    for proc in procs:
        proc.stdin.write(data[half:])
        proc.stdin.close()
    for proc in procs:
        err = proc.stderr.read().decode()
        check(proc.wait(timeout=300) == 0, f"both runs complete: {err}")
    check(target.read_bytes() == full_output(contacts), "FILE is one whole output")
    no_temporaries(outdir)


main()
