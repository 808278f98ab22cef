"""Starting `lawful serve` on a free loopback port for the tests, and talking to it."""
import http.client, json, os, pathlib, re, shutil, signal, subprocess, sys, tempfile, threading, time

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Server:
    """`lawful serve` on 127.0.0.1, port chosen by the system; stderr collected."""

    def __init__(self, lawful, policies, *args):
        self.proc = subprocess.Popen([lawful, "serve", str(policies), "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for(r"listening on http://127\.0\.0\.1:(\d+)", 30)
        self.port = int(re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log()).group(1))

    def _read(self):
        for line in self.proc.stderr:
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def log(self):
        with self.cv:
            return "".join(self.lines)

    def wait_for(self, pattern, seconds=10):
        deadline = time.time() + seconds
        with self.cv:
            while not re.search(pattern, "".join(self.lines)):
                left = deadline - time.time()
                if left <= 0 or (self.proc.poll() is not None and not re.search(pattern, "".join(self.lines))):
                    if self.proc.poll() is not None:
                        time.sleep(0.1)
                        if re.search(pattern, "".join(self.lines)):
                            return
                    raise AssertionError(f"the server never said /{pattern}/; it said:\n{''.join(self.lines)}")
                self.cv.wait(min(left, 0.2))

    timeout = 60 if "--sanitized" in sys.argv[2:] else 10

    def conn(self, timeout=None):
        timeout = timeout or Server.timeout
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.conn()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the server did not stop within 20 s of SIGTERM")
        # A sanitizer's report (the --sanitized run) fails the test that started the server.
        time.sleep(0.1)
        if re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", self.log()):
            raise AssertionError(f"the sanitizers reported:\n{self.log()[-4000:]}")
        return code


def cases_from(contacts_text, campaign):
    return "".join(json.dumps({"contact": json.loads(l), "campaign": campaign}) + "\n"
                   for l in contacts_text.splitlines() if l.strip())
