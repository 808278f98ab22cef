#!/usr/bin/env bash
# Instructions per request of `lawful serve`, independent of the machine's load: the
# server runs under callgrind twice, answering N1 and then N2 single decisions (POST
# /v1/decide, one keep-alive connection, cases taken in turn from gen-contacts), and the
# difference divided by N2 - N1 is what one request costs the server (start-up, loading
# and stopping cancel out). Then the same for an NDJSON stream: one request of S1 and
# one of S2 cases, per case, beside `lawful check --cases` on the same lines.
# usage: bench/serve/count.sh [BUILD_DIR|LAWFUL] [N1 N2]    (from the repository root; needs valgrind)
set -euo pipefail
lawful=${1:-build}
[ -d "$lawful" ] && lawful=$lawful/lawful
n1=${2:-200}
n2=${3:-1200}
# Every run compiles the policies itself: a program cache warmed by the first run would
# make the second cheaper and the difference wrong.
export LAWFUL_NO_CACHE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/serve/make_cases.py "$lawful" "$tmp/cases.jsonl" 2000

# serve_ir MODE N: the instructions of a server that answered N requests (single) or one
# stream of N cases (stream).
serve_ir() {
  local mode=$1 n=$2 log=$tmp/serve.log
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$lawful" serve policies --listen 127.0.0.1:0 \
    --watch-ms 0 --workers 2 --read-timeout-ms 60000 --max-body 100000000 2>"$log" &
  local pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$log" && break; sleep 0.1; done
  local port
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | grep -o '[0-9]*$')
  python3 - "$port" "$tmp/cases.jsonl" "$mode" "$n" <<'PY'
import http.client, sys
port, cases, mode, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
lines = open(cases).read().splitlines()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
if mode == "single":
    for i in range(n):
        c.request("POST", "/v1/decide", lines[i % len(lines)], {"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
else:
    body = "".join(lines[i % len(lines)] + "\n" for i in range(n))
    c.request("POST", "/v1/decide", body, {"Content-Type": "application/x-ndjson"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  kill -TERM "$pid"
  wait "$pid" || true
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}
check_ir() {
  python3 -c "import sys; l=open(sys.argv[1]).read().splitlines(); open(sys.argv[2],'w').write(''.join(l[i%len(l)]+'\n' for i in range(int(sys.argv[3]))))" \
    "$tmp/cases.jsonl" "$tmp/check.jsonl" "$1"
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$lawful" check policies --cases "$tmp/check.jsonl" \
    --quiet --threads 1 -o /dev/null 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(serve_ir single "$n1"); b=$(serve_ir single "$n2")
echo "single decision: $(( (b - a) / (n2 - n1) )) instructions per request (server, callgrind)"
a=$(serve_ir stream $(( n1 * 10 ))); b=$(serve_ir stream $(( n2 * 10 )))
echo "NDJSON stream:   $(( (b - a) / (n2 - n1) / 10 )) instructions per case (server, callgrind)"
a=$(check_ir $(( n1 * 10 ))); b=$(check_ir $(( n2 * 10 )))
echo "lawful check:    $(( (b - a) / (n2 - n1) / 10 )) instructions per case (--cases --threads 1)"
