#!/usr/bin/env python3
"""The installed package, as a user gets it.

`cmake --install` into a temporary prefix; then: the files installed (two public headers,
both libraries, the CMake package, lawful.pc); the shared library's exports (the C API and
nothing else); each public header compiled alone against the prefix; the examples
(examples/embed-c, examples/embed-cpp, the latter also linked statically) configured with
find_package(lawful) and built; the C example built again with pkg-config alone. Every
program runs on tests/api/data, and its records must be `lawful check`'s, plus "version".

usage: install_test.py --build DIR --lawful LAWFUL --cmake CMAKE [--flags "FLAGS"]
       (run from the repository root)
"""
import argparse, glob, json, os, pathlib, re, shutil, subprocess, sys, tempfile

p = argparse.ArgumentParser()
p.add_argument("--build", required=True)
p.add_argument("--lawful", required=True)
p.add_argument("--cmake", required=True)
p.add_argument("--jit", action="store_true", help="built with the native back end: its module is installed")
p.add_argument("--flags", default="", help="compiler and linker flags for the programs (sanitizers)")
args = p.parse_args()

ROOT = pathlib.Path.cwd()
DATA = ROOT / "tests/api/data"
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-install-"))
PREFIX = TMP / "prefix"
FLAGS = args.flags.split()
failures = []


def run(cmd, ok=(0,), env=None, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=600, **kw)
    if p.returncode not in ok:
        raise AssertionError(f"{' '.join(map(str, cmd))}: exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print(f"FAIL {msg}")


def records(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


# ---------------------------------------------------------------- install
run([args.cmake, "--install", args.build, "--prefix", PREFIX])
libdir = pathlib.Path(glob.glob(str(PREFIX / "lib*/**/liblawful.a"), recursive=True)[0]).parent
rel = lambda p: str(pathlib.Path(p).relative_to(PREFIX))
installed = sorted(rel(f) for f in PREFIX.rglob("*") if f.is_file() or f.is_symlink())
L = rel(libdir)
want = {"include/lawful/lawful.h", "include/lawful/lawful.hpp", f"{L}/liblawful.a", f"{L}/liblawful.so",
        f"{L}/liblawful.so.0", f"{L}/liblawful.so.0.1.0", f"{L}/cmake/lawful/lawfulConfig.cmake",
        f"{L}/cmake/lawful/lawfulConfigVersion.cmake", f"{L}/cmake/lawful/lawfulTargets.cmake",
        f"{L}/pkgconfig/lawful.pc"}
if args.jit:
    want.add(f"{L}/lawful/lawful-jit.so")
check(want <= set(installed), f"installed files: missing {sorted(want - set(installed))}")
# The Python package (the component "python", LAWFUL_PYTHON) is tested by tests/python.
extra = [f for f in installed if f not in want and not re.match(rf"{re.escape(L)}/cmake/lawful/lawfulTargets-\w+\.cmake$", f)
         and not re.match(r"lib/python3[.\d]*/(dist|site)-packages/lawful/", f)]
check(not extra, f"unexpected files installed: {extra}")
check(sorted(f for f in installed if f.startswith("include/")) == ["include/lawful/lawful.h", "include/lawful/lawful.hpp"],
      "the public headers are lawful.h and lawful.hpp only")

# ---------------------------------------------------------------- the native back end
# liblawful.so does not link LLVM; it opens the module installed in its lawful/ folder
# when a program asks for the native back end (here through the C API, from Python).
needed = run(["readelf", "-d", libdir / "liblawful.so"]).stdout
check("NEEDED" in needed and "llvm" not in needed.lower(), "the installed liblawful.so links libLLVM")
# A sanitizer's runtime must come first in a process: the Python interpreter that would
# load the installed library through ctypes has none, so a sanitized build checks the
# native back end through its own test programs only (the Release build runs this).
if args.jit and "-fsanitize" in args.flags:
    print("note: sanitized build: the installed library's native back end is not probed from Python")
elif args.jit:
    probe = f"""
import ctypes, sys
lib = ctypes.CDLL({str(libdir / 'liblawful.so')!r})
lib.lawful_last_error.restype = ctypes.c_char_p
engine = ctypes.c_void_p()
assert lib.lawful_engine_load_path({str(DATA / 'policies').encode()!r}, ctypes.byref(engine), None) == 0
s = lib.lawful_engine_set_backend(engine, 1)
print(s, lib.lawful_engine_backend(engine), lib.lawful_last_error().decode() if s else "")
"""
    env = {k: v for k, v in os.environ.items() if k != "LAWFUL_JIT_MODULE"}
    p = run([sys.executable, "-c", probe], env=env)
    check(p.stdout.split()[:2] == ["0", "1"], f"the installed library's native back end: {p.stdout.strip()}")

# ---------------------------------------------------------------- exports
dyn = run(["nm", "-D", "--defined-only", libdir / "liblawful.so"]).stdout.split("\n")
exported = {l.split()[-1] for l in dyn if l.strip() and l.split()[-2] not in ("A",)}
exported = {s.split("@")[0] for s in exported}
check(all(s.startswith("lawful_") for s in exported), f"symbols beyond the C API: {sorted(s for s in exported if not s.startswith('lawful_'))[:10]}")
header = (ROOT / "include/lawful/lawful.h").read_text()
declared = set(re.findall(r"LAWFUL_API[^;(]*?\b(lawful_\w+)\s*\(", header, re.S))
check(len(declared) > 40, f"the header declares {len(declared)} functions")
check(declared == exported, f"declared but not exported: {sorted(declared - exported)}; exported, not declared: {sorted(exported - declared)}")

# ---------------------------------------------------------------- headers alone
cc = os.environ.get("CC", "cc")
cxx = os.environ.get("CXX", "c++")
inc = f"-I{PREFIX / 'include'}"
for compiler, std, name in ((cc, "-std=c99", "lawful.h"), (cxx, "-std=c++17", "lawful.hpp")):
    src = TMP / ("h.c" if name.endswith(".h") else "h.cpp")
    src.write_text(f"#include <lawful/{name}>\nint main(void) {{ return lawful_version() == 0; }}\n")
    run([compiler, std, "-Wall", "-Wextra", "-pedantic", "-Werror", inc, "-c", src, "-o", TMP / (src.name + ".o")])

# ---------------------------------------------------------------- what the programs must print
check_out = run([args.lawful, "check", DATA / "policies", "--contacts", DATA / "contacts.jsonl", "--campaign",
                 DATA / "campaign.json"], ok=(0, 1)).stdout
expected = records(check_out)


def same_records(out, want, label):
    got = records(out)
    check(len(got) == len(want), f"{label}: {len(got)} records, expected {len(want)}")
    for g, w in zip(got, want):
        v = g.pop("version", None)
        check(isinstance(v, dict) and v.get("generation") == 1 and re.fullmatch(r"[0-9a-f]{16}", v.get("source_hash", "")),
              f"{label}: the record names its version: {v}")
        check(g == w, f"{label}: {g} != {w}")


# ---------------------------------------------------------------- the examples, with find_package
def build_example(name, extra=()):
    b = TMP / f"build-{name}{'-'.join(extra)}"
    flags = " ".join(FLAGS)
    run([args.cmake, "-S", ROOT / "examples" / name, "-B", b, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={PREFIX}",
         "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_C_FLAGS={flags}", f"-DCMAKE_CXX_FLAGS={flags}",
         f"-DCMAKE_EXE_LINKER_FLAGS={flags}", *extra])
    run([args.cmake, "--build", b])
    return b / name


embed_c = build_example("embed-c")
p = run([embed_c, DATA / "policies", DATA / "contact.json", DATA / "campaign.json"])
same_records(p.stdout, expected[:1], "embed-c")

for extra in ((), ("-DEMBED_STATIC=ON",)):
    exe = build_example("embed-cpp", extra)
    if extra:
        deps = run(["ldd", exe]).stdout
        check("liblawful" not in deps, "embed-cpp -DEMBED_STATIC=ON links liblawful.a")
    p = run([exe, DATA / "policies", DATA / "contacts.jsonl", DATA / "campaign.json"], ok=(1,))  # c-7 is an error
    same_records(p.stdout, expected, f"embed-cpp {' '.join(extra)}")

# From bytecode, and from policies that do not compile.
lawc = TMP / "policies.lawc"
run([args.lawful, "compile", DATA / "policies", "-o", lawc])
p = run([embed_c, lawc, DATA / "contact.json", DATA / "campaign.json"])
same_records(p.stdout, expected[:1], "embed-c from a .lawc file")
broken = TMP / "broken.law"
broken.write_text("policy x.broken \"b\"\ndecision d:\n  rule r: deny\n    when contact.entty\n    cite \"c\"\n")
p = run([embed_c, broken, DATA / "contact.json", DATA / "campaign.json"], ok=(1,))
check("broken.law:4:18: error:" in p.stderr and "did you mean 'entity'?" in p.stderr,
      f"embed-c shows the compiler's messages: {p.stderr!r}")
p = run([embed_c, DATA / "policies"], ok=(2,))
check("usage" in p.stderr, "embed-c: usage")

# ---------------------------------------------------------------- pkg-config alone
env = dict(os.environ, PKG_CONFIG_PATH=str(libdir / "pkgconfig"))
pc = run(["pkg-config", "--cflags", "--libs", "lawful"], env=env).stdout.split()
real = lambda flag, prefix: os.path.realpath(flag[len(prefix):])
check([real(f, "-I") for f in pc if f.startswith("-I")] == [os.path.realpath(PREFIX / "include")] and
      [real(f, "-L") for f in pc if f.startswith("-L")] == [os.path.realpath(libdir)] and "-llawful" in pc,
      f"pkg-config --cflags --libs, relocated to the prefix: {pc}")
check(run(["pkg-config", "--modversion", "lawful"], env=env).stdout.strip() == "0.1.0", "pkg-config --modversion")
static = run(["pkg-config", "--static", "--libs", "lawful"], env=env).stdout.split()
check("-lantlr4-runtime" in static and "-lfmt" in static and "-lsimdjson" in static, f"pkg-config --static: {static}")
exe = TMP / "embed-c-pkgconfig"
run([cc, "-std=c99", *FLAGS, ROOT / "examples/embed-c/main.c", "-o", exe, *pc, f"-Wl,-rpath,{libdir}"])
p = run([exe, DATA / "policies", DATA / "contact.json", DATA / "campaign.json"])
same_records(p.stdout, expected[:1], "embed-c built with pkg-config")

if failures:
    print(f"{len(failures)} failures; files kept in {TMP}")
    sys.exit(1)
shutil.rmtree(TMP, ignore_errors=True)
print("install: ok")
