#!/usr/bin/env bash
# The README's second command: builds and runs every test. Unit tests, the language
# corpus, the diagnostics, the command line, the embedding API, the malicious .lawc files,
# the fuzz regressions and the legal scenarios run on the Release build, then again on a
# build with AddressSanitizer and UndefinedBehaviorSanitizer; the API's reload under
# load and the threaded `lawful check` run under ThreadSanitizer;
# then each fuzz target runs for a bounded time on a clang build (docs/security.md).
# Each phase prints its wall time and CPU time as it ends, and all of them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

phase_name=""
phase_start=$SECONDS
phase_cpu=0
phase_times=()
times_file=$(mktemp)
# Sets cpu to the CPU time (user + system, whole seconds) of every command this script
# has waited for: bash's `times`, run in this shell (a subshell would not see them).
cpu_now() {
  times > "$times_file"
  cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } printf "%d", s }' "$times_file")
}
# phase NAME: ends the running phase (printing its wall and CPU time) and starts NAME.
phase() {
  cpu_now
  if [ -n "$phase_name" ]; then
    echo "== done in $((SECONDS - phase_start)) s (CPU $((cpu - phase_cpu)) s): $phase_name"
    phase_times+=("$(printf '%5d s %6d s  %s' $((SECONDS - phase_start)) $((cpu - phase_cpu)) "$phase_name")")
  fi
  phase_name=$1
  phase_start=$SECONDS
  phase_cpu=$cpu
  if [ -n "$phase_name" ]; then echo "== $phase_name"; fi
}
times_summary() {
  local status=$?
  phase ""
  echo "== Time per phase: wall, CPU (user + system); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%s\n' "${phase_times[@]}"
  printf '%5d s %6d s  all\n' "$SECONDS" "$cpu"
  rm -f "$times_file"
  return $status
}
trap times_summary EXIT

phase "Dependencies"
scripts/deps.sh
jobs=$(nproc)

phase "Release build"
# CI (.ci/run) sets LAWFUL_REQUIRE_SCENARIOS=ON: without ../shared the configure fails
# rather than run without the scenario test.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLAWFUL_REQUIRE_SCENARIOS="${LAWFUL_REQUIRE_SCENARIOS:-OFF}"
cmake --build build
phase "Release tests"
ctest --test-dir build --output-on-failure -j "$jobs"

# The GCC sanitizer builds compile at -O1 (the level the sanitizers' documentation names
# for reasonable speed) with line tables only (-g1): the checks are those of -O2, which
# only optimises some away, reports still name each frame's function, file and line, and
# a file compiles in about half the time of -O2 -g (compiler/sema/analyzer.cpp: 36 s -> 18 s).
sanitizer_build=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")

phase "AddressSanitizer + UndefinedBehaviorSanitizer build"
# The Python module (python/) and its tests (python_lawful, python_dask, python_output) are not in this
# build: LAWFUL_PYTHON is off with a sanitizer (an interpreter without the sanitizer's
# runtime cannot load a sanitized module), as the ctypes probes skip it. The Release
# phase runs them. Nor is reports_browser (headless Chromium on the HTML reports,
# tests/CMakeLists.txt): a browser is not sanitized; `reports` checks the same pages
# with the sanitized lawful.
cmake -S . -B build-asan -G Ninja "${sanitizer_build[@]}" -DLAWFUL_SANITIZE=ON -DLAWFUL_BENCH=OFF
cmake --build build-asan
phase "AddressSanitizer + UndefinedBehaviorSanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

# ---- Embedding API (issue 6): decisions from several threads while good and broken
# policies are reloaded, under ThreadSanitizer. Builds only that test's program (and the
# libraries it links), in its own build directory.
# Without the modules that neither ThreadSanitizer test opens: the native back end
# (both decide with the interpreter, `lawful check`'s default and the API's), lawful
# verify (Z3) and lawful serve (cpp-httplib). Built, they cost 19 of its 111 compiles
# (about 95 s of processor time: LLVM's, Z3's and httplib's headers) and 3 links, and
# ran nothing; the ASan/UBSan phase builds and runs all three (docs/performance.md,
# "The builds' share, measured").
phase "ThreadSanitizer: deciding while policies are reloaded"
cmake -S . -B build-tsan -G Ninja "${sanitizer_build[@]}" -DLAWFUL_TSAN=ON -DLAWFUL_BENCH=OFF \
  -DLAWFUL_JIT=OFF -DLAWFUL_Z3=OFF -DLAWFUL_SERVER=OFF
cmake --build build-tsan --target lawful_reload_stress
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/api/lawful_reload_stress 16 4
# ---- end of the embedding API's block

# ---- lawful check on several threads (issue 7), under ThreadSanitizer: generated
# contacts decided on 4 threads, JSON Lines and CSV, must give one thread's output.
phase "ThreadSanitizer: lawful check --threads 4"
cmake --build build-tsan --target lawful
scripts/tsan_check.sh build-tsan/lawful

# ---- fuzzing (tests/fuzz): a clang build of the libFuzzer targets, each run from its
# seeds and regressions for a bounded time; any crash, leak or hang fails the run.
phase "Fuzzing build (clang, ASan, UBSan)"
# As many targets at once as there are cores (LAWFUL_FUZZ_SMOKE_JOBS to change it): each
# is one process on one core, so on CI's two idle cores two at once run as many inputs
# each as one alone, in half the time. On a machine busy with other work, set it to 1, or
# each target runs fewer inputs in its seconds.
# -O2 as RelWithDebInfo has it, with line tables only (-gline-tables-only, clang's -g1)
# rather than full debug information: a crash's stack still names each frame's function,
# file and line (llvm-symbolizer reads the line tables), and a file compiles in less
# processor time (runtime/facts/binder.cpp 28.7 -> 23.1 s, compiler/sema/analyzer.cpp
# 16.2 -> 15.6 s). -O1 was no faster to compile here.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" -DLAWFUL_FUZZ=ON \
  -DLAWFUL_TESTS=OFF -DLAWFUL_FUZZ_SMOKE_SECONDS="${LAWFUL_FUZZ_SMOKE_SECONDS:-30}" \
  -DLAWFUL_FUZZ_SMOKE_JOBS="${LAWFUL_FUZZ_SMOKE_JOBS:-$jobs}"
cmake --build build-fuzz --target fuzzers
phase "Fuzzing smoke: each libFuzzer target for ${LAWFUL_FUZZ_SMOKE_SECONDS:-30} s"
cmake --build build-fuzz --target fuzz-smoke
# ---- end of fuzzing

phase ""
echo "== All tests passed"
