#!/usr/bin/env python3
"""Every output of every command, by the one rule of runtime/io/output_file.h, and the
standard streams (issue 17, findings 1, 2, 4, 5, 7, 8 and 10):

- a device, a FIFO or a symbolic link named as an output is never replaced: a character
  device or FIFO is written as it is, a link to a file is written through (the link
  stays, the file keeps its mode), a link to nothing or in a shared folder is refused;
- temporaries are new files with unpredictable names: a link planted where the old
  fixed name `FILE.tmp` was is never followed; no temporary is left after a failure or
  a signal;
- a signal stops `check` while its output is blocked (a reader that does not read), and
  while it waits to open its input or output (a FIFO nobody opened): 130 or 143;
- closed standard streams: nothing hangs, nothing aborts, and a command whose standard
  output cannot be written exits 1.

Device nodes (1,3 is null, 1,7 is full), FIFOs and links are made in a temporary folder
and removed at the end; nothing of the machine's own /dev is written. Every wait is
bounded, so a regression fails rather than hangs.

Under the sanitizers (--sanitized) the two tests that run every command against a full or
closed standard stream run a sample of the commands, one for each way of writing (see
STDOUT_SAMPLE and STDERR_SAMPLE); the Release phase runs them all.

usage: run_outputs.py LAWFUL [--sanitized]        (run from the repository root, as root for mknod)
"""
import atexit, fcntl, os, re, resource, shutil, signal, stat, subprocess, sys, termios, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import *  # noqa: E402,F401

atexit.register(shutil.rmtree, TMP, True)

CAMPAIGN = ROOT / "examples/campaign.json"
WAIT = 30  # seconds: far more than anything here takes; reached only by a regression
# A policy that is not in fmt's layout.
MESSY = """policy   t.m "M"
decision d :
  rule no: deny cite "x"
  rule yes: allow basis consent overrides no
    cite "y"
"""


_check = check


def check(cond, msg, p=None):
    # Streams sent elsewhere (a device, a closed descriptor) have no captured text.
    if p is not None:
        p.stdout = p.stdout if p.stdout is not None else b""
        p.stderr = p.stderr if p.stderr is not None else b""
    _check(cond, msg, p)


def folder(name):
    d = TMP / name
    d.mkdir(parents=True)
    return d


def char_device(path, minor):
    """A character device node like /dev/null (1,3) or /dev/full (1,7), in TMP."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


def is_char_device(path):
    return stat.S_ISCHR(os.lstat(path).st_mode)


def lawful(*args, **kw):
    kw.setdefault("capture_output", True)
    return subprocess.run([LAWFUL, *map(str, args)], env=ENV, timeout=WAIT, **kw)


def wchan(pid):
    try:
        return (pathlib.Path("/proc") / str(pid) / "wchan").read_text()
    except OSError:
        return ""


def wait_until(cond, what):
    deadline = time.monotonic() + WAIT
    while not cond():
        check(time.monotonic() < deadline, f"timed out waiting for {what}")
        time.sleep(0.01)


def limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # kept across exec: writes fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 30, 1 << 30))


def no_temporaries(d):
    left = [f.name for f in d.iterdir() if ".tmp" in f.name]
    check(not left, f"no temporary left behind: {left}")


def compile_to(out, *extra):
    return lawful("compile", "policies", "-o", out, *extra)


def summary_to(out, d, option="--summary"):
    contacts = d / "one.jsonl"
    contacts.write_text('{"id": "a", "country": "GB", "entity": "company"}\n')
    return lawful("check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q", option, out)


# ------------------------------------------------------------------ finding 1

@test
def device_outputs_are_written_not_replaced():
    d = folder("dev")
    null = char_device(d / "null", 3)
    for what, p in [("compile -o", compile_to(null)),
                    ("gen-contacts -o", lawful("gen-contacts", "--n", 10, "-o", null)),
                    ("check --summary", summary_to(null, d)),
                    ("check --report", summary_to(null, d, "--report")),
                    ("diff --report", lawful("diff", "policies", "policies", "--contacts", d / "one.jsonl", "--campaign",
                                             CAMPAIGN, "--report", null)),
                    ("check -o", lawful("check", "policies", "--contacts", d / "one.jsonl", "--campaign", CAMPAIGN,
                                        "-q", "-o", null))]:
        check(p.returncode == 0, f"{what} a null device: written", p)
        check(is_char_device(null), f"{what}: the device is still a device")
        no_temporaries(d)
    full = char_device(d / "full", 7)
    p = compile_to(full)
    check(p.returncode == 1 and f"cannot write {full}: No space left on device" in p.stderr.decode(),
          "compile -o a full device: the write error, named", p)
    check(is_char_device(full), "the full device is still a device")
    no_temporaries(d)


def read_fifo_in_background(fifo):
    """A reader (cat) that reads the FIFO to its end; returns its Popen."""
    return subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)


@test
def fifo_outputs_are_written_not_replaced():
    d = folder("fifo")
    fifo = d / "out"
    os.mkfifo(fifo)
    reference = d / "ref.lawc"
    check(compile_to(reference).returncode == 0, "compile to a file")
    cases = [("compile -o", lambda: compile_to(fifo), reference.read_bytes()),
             ("gen-contacts -o", lambda: lawful("gen-contacts", "--n", 50, "-o", fifo),
              lawful("gen-contacts", "--n", 50).stdout),
             ("check --summary", lambda: summary_to(fifo, d), None),
             ("check --report", lambda: summary_to(fifo, d, "--report"), b"<!DOCTYPE html>")]
    for what, run_it, expected in cases:
        reader = read_fifo_in_background(fifo)
        try:
            p = run_it()
            got = reader.communicate(timeout=10)[0]
        finally:
            if reader.poll() is None:
                reader.kill()  # the FIFO was replaced: nobody will ever write to it
                reader.wait()
        check(p.returncode == 0, f"{what} a FIFO", p)
        check(stat.S_ISFIFO(os.lstat(fifo).st_mode), f"{what}: the FIFO is still a FIFO")
        if expected == b"<!DOCTYPE html>":
            check(got.startswith(expected) and got.endswith(b"</html>\n"), f"{what}: the reader got the whole page")
        elif expected is not None:
            check(got == expected, f"{what}: the reader got the whole output")
        else:
            check(b'"lines": 1' in got or b'"lines":1' in got, f"{what}: the reader got the summary: {got[:200]!r}")
        no_temporaries(d)


@test
def symlinked_outputs_are_written_through():
    d = folder("link")
    real = d / "real.lawc"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = d / "out.lawc"
    os.symlink("real.lawc", link)
    p = compile_to(link)
    check(p.returncode == 0, "compile -o a link to a file", p)
    check(os.path.islink(link) and os.readlink(link) == "real.lawc", "the link is still the same link")
    check(real.read_bytes()[:4] != b"old" and len(real.read_bytes()) > 100, "the file it names holds the program")
    check(stat.S_IMODE(os.stat(real).st_mode) == 0o640, "the file keeps its mode")
    no_temporaries(d)
    # A link to a link, relative, through another folder.
    sub = folder("link/sub")
    os.symlink("../out.lawc", sub / "again.jsonl")
    p = lawful("gen-contacts", "--n", 3, "-o", sub / "again.jsonl")
    check(p.returncode == 0 and real.read_bytes().count(b"\n") == 3, "a chain of links is followed to the file", p)
    check(os.path.islink(sub / "again.jsonl") and os.path.islink(link), "both links stay")
    # A link to nothing is refused: lawful creates no file through a link.
    os.symlink("missing.lawc", d / "dangling.lawc")
    p = compile_to(d / "dangling.lawc")
    check(p.returncode == 1 and "does not exist" in p.stderr.decode(), "a link to nothing: refused", p)
    check(not (d / "missing.lawc").exists() and os.path.islink(d / "dangling.lawc"), "nothing created")
    no_temporaries(d)


@test
def links_in_a_shared_folder_owned_by_others_are_not_followed():
    # /tmp's rule (sticky, world-writable): a link owned by someone else is not followed,
    # as the kernel's protected_symlinks would not let open() follow it.
    shared = folder("shared")
    os.chmod(shared, 0o1777)
    victim = folder("private") / "victim"
    victim.write_text("precious\n")
    link = shared / "out.lawc"
    os.symlink(victim, link)
    os.lchown(link, 54321, 54321)
    p = compile_to(link)
    check(p.returncode == 1 and "shared folder" in p.stderr.decode(), "refused, with the reason", p)
    check(victim.read_text() == "precious\n" and os.path.islink(link), "the file and the link are left as they were")
    no_temporaries(shared)


@test
def folders_and_block_devices_are_refused():
    d = folder("refuse")
    p = compile_to(d)
    check(p.returncode == 1 and f"cannot write {d}: Is a directory" in p.stderr.decode(), "a folder", p)
    blk = d / "blk"
    os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(7, 200))  # a loop device number, never opened
    p = compile_to(blk)
    check(p.returncode == 1 and "not a file, a character device or a pipe" in p.stderr.decode(), "a block device", p)
    check(stat.S_ISBLK(os.lstat(blk).st_mode), "the node is left as it was")


@test
def fmt_of_a_symlinked_policy_keeps_the_link_and_the_mode():
    d = folder("fmtlink")
    real = d / "real.law"
    real.write_text(MESSY)
    os.chmod(real, 0o600)
    os.symlink("real.law", d / "p.law")
    before = real.read_text()
    p = lawful("fmt", d / "p.law")
    check(p.returncode == 0, "fmt formats it", p)
    check(os.path.islink(d / "p.law"), "the policy is still a link")
    check(stat.S_IMODE(os.stat(real).st_mode) == 0o600, "the file keeps its mode")
    check(real.read_text() != before and lawful("fmt", "--check", real).returncode == 0,
          "the file the link names was formatted")
    no_temporaries(d)


@test
def read_and_write_errors_name_the_file_and_the_reason():
    # Finding 12, in part: compile named FILE.tmp and no reason; a folder as the
    # contacts said `reading the input failed`.
    d = folder("reasons")
    p = compile_to(d / "no" / "x.lawc")
    check(p.returncode == 1 and f"cannot write {d / 'no' / 'x.lawc'}: No such file or directory" in p.stderr.decode(),
          "compile -o in a missing folder", p)
    p = lawful("check", "policies", "--contacts", d, "--campaign", CAMPAIGN, "-q")
    check(p.returncode == 1 and f"cannot read {d}: Is a directory" in p.stderr.decode(), "a folder as the contacts", p)


@test
def decisions_and_summary_to_one_file_is_a_usage_error():
    # One of the concerns of issue 17: the summary replaced the decisions.
    d = folder("same")
    contacts = gen(10)
    (d / "out.jsonl").write_text("old\n")
    os.symlink("out.jsonl", d / "link")
    for summary in [d / "out.jsonl", d / "link", d / "." / "out.jsonl"]:
        p = lawful("check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q", "-o", d / "out.jsonl",
                   "--summary", summary)
        check(p.returncode == 2 and "name the same file" in p.stderr.decode(), f"--summary {summary}", p)
        check((d / "out.jsonl").read_text() == "old\n", "nothing written")
    null = char_device(d / "null", 3)
    p = lawful("check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q", "-o", null, "--summary", null)
    check(p.returncode == 0, "a device twice is fine", p)


# ------------------------------------------------------------------ finding 2

@test
def planted_links_at_the_old_temporary_names_are_not_followed():
    d = folder("plant")
    victim = folder("plant-victim") / "victim"
    victim.write_text("precious\n")
    for name in ["out.lawc", "g.jsonl", "s.json", "d.jsonl"]:
        os.symlink(victim, d / f"{name}.tmp")
    policy = d / "m.law"
    policy.write_text(MESSY)
    os.symlink(victim, d / "m.law.tmp")
    runs = [compile_to(d / "out.lawc"), lawful("gen-contacts", "--n", 5, "-o", d / "g.jsonl"),
            summary_to(d / "s.json", d),
            lawful("check", "policies", "--contacts", d / "one.jsonl", "--campaign", CAMPAIGN, "-q", "-o",
                   d / "d.jsonl"),
            lawful("fmt", policy)]
    for p in runs:
        check(p.returncode in (0, 1) and b"Traceback" not in p.stderr, "ran", p)
    check(victim.read_text() == "precious\n", "the file the planted links name is untouched")
    check((d / "out.lawc").stat().st_size > 100 and (d / "g.jsonl").read_text().count("\n") == 5,
          "the outputs were written")
    for name in ["out.lawc", "g.jsonl", "s.json", "d.jsonl", "m.law"]:
        check(os.path.islink(d / f"{name}.tmp"), f"{name}.tmp is left alone")
    left = [f.name for f in d.iterdir() if re.search(r"\.tmp\.", f.name)]
    check(not left, f"no temporary left: {left}")


@test
def temporaries_have_unpredictable_names_and_go_on_a_signal():
    d = folder("names")
    target = d / "big.jsonl"
    names = set()
    for _ in range(2):
        # 50 million contacts would be 15 GB: the run is stopped long before, and a file
        # size limit of 1 GB bounds what a regression could write.
        proc = subprocess.Popen([LAWFUL, "gen-contacts", "--n", "50000000", "-o", str(target)], env=ENV,
                                stderr=subprocess.PIPE, preexec_fn=limit_file_size)
        try:
            wait_until(lambda: any(".tmp" in f.name for f in d.iterdir()) or proc.poll() is not None,
                       "the temporary")
        finally:
            if proc.poll() is None and not any(".tmp." in f.name for f in d.iterdir()):
                proc.kill()
                proc.wait()
        tmp = [f.name for f in d.iterdir() if ".tmp" in f.name]
        check(len(tmp) == 1 and re.fullmatch(rf"big\.jsonl\.tmp\.{proc.pid}\.[0-9a-f]{{8}}", tmp[0]),
              f"FILE.tmp.PID.RANDOM: {tmp}")
        names.add(tmp[0].rsplit(".", 1)[1])
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=WAIT)
        check(proc.returncode == -signal.SIGTERM, f"ended by the signal: {proc.returncode}")
        check(list(d.iterdir()) == [], f"the temporary is removed, nothing else made: {list(d.iterdir())}")
    check(len(names) == 2, "two runs, two different random parts")


# ------------------------------------------------------------------ finding 4

def gen(n):
    path = TMP / f"gen-{n}.jsonl"
    if not path.exists():
        check(lawful("gen-contacts", "--n", n, "-o", path).returncode == 0, "gen-contacts")
    return path


def check_args(contacts, *extra):
    return [LAWFUL, "check", "policies", "--contacts", str(contacts), "--campaign", str(CAMPAIGN), "-q",
            *map(str, extra)]


def pipe_fill(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


INTERRUPTED = re.compile(r"lawful check: interrupted after (\d+) lines; resume with --from-line (\d+)(.*)")


def check_stopped_while_blocked(proc, read_fd, sig, full, label, threads, *extra):
    # Blocked: the pipe is full and nobody reads it.
    # (the kernel's name for the wait differs between versions)
    wait_until(lambda: proc.poll() is not None or wchan(proc.pid).endswith("pipe_write"), f"{label}: a blocked write")
    check(proc.poll() is None, f"{label}: still running, blocked")
    proc.send_signal(sig)
    try:
        proc.wait(timeout=WAIT)  # standard error holds a line or two: it cannot fill
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{label}: the signal did not stop a run blocked on its output")
    err = proc.stderr.read().decode()
    check(proc.returncode == 128 + sig, f"{label}: exit {128 + sig}, got {proc.returncode}: {err}")
    out = b""
    os.set_blocking(read_fd, False)
    while True:
        try:
            chunk = os.read(read_fd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        out += chunk
    m = INTERRUPTED.search(err)
    check(m is not None, f"{label}: the interrupted message: {err!r}")
    n = int(m.group(1))
    whole = out[:out.rfind(b"\n") + 1]
    if not extra:
        records_out = whole.count(b"\n")
        check(records_out == n, f"{label}: N ({n}) is the number of whole records out ({records_out})")
    check(out == full[:len(out)], f"{label}: the output is a prefix of the uninterrupted run's")
    if len(whole) < len(out):
        check(f"ends with part of the record of line {n + 1}" in m.group(3), f"{label}: says the last is torn: {err}")
    r = subprocess.run(check_args(gen(200000), "--threads", threads, "--from-line", n + 1, *extra),
                       capture_output=True, env=ENV, timeout=300)
    if extra:  # CSV: the resumed run has no header row; the interrupted one's last row is line N
        rows = whole.split(b"\n")[1:-1]
        check(not rows or int(rows[-1].split(b",")[0]) == n, f"{label}: the last whole row is line {n}")
    check(r.returncode == 0 and whole + r.stdout == full, f"{label}: whole records + resumed == uninterrupted")


@test
def signals_stop_a_check_whose_output_is_not_read():
    contacts = gen(200000)
    full = subprocess.run(check_args(contacts, "--threads", 1), capture_output=True, env=ENV, timeout=300).stdout
    for threads, sig in [(1, signal.SIGTERM), (3, signal.SIGINT)]:
        r, w = os.pipe()
        proc = subprocess.Popen(check_args(contacts, "--threads", threads), stdout=w, stderr=subprocess.PIPE, env=ENV)
        os.close(w)
        try:
            check_stopped_while_blocked(proc, r, sig, full, f"standard output, {threads} threads", threads)
        finally:
            os.close(r)
    # CSV output (a record ends at a newline outside quotes).
    full_csv = subprocess.run(check_args(contacts, "--threads", 1, "--format", "csv"), capture_output=True, env=ENV,
                              timeout=300).stdout
    r, w = os.pipe()
    proc = subprocess.Popen(check_args(contacts, "--threads", 2, "--format", "csv"), stdout=w, stderr=subprocess.PIPE,
                            env=ENV)
    os.close(w)
    try:
        check_stopped_while_blocked(proc, r, signal.SIGTERM, full_csv, "CSV, 2 threads", 2, "--format", "csv")
    finally:
        os.close(r)
    # -o naming a FIFO whose reader opened it and reads nothing.
    d = folder("blocked-fifo")
    fifo = d / "out"
    os.mkfifo(fifo)
    proc = subprocess.Popen(check_args(contacts, "--threads", 2, "-o", fifo), stderr=subprocess.PIPE, env=ENV)
    r = os.open(fifo, os.O_RDONLY)
    try:
        check_stopped_while_blocked(proc, r, signal.SIGTERM, full, "-o FIFO", 2)
    finally:
        os.close(r)


def check_stopped_while_opening(args, label, sig=signal.SIGTERM, **kw):
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV, **kw)
    wait_until(lambda: proc.poll() is not None or wchan(proc.pid) == "wait_for_partner", f"{label}: waiting on a FIFO")
    check(proc.poll() is None, f"{label}: waits for the FIFO's other end")
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{label}: the signal did not stop it")
    err = err.decode()
    check(proc.returncode == 128 + sig, f"{label}: exit {128 + sig}, got {proc.returncode}: {err}")
    check("Interrupted system call" not in err, f"{label}: not an error: {err}")
    return err


@test
def signals_stop_a_check_waiting_to_open_a_fifo():
    # Finding 10: the input is a FIFO with no writer yet.
    d = folder("open-fifo")
    fifo_in = d / "in"
    os.mkfifo(fifo_in)
    err = check_stopped_while_opening(check_args(fifo_in), "--contacts FIFO with no writer")
    check("interrupted after 0 lines; resume with --from-line 1" in err, f"says nothing was done: {err}")
    err = check_stopped_while_opening(check_args(fifo_in, "--from-line", 7), "the same, resumed", signal.SIGINT)
    check("interrupted after 6 lines; resume with --from-line 7" in err, f"resume where asked: {err}")
    # The campaign is a FIFO with no writer.
    err = check_stopped_while_opening([LAWFUL, "check", "policies", "--contacts", gen(10), "--campaign", fifo_in, "-q"],
                                      "--campaign FIFO with no writer")
    check("interrupted after 0 lines" in err, f"says nothing was done: {err}")
    # The output is a FIFO with no reader yet.
    fifo_out = d / "out"
    os.mkfifo(fifo_out)
    err = check_stopped_while_opening(check_args(gen(10), "-o", fifo_out), "-o FIFO with no reader")
    check(f"({fifo_out} was not written)" in err or "interrupted after 0 lines" in err, f"says so: {err}")
    # The summary is a FIFO with no reader: the decisions are out, the summary is not.
    err = check_stopped_while_opening(check_args(gen(10), "--summary", fifo_out), "--summary FIFO with no reader")
    check("the summary" in err, f"says the summary was not written: {err}")
    err = check_stopped_while_opening(check_args(gen(10), "--report", fifo_out), "--report FIFO with no reader")
    check("the report" in err, f"says the report was not written: {err}")
    check(stat.S_ISFIFO(os.lstat(fifo_out).st_mode) and stat.S_ISFIFO(os.lstat(fifo_in).st_mode), "FIFOs stay")


# ------------------------------------------------------------------ finding 5

def closing(*fds):
    def close():
        for fd in fds:
            os.close(fd)
    return close


@test
def closed_standard_input_is_an_error_not_a_hang():
    args = check_args("-")
    p = subprocess.run(args, capture_output=True, env=ENV, timeout=WAIT, preexec_fn=closing(0))
    check(p.returncode == 1 and "cannot read standard input: Bad file descriptor" in p.stderr.decode(),
          "--contacts - with standard input closed", p)
    check(p.stdout == b"", "no records", p)
    # Standard input and output both closed: no record goes anywhere it should not.
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, timeout=WAIT,
                       preexec_fn=closing(0, 1))
    check(p.returncode == 1 and "cannot read standard input" in p.stderr.decode(), "standard input and output closed",
          p)
    p = subprocess.run([LAWFUL, "fmt", "-"], capture_output=True, env=ENV, timeout=WAIT, preexec_fn=closing(0))
    check(p.returncode == 1, "fmt - with standard input closed", p)


@test
def closed_standard_output_is_a_write_error():
    d = folder("closed-out")
    contacts = gen(10)
    p = subprocess.run(check_args(contacts), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, timeout=WAIT,
                       preexec_fn=closing(1))
    check(p.returncode == 1 and "cannot write standard output: Bad file descriptor" in p.stderr.decode(),
          "check with standard output closed", p)
    # Standard input closed too: descriptors 0 and 1 were the first free ones, and the
    # records went into the signal pipe.
    p = subprocess.run(check_args(contacts), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, timeout=WAIT,
                       preexec_fn=closing(0, 1))
    check(p.returncode == 1 and "cannot write standard output: Bad file descriptor" in p.stderr.decode(),
          "check with standard input and output closed", p)
    # -o FILE with standard output closed: the file is written, not descriptor 1.
    p = subprocess.run(check_args(contacts, "-o", d / "x.jsonl"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=ENV, timeout=WAIT, preexec_fn=closing(1))
    check(p.returncode == 0 and (d / "x.jsonl").read_text().count("\n") == 10, "-o FILE, standard output closed", p)


# ------------------------------------------------------------------ finding 7

# Under the sanitizers: `check` (a broken policy, a missing input, its summary) and `fmt`;
# compile, lint, test and explain print a broken policy's diagnostics as check does.
STDERR_SAMPLE = {"check", "fmt"}


@test
def failed_writes_to_standard_error_never_abort():
    d = folder("stderr")
    full = char_device(d / "full", 7)
    broken = d / "broken.law"
    broken.write_text("policy p:\n  decision d:\n    default deny \"x\"\n    rule r: allow \"y\" when && x\n")
    commands = [["check", broken, "--contacts", gen(10), "--campaign", CAMPAIGN],
                ["check", "policies", "--contacts", d / "missing.jsonl", "--campaign", CAMPAIGN],
                ["check", "policies", "--contacts", gen(10), "--campaign", CAMPAIGN],  # the summary
                ["compile", broken, "-o", d / "x.lawc"],
                ["lint", broken], ["test", broken], ["fmt", broken], ["explain", broken, "--contact", gen(10),
                                                                      "--campaign", CAMPAIGN, "--id", "c-00000001"]]
    for cmd in commands:
        if SANITIZED and cmd[0] not in STDERR_SAMPLE:
            continue
        for how in ("full", "closed"):
            if how == "full":
                with open(full, "wb") as f:
                    p = subprocess.run([LAWFUL, *map(str, cmd)], stdout=subprocess.DEVNULL, stderr=f, env=ENV,
                                       timeout=WAIT)
            else:
                p = subprocess.run([LAWFUL, *map(str, cmd)], stdout=subprocess.DEVNULL, env=ENV, timeout=WAIT,
                                   preexec_fn=closing(2))
            check(p.returncode in (0, 1, 2), f"{cmd[0]} with standard error {how}: exit {p.returncode}, not an abort")
    check(not (d / "x.lawc").exists(), "a broken policy is not compiled")


# ------------------------------------------------------------------ finding 8

# Under the sanitizers, one command for each way to standard output: disasm (the text at
# once: diff and explain too), lint (fmt::print line by line: test too), gen-contacts (its
# streamed writer) and check (the pipeline's writer thread).
STDOUT_SAMPLE = {"disasm", "lint", "gen-contacts", "check"}


@test
def commands_exit_1_when_standard_output_cannot_be_written():
    d = folder("stdout")
    full = char_device(d / "full", 7)
    lawc = d / "p.lawc"
    check(compile_to(lawc).returncode == 0, "compile")
    contact = d / "c.jsonl"
    contact.write_text('{"id": "a", "country": "GB", "entity": "company"}\n')
    policy = d / "m.law"
    policy.write_text(MESSY)
    commands = [["disasm", lawc], ["lint", "policies"], ["test", "policies"], ["diff", lawc, "policies", "--contacts", contact, "--campaign", CAMPAIGN],
                ["explain", "policies", "--contact", contact, "--campaign", CAMPAIGN, "--id", "a"],
                ["gen-contacts", "--n", 10], ["check", "policies", "--contacts", contact, "--campaign", CAMPAIGN]]
    for cmd in commands:
        if SANITIZED and cmd[0] not in STDOUT_SAMPLE:
            continue
        ok = subprocess.run([LAWFUL, *map(str, cmd)], capture_output=True, env=ENV, timeout=WAIT)
        check(ok.returncode in (0, 1) and ok.stdout, f"{cmd[0]} writes something to standard output", ok)
        for how in ("full", "closed"):
            if how == "full":
                with open(full, "wb") as f:
                    p = subprocess.run([LAWFUL, *map(str, cmd)], stdout=f, stderr=subprocess.PIPE, env=ENV,
                                       timeout=WAIT)
            else:
                p = subprocess.run([LAWFUL, *map(str, cmd)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   env=ENV, timeout=WAIT, preexec_fn=closing(1))
            reason = "No space left on device" if how == "full" else "Bad file descriptor"
            check(p.returncode == 1 and f"cannot write standard output: {reason}" in p.stderr.decode(),
                  f"{cmd[0]} with standard output {how}: exit 1 and says why", p)
    with open(full, "wb") as f:
        p = subprocess.run([LAWFUL, "fmt", "-"], input=policy.read_bytes(), stdout=f, stderr=subprocess.PIPE, env=ENV,
                           timeout=WAIT)
    check(p.returncode == 1 and "cannot write standard output: No space left on device" in p.stderr.decode(),
          "fmt - to a full device", p)


main()
