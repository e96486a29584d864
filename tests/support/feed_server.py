"""A real HTTP server on 127.0.0.1 serving feed files, with scripted misbehaviour.

Routes:
  /feeds/<file>   the file, with ETag and Last-Modified; answers 304 to a matching conditional
                  GET. ``serve_as(file, content_type)`` sets its Content-Type (charset tests),
                  ``compress(file, "gzip"|"br")`` sends it with that Content-Encoding.
  scripted routes, each returning the URL to fetch:
    hang(path)                       accepts the request and never answers
    trickle(path, body, per_second)  a valid answer sent one byte at a time
    huge(path)                       an endless body (no Content-Length)
    retry_after(path, status, value) 429/503 with a Retry-After header
    redirect(path, to, status)       one redirect (301/302/307/308)
    redirect_loop(path)              path → path/loop → path, for ever
    flapping(path, file, failures)   HTTP 500 for the first ``failures`` requests, then the file
    page(path, body, content_type)   any body (article pages, HTML served as a feed)
    changing(path, content)          a feed whose body ``content()`` gives at each request (it
                                     changes over a test's days): ETag of the body, no
                                     Last-Modified, 304 only to the current ETag
    route(path, handler)             anything else
The server counts requests per path so tests can assert on what was fetched.

``python -m tests.support.feed_server DIR`` serves DIR plus a hostile set of routes and prints
``[[feeds]]`` tables for every file and hostile route (the issue 3 "done when" run).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Handler = Callable[[BaseHTTPRequestHandler], None]
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


class FeedServer:
    def __init__(self, root: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.root = root
        self.routes: dict[str, Handler] = {}
        self.content_types: dict[str, str] = {}
        self.encodings: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        self.connections = 0  # TCP connections accepted (keep-alive reuses one)
        self.stopping = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    server.conditional_hits[path] += 1
                handler = server.routes.get(path)
                try:
                    if handler is not None:
                        handler(self)
                    else:
                        server._serve_file(self, path)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = _QuietServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path if path.startswith('/') else '/feeds/' + path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripted behaviours ------------------------------------------------------------------

    def serve_as(self, file: str, content_type: str) -> str:
        self.content_types[file] = content_type
        return self.url(file)

    def compress(self, file: str, encoding: str) -> str:
        self.encodings[file] = encoding
        return self.url(file)

    def hang(self, path: str) -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            self.stopping.wait(120)

        return self.route(path, handler)

    def trickle(self, path: str, body: bytes, per_second: float = 1.0) -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            for i in range(len(body)):
                if self.stopping.wait(1 / per_second):
                    return
                request.wfile.write(body[i : i + 1])
                request.wfile.flush()

        return self.route(path, handler)

    def huge(self, path: str, limit_bytes: int = 2 << 30) -> str:
        chunk = (
            b"<item><title>filler</title><description>" + b"x" * 65_000 + b"</description></item>\n"
        )

        def handler(request: BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/rss+xml")
            request.send_header("Connection", "close")
            request.end_headers()
            request.close_connection = True
            request.wfile.write(
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>\n'
            )
            sent = 0
            while sent < limit_bytes and not self.stopping.is_set():
                request.wfile.write(chunk)
                sent += len(chunk)

        return self.route(path, handler)

    def retry_after(self, path: str, status: int = 429, value: str = "120") -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            send(
                request, status, b"slow down", {"Retry-After": value, "Content-Type": "text/plain"}
            )

        return self.route(path, handler)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            send(request, status, b"", {"Location": to})

        return self.route(path, handler)

    def redirect_loop(self, path: str) -> str:
        self.redirect(path, path + "/loop", 302)
        self.redirect(path + "/loop", path, 302)
        return self.url(path)

    def flapping(self, path: str, file: str, failures: int = 1) -> str:
        count = Counter[str]()

        def handler(request: BaseHTTPRequestHandler) -> None:
            count["n"] += 1
            if count["n"] <= failures:
                send(request, 500, b"internal error", {"Content-Type": "text/plain"})
            else:
                self._serve_file(request, "/feeds/" + file)

        return self.route(path, handler)

    def page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            send(request, 200, body, {"Content-Type": content_type})

        return self.route(path, handler)

    def changing(self, path: str, content: Callable[[], bytes]) -> str:
        def handler(request: BaseHTTPRequestHandler) -> None:
            body = content()
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                send(request, 304, b"", {"ETag": etag})
                return
            send(request, 200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

        return self.route(path, handler)

    # -- files ---------------------------------------------------------------------------------

    def _serve_file(self, request: BaseHTTPRequestHandler, path: str) -> None:
        if not path.startswith("/feeds/"):
            send(request, 404, b"not found")
            return
        file = self.root / path.removeprefix("/feeds/")
        if not file.is_file():
            send(request, 404, b"not found")
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if (
            request.headers.get("If-None-Match") == etag
            or request.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            send(request, 304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        headers = {
            "Content-Type": self.content_types.get(file.name, "application/rss+xml"),
            "ETag": etag,
            "Last-Modified": LAST_MODIFIED,
        }
        encoding = self.encodings.get(file.name)
        if encoding == "gzip":
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        elif encoding == "br":
            import brotli

            body = brotli.compress(body)
            headers["Content-Encoding"] = "br"
        send(request, 200, body, headers)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        # A client that gives up (body cap, timeout) is what the hostile routes are for.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def send(
    request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    request.send_response(status)
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    if status != 304:
        request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body and request.command != "HEAD":
        request.wfile.write(body)


def hostile_routes(server: FeedServer) -> dict[str, str]:
    """The misbehaving feeds of the "done when" run: name → URL."""
    return {
        "hostile: hangs": server.hang("/hostile/hang"),
        "hostile: HTTP 500": server.route(
            "/hostile/500", lambda r: send(r, 500, b"internal error")
        ),
        "hostile: huge body": server.huge("/hostile/huge"),
        "hostile: 429 Retry-After": server.retry_after("/hostile/429", 429, "600"),
        "hostile: 503 Retry-After": server.retry_after("/hostile/503", 503, "3600"),
        "hostile: redirect loop": server.redirect_loop("/hostile/loop"),
        "hostile: trickle": server.trickle("/hostile/trickle", b"<rss>" + b" " * 600 + b"</rss>"),
        "hostile: HTML page": server.page(
            "/hostile/html", b"<!DOCTYPE html><html><body><p>Hello</p></body></html>"
        ),
    }


def main() -> None:  # pragma: no cover - a manual tool
    import argparse
    import json
    import time

    parser = argparse.ArgumentParser(
        description="serve a folder of feeds plus hostile routes on 127.0.0.1"
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FeedServer(args.root, args.port).start()
    feeds = {
        f.name: server.url(f.name)
        for f in sorted(args.root.iterdir())
        if f.suffix in {".xml", ".gz"}
    }
    # The hostile routes live on another loopback host, as a bad outlet would: the per-host
    # limit is per outlet, so they must not hold the good feeds' slots.
    hostile = FeedServer(args.root, args.port + 1 if args.port else 0, host="127.0.0.2").start()
    feeds.update(hostile_routes(hostile))
    for name, url in feeds.items():
        print(f"[[feeds]]\nname = {json.dumps(name)}\nurl = {json.dumps(url)}\n", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
        hostile.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
