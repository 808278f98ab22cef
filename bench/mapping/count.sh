#!/usr/bin/env bash
# Mapped CSV against native CSV, in instructions per contact (callgrind: independent of
# the machine's load). The same contacts (gen-contacts, seed 7) as a native CSV and as a
# CRM-shaped export (make_export.py: country names, Yes/No, DD/MM/YYYY dates, value
# tables) read through bench/mapping/export.toml; `lawful check`, one thread, 2,000 and
# 12,000 contacts each, so that start-up and compiling cancel out. Checks that both give
# the same decisions, then prints instructions per contact and mapped/native throughput.
#
# usage: bench/mapping/count.sh [BUILD_DIR]     (needs valgrind; run from the repository root)
set -euo pipefail
build="${1:-build}"
lawful="$build/lawful"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for n in 2000 12000; do
  "$lawful" gen-contacts --n "$n" --seed 7 --format csv -o "$tmp/native-$n.csv"
  python3 bench/mapping/make_export.py "$tmp/native-$n.csv" "$tmp/export-$n.csv"
done
"$lawful" check policies --contacts "$tmp/native-12000.csv" --campaign examples/campaign.json -q --threads 1 \
  -o "$tmp/native.out" || true
"$lawful" check policies --contacts "$tmp/export-12000.csv" --mapping bench/mapping/export.toml \
  --campaign examples/campaign.json -q --threads 1 -o "$tmp/mapped.out" || true
cmp -s "$tmp/native.out" "$tmp/mapped.out" || { echo "mapped and native decisions differ" >&2; exit 1; }
run() {
  local kind=$1 n=$2
  if [ "$kind" = native ]; then
    ir "$lawful" check policies --contacts "$tmp/native-$n.csv" --campaign examples/campaign.json -q --threads 1 -o /dev/null
  else
    ir "$lawful" check policies --contacts "$tmp/export-$n.csv" --mapping bench/mapping/export.toml \
      --campaign examples/campaign.json -q --threads 1 -o /dev/null
  fi
}
native=$(( ($(run native 12000) - $(run native 2000)) / 10000 ))
mapped=$(( ($(run mapped 12000) - $(run mapped 2000)) / 10000 ))
printf '%-8s %s\n' input instructions/contact native "$native" mapped "$mapped"
printf 'mapped throughput: %d%% of native\n' $(( 100 * native / mapped ))
