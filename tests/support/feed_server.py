"""A real HTTP server on 127.0.0.1 serving feed files, with scripted misbehaviour.

Routes:
  /feeds/<file>                 the file, with ETag and Last-Modified; answers 304 to a matching
                                conditional GET. ``Content-Type`` charset can be set per file.
  anything registered with ``server.route(path, handler)``: a custom behaviour (hang, 429, ...).
The server counts requests per path so tests can assert on what was fetched.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Handler = Callable[[BaseHTTPRequestHandler], None]
LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)


class FeedServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.routes: dict[str, Handler] = {}
        self.content_types: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.conditional_hits: Counter[str] = Counter()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

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

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
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
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
        if request.headers.get("If-None-Match") == etag or request.headers.get("If-Modified-Since") == LAST_MODIFIED:
            send(request, 304, b"", {"ETag": etag, "Last-Modified": LAST_MODIFIED})
            return
        content_type = self.content_types.get(file.name, "application/rss+xml")
        send(request, 200, body, {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED})


def send(request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    request.send_response(status)
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    if status != 304:
        request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body and request.command != "HEAD":
        request.wfile.write(body)
