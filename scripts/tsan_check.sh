#!/usr/bin/env bash
# The threaded `lawful check` under ThreadSanitizer (scripts/test.sh runs it on the
# build-tsan binary): generated contacts, JSON Lines in and CSV in and out, decided on 4
# threads must give exactly the single-thread output, with no race reported.
#   scripts/tsan_check.sh LAWFUL [CONTACTS]        (run from the repository root)
set -euo pipefail
lawful=$1
n=${2:-8000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
"$lawful" gen-contacts --n "$n" --seed 5 -o "$tmp/c.jsonl"
"$lawful" gen-contacts --n "$n" --seed 6 --format csv -o "$tmp/c.csv"
run() { "$lawful" check policies --campaign examples/campaign.json -q "$@"; }
for input in "$tmp/c.jsonl" "$tmp/c.csv"; do
  for format in jsonl csv; do
    run --contacts "$input" --format "$format" --threads 1 -o "$tmp/one"
    run --contacts "$input" --format "$format" --threads 4 -o "$tmp/four"
    cmp "$tmp/one" "$tmp/four" || { echo "tsan_check: $input as $format: 4 threads differ from 1" >&2; exit 1; }
    echo "tsan_check: $(basename "$input") -> $format: $(wc -l < "$tmp/four") lines, 4 threads = 1 thread"
  done
done
# A closed pipe while 4 threads decide: the run stops with a write error (exit 1), and
# ThreadSanitizer reports nothing on the way out (a report would exit 66).
set +e
run --contacts "$tmp/c.jsonl" --threads 4 2> "$tmp/err" | head -c 100 > /dev/null
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 1 ] || ! grep -q "cannot write standard output: Broken pipe" "$tmp/err"; then
  echo "tsan_check: a closed pipe gave exit $status:" >&2
  cat "$tmp/err" >&2
  exit 1
fi
echo "tsan_check: a closed pipe on 4 threads: exit 1, no report"
