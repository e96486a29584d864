"""The soak benchmark's outlets on loopback, in a process of their own (so that neither the month
of text nor the server's threads count in the measured process tree):

    python -m benchmarks.soak_server [--feeds 36] [--topic-share 0.01] [--hang 3]

It prints one JSON line when it is ready: the ``host:port`` addresses and the feeds (name, path,
language, host). Then each line ``tick`` on stdin moves the world one cycle on
(``benchmarks.soak_stream.World.advance``) and is answered with one JSON line, the items
published in it as ``[link, feed, topic]``: the harness's own record of what the feeds served.

Feeds are served over HTTP/1.1 with an ETag (the body's hash) and answer 304 to a matching
``If-None-Match``. A failing feed (``soak_stream.failure``) answers 500, 503 with Retry-After,
a truncated body, or nothing for ``--hang`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from benchmarks.soak_stream import Texts, World, failure, outlets, render

HOSTS = 8


class Feeds:
    """The feeds' current bodies, swapped whole at each tick."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.bodies: dict[str, tuple[bytes, str, str]] = {}
        self.cycle = 0
        self._cache: dict[int, dict[str, str]] = {}  # each feed's items' markup
        self._lock = threading.Lock()
        for feed in world.feeds:
            self._render(feed.n)

    def tick(self) -> list[tuple[str, int, bool]]:
        added = self.world.advance()
        for n in sorted({p.feed for p in added}):
            self._render(n)
        with self._lock:
            self.cycle = self.world.cycle
        return [(p.link, p.feed, p.topic) for p in added]

    def _render(self, n: int) -> None:
        feed = self.world.feeds[n]
        items = list(self.world.windows[n])
        cache = self._cache.get(n, {})
        self._cache[n] = {p.link: cache[p.link] for p in items if p.link in cache}
        body, ctype = render(feed, items, self._cache[n])
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        with self._lock:
            self.bodies[feed.path] = (body, ctype, etag)

    def get(self, path: str) -> tuple[tuple[bytes, str, str] | None, str | None]:
        with self._lock:
            found, cycle = self.bodies.get(path), self.cycle
        if found is None:
            return None, None
        n = int(path.removeprefix("/outlet-").removesuffix(".xml"))
        return found, failure(n, cycle, len(self.world.feeds))


def make_handler(feeds: Feeds, hang_s: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            found, failing = feeds.get(self.path)
            if found is None:
                return self._empty(404)
            body, ctype, etag = found
            match failing:
                case "500":
                    return self._empty(500)
                case "retry":
                    return self._empty(503, {"Retry-After": "3600"})
                case "timeout":
                    time.sleep(hang_s)
                    self.close_connection = True
                    return None
                case "broken":
                    body = body[: len(body) * 3 // 5]
                    etag = etag[:-1] + '-broken"'
            if self.headers.get("If-None-Match") == etag:
                return self._empty(304, {"ETag": etag})
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)
            return None

        def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def handle(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()  # a client that gave up on a hanging feed is no error

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak_server")
    parser.add_argument("--feeds", type=int, default=36)
    parser.add_argument("--topic-share", type=float, default=0.01)
    parser.add_argument("--hang", type=float, default=3.0, help="seconds a timing-out feed hangs")
    args = parser.parse_args()
    world = World(Texts.load(), outlets(args.feeds), topic_share=args.topic_share)
    feeds = Feeds(world)
    handler = make_handler(feeds, args.hang)
    servers = []
    for n in range(1, HOSTS + 1):
        server = ThreadingHTTPServer((f"127.0.0.{n}", 0), handler)
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    hosts = [f"127.0.0.{n}:{s.server_address[1]}" for n, s in enumerate(servers, start=1)]
    listing = [
        {"name": f.name, "url": f"http://{hosts[f.n % HOSTS]}{f.path}", "lang": f.lang}
        for f in world.feeds
    ]
    print(json.dumps({"feeds": listing}), flush=True)
    for line in sys.stdin:  # serve until the harness closes our stdin (or dies)
        if line.strip() == "tick":
            print(json.dumps(feeds.tick(), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
