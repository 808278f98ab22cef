#!/usr/bin/env bash
# Runs one fuzz target for a while. Used by the `fuzz-smoke` target and for long
# campaigns (docs/security.md):
#   tests/fuzz/run_fuzz.sh BUILD_DIR TARGET SECONDS [libFuzzer options...]
# BUILD_DIR was configured with CC=clang CXX=clang++ -DLAWFUL_FUZZ=ON. New inputs go to
# BUILD_DIR/fuzz-corpus/TARGET (kept between runs, so campaigns add up); the seeds and
# the regression inputs in tests/fuzz are read, never written. A crash, a leak, a hang
# (-timeout) or running out of memory (-rss_limit_mb, -malloc_limit_mb) stops the run
# with a non-zero status and leaves the input in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BUILD_DIR TARGET SECONDS [libFuzzer options...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
target=$2
seconds=$3
shift 3
src=$(cd "$(dirname "$0")" && pwd)
fuzzer=$build/tests/fuzz/fuzz_$target
[ -x "$fuzzer" ] || { echo "$fuzzer: not built (configure with -DLAWFUL_FUZZ=ON)" >&2; exit 2; }

corpus=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
dirs=("$corpus")
for d in "$src/$target" "$src/regressions/$target" "$build/fuzz-seeds/$target"; do
  [ -d "$d" ] && dirs+=("$d")
done

# Memory: every phase is linear in its input, so 1 GB (with ASan's own) is plenty for
# inputs of max_len; one allocation over 64 MB is a finding too (the largest a program
# may need is its code, 16 MiB at the limit).
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64 -print_final_stats=1
         -artifact_prefix="$artifacts/$target-")
case $target in
  compile)          options+=(-dict="$src/policy.dict" -max_len=8192) ;;
  contact|case)     options+=(-dict="$src/json.dict" -max_len=8192) ;;
  csv)              options+=(-dict="$src/csv.dict" -max_len=8192) ;;
  lawc)             options+=(-max_len=65536) ;;
  engines)          options+=(-max_len=1024) ;;
esac

echo "== fuzz $target for ${seconds}s"
# Allocation stacks in reports cost a quarter of the speed; replay an artifact with the
# default options to see them.
ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0} "$fuzzer" "${options[@]}" "$@" "${dirs[@]}"
