#!/usr/bin/env bash
# The README's second command: builds and runs every test. Unit tests, the language
# corpus, the diagnostics, the command line, the malicious .lawc files, the fuzz
# regressions and the legal scenarios run on the Release build, then again on a build
# with AddressSanitizer and UndefinedBehaviorSanitizer; then each fuzz target runs for a
# bounded time on a clang build (docs/security.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
jobs=$(nproc)

echo "== Release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAWFUL_SANITIZE=ON
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

# ---- fuzzing (tests/fuzz): a clang build of the libFuzzer targets, each run from its
# seeds and regressions for a bounded time; any crash, leak or hang fails the run.
echo "== Fuzzing smoke: each libFuzzer target for ${LAWFUL_FUZZ_SMOKE_SECONDS:-45} s (clang, ASan, UBSan)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAWFUL_FUZZ=ON \
  -DLAWFUL_TESTS=OFF -DLAWFUL_FUZZ_SMOKE_SECONDS="${LAWFUL_FUZZ_SMOKE_SECONDS:-45}"
cmake --build build-fuzz --target fuzz-smoke
# ---- end of fuzzing

echo "== All tests passed"
