#!/usr/bin/python3
# tests/support/receivers/http_sink.py — a real HTTP server on 127.0.0.1 for webhook tests.
# Records each request as req-N.body (exact bytes) and req-N.json (method, path, headers,
# and the HMAC-SHA256 of the body computed by Python's hmac module when --hmac-key is given),
# then answers a configured status, optionally after a delay or echoing the request body.
#
# usage: http_sink.py --dir DIR [--port N] [--status 200] [--sleep SECONDS] [--echo]
#                     [--hmac-key KEY]
# With --port 0 (the default) the kernel picks a free port. The port is printed on stdout
# and written to DIR/port once the socket listens (written via rename: never half a file).

import argparse
import hashlib
import hmac
import itertools
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--echo", action="store_true", help="answer with the request body")
    ap.add_argument("--hmac-key")
    args = ap.parse_args()
    seq = itertools.count(1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # keep test output clean
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                n = next(seq)
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "header_count": {k.lower(): len(self.headers.get_all(k)) for k in self.headers},
                "hmac_sha256": hmac.new(args.hmac_key.encode(), body, hashlib.sha256).hexdigest()
                if args.hmac_key else None,
            }
            base = os.path.join(args.dir, "req-%d" % n)
            write_atomic(base + ".body", body)
            write_atomic(base + ".json", json.dumps(record).encode())
            if args.sleep > 0:
                time.sleep(args.sleep)
            out = body if args.echo else json.dumps({"status": args.status}).encode()
            try:
                self.send_response(args.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_PUT = do_POST

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    write_atomic(os.path.join(args.dir, "port"), str(port).encode())
    print(port, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
