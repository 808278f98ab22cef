"""The native back end is a module opened on first use (runtime/jit/README.md).

usage: module_test.py LAWFUL LIBLAWFUL_SO MODULE     (from the checkout's root)

- neither `lawful` nor liblawful.so needs libLLVM (readelf -d: no NEEDED entry for it);
- `--engine vm` and `--help` never map the module or LLVM (LD_DEBUG=files lists every
  object the dynamic loader opens, dlopen included);
- `--engine jit` opens the module (and LLVM) and says nothing on standard error: native
  code decides, with the interpreter's outcomes;
- a missing or foreign module (LAWFUL_JIT_MODULE) is said on standard error, and the
  interpreter decides the same outcomes;
- the module's entry refuses a caller of another ABI or other sizes of the shared types.
"""
import os
import subprocess
import sys
import tempfile

lawful, liblawful, module = (os.path.abspath(a) for a in sys.argv[1:4])
failed = 0
tmp = tempfile.mkdtemp(prefix="lawful-jit-module-")


def fail(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


def run(*args, env_extra=None):
    env = dict(os.environ)
    env.pop("LAWFUL_JIT_MODULE", None)
    env["LD_DEBUG"] = "files"
    env["LD_DEBUG_OUTPUT"] = os.path.join(tmp, "ld")
    for f in os.listdir(tmp):
        if f.startswith("ld."):
            os.remove(os.path.join(tmp, f))
    env.update(env_extra or {})
    p = subprocess.run([lawful, *args], capture_output=True, text=True, env=env, timeout=600)
    opened = ""
    for f in os.listdir(tmp):
        if f.startswith("ld."):
            with open(os.path.join(tmp, f), errors="replace") as fh:
                opened += fh.read()
    return p, opened


for obj in (lawful, liblawful):
    d = subprocess.run(["readelf", "-d", obj], capture_output=True, text=True, check=True).stdout
    needed = [l for l in d.splitlines() if "NEEDED" in l]
    if not needed:
        fail(f"readelf -d {obj}: no NEEDED entries read")
    if any("llvm" in l.lower() for l in needed):
        fail(f"{obj} links libLLVM: {needed}")
if not os.path.exists(module):
    fail(f"{module} was not built")

cases = os.path.join(tmp, "cases.jsonl")
with open(cases, "w") as f:
    f.write("")
scen = sorted(os.path.join(d, x) for d in [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                                       "shared", "scenarios")]
              for x in (os.listdir(d) if os.path.isdir(d) else []) if x.endswith(".jsonl"))
if scen:
    cases = scen[0]

p, opened = run("--help")
if p.returncode != 0 or "libLLVM" in opened or "lawful-jit" in opened:
    fail(f"lawful --help: status {p.returncode}, loaded the back end: {'libLLVM' in opened}")

vm, opened = run("check", "policies", "--cases", cases, "--engine", "vm", "-q")
if vm.returncode != 0 or "libLLVM" in opened or "lawful-jit" in opened or vm.stderr:
    fail(f"--engine vm: status {vm.returncode}, stderr {vm.stderr!r}, loaded the back end: {'libLLVM' in opened}")

jit, opened = run("check", "policies", "--cases", cases, "--engine", "jit", "-q")
if jit.returncode != 0 or jit.stderr:
    fail(f"--engine jit: status {jit.returncode}, stderr {jit.stderr!r}")
if "lawful-jit.so" not in opened or "libLLVM" not in opened:
    fail("--engine jit did not open the module and LLVM")
if jit.stdout != vm.stdout:
    fail("--engine jit: not the interpreter's outcomes")

for path, words in (("/nonexistent/lawful-jit.so", "cannot be loaded"), (liblawful, "is not the native back end's module")):
    p, opened = run("check", "policies", "--cases", cases, "--engine", "jit", "-q",
                    env_extra={"LAWFUL_JIT_MODULE": path})
    if p.returncode != 0 or "the interpreter decides" not in p.stderr or words not in p.stderr:
        fail(f"LAWFUL_JIT_MODULE={path}: status {p.returncode}, stderr {p.stderr!r}")
    if "libLLVM" in opened:
        fail(f"LAWFUL_JIT_MODULE={path}: LLVM was loaded")
    if p.stdout != vm.stdout:
        fail(f"LAWFUL_JIT_MODULE={path}: not the interpreter's outcomes")

# `auto` on a small input decides with the interpreter without loading the module.
p, opened = run("check", "policies", "--cases", cases, "--engine", "auto", "-q")
if p.returncode != 0 or "lawful-jit" in opened:
    fail(f"--engine auto on a small input: status {p.returncode}, loaded the module: {'lawful-jit' in opened}")

# The module's entry refuses a caller of another build (module.h), naming both ABIs; the
# ABI of this build is accepted. In a child: the module brings LLVM into that process.
# (Not in a sanitized build: the sanitizer's runtime must come first in a process, and
# the Python interpreter that loads the module through ctypes has none. The Release build
# runs it.)
sanitized = any(x in subprocess.run(["readelf", "-d", module], capture_output=True, text=True).stdout
                for x in ("libasan", "libtsan"))
probe = f"""
import ctypes, re, sys
class Abi(ctypes.Structure):
    _fields_ = [("abi", ctypes.c_char_p)] + [(n, ctypes.c_size_t) for n in ("p", "f", "s", "o")]
m = ctypes.CDLL({module!r})
entry = m.lawful_jit_module_v1
entry.restype = ctypes.c_void_p
err = ctypes.c_char_p()
refused = entry(ctypes.byref(Abi(b"0.0.0-0000000000000000", 1, 2, 3, 4)), ctypes.byref(err))
print(refused is None, err.value.decode())
mine = re.search(r"its ABI is ([^,]+),", err.value.decode()).group(1)
refused = entry(ctypes.byref(Abi(mine.encode(), 1, 2, 3, 4)), ctypes.byref(err))  # the same ABI, other sizes
print(refused is None)
"""
if sanitized:
    print("note: sanitized build: the module's ABI check is not probed from Python")
else:
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    if p.returncode != 0 or len(lines) != 2 or not lines[0].startswith("True the module is from another build") \
            or "0.0.0-0000000000000000" not in lines[0] or lines[1] != "True":
        fail(f"the module's ABI check: {p.stdout!r} {p.stderr[-1000:]!r}")

subprocess.run(["rm", "-rf", tmp])
print(f"{failed} failed" if failed else "ok")
sys.exit(1 if failed else 0)
