#!/usr/bin/env bash
# Measures `lawful serve` (bench/README.md; docs/performance.md has the figures):
#  1. single decisions over keep-alive connections with wrk (bench/serve/decide.lua):
#     the most it answers with CONNECTIONS connections, then a fixed rate of half that
#     (wrk2's -R is not in Debian's wrk: the rate is approached with fewer connections),
#  2. the NDJSON stream (one POST of N cases) against `lawful check --cases` on the same file.
# usage: bench/serve/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [N]    (from the repository root)
# Not a test: run it on a quiet machine.
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
connections=${3:-16}
n=${4:-200000}
lawful=$build/lawful
cases=$build/serve-bench-cases.jsonl

python3 bench/serve/make_cases.py "$lawful" "$cases" "$n"

log=$(mktemp)
"$lawful" serve policies --listen 127.0.0.1:0 --watch-ms 0 --max-body 4000000000 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)

echo "== single decisions, $connections connections, ${seconds}s (wrk -t2)"
CASES=$cases wrk -t2 -c"$connections" -d"${seconds}s" -s bench/serve/decide.lua "$url/v1/decide" | tail -6
half=$(( connections / 2 > 0 ? connections / 2 : 1 ))
echo "== single decisions, $half connections, ${seconds}s (wrk -t1)"
CASES=$cases wrk -t1 -c"$half" -d"${seconds}s" -s bench/serve/decide.lua "$url/v1/decide" | tail -6

echo "== the NDJSON stream: $n cases in one request, against lawful check --cases"
python3 - "$url" "$cases" "$lawful" <<'PY'
import subprocess, sys, time, urllib.request
url, cases, lawful = sys.argv[1], sys.argv[2], sys.argv[3]
body = open(cases, "rb").read()
lines = body.count(b"\n")
best = None
for _ in range(3):
    t = time.perf_counter()
    r = urllib.request.urlopen(urllib.request.Request(url + "/v1/decide", data=body,
                               headers={"Content-Type": "application/x-ndjson"}))
    out = r.read()
    best = min(best or 1e9, time.perf_counter() - t)
print(f"serve stream: {lines / best:,.0f} cases/s ({best:.2f} s)")
check = None
for _ in range(3):
    t = time.perf_counter()
    subprocess.run([lawful, "check", "policies", "--cases", cases, "--quiet", "-o", "/dev/null"])
    check = min(check or 1e9, time.perf_counter() - t)
print(f"lawful check --cases: {lines / check:,.0f} cases/s ({check:.2f} s); the stream reaches {100 * check / best:.0f}%")
PY
