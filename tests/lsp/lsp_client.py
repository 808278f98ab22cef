"""A small scripted LSP client for tests and the latency benchmark: starts `lawful lsp`,
frames JSON-RPC messages, and waits (with a deadline) for responses and notifications."""

import json
import os
import queue
import subprocess
import threading
import time


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def position(text, offset):
    """The LSP position (UTF-16 columns) of a character offset of a Python string."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": utf16_len(text[start:offset])}


def uri(path):
    return "file://" + str(path)


class Client:
    def __init__(self, lawful, env=None, args=("lsp",)):
        self.proc = subprocess.Popen([lawful, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.messages = queue.Queue()
        self.pending = []   # messages read but not yet taken
        self.next_id = 1
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode().partition(":")
                if key.lower() == "content-length":
                    length = int(value)
            body = out.read(length)
            self.messages.put((time.monotonic(), json.loads(body)))

    def write_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    @staticmethod
    def frame(message):
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, message):
        message = dict(message, jsonrpc="2.0")
        self.write_raw(self.frame(message))

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def request_async(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"id": rid, "method": method, "params": params})
        return rid

    def take(self, match, timeout=20):
        """The first message (already read or still to come) for which match() holds."""
        for i, (_, m) in enumerate(self.pending):
            if match(m):
                return self.pending.pop(i)[1]
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for a message from the server")
            try:
                item = self.messages.get(timeout=left)
            except queue.Empty:
                raise AssertionError("timed out waiting for a message from the server")
            if item is None:
                raise AssertionError("the server closed its output")
            if match(item[1]):
                return item[1]
            self.pending.append(item)

    def take_timed(self, match, timeout=20):
        """As take, with the time the message was read."""
        deadline = time.monotonic() + timeout
        while True:
            item = self.messages.get(timeout=max(0.001, deadline - time.monotonic()))
            if item is None:
                raise AssertionError("the server closed its output")
            if match(item[1]):
                return item
            self.pending.append(item)

    def response(self, rid, timeout=20):
        return self.take(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def request(self, method, params, timeout=20):
        return self.response(self.request_async(method, params), timeout)

    def result(self, method, params):
        r = self.request(method, params)
        assert "error" not in r, f"{method} failed: {r}"
        return r["result"]

    def diagnostics(self, doc_uri, version=None, timeout=20):
        """The next diagnostics published for a document (for a version, if given)."""
        def match(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != doc_uri:
                return False
            return version is None or m["params"].get("version") == version
        return self.take(match, timeout)["params"]["diagnostics"]

    def initialize(self, root, timeout=20):
        r = self.request("initialize", {"processId": os.getpid(), "rootUri": uri(root), "capabilities": {}}, timeout)
        assert "error" not in r, f"initialize failed: {r}"
        r = r["result"]
        self.notify("initialized", {})
        return r

    def close(self, timeout=20):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        return self.proc.wait(timeout)
