#!/usr/bin/env bash
# Instructions per decision, independent of the machine's load: runs lawful_api_count
# under callgrind with 200 and 1,200 decisions of each kind and prints the difference per
# decision (loading and warming up cancel out).
#
# usage: bench/count_instructions.sh [BUILD_DIR]      (needs valgrind)
set -euo pipefail
count="${1:-build}/bench/lawful_api_count"
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$count" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-10s %s\n' mode instructions/decision
for mode in baseline json review record facts facts_set batch; do
  a=$(ir "$mode" 200)
  b=$(ir "$mode" 1200)
  per=$(( (b - a) / 1000 ))
  [ "$mode" = batch ] && per=$(( per / 100 ))
  printf '%-10s %s\n' "$mode" "$per"
done
