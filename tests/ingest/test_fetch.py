"""The fetcher against a real loopback server: limits, timeouts, caps, redirects, politeness."""

from __future__ import annotations

import contextlib
import gzip
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
import pytest_asyncio

from bot.config_file import FetchSettings
from bot.ingest.fetch import Fetcher, parse_retry_after
from bot.models import FeedSpec, FetchStatus
from tests.ingest.conftest import NOW
from tests.support.feed_server import FeedServer, send


@pytest_asyncio.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(FetchSettings(timeout=2, connect_timeout=1, max_body_bytes=1024 * 1024))
    yield f
    await f.aclose()


def spec(url: str, etag: str | None = None, last_modified: str | None = None) -> FeedSpec:
    return FeedSpec(1, "test", url, etag=etag, last_modified=last_modified)


@pytest.mark.asyncio
async def test_conditional_get_gets_304_and_no_body(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    url = feed_server.url("lenta-ru-2022-12-rss.xml")
    first = await fetcher.fetch(spec(url))
    assert first.status is FetchStatus.OK and first.etag and first.last_modified
    assert b"lenta.ru" in first.content
    second = await fetcher.fetch(spec(url, first.etag, first.last_modified))
    assert second.status is FetchStatus.NOT_MODIFIED
    assert second.content == b""
    assert second.etag == first.etag
    assert feed_server.conditional_hits["/feeds/lenta-ru-2022-12-rss.xml"] == 1


@pytest.mark.asyncio
async def test_polls_answered_304_keep_the_connection(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    url = feed_server.url("lenta-ru-2022-12-rss.xml")
    first = await fetcher.fetch(spec(url))
    for _ in range(3):
        again = await fetcher.fetch(spec(url, first.etag, first.last_modified))
        assert again.status is FetchStatus.NOT_MODIFIED
    assert feed_server.connections == 1


@pytest.mark.asyncio
async def test_429_and_503_carry_retry_after(fetcher: Fetcher, feed_server: FeedServer) -> None:
    busy = await fetcher.fetch(spec(feed_server.retry_after("/busy", 429, "120")))
    assert busy.status is FetchStatus.FAILED and busy.http_status == 429
    assert busy.retry_after_s == 120
    assert "retry after 120 s" in (busy.error or "")
    # An HTTP date two hours ahead of the real clock, which the fetcher reads.
    when = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    down = await fetcher.fetch(spec(feed_server.retry_after("/down", 503, when)))
    assert down.http_status == 503 and down.retry_after_s is not None and down.retry_after_s > 0


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Mon, 23 Nov 2026 14:00:00 GMT", now=NOW) == 7200
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now=NOW) == 0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


@pytest.mark.asyncio
async def test_endless_body_is_aborted_at_the_cap(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    started = time.perf_counter()
    result = await fetcher.fetch(spec(feed_server.huge("/huge")))
    assert result.status is FetchStatus.FAILED
    assert result.error == "response larger than 1 MiB; download aborted"
    assert time.perf_counter() - started < 10  # aborted, not read to the end (2 GiB)


@pytest.mark.asyncio
async def test_declared_oversized_body_is_refused_before_reading(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    def big(request: BaseHTTPRequestHandler) -> None:
        send(request, 200, b"x" * (2 * 1024 * 1024), {"Content-Type": "application/rss+xml"})

    result = await fetcher.fetch(spec(feed_server.route("/big", big)))
    assert result.status is FetchStatus.FAILED and "larger than 1 MiB" in (result.error or "")


@pytest.mark.asyncio
async def test_compressed_body_is_capped_once_unpacked(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    """A gzip bomb: 6 KiB on the wire, 6 MiB unpacked, against a 1 MiB cap."""
    bomb = gzip.compress(b"<rss>" + b" " * (6 * 1024 * 1024) + b"</rss>")
    assert len(bomb) < 8 * 1024

    def gzipped(request: BaseHTTPRequestHandler) -> None:
        send(
            request, 200, bomb, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
        )

    result = await fetcher.fetch(spec(feed_server.route("/bomb", gzipped)))
    assert result.status is FetchStatus.FAILED
    assert result.error == "response larger than 1 MiB; download aborted"


def _raw(answer: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that writes ``answer`` as it is and hangs up."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.wfile.write(answer)
        request.wfile.flush()
        request.close_connection = True

    return handler


@pytest.mark.parametrize(
    ("answer", "expected", "detail"),
    [
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n"
            b"\r\n<rss><channel>",
            "the server broke the connection: ",
            "5000",  # how much it promised
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: 22\r\n\r\nthis is not gzip at all",
            "cannot decompress the response body: ",
            "gzip",
        ),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "the server's answer is not valid HTTP: ", "SSH-2.0"),
        (b"", "the server broke the connection: ", "disconnected"),
    ],
    ids=["cut short", "bad gzip", "not HTTP", "no answer"],
)
@pytest.mark.asyncio
async def test_a_broken_answer_fails_the_feed_with_its_reason(
    fetcher: Fetcher, feed_server: FeedServer, answer: bytes, expected: str, detail: str
) -> None:
    result = await fetcher.fetch(spec(feed_server.route("/broken", _raw(answer))))
    error = result.error or ""
    assert result.status is FetchStatus.FAILED and result.content == b""
    # Shown in the feed's health: one line that says what went wrong.
    assert error.startswith(expected) and detail in error and "\n" not in error, error


@pytest.mark.asyncio
async def test_redirect_loop_is_reported(fetcher: Fetcher, feed_server: FeedServer) -> None:
    result = await fetcher.fetch(spec(feed_server.redirect_loop("/loop")))
    assert result.status is FetchStatus.FAILED
    assert (result.error or "").startswith("redirect loop:")
    assert feed_server.hits["/loop"] == 1 and feed_server.hits["/loop/loop"] == 1


@pytest.mark.parametrize("status", [301, 308])
@pytest.mark.asyncio
async def test_permanent_redirect_names_the_new_address(
    fetcher: Fetcher, feed_server: FeedServer, status: int
) -> None:
    target = feed_server.url("meduza-io-2020-10-rss.xml")
    result = await fetcher.fetch(spec(feed_server.redirect("/moved", target, status)))
    assert result.status is FetchStatus.OK and b"meduza" in result.content
    assert result.permanent_redirect == target


@pytest.mark.asyncio
async def test_temporary_redirect_is_followed_but_not_remembered(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    target = feed_server.url("meduza-io-2020-10-rss.xml")
    middle = feed_server.redirect("/perm", target, 301)
    result = await fetcher.fetch(spec(feed_server.redirect("/temp", middle, 302)))
    assert result.status is FetchStatus.OK and result.final_url == target
    assert result.permanent_redirect is None


@pytest.mark.asyncio
async def test_hanging_server_times_out(fetcher: Fetcher, feed_server: FeedServer) -> None:
    started = time.perf_counter()
    result = await fetcher.fetch(spec(feed_server.hang("/hang")))
    assert result.status is FetchStatus.FAILED and result.error == "timed out after 2 s"
    assert time.perf_counter() - started < 8


@pytest.mark.asyncio
async def test_a_server_that_never_accepts_hits_the_connect_timeout(fetcher: Fetcher) -> None:
    """A listening socket whose queue is full drops new connections' SYNs (Linux): the connect
    never completes, and the connect timeout (1 s here, the total 2 s) is what the user reads."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued = [socket.socket() for _ in range(4)]
        for waiting in queued:
            waiting.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                waiting.connect(("127.0.0.1", port))
        try:
            result = await fetcher.fetch(spec(f"http://127.0.0.1:{port}/feed.xml"))
        finally:
            for waiting in queued:
                waiting.close()
    assert result.status is FetchStatus.FAILED
    assert result.error == "cannot connect: no answer within 1 s"  # not "timed out after 2 s"


@pytest.mark.asyncio
async def test_trickling_server_hits_the_total_timeout(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    # Every byte arrives well within the read timeout; only the total deadline stops it.
    result = await fetcher.fetch(
        spec(feed_server.trickle("/trickle", b"<rss>" + b" " * 100 + b"</rss>", 4))
    )
    assert result.status is FetchStatus.FAILED and result.error == "timed out after 2 s"


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.asyncio
async def test_compressed_bodies_are_decompressed(
    fetcher: Fetcher, feed_server: FeedServer, encoding: str
) -> None:
    result = await fetcher.fetch(spec(feed_server.compress("lenta-ru-2022-12-rss.xml", encoding)))
    assert result.status is FetchStatus.OK
    assert "Lenta.ru" in result.content.decode("utf-8")
    assert "content-encoding" not in result.headers


@pytest.mark.asyncio
async def test_sends_an_honest_user_agent(fetcher: Fetcher, feed_server: FeedServer) -> None:
    seen: list[str] = []

    def echo(request: BaseHTTPRequestHandler) -> None:
        seen.append(request.headers.get("User-Agent", ""))
        send(request, 200, b"<rss/>")

    await fetcher.fetch(spec(feed_server.route("/ua", echo)))
    assert seen and seen[0].startswith("tjwatch/") and "+https://" in seen[0]


@pytest.mark.asyncio
async def test_private_addresses_refused_for_public_only_fetches(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    url = feed_server.url("lenta-ru-2022-12-rss.xml")
    result = await fetcher.fetch(spec(url), public_only=True)
    assert result.status is FetchStatus.FAILED
    assert "127.0.0.1 is a loopback or private network address" in (result.error or "")
    assert feed_server.hits["/feeds/lenta-ru-2022-12-rss.xml"] == 0
    for address in (
        "http://10.1.2.3/rss",
        "http://[::1]/rss",
        "http://169.254.169.254/latest/",
        "http://[::ffff:127.0.0.1]/rss",
        "http://localhost/rss",
    ):
        assert await fetcher.address_problem(address, public_only=True), address
    assert await fetcher.address_problem("ftp://example.org/rss", public_only=False)


class _FirstHopTrusted(Fetcher):
    """Treats the test server's first URL as public, to test that later hops are still checked."""

    def __init__(self, settings: FetchSettings, trusted: str) -> None:
        super().__init__(settings)
        self.trusted = trusted

    async def address_problem(self, url: str, *, public_only: bool) -> str | None:
        if url == self.trusted:
            return None
        return await super().address_problem(url, public_only=public_only)


class _ResolvesPublicFirst(Fetcher):
    """A DNS answer that says "public" to the check, while the connection reaches 127.0.0.1."""

    async def address_problem(self, url: str, *, public_only: bool) -> str | None:
        return None


@pytest.mark.asyncio
async def test_redirect_into_a_private_address_is_refused(feed_server: FeedServer) -> None:
    start = feed_server.url("/to-private")
    fetcher = _FirstHopTrusted(FetchSettings(timeout=2), trusted=start)
    try:
        feed_server.redirect("/to-private", feed_server.url("lenta-ru-2022-12-rss.xml"), 302)
        result = await fetcher.fetch(spec(start), public_only=True)
    finally:
        await fetcher.aclose()
    assert result.status is FetchStatus.FAILED
    assert (result.error or "").startswith("redirected to http://127.0.0.1:")
    assert "refused" in (result.error or "")
    assert feed_server.hits["/to-private"] == 1
    assert feed_server.hits["/feeds/lenta-ru-2022-12-rss.xml"] == 0


@pytest.mark.asyncio
async def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused(
    feed_server: FeedServer,
) -> None:
    """DNS rebinding: the check saw a public address, the connection then went to 127.0.0.1."""
    url = feed_server.url("lenta-ru-2022-12-rss.xml").replace("//127.0.0.1:", "//localhost:")
    fetcher = _ResolvesPublicFirst(FetchSettings(timeout=2))
    try:
        result = await fetcher.fetch(spec(url), public_only=True)
        trusted_run = await fetcher.fetch(spec(url))  # a configured feed may be local
    finally:
        await fetcher.aclose()
    assert result.status is FetchStatus.FAILED and result.content == b""
    assert "localhost resolved to a loopback or private network address" in (result.error or "")
    assert (result.error or "").endswith("when connecting; refused")
    assert feed_server.hits["/feeds/lenta-ru-2022-12-rss.xml"] == 1  # the trusted run's only
    assert trusted_run.status is FetchStatus.OK


@pytest.mark.asyncio
async def test_per_host_limit_bounds_concurrent_requests(feed_server: FeedServer) -> None:
    import asyncio
    import threading

    active = 0
    peak = 0
    lock = threading.Lock()

    def slow(request: BaseHTTPRequestHandler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        send(request, 200, b"<rss/>")

    url = feed_server.route("/slow", slow)
    fetcher = Fetcher(FetchSettings(timeout=10, per_host=2, concurrency=16))
    try:
        await asyncio.gather(*(fetcher.fetch(spec(url)) for _ in range(6)))
    finally:
        await fetcher.aclose()
    assert peak == 2


@pytest.mark.asyncio
async def test_gzip_file_served_without_content_encoding_is_unpacked(
    fetcher: Fetcher, feed_server: FeedServer
) -> None:
    result = await fetcher.fetch(spec(feed_server.url("nshipster-gzip-compressed-body.xml.gz")))
    assert result.status is FetchStatus.OK
    assert result.content.startswith(b"<?xml") and b"NSHipster" in result.content
