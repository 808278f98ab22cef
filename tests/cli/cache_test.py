#!/usr/bin/env python3
"""The program cache of `lawful check` (compiler/program_cache.h), end to end: a second
run loads the entry the first wrote and runs it; an edited source is a miss; a damaged,
truncated, foreign or symlinked entry is refused and the sources compiled again; processes
racing to fill one entry all decide right and leave one whole entry; the cache can be
turned off; a folder others may write to is not used; a policy with warnings is not
cached (its warnings show on every run); a warm start opens only the libraries every run
needs (LD_DEBUG=files). Every test has its own cache folder under a
temporary folder (XDG_CACHE_HOME, LAWFUL_CACHE_DIR): the real home is never touched.

usage: cache_test.py LAWFUL        (run from the repository root)
"""
import json, os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(__file__))
from clitest import *  # noqa: E402,F403
from cache_fixture import CAMPAIGN, CONTACTS, EXPECTED, OTHER, POLICY  # noqa: E402

WARNS = """policy t.warn "Warns"

decision email when campaign.channel == email:
  rule corporate: allow basis corporate_subscriber
    when contact.entity == company
    cite "c"
  rule objection: deny
    when contact.objected
    cite "o"
"""
_n = [0]


def fresh():
    """A policy folder and a cache home of their own."""
    _n[0] += 1
    base = TMP / f"cache/t{_n[0]}"
    pol = base / "policies"
    pol.mkdir(parents=True)
    (pol / "p.law").write_text(POLICY)
    home = base / "xdg"
    return pol, home


def check_run(pol, home, *extra, env_extra=None):
    env = {k: v for k, v in ENV.items() if k not in ("LAWFUL_CACHE_DIR", "LAWFUL_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(home)
    env.update(env_extra or {})
    return subprocess.run([LAWFUL, "check", str(pol), "--contacts", str(CONTACTS), "--campaign", str(CAMPAIGN),
                           "--quiet", "--threads", "1", *extra], capture_output=True, text=True, env=env, timeout=120)


def verdicts(p):
    check(p.returncode == 0, "check failed", p)
    return [r["verdict"] for r in records(p.stdout)]



def entries(folder):
    if not folder.exists():
        return []
    return sorted(n for n in os.listdir(folder))


@test
def a_second_run_loads_the_entry_the_first_wrote():
    pol, home = fresh()
    check(verdicts(check_run(pol, home)) == EXPECTED, "first run")
    names = entries(home / "lawful")
    check(len(names) == 1 and names[0].endswith(".lawc"), f"one entry: {names}")
    entry = home / "lawful" / names[0]
    check(oct(os.stat(home / "lawful").st_mode & 0o777) == "0o700", "the folder is the user's alone")
    before = os.stat(entry)
    check(verdicts(check_run(pol, home)) == EXPECTED, "second run")
    after = os.stat(entry)
    check((before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns), "a hit writes nothing")
    check(entries(home / "lawful") == names, "no new entry")
    # What runs on a hit is the entry: another program's entry, put in its place under
    # this key, decides (the cache folder is the user's own: 0700, checked, as a .lawc
    # file they run would be).
    pol2, home2 = fresh()
    (pol2 / "p.law").write_text(OTHER)
    check(verdicts(check_run(pol2, home2)) == ["allow"] * 20, "the other program")
    other = home2 / "lawful" / entries(home2 / "lawful")[0]
    head, body = other.read_bytes().split(b"\n", 1)
    key = names[0][:-len(".lawc")]
    entry.write_bytes(b"LAWFUL-CACHE 1 " + key.encode() + b"\n" + body)
    check(verdicts(check_run(pol, home)) == ["allow"] * 20, "the entry is what runs on a hit")


@test
def an_edited_source_is_a_miss():
    pol, home = fresh()
    check(verdicts(check_run(pol, home)) == EXPECTED, "first run")
    (pol / "p.law").write_text(OTHER)
    check(verdicts(check_run(pol, home)) == ["allow"] * 20, "the edited policy decides")
    check(len(entries(home / "lawful")) == 2, "a second entry")
    (pol / "p.law").write_text(POLICY)
    check(verdicts(check_run(pol, home)) == EXPECTED, "back to the first: its entry")
    check(len(entries(home / "lawful")) == 2, "still two entries")
    # A file added to the folder is part of the key too.
    (pol / "q.law").write_text("module t.extra \"unused\"\n")
    check(verdicts(check_run(pol, home)) == EXPECTED, "with another file")
    check(len(entries(home / "lawful")) == 3, "a third entry")


@test
def a_single_file_and_the_files_beside_it_make_the_key():
    # A hit reads the sources one at a time and keeps none (compiler/program_cache.cpp,
    # cache_key_of_path); the entry is named from the sources compiled. The two must
    # give one key, the files beside a single file included, or no run would ever hit.
    pol, home = fresh()
    (pol / "q.law").write_text("module t.extra \"unused\"\n")
    one = pol / "p.law"
    check(verdicts(check_run(one, home)) == EXPECTED, "first run")
    names = entries(home / "lawful")
    check(len(names) == 1, f"one entry: {names}")
    before = os.stat(home / "lawful" / names[0])
    check(verdicts(check_run(one, home)) == EXPECTED, "second run")
    after = os.stat(home / "lawful" / names[0])
    check((before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns), "the second run is a hit")
    check(entries(home / "lawful") == names, "no new entry")
    # A file beside it is part of the key: edited, a miss, then a hit again.
    (pol / "q.law").write_text("module t.extra \"edited\"\n")
    check(verdicts(check_run(one, home)) == EXPECTED, "after the edit")
    check(len(entries(home / "lawful")) == 2, "a second entry")
    check(verdicts(check_run(one, home)) == EXPECTED, "again")
    check(len(entries(home / "lawful")) == 2, "still two entries")


# What every run maps (docs/performance.md, "Issue 14: start-up, ..."); the sanitizer
# builds add their runtimes.
# libuuid: Debian's static ANTLR runtime names it; the Release link drops it as unused
# (--as-needed), the sanitizer builds keep it. It is small and opened at exec, not later.
START_UP_LIBRARIES = {"libfmt", "libsimdjson", "libstdc++", "libm", "libgcc_s", "libc",
                      "libasan", "libubsan", "libtsan", "libuuid"}


@test
def a_warm_start_opens_only_the_libraries_every_run_needs():
    # LD_DEBUG=files lists every object the dynamic loader opens, dlopen included: a warm
    # lawful check maps neither LLVM (lawful-jit.so) nor Z3 (lawful-verify.so) nor the
    # service's libraries (lawful-serve.so: cpp-httplib, OpenSSL) nor ANTLR's runtime
    # (linked into the command), each of which cost start-up time when it was mapped.
    pol, home = fresh()
    check(verdicts(check_run(pol, home)) == EXPECTED, "first run")
    ld = TMP / f"cache/t{_n[0]}/ld"
    ld.mkdir()
    p = check_run(pol, home, env_extra={"LD_DEBUG": "files", "LD_DEBUG_OUTPUT": str(ld / "out")})
    check(verdicts(p) == EXPECTED, "warm run")
    text = "".join(f.read_text(errors="replace") for f in ld.iterdir())
    opened = {os.path.basename(f).split(".so")[0] for f in re.findall(r"file=(\S+)\s+\[\d+\];", text)}
    check({"libc", "libstdc++"} <= opened, f"LD_DEBUG=files named what was opened: {sorted(opened)}")
    check(opened <= START_UP_LIBRARIES, f"a warm start opened more: {sorted(opened - START_UP_LIBRARIES)}")


@test
def a_damaged_entry_is_refused_and_compiled_again():
    pol, home = fresh()
    check(verdicts(check_run(pol, home)) == EXPECTED, "first run")
    entry = home / "lawful" / entries(home / "lawful")[0]
    good = entry.read_bytes()
    damaged = [
        good[:len(good) // 2] + bytes([good[len(good) // 2] ^ 0x40]) + good[len(good) // 2 + 1:],  # one bit
        good[:len(good) - 7],                                                                   # truncated
        good[:40],                                                                              # header only
        b"",                                                                                    # empty
        b"LAWFUL-CACHE 1 " + b"0" * 32 + b"\n" + good.split(b"\n", 1)[1],                     # another key
        b"garbage" * 100,
    ]
    for i, bad in enumerate(damaged):
        entry.write_bytes(bad)
        check(verdicts(check_run(pol, home)) == EXPECTED, f"damage {i}: decides as compiled")
        check(entry.read_bytes() == good, f"damage {i}: the entry is written again, whole")
    # A symbolic link in the entry's place is not followed, and is replaced.
    target = TMP / f"cache/t{_n[0]}/target.lawc"
    target.write_bytes(good)
    entry.unlink()
    os.symlink(target, entry)
    check(verdicts(check_run(pol, home)) == EXPECTED, "symlink: decides")
    check(not os.path.islink(entry) and entry.read_bytes() == good, "symlink replaced by an entry")
    check(target.read_bytes() == good, "the link's target is untouched")


@test
def processes_racing_for_one_entry_all_decide_and_leave_one_whole_entry():
    pol, home = fresh()
    env = {k: v for k, v in ENV.items() if k not in ("LAWFUL_CACHE_DIR", "LAWFUL_NO_CACHE")}
    env["XDG_CACHE_HOME"] = str(home)
    for round_ in range(3):
        procs = [subprocess.Popen([LAWFUL, "check", str(pol), "--contacts", str(CONTACTS), "--campaign", str(CAMPAIGN),
                                   "--quiet", "--threads", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for _ in range(8)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            check(p.returncode == 0, f"round {round_}: exit {p.returncode}: {err}")
            check([r["verdict"] for r in records(out)] == EXPECTED, f"round {round_}: decisions")
        names = entries(home / "lawful")
        check(len(names) == 1 and names[0].endswith(".lawc"), f"round {round_}: one entry, no temporaries: {names}")
        (pol / "p.law").write_text(POLICY + f"\n// round {round_}\n")
        shutil.rmtree(home / "lawful")


@test
def the_cache_can_be_turned_off():
    pol, home = fresh()
    check(verdicts(check_run(pol, home, env_extra={"LAWFUL_NO_CACHE": "1"})) == EXPECTED, "LAWFUL_NO_CACHE")
    check(not home.exists(), "nothing written with LAWFUL_NO_CACHE=1")
    check(verdicts(check_run(pol, home, "--no-cache")) == EXPECTED, "--no-cache")
    check(not home.exists(), "nothing written with --no-cache")
    check(verdicts(check_run(pol, home, env_extra={"LAWFUL_NO_CACHE": "0"})) == EXPECTED, "LAWFUL_NO_CACHE=0")
    check(len(entries(home / "lawful")) == 1, "LAWFUL_NO_CACHE=0 leaves it on")
    own = TMP / f"cache/t{_n[0]}/own"
    check(verdicts(check_run(pol, home, env_extra={"LAWFUL_CACHE_DIR": str(own)})) == EXPECTED, "LAWFUL_CACHE_DIR")
    check(len(entries(own)) == 1, "LAWFUL_CACHE_DIR is where the entry goes")


@test
def a_folder_others_may_write_to_is_not_used():
    pol, home = fresh()
    (home / "lawful").mkdir(parents=True)
    os.chmod(home / "lawful", 0o777)
    check(verdicts(check_run(pol, home)) == EXPECTED, "decides")
    check(entries(home / "lawful") == [], "no entry in a folder others may write to")


@test
def a_policy_with_warnings_is_not_cached():
    pol, home = fresh()
    (pol / "p.law").write_text(WARNS)
    for i in range(2):
        p = check_run(pol, home)
        check(p.returncode == 0 and "W100" in p.stderr, f"run {i}: the warning shows", p)
    check(entries(home / "lawful") == [], "not cached")


@test
def a_compiled_file_is_not_cached():
    pol, home = fresh()
    lawc = TMP / f"cache/t{_n[0]}/p.lawc"
    p = run("compile", pol, "-o", lawc)
    check(p.returncode == 0, "compile", p)
    check(verdicts(check_run(lawc, home)) == EXPECTED, "decides")
    check(not (home / "lawful").exists(), "nothing cached for a .lawc")


main()
