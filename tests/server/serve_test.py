#!/usr/bin/env python3
"""End-to-end tests of `lawful serve` on a free loopback port: decisions byte for byte
those of `lawful check --cases`, the stream and the single case, bad requests and limits,
reloads (SIGHUP, a file changed, a broken edit, under load), the decision log (masking,
reopening, complete after SIGTERM with requests in flight), the bearer token, metrics
that move (and add up across the connections' threads), a burst of connections held by
the accept queue.

usage: serve_test.py LAWFUL [--sanitized]     (run from the repository root)

--sanitized (an ASan/UBSan build: everything is several times slower): the tests whose
point is timing (SIGTERM with requests in flight, slow and surplus connections) and the
option checks are left to the Release run; the rest runs, with longer client timeouts.
"""
import hashlib, hmac, json, os, re, pathlib, select, shutil, signal, socket, subprocess, sys, tempfile, threading, time, traceback

sys.path.insert(0, os.path.dirname(__file__))
from serve_common import ROOT, Server, cases_from  # noqa: E402

LAWFUL = sys.argv[1]
SANITIZED = "--sanitized" in sys.argv[2:]
TIMING = {"sigterm_answers_requests_in_flight_and_the_log_is_complete", "slow_and_surplus_connections",
          "sigterm_answers_queued_connections",
          "token_guards_all_but_health", "loopback_by_default"}
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-serve-test-"))
CAMPAIGN = json.loads((ROOT / "examples/campaign.json").read_text())
failures = []
TESTS = []


def test(f):
    TESTS.append(f)
    return f


def check(cond, what, detail=""):
    if not cond:
        raise AssertionError(f"{what}\n{detail}"[:4000])


def expected_records(cases_text, policies):
    """What `lawful check --cases` writes for these lines."""
    path = TMP / "expected-in.jsonl"
    path.write_text(cases_text)
    p = subprocess.run([LAWFUL, "check", str(policies), "--cases", str(path), "--quiet", "--threads", "1"],
                       capture_output=True)
    return p.stdout


def policies_copy(name):
    d = TMP / name
    shutil.copytree(ROOT / "policies", d)
    return d


# Generated contacts (every kind of fact), the examples, and lines that are not cases.
GEN = subprocess.run([LAWFUL, "gen-contacts", "--n", "400", "--seed", "3"], capture_output=True, text=True,
                     check=True).stdout
CASES = cases_from(GEN, CAMPAIGN) + cases_from((ROOT / "examples/contacts.jsonl").read_text(), CAMPAIGN)
BAD = ('not json\n\n{"contact": {"id": "x", "country": 7}, "campaign": {}}\n'
       '{"contact": {"id": "y"}, "campaign": {"channel": "fax"}}\r\n[1, 2]\n')
STREAM = CASES[: len(CASES) // 2] + BAD + CASES[len(CASES) // 2:]
FIRST = CASES.splitlines()[0]

SRV = Server(LAWFUL, ROOT / "policies", "--decision-log", str(TMP / "decisions.log"), "--max-body", "1000000",
             "--watch-ms", "0")
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}


@test
def stream_equals_check_byte_for_byte():
    status, headers, body = SRV.request("POST", "/v1/decide", STREAM, NDJSON)
    check(status == 200, f"status {status}", body[:500])
    want = expected_records(STREAM, ROOT / "policies")
    check(body == want, "the stream's records differ from lawful check --cases",
          f"got {len(body)} bytes, want {len(want)}")
    check(body.count(b"\n") == STREAM.count("\n"), "one record per line")
    errors = sum(1 for l in want.splitlines() if b'"error": ' in l and b'"line": ' in l)
    check(errors >= 5 and headers.get("lawful-error-lines") == str(errors), f"error lines header: {headers}")
    check(headers.get("lawful-policy-generation") == "1" and len(headers.get("lawful-policy-hash", "")) == 16,
          f"version headers: {headers}")
    # The last line without a newline is a line too, as lawful check reads a file.
    status, _, body = SRV.request("POST", "/v1/decide", STREAM.rstrip("\n"), NDJSON)
    check(body == want, "a stream without its last newline")


@test
def long_stream_decided_in_parts_equals_check():
    # Over 1 MiB a stream is cut into parts decided on several threads: the same records,
    # in order, error records numbered by their line in the whole body.
    text = CASES * 3 + BAD + CASES * 3 + BAD
    srv = Server(LAWFUL, ROOT / "policies", "--max-body", "20000000", "--decision-log", str(TMP / "parts.log"))
    try:
        status, headers, body = srv.request("POST", "/v1/decide", text, NDJSON)
        want = expected_records(text, ROOT / "policies")
        check(status == 200 and body == want, "a long stream", f"{len(body)} bytes, want {len(want)}")
        logged = [json.loads(l)["line"] for l in (TMP / "parts.log").read_text().splitlines()]
        check(logged == list(range(1, text.count("\n") + 1)), "the log has every line, in order")
        # A client that sends a long stream and leaves before its answer: the service
        # writes into a closed connection (EPIPE, not SIGPIPE) and serves on.
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", srv.port))
            data = text.encode()
            sock.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                         b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
            sock.close()
        time.sleep(1.5)
        check(srv.proc.poll() is None and srv.request("GET", "/healthz")[0] == 200, "alive", srv.log())
    finally:
        srv.stop()


@test
def single_case_equals_check():
    want = expected_records(FIRST + "\n", ROOT / "policies")
    status, headers, body = SRV.request("POST", "/v1/decide", FIRST, JSON)
    check(status == 200 and body == want, "a single case", f"{status} {body!r} != {want!r}")
    # Pretty-printed, with line breaks inside: still one case.
    pretty = json.dumps(json.loads(FIRST), indent=2)
    status, _, body = SRV.request("POST", "/v1/decide", pretty, JSON)
    check(status == 200 and body == want, "a pretty-printed case", body)
    # No Content-Type at all: one case.
    status, _, body = SRV.request("POST", "/v1/decide", FIRST)
    check(status == 200 and body == want, "a case without a Content-Type", body)


@test
def fast_path_answers_as_httplib():
    # A plain single case is answered by the service's own reader (server/server.cpp,
    # Http::fast_decide), anything else by httplib's: the same status, headers and record
    # either way. A query string sends the same request the other way.
    lines = CASES.splitlines()[:3] + ['{"contact": {"id": "x", "country": 7}, "campaign": {}}', "not json"]

    def raw(requests):
        sock = socket.create_connection(("127.0.0.1", SRV.port))
        sock.settimeout(Server.timeout)
        sock.sendall(b"".join(requests))
        data = b""
        while data.count(b"HTTP/1.1 ") < len(requests) or not complete(data, len(requests)):
            got = sock.recv(65536)
            if not got:
                break
            data += got
        sock.close()
        return split(data)

    def req(path, body, extra=b""):
        b = body.encode()
        return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nX-Request-Id: r-1\r\n" +
                extra + b"Content-Length: " + str(len(b)).encode() + b"\r\n\r\n" + b)

    orders = []

    def split(data):
        out = []
        while data:
            head, _, rest = data.partition(b"\r\n\r\n")
            n = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            lines_ = head.split(b"\r\n")
            headers = {l.split(b":", 1)[0].lower(): l.split(b":", 1)[1].strip() for l in lines_[1:]}
            out.append((lines_[0], headers, rest[:n]))
            orders.append([l.split(b":", 1)[0].lower() for l in lines_[1:]])
            data = rest[n:]
        return out

    def complete(data, n):
        try:
            return len(split(data)) >= n
        except Exception:
            return False
    fast = raw([req(b"/v1/decide", l) for l in lines])  # pipelined on one connection
    fast_order = orders[-1]
    slow = raw([req(b"/v1/decide?via=httplib", l) for l in lines])
    # httplib writes its headers sorted; the fast path Content-Length first, then the
    # connection's: proof that each path answered (the rest must not differ).
    check(fast_order[:2] == [b"content-length", b"keep-alive"] and orders[-1] != fast_order,
          "the fast path answered the plain requests, httplib the others", (fast_order, orders[-1]))
    check(len(fast) == len(lines) and len(slow) == len(lines), "every request answered", (fast, slow))
    wants = expected_records("\n".join(lines[:3]) + "\n", ROOT / "policies").splitlines(keepends=True)
    for i, (f, sl) in enumerate(zip(fast, slow)):
        check(f == sl, f"request {i}: the fast path's answer differs from httplib's", f"{f}\n{sl}")
        if i < 3:
            check(f[0] == b"HTTP/1.1 200 OK" and f[2] == wants[i], f"request {i} decided as check does", f)
    check(fast[3][0].startswith(b"HTTP/1.1 400") and fast[4][0].startswith(b"HTTP/1.1 400"), "bad cases: 400",
          fast[3:])
    # Connection: close is honoured; the connection ends after its answer.
    closing = raw([req(b"/v1/decide", lines[0], b"Connection: close\r\n")])
    check(closing[0][1].get(b"connection") == b"close", "Connection: close answered", closing)


@test
def bad_cases_get_the_error_record_of_check():
    for text in ["not json", '{"contact": {"id": "x", "country": 7}, "campaign": {}}',
                 '{"contact": {"id": "y"}, "campaign": {"channel": "fax"}}', "", "[1]"]:
        want = expected_records(text + "\n", ROOT / "policies")
        status, _, body = SRV.request("POST", "/v1/decide", text, JSON)
        check(status == 400, f"status for {text!r}: {status}", body)
        check(body == want, f"error record for {text!r}", f"{body!r} != {want!r}")
        check(b'"error"' in body and b'"line": 1' in body, "an error record", body)


@test
def limits_and_bad_requests():
    status, _, body = SRV.request("POST", "/v1/decide", "x" * 1_200_000, NDJSON)
    check(status == 413 and b"--max-body" in body, f"oversized: {status}", body)
    status, _, body = SRV.request("POST", "/v1/decide", "a=1", {"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 415 and b"application/json" in body, f"a form: {status}", body)
    status, _, body = SRV.request("GET", "/v1/nothing")
    check(status == 404 and b"no such endpoint" in body, f"unknown: {status}", body)
    status, _, body = SRV.request("POST", "/v1/explain?as_of=yesterday", FIRST, JSON)
    check(status == 400 and b"not a date" in body, f"bad as_of: {status}", body)
    status, _, body = SRV.request("POST", "/v1/explain", "{", JSON)
    check(status == 400 and b'"line": 1' in body, f"explain of broken JSON: {status}", body)
    # A line over the binder's 1 MiB limit gets its error record in place, as in check.
    srv = Server(LAWFUL, ROOT / "policies", "--max-body", "3000000")
    try:
        text = FIRST + "\n" + '{"contact": {"id": "' + "z" * 1_100_000 + '"}}\n' + FIRST + "\n"
        status, _, body = srv.request("POST", "/v1/decide", text, NDJSON)
        check(status == 200 and body == expected_records(text, ROOT / "policies"), "a line too long", body[:300])
    finally:
        srv.stop()


@test
def run_time_error_is_422_with_the_record_of_check():
    pol = TMP / "runtime.law"
    pol.write_text('policy t.rt "Run-time errors"\ndecision email:\n  rule far: deny\n'
                   '    when contact.objected\n      and campaign.send_date + 9000 years > 2020-01-01\n    cite "x"\n')
    case = json.dumps({"contact": {"id": "r1", "objected": True}, "campaign": {"send_date": "2026-01-01"}})
    srv = Server(LAWFUL, pol)
    try:
        status, _, body = srv.request("POST", "/v1/decide", case, JSON)
        want = expected_records(case + "\n", pol)
        check(status == 422 and body == want and b"outside the years 1 to 9999" in body, f"{status}", body)
    finally:
        srv.stop()


@test
def slow_and_surplus_connections():
    srv = Server(LAWFUL, ROOT / "policies", "--workers", "2", "--queue", "0", "--read-timeout-ms", "1000")
    try:
        idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(2)]
        idle[0].sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\n")  # and then nothing
        for _ in range(20):  # until both workers hold a connection
            time.sleep(0.1)
            status, headers, body = srv.request("GET", "/healthz")
            if status == 503:
                break
        check(status == 503 and b"too many connections" in body, f"a third connection: {status}", body)
        # The slow client is dropped after the read timeout; a worker is free again.
        idle[0].settimeout(5)
        t0 = time.time()
        got = idle[0].recv(4096)
        check(time.time() - t0 < 4, "the slow client was dropped in time", got)
        for s in idle:
            s.close()
        time.sleep(1.2)
        status, _, _ = srv.request("GET", "/healthz")
        check(status == 200, f"served again once the workers are free: {status}")
        check("lawful_rejected_connections_total 0" not in srv.request("GET", "/metrics")[2].decode(), "counted")
    finally:
        srv.stop()


@test
def a_burst_of_connections_waits_in_the_accept_queue():
    """A client's pool opening 32 connections at once. httplib listens with a queue of 5:
    the kernel dropped the SYNs beyond it, and those clients sent theirs again only a
    second later (their first requests waited as long). With the server stopped (SIGSTOP),
    only the kernel answers: each handshake completes at once when the queue holds it."""
    socks = []
    SRV.signal(signal.SIGSTOP)
    try:
        for _ in range(32):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", SRV.port))
            socks.append(s)
        connected, deadline = set(), time.time() + 0.5  # a dropped SYN is sent again after 1 s
        while len(connected) < len(socks) and time.time() < deadline:
            _, writable, _ = select.select([], [s for s in socks if s not in connected], [], 0.05)
            connected.update(writable)
        check(len(connected) == len(socks) and all(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
                                                   for s in socks),
              f"{len(connected)} of {len(socks)} connections accepted by the kernel while the server was stopped")
    finally:
        SRV.signal(signal.SIGCONT)
    try:
        for s in socks:
            s.setblocking(True)
            s.settimeout(Server.timeout)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for s in socks:
            data = b""
            while chunk := s.recv(4096):
                data += chunk
            check(data.startswith(b"HTTP/1.1 200"), "each connection of the burst answered", data[:200])
    finally:
        for s in socks:
            s.close()


@test
def metrics_move():
    before = SRV.request("GET", "/metrics")[2].decode()
    SRV.request("POST", "/v1/decide", FIRST, JSON)
    after = SRV.request("GET", "/metrics")[2].decode()

    def value(text, prefix):
        return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))
    check(value(after, "lawful_decisions_total") == value(before, "lawful_decisions_total") + 1, "decisions", after)
    check(value(after, 'lawful_http_request_duration_seconds_count{route="/v1/decide"}') ==
          value(before, 'lawful_http_request_duration_seconds_count{route="/v1/decide"}') + 1, "the histogram", after)
    # Each connection's thread counts apart (the metrics' shards): the sums are exact.
    lines = CASES.splitlines()[:5]

    def send(conn):
        for line in lines:
            SRV.request("POST", "/v1/decide", line, JSON, conn=conn)
    conns = [SRV.conn() for _ in range(4)]
    threads = [threading.Thread(target=send, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A stream whose decisions fall in more (policy, verdict) pairs than a request counts in place.
    every = CASES.splitlines()
    SRV.request("POST", "/v1/decide", "\n".join(every) + "\nnot json\n", NDJSON)
    for c in conns:
        c.close()
    last = SRV.request("GET", "/metrics")[2].decode()
    pairs = [l for l in last.splitlines() if l.startswith("lawful_decisions_total{")]
    check(len(pairs) > 4, "more than four (policy, verdict) pairs", last)
    check(value(last, "lawful_decisions_total") == value(after, "lawful_decisions_total") + 4 * 5 + len(every),
          "decisions on four connections at once, and a stream", last)
    check(value(last, "lawful_decision_errors_total") == value(after, "lawful_decision_errors_total") + 1,
          "the stream's error record", last)
    check(value(last, 'lawful_http_requests_total{route="/v1/decide",code="200"}') ==
          value(after, 'lawful_http_requests_total{route="/v1/decide",code="200"}') + 21, "requests", last)
    check(value(last, 'lawful_http_request_duration_seconds_count{route="/v1/decide"}') ==
          value(after, 'lawful_http_request_duration_seconds_count{route="/v1/decide"}') + 21, "the histogram", last)
    check("# TYPE lawful_http_request_duration_seconds histogram" in after, "typed", after)
    check("lawful_policy_generation 1" in after, "the generation", after)


@test
def policies_and_health():
    status, _, body = SRV.request("GET", "/v1/policies")
    info = json.loads(body)
    check(status == 200 and info["generation"] == 1, "generation 1", body)
    names = {p["name"] for p in info["policies"]}
    check({"uk.pecr", "eu.gdpr", "us.canspam"} <= names, "policy names", body)
    check(info["routes"]["GB"] == "uk.pecr" and len(info["source_hash"]) == 16, "routes, hash", body)
    check(len(info.get("content_hash") or "") == 64 and info["content_hash"].startswith(info["source_hash"]),
          "the content hash", body)
    check(info["last_reload"]["ok"] is True and info["loaded_at"].endswith("Z"), "last reload", body)
    check(SRV.request("GET", "/healthz")[0] == 200 and SRV.request("GET", "/readyz")[0] == 200, "health")


@test
def explain_is_the_library_explanation():
    status, headers, body = SRV.request("POST", "/v1/explain", FIRST, JSON)
    x = json.loads(body)
    check(status == 200 and x["route"]["policy"] and x["decisions"], "an explanation", body[:400])
    # The same model as `lawful explain --json`.
    case = json.loads(FIRST)
    (TMP / "c.jsonl").write_text(json.dumps(case["contact"]) + "\n")
    (TMP / "camp.json").write_text(json.dumps(case["campaign"]))
    p = subprocess.run([LAWFUL, "explain", str(ROOT / "policies"), "--contact", str(TMP / "c.jsonl"), "--campaign",
                        str(TMP / "camp.json"), "--json"], capture_output=True, text=True)
    check(p.returncode == 0 and json.loads(p.stdout) == x, "equal to lawful explain --json", p.stdout[:300] + p.stderr)


@test
def token_guards_all_but_health():
    (TMP / "token").write_text("s3cret-token\n")
    srv = Server(LAWFUL, ROOT / "policies", "--token-file", str(TMP / "token"))
    try:
        check(srv.request("GET", "/healthz")[0] == 200, "health without a token")
        status, headers, body = srv.request("POST", "/v1/decide", FIRST, JSON)
        check(status == 401 and "bearer" in headers.get("www-authenticate", "").lower(), f"no token: {status}", body)
        status, _, _ = srv.request("POST", "/v1/decide", FIRST, {**JSON, "Authorization": "Bearer wrong-token!"})
        check(status == 401, "a wrong token")
        status, _, body = srv.request("POST", "/v1/decide", FIRST, {**JSON, "Authorization": "Bearer s3cret-token"})
        check(status == 200 and b'"verdict"' in body, f"the token: {status}", body)
        check(srv.request("GET", "/metrics")[0] == 401, "metrics need the token")
    finally:
        srv.stop()


@test
def loopback_by_default():
    p = subprocess.run([LAWFUL, "serve", "--help"], capture_output=True, text=True)
    check("127.0.0.1:8181" in p.stdout, "the default address is loopback", p.stdout)
    p = subprocess.run([LAWFUL, "serve", "policies", "--listen", "nonsense"], capture_output=True, text=True)
    check(p.returncode == 2 and "HOST:PORT" in p.stderr, "a bad --listen is a usage error", p.stderr)
    p = subprocess.run([LAWFUL, "serve", str(TMP / "nowhere")], capture_output=True, text=True, timeout=30)
    check(p.returncode == 1, "policies that do not load", p.stderr)


@test
def reloads_broken_edit_and_watch():
    pol = policies_copy("reload-policies")
    srv = Server(LAWFUL, pol, "--watch-ms", "100")
    try:
        uk = pol / "uk.law"
        good = uk.read_text()
        # A broken edit: the old version serves on, and /v1/policies says why.
        uk.write_text(good.replace("policy uk.pecr", "policy uk.pecr !!", 1))
        srv.signal(signal.SIGHUP)
        srv.wait_for(r"reload failed; generation 1 serves on")
        info = json.loads(srv.request("GET", "/v1/policies")[2])
        check(info["generation"] == 1 and not info["last_reload"]["ok"], "still generation 1", info)
        d = info["last_reload"]["diagnostics"]
        check(d and d[0]["file"].endswith("uk.law") and d[0]["line"] > 0, "diagnostics name the place", info)
        check("^" in info["last_reload"]["text"], "with a caret", info["last_reload"]["text"])
        status, headers, body = srv.request("POST", "/v1/decide", FIRST, JSON)
        check(status == 200 and headers["lawful-policy-generation"] == "1", "decisions go on")
        # The file fixed and changed: the watcher reloads it.
        uk.write_text(good + "\n// an edit\n")
        srv.wait_for(r"reloaded: generation 2 serves", 15)
        info = json.loads(srv.request("GET", "/v1/policies")[2])
        check(info["generation"] == 2 and info["last_reload"]["ok"], "generation 2", info)
        check("lawful_reloads_total{result=\"failed\"} 1" in srv.request("GET", "/metrics")[2].decode(), "metrics")
    finally:
        srv.stop()


@test
def reload_under_load():
    pol = policies_copy("load-policies")
    srv = Server(LAWFUL, pol, "--watch-ms", "0")
    want = expected_records(FIRST + "\n", pol)
    lines = CASES.splitlines()[:50]
    batch = "\n".join(lines) + "\n"
    want_batch = expected_records(batch, pol)
    stop = threading.Event()
    seen, bad = set(), []

    def client():
        c = srv.conn()
        n = 0
        while not stop.is_set() or n < 5:
            n += 1
            status, headers, body = srv.request("POST", "/v1/decide", batch if n % 2 else FIRST,
                                                NDJSON if n % 2 else JSON, conn=c)
            seen.add(headers.get("lawful-policy-generation"))
            if status != 200 or body != (want_batch if n % 2 else want):
                bad.append((status, body[:200]))
        c.close()
    try:
        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        (pol / "eu.law").write_text((pol / "eu.law").read_text() + "\n// reloaded under load\n")
        srv.signal(signal.SIGHUP)
        srv.wait_for(r"reloaded: generation 2 serves", 20)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(30)
        check(not bad, f"{len(bad)} failed requests under reload", bad[:3])
        check(seen == {"1", "2"}, f"decisions from both versions and no other: {seen}")
    finally:
        stop.set()
        srv.stop()


@test
def decision_log_masks_and_reopens():
    log = TMP / "masked.log"
    srv = Server(LAWFUL, ROOT / "policies", "--decision-log", str(log), "--log-personal", "mask")
    try:
        case = {"contact": {"id": "p-1", "country": "GB", "email": "jane.doe@example.com", "phone": "+447700900123"},
                "campaign": CAMPAIGN}
        srv.request("POST", "/v1/decide", json.dumps(case), {**JSON, "X-Request-Id": "req-42"})
        entry = json.loads(log.read_text().splitlines()[-1])
        check(entry["request_id"] == "req-42" and entry["line"] == 1, "request id", entry)
        check(entry["input"]["contact"]["email"] == "j***@example.com", "email masked", entry)
        check(entry["input"]["contact"]["phone"] == "+**********23", "phone masked", entry)
        check("jane" not in log.read_text() and "900123" not in log.read_text(), "nothing personal left")
        check(entry["decision"]["id"] == "p-1" and entry["policy_version"]["generation"] == 1, "the decision", entry)
        # The policy version across hosts (issue 24): the content hash, which the source hash begins.
        pv = entry["policy_version"]
        check(re.fullmatch(r"[0-9a-f]{64}", pv.get("content_hash") or "") and pv["content_hash"].startswith(pv["source_hash"])
              and pv.get("revision", "absent") is None, "the log names the content hash", entry)
        check(len(entry["input_sha256"]) == 64, "the input's hash", entry)
        # logrotate: the file moved, then SIGHUP; new decisions go to a new file.
        os.rename(log, TMP / "masked.log.1")
        srv.signal(signal.SIGHUP)
        srv.wait_for("SIGHUP")
        time.sleep(0.3)
        srv.request("POST", "/v1/decide", json.dumps(case), JSON)
        check(log.exists() and len(log.read_text().splitlines()) == 1, "reopened", srv.log())
    finally:
        srv.stop()
    # The default: hashed.
    SRV.request("POST", "/v1/decide", "\n".join(CASES.splitlines()[:20]), NDJSON)
    lines = (TMP / "decisions.log").read_text().splitlines()
    check(lines, "the main server logged")
    entries = [json.loads(l) for l in lines]
    check(all("@" not in json.dumps(e["input"]) for e in entries), "no address in the default log")
    emails = {json.loads(c)["contact"]["id"]: json.loads(c)["contact"].get("email") for c in CASES.splitlines()}
    hashed = [e for e in entries if isinstance(e["input"], dict) and "email" in e["input"].get("contact", {})]
    check(hashed, "emails were logged, hashed")
    for e in hashed:
        want = "sha256:" + hashlib.sha256(emails[e["input"]["contact"]["id"]].encode()).hexdigest()
        check(e["input"]["contact"]["email"] == want, "the email's SHA-256", e)
    # With a key: HMAC-SHA-256 under it.
    (TMP / "logkey").write_text("k3y-for-the-log\n")
    srv = Server(LAWFUL, ROOT / "policies", "--decision-log", str(TMP / "keyed.log"), "--log-key-file",
                 str(TMP / "logkey"))
    try:
        srv.request("POST", "/v1/decide", json.dumps({"contact": {"id": "k", "email": "kim@example.com"},
                                                      "campaign": CAMPAIGN}), JSON)
        got = json.loads((TMP / "keyed.log").read_text().splitlines()[0])["input"]["contact"]["email"]
        want = "hmac-sha256:" + hmac.new(b"k3y-for-the-log", b"kim@example.com", hashlib.sha256).hexdigest()
        check(got == want, "keyed hash", got)
    finally:
        srv.stop()
    e = hashed[0]
    raw = [c for c in CASES.splitlines() if json.loads(c)["contact"]["id"] == e["input"]["contact"]["id"]][0]
    check(e["input_sha256"] == hashlib.sha256(raw.encode()).hexdigest(), "the input's hash is of the case sent", e)


@test
def sigterm_answers_requests_in_flight_and_the_log_is_complete():
    log = TMP / "term.log"
    srv = Server(LAWFUL, ROOT / "policies", "--decision-log", str(log), "--log-personal", "drop")
    big = CASES * 10  # about 4,000 lines a request
    results = []

    def client():
        try:
            status, _, body = srv.request("POST", "/v1/decide", big, NDJSON)
            results.append((status, body.count(b"\n")))
        except Exception as e:  # a request begun after the stop may be refused
            results.append(("refused", repr(e)))
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    started = time.time()
    code = srv.stop()
    print(f"     (stopped in {time.time() - started:.1f} s)")
    for t in threads:
        t.join(30)
    check(code == 0, f"exit status {code}", srv.log())
    answered = [n for s, n in results if s == 200]
    check(answered, "some requests were in flight", results)
    check(all(n == big.count("\n") for n in answered), "every answer whole", results)
    logged = len(log.read_text().splitlines())
    check(logged == sum(answered), f"the log holds every decision answered: {logged} != {sum(answered)}",
          srv.log())
    check("stopped" in srv.log(), "says it stopped", srv.log())


def vm_hwm_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/PID/status")


@test
def large_stream_is_chunked_in_bounded_memory():
    # A stream larger than memory keeps (4 MiB) goes to a temporary file in $TMPDIR and is
    # answered in chunks as it is decided: the server's peak memory grows by far less than
    # the body (the whole body and its records in memory would be over twice its size),
    # and the records are still lawful check's, byte for byte.
    spool = TMP / "spool"
    spool.mkdir()
    line_block = CASES + BAD
    # Under the sanitizers: a smaller stream (still spooled), and no bound on memory (the
    # quarantine of AddressSanitizer keeps what is freed).
    text = line_block * ((12_000_000 if SANITIZED else 48_000_000) // len(line_block) + 1)
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(spool)
    try:
        srv = Server(LAWFUL, ROOT / "policies", "--max-body", "200000000", "--watch-ms", "0")
    finally:
        if old is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = old
    try:
        srv.request("POST", "/v1/decide", CASES, NDJSON)  # warm: the engine's scratch, the workers
        before = vm_hwm_kib(srv.proc.pid)
        status, headers, body = srv.request("POST", "/v1/decide", text, NDJSON)
        grown = vm_hwm_kib(srv.proc.pid) - before
        check(status == 200, f"status {status}", body[:300])
        print(f"     ({len(text) / 1e6:.0f} MB in, {len(body) / 1e6:.0f} MB out; peak memory grew by {grown / 1024:.1f} MiB)")
        check(SANITIZED or grown < 40 * 1024,
              f"the server's peak memory grew by {grown} KiB for a {len(text)}-byte stream")
        check(headers.get("transfer-encoding") == "chunked", f"answered in chunks: {headers}")
        want = expected_records(text, ROOT / "policies")
        check(body == want, "the large stream's records differ from lawful check --cases",
              f"got {len(body)} bytes, want {len(want)}")
        check(not any(spool.iterdir()), "the temporary file is unlinked", list(spool.iterdir()))
    finally:
        srv.stop()


def read_chunked(data):
    """The body of a chunked answer (the bytes after its head), and whether it ended."""
    out, pos = b"", 0
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return out, False
        size = int(data[pos:eol], 16)
        if size == 0:
            return out, True
        out += data[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2


@test
def long_stream_answered_as_it_arrives():
    # A stream over 4 MiB sent with a Content-Length is decided by the pipeline of lawful
    # check as its body arrives: a client that reads as it sends gets records before it
    # has sent all (after `100 Continue` when it asked for it); the records are check's,
    # byte for byte; the decision log has every line in order. A client that leaves in
    # the middle of its body leaves the service serving.
    log = TMP / "arriving.log"
    srv = Server(LAWFUL, ROOT / "policies", "--max-body", "100000000", "--decision-log", str(log),
                 "--watch-ms", "0")
    try:
        text = (CASES + BAD) * (6_000_000 // len(CASES + BAD) + 1)
        data = text.encode()
        half = len(data) // 2
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.settimeout(60 if SANITIZED else 20)
        sock.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                     b"Expect: 100-continue\r\nContent-Length: " + str(len(data)).encode() + b"\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += sock.recv(65536)
        check(got.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), "100 Continue first", got[:200])
        got = got[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        sock.sendall(data[:half])
        # Records of the first half come while the second is still to be sent.
        while b'"decision"' not in got and b'"error"' not in got:
            more = sock.recv(1 << 20)
            check(more, "the connection closed early", got[:300])
            got += more
        check(got.startswith(b"HTTP/1.1 200 OK\r\n") and b"Transfer-Encoding: chunked\r\n" in got,
              "a chunked answer", got[:300])
        sender = threading.Thread(target=sock.sendall, args=(data[half:],))
        sender.start()
        while True:
            more = sock.recv(1 << 20)
            if not more:
                break
            got += more
            if got.endswith(b"\r\n0\r\n\r\n"):
                break
        sender.join()
        sock.close()
        head, _, rest = got.partition(b"\r\n\r\n")
        body, ended = read_chunked(rest)
        want = expected_records(text, ROOT / "policies")
        check(ended and body == want, "the records differ from lawful check --cases",
              f"got {len(body)} bytes (ended: {ended}), want {len(want)}")
        logged = [json.loads(l)["line"] for l in log.read_text().splitlines()]
        check(logged == list(range(1, text.count("\n") + 1)), "the log has every line, in order",
              f"{len(logged)} lines logged")
        # Half a body, then gone.
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                     b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data[:half])
        sock.close()
        time.sleep(0.5)
        status, _, body = srv.request("POST", "/v1/decide", CASES, NDJSON)
        check(srv.proc.poll() is None and status == 200 and body == expected_records(CASES, ROOT / "policies"),
              "serves on", srv.log())
    finally:
        srv.stop()


@test
def sigterm_answers_queued_connections():
    # One worker, held by a client that sends its request slowly; three more connections
    # send their requests and wait in the queue. SIGTERM: new connections are refused,
    # and every connection accepted is answered (in turn) before the process exits.
    log = TMP / "queued.log"
    srv = Server(LAWFUL, ROOT / "policies", "--workers", "1", "--queue", "8", "--read-timeout-ms", "20000",
                 "--decision-log", str(log), "--watch-ms", "0")
    lines = CASES.splitlines()
    body = [lines[i].encode() for i in range(4)]

    def post(i):
        return (b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body[i])).encode() + b"\r\n\r\n")

    def answer(sock):
        sock.settimeout(20)
        data = b""
        while True:
            got = sock.recv(65536)
            if not got:
                return data
            data += got
    try:
        slow = socket.create_connection(("127.0.0.1", srv.port))
        slow.sendall(post(0))  # the body later
        time.sleep(0.3)
        queued = []
        for i in (1, 2, 3):
            c = socket.create_connection(("127.0.0.1", srv.port))
            c.sendall(post(i) + body[i])
            queued.append(c)
        time.sleep(0.5)  # accepted and queued behind the slow one
        srv.signal(signal.SIGTERM)
        srv.wait_for("SIGTERM", 10)
        time.sleep(0.3)
        refused = False
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        except OSError:
            refused = True
        check(refused, "a new connection after SIGTERM is refused")
        slow.sendall(body[0])
        answers = [answer(c) for c in [slow] + queued]
        code = srv.proc.wait(20)
        check(code == 0, f"exit status {code}", srv.log())
        check(all(a.startswith(b"HTTP/1.1 200") for a in answers), "every connection accepted is answered",
              [a[:40] for a in answers])
        for i, a in enumerate(answers):
            head, _, record = a.partition(b"\r\n\r\n")
            check(b"Connection: close" in head, f"connection {i}: the answer says the connection closes", head)
            want = expected_records(lines[i] + "\n", ROOT / "policies")
            check(record == want, f"connection {i}: the record of lawful check", f"{record!r}\n{want!r}")
        check(len(log.read_text().splitlines()) == 4, "the log holds the four decisions", log.read_text()[:500])
    finally:
        srv.stop()


@test
def jit_engine_answers_as_the_interpreter():
    srv = Server(LAWFUL, ROOT / "policies", "--engine", "jit", "--watch-ms", "0")
    try:
        engine = json.loads(srv.request("GET", "/v1/policies")[2])["engine"]
        if engine != "jit":
            check("native back end cannot run" in srv.log(), "says why the interpreter decides", srv.log())
            print(f"     skipped: this build has no native back end ({srv.log().strip().splitlines()[0]})")
            return
        check("engine jit" in srv.log(), "the start-up line names the engine", srv.log())
        status, _, body = srv.request("POST", "/v1/decide", STREAM, NDJSON)
        check(status == 200 and body == expected_records(STREAM, ROOT / "policies"),
              "the native back end's stream differs from lawful check (the interpreter)")
        lines = CASES.splitlines()[:40]
        wants = expected_records("\n".join(lines) + "\n", ROOT / "policies").splitlines(keepends=True)
        for line, want in zip(lines, wants):
            status, _, body = srv.request("POST", "/v1/decide", line, JSON)
            check(status == 200 and body == want, "a single case decided by the native back end", f"{body!r}\n{want!r}")
    finally:
        srv.stop()


@test
def the_service_is_a_module_opened_by_serve_only():
    # lawful does not link cpp-httplib or OpenSSL (their loading and OpenSSL's start-up
    # were a third of every start of lawful check, docs/performance.md): check maps
    # neither the module nor them; serve does (the main server above runs through it);
    # a module that cannot be loaded is said, exit 1.
    needed = subprocess.run(["readelf", "-d", LAWFUL], capture_output=True, text=True).stdout
    check("libssl" not in needed and "libcrypto" not in needed and "httplib" not in needed,
          "no NEEDED libssl, libcrypto or cpp-httplib in lawful", needed)
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([LAWFUL, "check", str(ROOT / "policies"), "--contacts", "/dev/null", "--campaign",
                        str(ROOT / "examples/campaign.json"), "-q"], capture_output=True, text=True, env=env)
    check(p.returncode == 0 and "lawful-serve.so" not in p.stderr and "libssl" not in p.stderr
          and "libcrypto" not in p.stderr, "check opens neither the module nor OpenSSL", p.stderr[-2000:])
    bad = TMP / "not-a-module.so"
    bad.write_text("nothing")
    env = dict(os.environ, LAWFUL_SERVE_MODULE=str(bad))
    p = subprocess.run([LAWFUL, "serve", str(ROOT / "policies"), "--listen", "127.0.0.1:0"], capture_output=True,
                       text=True, env=env, timeout=60)
    check(p.returncode == 1 and "lawful serve's module cannot be loaded" in p.stderr, "a broken module is said: exit 1",
          p)


def main():
    only = os.environ.get("SERVE_TEST_ONLY")
    if only:
        TESTS[:] = [t for t in TESTS if t.__name__ == only]
    if SANITIZED:
        # Also without the native back end's test: LLVM compiling under the sanitizers
        # takes half a minute, and the JIT has its own tests (tests/jit).
        TESTS[:] = [t for t in TESTS if t.__name__ not in TIMING | {"jit_engine_answers_as_the_interpreter"}]
    try:
        for t in TESTS:
            try:
                started = time.time()
                t()
                print(f"ok   {t.__name__} ({time.time() - started:.1f} s)")
            except Exception:
                failures.append(t.__name__)
                print(f"FAIL {t.__name__}\n{traceback.format_exc()}")
    finally:
        code = SRV.stop()
        if code != 0:
            failures.append("main server exit status")
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(TESTS) - len(failures)} of {len(TESTS)} passed")
    sys.exit(1 if failures else 0)


main()
