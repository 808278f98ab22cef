#!/usr/bin/env python3
"""The machine-code cache of the native back end (runtime/jit/README.md, "The machine-code
cache"), end to end through `lawful check --engine jit`:

- a first run compiles and writes one .jit entry; a second loads it and LLVM compiles
  nothing (LAWFUL_JIT_STATS's line says so), with the same decisions as the interpreter;
- a damaged, truncated or foreign entry (another program's, under this key), an entry
  that is a symbolic link, are refused: the program is compiled again, decides right,
  and the entry is replaced (the next run is a hit);
- processes racing to fill one entry all succeed and leave one whole entry;
- `--engine auto` on a medium input (32 MiB to 1 GiB) takes the JIT only when the cache
  holds its code, and then compiles nothing; without it the interpreter decides and
  nothing is compiled or written; a small input never takes the JIT;
- --no-cache and LAWFUL_NO_CACHE write nothing; a cache folder that is a symbolic link,
  that others may write to, or that cannot be made is not used, and the command decides.

Every test has its own cache folder under a temporary folder (LAWFUL_CACHE_DIR): the
real home is never touched.

The library (liblawful.so, through ctypes) uses the same cache: lawful_engine_set_backend
writes the entry, and a second process's call loads it (a hit sets the entry's time and
rewrites nothing). Not in a sanitized build, as tests/jit/module_test.py says.

usage: cache_test.py LAWFUL LIBLAWFUL_SO        (run from the repository root)
"""
import os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from clitest import *  # noqa: E402,F403
from cache_fixture import CAMPAIGN, CONTACTS, EXPECTED, OTHER, POLICY  # noqa: E402

STATS = re.compile(r"native code for \d+ functions: cache (\w+)( \(written\))?, LLVM (compiled|did not compile)")
_n = [0]


def fresh(text=POLICY):
    """A policy folder and a cache folder of their own."""
    _n[0] += 1
    base = TMP / f"jitcache/t{_n[0]}"
    pol = base / "policies"
    pol.mkdir(parents=True)
    (pol / "p.law").write_text(text)
    return pol, base / "cache"


def env_for(cache, extra=None):
    env = {k: v for k, v in ENV.items() if k not in ("LAWFUL_NO_CACHE", "XDG_CACHE_HOME")}
    env["LAWFUL_CACHE_DIR"] = str(cache)
    env["LAWFUL_JIT_STATS"] = "1"
    env.update(extra or {})
    return env


def command(pol, engine="jit", *extra):
    return [LAWFUL, "check", str(pol), "--contacts", str(CONTACTS), "--campaign", str(CAMPAIGN), "--quiet",
            "--threads", "1", "--engine", engine, *extra]


def check_run(pol, cache, *extra, engine="jit", env_extra=None):
    return subprocess.run(command(pol, engine, *extra), capture_output=True, text=True, env=env_for(cache, env_extra),
                          timeout=300)


def decided(p, expected=EXPECTED):
    """The run's cache state and whether LLVM compiled, after checking its decisions."""
    check(p.returncode == 0, "check failed", p)
    check([r["verdict"] for r in records(p.stdout)] == expected, "decisions", p)
    m = STATS.search(p.stderr)
    check(m is not None, "LAWFUL_JIT_STATS's line", p)
    return m.group(1) + (" written" if m.group(2) else ""), m.group(3) == "compiled"


def jit_entries(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".jit")) if folder.exists() else []


def everything(folder):
    return sorted(os.listdir(folder)) if folder.exists() else []


@test
def a_warm_run_loads_the_code_and_llvm_compiles_nothing():
    pol, cache = fresh()
    check(decided(check_run(pol, cache)) == ("miss written", True), "first run: compiled, written")
    names = jit_entries(cache)
    check(len(names) == 1, f"one .jit entry: {everything(cache)}")
    entry = cache / names[0]
    before = entry.read_bytes()
    for i in range(2):
        p = check_run(pol, cache)
        check(decided(p) == ("hit", False), f"run {i + 2}: a hit, nothing compiled", p)
    check(entry.read_bytes() == before and jit_entries(cache) == names, "a hit writes no entry")
    # The same outcomes, record for record, as the interpreter and the cold run.
    vm = check_run(pol, cache, engine="vm")
    check(vm.returncode == 0 and p.stdout == vm.stdout, "warm jit == vm", p)


@test
def the_projects_policies_decide_the_same_cold_and_warm():
    cache = TMP / "jitcache/policies-cache"
    contacts = ROOT / "examples/contacts.jsonl"
    campaign = ROOT / "examples/campaign.json"
    outs = []
    for engine in ("vm", "jit", "jit"):
        p = subprocess.run([LAWFUL, "check", "policies", "--contacts", str(contacts), "--campaign", str(campaign),
                            "--quiet", "--engine", engine], capture_output=True, text=True, env=env_for(cache),
                           timeout=300)
        check(p.returncode == 0, f"{engine}", p)
        outs.append(p)
    check(STATS.search(outs[1].stderr).group(3) == "compiled", "cold: compiled", outs[1])
    # Under AddressSanitizer the shadow memory maps terabytes, so that some of the
    # policies' 64-bit constants look like addresses of the process and the conservative
    # check keeps their code out of the cache (correct, only not cached).
    warm = STATS.search(outs[2].stderr).group(1)
    check(warm == "hit" or (sanitized_build() and warm == "uncacheable"), "warm: a hit", outs[2])
    check(outs[0].stdout == outs[1].stdout == outs[2].stdout, "vm == cold jit == warm jit")


def refused_then_replaced(pol, cache, entry, what):
    p = check_run(pol, cache)
    check(decided(p) == ("refused written", True), f"{what}: refused, compiled, replaced", p)
    check(entry.is_file() and not entry.is_symlink(), f"{what}: a new entry in its place")
    check(decided(check_run(pol, cache)) == ("hit", False), f"{what}: the new entry is a hit")


@test
def a_damaged_truncated_or_foreign_entry_is_refused_and_replaced():
    pol, cache = fresh()
    decided(check_run(pol, cache))
    entry = cache / jit_entries(cache)[0]
    good = entry.read_bytes()
    # A byte of the machine code changed.
    damaged = bytearray(good)
    damaged[len(good) - 200] ^= 0x5A
    entry.write_bytes(bytes(damaged))
    refused_then_replaced(pol, cache, entry, "damaged")
    check(entry.read_bytes() == good, "the same entry again")
    # Cut short (a torn write), and empty.
    entry.write_bytes(good[: len(good) // 2])
    refused_then_replaced(pol, cache, entry, "truncated")
    entry.write_bytes(b"")
    refused_then_replaced(pol, cache, entry, "empty")
    # Not an object file at all behind a right header.
    head = good[: good.index(b"\n", good.index(b"\n", good.index(b"\n") + 1) + 1)]
    entry.write_bytes(head + b"\0" * (len(good) - len(head)))
    refused_then_replaced(pol, cache, entry, "garbage")
    # Another program's entry under this key: its header names another program.
    pol2, cache2 = fresh(OTHER)
    decided(check_run(pol2, cache2), ["allow"] * 20)
    other = (cache2 / jit_entries(cache2)[0]).read_bytes()
    entry.write_bytes(other)
    refused_then_replaced(pol, cache, entry, "another program's entry")
    # ... and with this key written over its header's: still another program's hash.
    key_line = good[: good.index(b"\n") + 1]
    entry.write_bytes(key_line + other[other.index(b"\n") + 1:])
    refused_then_replaced(pol, cache, entry, "another program's entry, relabelled")


@test
def an_entry_that_is_a_symbolic_link_is_refused_and_replaced():
    pol, cache = fresh()
    decided(check_run(pol, cache))
    entry = cache / jit_entries(cache)[0]
    target = TMP / f"jitcache/t{_n[0]}/elsewhere.jit"
    target.write_bytes(entry.read_bytes())
    good = target.read_bytes()
    entry.unlink()
    os.symlink(target, entry)
    refused_then_replaced(pol, cache, entry, "symlink")
    check(target.read_bytes() == good, "the link's target is untouched")


@test
def processes_racing_for_one_entry_all_succeed_and_leave_one_whole_entry():
    pol, cache = fresh()
    for round_ in range(3):
        procs = [subprocess.Popen(command(pol), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env_for(cache)) for _ in range(4)]
        for p in procs:
            out, err = p.communicate(timeout=300)
            check(p.returncode == 0, f"round {round_}: exit {p.returncode}: {err}")
            check([r["verdict"] for r in records(out)] == EXPECTED, f"round {round_}: decisions")
        names = jit_entries(cache)
        check(len(names) == 1, f"round {round_}: one entry: {everything(cache)}")
        check(not [n for n in everything(cache) if ".tmp." in n], f"round {round_}: no temporaries left")
        check(decided(check_run(pol, cache)) == ("hit", False), f"round {round_}: the entry left is whole")
        (pol / "p.law").write_text(POLICY + f"\n// round {round_}\n")
        shutil.rmtree(cache)


@test
def auto_takes_cached_code_for_a_medium_input():
    pol, cache = fresh()
    # 40 contacts padded to 35 MiB by a field no policy reads: past auto's threshold for
    # cached code (cli/engine.h), far below the one for compiling.
    medium = TMP / f"jitcache/t{_n[0]}/medium.jsonl"
    with open(medium, "w") as f:
        for i in range(40):
            f.write(json.dumps({"id": f"k{i}", "consents": [{"channel": "email"}] if i % 2 else [],
                                "notes": "x" * (900 * 1024)}) + "\n")
    expected = ["deny", "allow"] * 20

    def auto(contacts, expected):
        p = subprocess.run([LAWFUL, "check", str(pol), "--contacts", str(contacts), "--campaign", str(CAMPAIGN),
                            "--quiet", "--engine", "auto"], capture_output=True, text=True, env=env_for(cache),
                           timeout=300)
        check(p.returncode == 0 and [r["verdict"] for r in records(p.stdout)] == expected, "auto decides", p)
        m = STATS.search(p.stderr)
        return (m.group(1), m.group(3) == "compiled") if m else None

    check(auto(medium, expected) is None, "not cached: the interpreter")
    check(jit_entries(cache) == [], "not cached: nothing compiled or written")
    decided(check_run(pol, cache))  # --engine jit fills the cache
    check(auto(medium, expected) == ("hit", False), "cached: the JIT, from the cache")
    check(auto(CONTACTS, EXPECTED) is None, "a small input: the interpreter, even when cached")


@test
def no_cache_writes_nothing():
    pol, cache = fresh()
    check(decided(check_run(pol, cache, "--no-cache")) == ("off", True), "--no-cache: compiled, cache off")
    check(not cache.exists(), f"--no-cache: nothing written: {everything(cache)}")
    check(decided(check_run(pol, cache, env_extra={"LAWFUL_NO_CACHE": "1"})) == ("off", True), "LAWFUL_NO_CACHE")
    check(not cache.exists(), f"LAWFUL_NO_CACHE: nothing written: {everything(cache)}")
    # A warm cache is not read either.
    decided(check_run(pol, cache))
    check(decided(check_run(pol, cache, "--no-cache")) == ("off", True), "--no-cache ignores a warm cache")


@test
def a_cache_folder_that_cannot_be_trusted_or_made_is_not_used():
    pol, cache = fresh()
    # A symbolic link to a folder elsewhere.
    elsewhere = TMP / f"jitcache/t{_n[0]}/elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, cache)
    check(decided(check_run(pol, cache)) == ("off", True), "a symlinked folder: not used")
    check(everything(elsewhere) == [], "nothing written through the link")
    # A folder others may write to.
    pol, cache = fresh()
    cache.mkdir()
    os.chmod(cache, 0o777)
    check(decided(check_run(pol, cache)) == ("off", True), "a folder others may write to: not used")
    check(everything(cache) == [], "nothing written in it")
    # One that cannot be made (under a file).
    pol, cache = fresh()
    blocker = TMP / f"jitcache/t{_n[0]}/a-file"
    blocker.write_text("x")
    check(decided(check_run(pol, blocker / "cache")) == ("off", True), "a folder that cannot be made: not used")


LIBLAWFUL = os.path.abspath(sys.argv[2])
PROBE = """
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
engine = ctypes.c_void_p()
diags = ctypes.c_void_p()
lib.lawful_engine_load_path.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
lib.lawful_engine_set_backend.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.lawful_last_error.restype = ctypes.c_char_p
status = lib.lawful_engine_load_path(sys.argv[2].encode(), ctypes.byref(engine), ctypes.byref(diags))
assert status == 0, status
status = lib.lawful_engine_set_backend(engine, 1)
print(status, lib.lawful_last_error().decode())
"""


def sanitized_build():
    return any(x in subprocess.run(["readelf", "-d", LIBLAWFUL], capture_output=True, text=True).stdout
               for x in ("libasan", "libtsan"))


@test
def the_library_uses_the_same_cache():
    if sanitized_build():
        print("note: sanitized build: the library is not probed from Python")
        return
    pol, cache = fresh()

    def probe(extra=None):
        p = subprocess.run([sys.executable, "-c", PROBE, LIBLAWFUL, str(pol)], capture_output=True, text=True,
                           env=env_for(cache, extra), timeout=300)
        check(p.returncode == 0 and p.stdout.startswith("0 "), "lawful_engine_set_backend(JIT)", p)

    probe({"LAWFUL_NO_CACHE": "1"})
    check(not cache.exists(), "LAWFUL_NO_CACHE: the library writes nothing")
    probe()
    names = jit_entries(cache)
    check(len(names) == 1, f"the library wrote one entry: {everything(cache)}")
    entry = cache / names[0]
    os.utime(entry, (1_000_000_000, 1_000_000_000))
    ino = entry.stat().st_ino
    probe()
    check(entry.stat().st_ino == ino and entry.stat().st_mtime > 1_000_000_000, "a second process's call is a hit")
    check(jit_entries(cache) == names, "no other entry")


try:
    main()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
