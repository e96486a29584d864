"""A loopback feed server for the benchmark, run in its own process so it never takes the GIL
of the process being measured:

    python -m benchmarks.server FOLDER --hosts 8 [--no-validators]

It serves ``FOLDER/*.xml`` (content type from the ``.type`` file beside each) over HTTP/1.1 with
keep-alive, an ETag and Last-Modified, and answers 304 to a matching conditional request; with
``--no-validators`` it sends neither and every request gets the whole feed again, as a feed that
changed since the last poll would (or one whose server ignores conditional requests). It
listens on 127.0.0.1 … 127.0.0.H (all loopback on Linux), so that feeds spread over H hosts as real
feeds do and tjwatch's per-host limit applies as it would; it prints one line, a JSON list of the
``host:port`` addresses, when it is ready.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LAST_MODIFIED = "Fri, 20 Nov 2026 00:00:00 GMT"


def make_handler(
    files: dict[str, tuple[bytes, str, str]], *, validators: bool = True
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            found = files.get(self.path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, ctype, etag = found
            if validators and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if validators:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def load(folder: Path) -> dict[str, tuple[bytes, str, str]]:
    files = {}
    for path in folder.glob("*.xml"):
        body = path.read_bytes()
        ctype = (folder / (path.name + ".type")).read_text()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        files["/" + path.name] = (body, ctype, etag)
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument(
        "--no-validators", action="store_true", help="no ETag, no Last-Modified, never 304"
    )
    args = parser.parse_args()
    handler = make_handler(load(args.folder), validators=not args.no_validators)
    servers = []
    for n in range(1, args.hosts + 1):
        server = ThreadingHTTPServer((f"127.0.0.{n}", 0), handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    addresses = [f"{s.server_address[0]}:{s.server_address[1]}" for s in servers]
    print(json.dumps(addresses), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin (or dies)


if __name__ == "__main__":
    main()
