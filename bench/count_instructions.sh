#!/usr/bin/env bash
# Instructions per decision, independent of the machine's load: runs lawful_api_count
# under callgrind with 200 and 1,200 decisions of each kind and prints the difference per
# decision (loading and warming up cancel out). Then the engines in memory, one thread
# (lawful_vm_bench --count): uk.law by the interpreter, the native back end and the
# hand-written decision, and the routed policies by both engines (the JIT's compile
# time is in both runs, so it cancels out too).
#
# usage: bench/count_instructions.sh [BUILD_DIR] [--engines-only]     (needs valgrind)
set -euo pipefail
build="${1:-build}"
count="$build/bench/lawful_api_count"
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
if [ "${2:-}" != --engines-only ]; then
  printf '%-10s %s\n' mode instructions/decision
  for mode in baseline json review record facts facts_set batch; do
    a=$(ir "$count" "$mode" 200)
    b=$(ir "$count" "$mode" 1200)
    per=$(( (b - a) / 1000 ))
    [ "$mode" = batch ] && per=$(( per / 100 ))
    printf '%-10s %s\n' "$mode" "$per"
  done
fi
engines="$build/bench/lawful_vm_bench"
if [ -x "$engines" ]; then
  printf '%-12s %s\n' engine instructions/decision
  for mode in native vm jit vm-routed jit-routed; do
    a=$(ir "$engines" --count "$mode" 2000) || continue
    b=$(ir "$engines" --count "$mode" 12000) || continue
    [ -n "$a" ] && [ -n "$b" ] || { printf '%-12s %s\n' "$mode" "(not available)"; continue; }
    printf '%-12s %s\n' "$mode" $(( (b - a) / 10000 ))
  done
fi
