#!/usr/bin/env bash
# Measures `lawful serve` (bench/README.md; docs/performance.md has the figures):
#  1. single decisions over keep-alive connections with wrk (bench/serve/decide.lua):
#     the most it answers with CONNECTIONS connections, then a fixed rate of half that
#     (wrk2's -R is not in Debian's wrk: the rate is approached with fewer connections),
#  2. the NDJSON stream (one POST of N cases) against `lawful check --cases` on the same file,
#     in wall-clock time and in processor time (the server's, from /proc, and this
#     Python client's own, which shares the cores: sending and reading the bodies).
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
python3 - "$url" "$cases" "$lawful" "$pid" <<'PY'
import os, resource, subprocess, sys, time, urllib.request
url, cases, lawful, pid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
body = open(cases, "rb").read()
lines = body.count(b"\n")
def server_cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
best = None
for _ in range(3):
    s, c, t = server_cpu(), time.process_time(), time.perf_counter()
    r = urllib.request.urlopen(urllib.request.Request(url + "/v1/decide", data=body,
                               headers={"Content-Type": "application/x-ndjson"}))
    out = r.read()
    row = (time.perf_counter() - t, server_cpu() - s, time.process_time() - c)
    best = row if best is None or row[0] < best[0] else best
print(f"serve stream: {lines / best[0]:,.0f} cases/s ({best[0]:.2f} s; processor time: the server {best[1]:.2f} s, "
      f"this client {best[2]:.2f} s)")
check = None
for _ in range(3):
    r0, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([lawful, "check", "policies", "--cases", cases, "--quiet", "-o", "/dev/null"])
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = (time.perf_counter() - t, r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    check = row if check is None or row[0] < check[0] else check
print(f"lawful check --cases: {lines / check[0]:,.0f} cases/s ({check[0]:.2f} s; processor time {check[1]:.2f} s); "
      f"the stream reaches {100 * check[0] / best[0]:.0f}%, its server {100 * check[1] / best[1]:.0f}% in processor time")
PY
