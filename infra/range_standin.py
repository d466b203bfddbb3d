"""A local stand-in for the Pwned Passwords range API.

GET /range/<five hex digits> answers as api.pwnedpasswords.com does
(`SUFFIX:COUNT` lines; with `Add-Padding: true`, padded with suffixes of
count 0), knowing a few passwords as breached. The range of
"hanging passphrase 1" never comes (the request is held for a minute), to
test the time-out. GET /requests lists every range request received (path,
whether padding was asked for, and whether it was answered yet), so tests
can see what left the functions and what they stopped waiting for.

    python infra/range_standin.py --port 8099
"""

import argparse
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BREACHED = {"correct horse battery staple": 3645, "breached passphrase 1": 12, "password": 9659365}
HANGS = "hanging passphrase 1"


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest().upper()


KNOWN = {sha1(p): n for p, n in BREACHED.items()}
HANGING = sha1(HANGS)[:5]
PREFIX = re.compile(r"^/range/([0-9A-Fa-f]{5})$")

requests = []
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, kind="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/requests":
            with lock:
                return self.answer(200, json.dumps(requests), "application/json")
        if self.path == "/health":
            return self.answer(200, "ok")
        padding = self.headers.get("Add-Padding", "").lower() == "true"
        record = {"path": self.path, "padding": padding, "answered": False}
        with lock:
            requests.append(record)
        match = PREFIX.match(self.path)
        if not match:
            self.answer(400, "The hash prefix was not in a valid format")
            with lock:
                record["answered"] = True
            return
        prefix = match.group(1).upper()
        if prefix == HANGING:
            time.sleep(60)
        lines = [f"{h[5:]}:{n}" for h, n in KNOWN.items() if h.startswith(prefix)]
        if padding:
            seed = hashlib.sha1(prefix.encode()).hexdigest().upper()
            lines += [f"{hashlib.sha1((seed + str(i)).encode()).hexdigest().upper()[:35]}:0" for i in range(800)]
        self.answer(200, "\r\n".join(lines))
        with lock:
            record["answered"] = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
