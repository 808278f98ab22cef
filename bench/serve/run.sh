#!/usr/bin/env bash
# Measures `lawful serve` (bench/README.md; docs/performance.md has the figures), with
# the clients of bench/serve/load.cpp (build/bench/lawful_serve_load), so that the
# client's own cost is small and printed beside the server's:
#  1. single decisions over keep-alive connections: the most the server answers (a
#     closed loop, CONNECTIONS connections), then a fixed rate of RATE a second in an
#     open loop (each request due at its time whatever the answers before it; latency
#     from when it was due, so a stall is not hidden by the requests it held back),
#  2. the NDJSON stream (one POST of N cases, the file sent with sendfile, the answer
#     read and counted) against `lawful check --cases` on the same file, by the clock
#     and in processor time (the server's from /proc, check's from bash's `time`).
# usage: bench/serve/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [N] [RATE]   (from the repository root)
# Not a test: run it on a quiet machine; it prints the load average before and after.
# On a machine busy with other work, RUN='chrt -f 1' runs the server, the clients and
# `lawful check` at a real-time priority (as root), ahead of everything else: as if the
# two cores were theirs, which is what the targets assume.
set -euo pipefail
read -r -a run <<<"${RUN:-}"
build=${1:-build}
seconds=${2:-10}
connections=${3:-16}
n=${4:-200000}
rate=${5:-15000}
lawful=$build/lawful
load=$build/bench/lawful_serve_load
cases=$build/serve-bench-cases.jsonl
[ -x "$load" ] || { echo "run.sh: no $load (cmake --build $build --target lawful_serve_load)" >&2; exit 2; }

python3 bench/serve/make_cases.py "$lawful" "$cases" "$n"

log=$(mktemp)
"${run[@]}" "$lawful" serve policies --listen 127.0.0.1:0 --watch-ms 0 --max-body 4000000000 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
address=$(grep -o 'http://[0-9.:]*' "$log" | head -1 | sed 's|http://||')

echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)${RUN:+; run with: $RUN}"
echo "== single decisions, the most: closed loop, $connections connections, ${seconds}s"
"${run[@]}" "$load" decide "$address" "$cases" --connections "$connections" --seconds "$seconds" --pid "$pid"
echo "== single decisions at $rate/s: open loop, $connections connections, ${seconds}s"
"${run[@]}" "$load" decide "$address" "$cases" --rate "$rate" --connections "$connections" --seconds "$seconds" --pid "$pid"

# faster A B: whether the row A ("WALL CPU") took less wall time than B (or B is empty).
faster() { [ -z "$2" ] || awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; }

echo "== the NDJSON stream: $n cases in one request, against lawful check --cases (best of 3 by the clock each)"
best=
for _ in 1 2 3; do
  out=$("${run[@]}" "$load" stream "$address" "$cases" --pid "$pid")
  echo "$out"
  # "... in WALL s: ..." and "processor time: the server CPU s, ...": this run's row
  row=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s: .*/\1/p;s/.*the server \([0-9.]*\) s.*/\1/p' | paste -sd' ')
  if faster "$row" "$best"; then best=$row; fi
done
check=
TIMEFORMAT='%R %U %S'
for _ in 1 2 3; do
  t=$( { time "${run[@]}" "$lawful" check policies --cases "$cases" --quiet -o /dev/null; } 2>&1 )
  row=$(echo "$t" | awk '{ print $1, $2 + $3 }')
  echo "lawful check --cases: $(echo "$row" | awk -v n="$n" '{ printf "%.3f s: %.0f cases/s; processor time %.2f s", $1, n / $1, $2 }')"
  if faster "$row" "$check"; then check=$row; fi
done
awk -v s="$best" -v c="$check" 'BEGIN { split(s, x, " "); split(c, y, " ");
  printf "the stream reaches %.0f%% of lawful check by the clock (%.3f s against %.3f s); ", 100 * y[1] / x[1], x[1], y[1];
  printf "check needs %.0f%% of the server'"'"'s processor time (%.2f s against %.2f s)\n", 100 * y[2] / x[2], y[2], x[2] }'
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
