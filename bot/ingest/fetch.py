"""Fetching feeds and article pages over HTTP with httpx, politely and defensively.

Bounded concurrency (overall and per host), a connect and a total timeout, a body cap that aborts
the download (never buffers past it), conditional GET, and redirects followed hop by hop so that
each hop is checked: http(s) only, no loop, and — for addresses a user gave at run time — no
loopback or private address (a redirect must not smuggle a fetch into the local network).

Expected failures (timeouts, HTTP errors, refusals, oversized bodies) come back as
``FetchResult`` values with a short, human ``error``; only bugs raise.
"""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.request
import zlib
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from bot.ingest.urls import is_non_public_ip, literal_ip, scheme_problem
from bot.models import FeedSpec, FetchResult, FetchStatus
from bot.settings import FetchSettings

MAX_REDIRECTS = 10
_PERMANENT = (301, 308)
_ACCEPT_FEED = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
_GZIP_MAGIC = b"\x1f\x8b"
_ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class _Abort(Exception):
    """A fetch given up on purpose; the message is the human reason."""


class Fetcher:
    """One shared ``httpx.AsyncClient`` with an overall and a per-host concurrency limit."""

    def __init__(self, settings: FetchSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            follow_redirects=False,  # followed by hand, to check every hop
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(
                max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
            ),
        )
        # Behind a proxy the connection's peer is the proxy, not the site: no peer check then.
        self._proxied = bool(urllib.request.getproxies())
        self._overall = asyncio.Semaphore(settings.concurrency)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host)
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, feed: FeedSpec, *, public_only: bool = False) -> FetchResult:
        """Fetch a feed (conditionally, when its ETag or Last-Modified is known)."""
        return await self._fetch(feed, public_only=public_only, accept=_ACCEPT_FEED)

    async def fetch_page(self, url: str, *, public_only: bool = False) -> FetchResult:
        """Fetch an article page under the same limits; ``result.feed`` names the page."""
        return await self._fetch(
            FeedSpec(0, url, url), public_only=public_only, accept=_ACCEPT_PAGE
        )

    async def address_problem(self, url: str, *, public_only: bool) -> str | None:
        """Why ``url`` may not be fetched (scheme, or a non-public address), or None."""
        problem = scheme_problem(url)
        if problem or not public_only:
            return problem
        host = urlsplit(url).hostname or ""
        for address in await _addresses(host):
            if is_non_public_ip(address):
                return f"{host} is a loopback or private network address ({address}); refused"
        return None

    def peer_problem(self, url: str, address: str | None) -> str | None:
        """Why a response from ``address`` may not be used by a public-only fetch, or None.

        ``address_problem`` resolves the host before the request, and the connection resolves
        it again: a DNS server answering a public address first and 127.0.0.1 next ("DNS
        rebinding") would pass that check. This one judges the address actually connected to.
        """
        if address is None or not is_non_public_ip(address):
            return None
        host = urlsplit(url).hostname or ""
        return f"{host} connected to a loopback or private network address ({address}); refused"

    async def _fetch(self, feed: FeedSpec, *, public_only: bool, accept: str) -> FetchResult:
        host = urlsplit(feed.url).hostname or ""
        limit = self._settings.timeout
        async with self._overall, self._per_host[host]:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(limit):
                    result = await self._get(feed, public_only=public_only, accept=accept)
            except (TimeoutError, httpx.TimeoutException):
                result = _failed(feed, f"timed out after {limit:g} s")
            except _Abort as exc:
                result = _failed(feed, str(exc))
            except httpx.ConnectError as exc:
                result = _failed(feed, f"cannot connect: {_reason(exc)}")
            except httpx.RemoteProtocolError as exc:
                result = _failed(feed, f"the server broke the connection: {_reason(exc)}")
            except httpx.DecodingError as exc:
                result = _failed(feed, f"cannot decompress the response body: {_reason(exc)}")
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                result = _failed(feed, f"network error: {_reason(exc)}")
            elapsed = time.perf_counter() - started
        return replace(result, elapsed_s=elapsed)

    async def _get(self, feed: FeedSpec, *, public_only: bool, accept: str) -> FetchResult:
        headers = {"Accept": accept}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        url = feed.url
        seen = {url}
        hops: list[int] = []
        while True:
            problem = await self.address_problem(url, public_only=public_only)
            if problem:
                raise _Abort(problem if not hops else f"redirected to {url}: {problem}")
            async with self._client.stream("GET", url, headers=headers) as response:
                if public_only and not self._proxied:
                    problem = self.peer_problem(url, _peer_address(response))
                    if problem:
                        raise _Abort(problem if not hops else f"redirected to {url}: {problem}")
                if response.has_redirect_location:
                    target = urljoin(url, response.headers["Location"].strip())
                    hops.append(response.status_code)
                    if target in seen:
                        raise _Abort(f"redirect loop: {url} sends back to {target}")
                    if len(hops) > MAX_REDIRECTS:
                        raise _Abort(f"more than {MAX_REDIRECTS} redirects")
                    seen.add(target)
                    url = target
                    continue
                return await self._answer(feed, response, url, hops)

    async def _answer(
        self, feed: FeedSpec, response: httpx.Response, url: str, hops: list[int]
    ) -> FetchResult:
        # RFC 9110 §15.4: only a chain of permanent redirects lets a client update its link.
        permanent = url if hops and all(code in _PERMANENT for code in hops) else None
        status = response.status_code
        if status == 304:
            # Read to its (empty) end: a response closed unread takes its connection with it, and
            # the next poll of the host would open a new one (a TLS handshake, on the web).
            await response.aread()
            return FetchResult(
                feed,
                FetchStatus.NOT_MODIFIED,
                http_status=304,
                final_url=url,
                permanent_redirect=permanent,
                etag=feed.etag,
                last_modified=feed.last_modified,
            )
        if status >= 300 or status < 200 or status in (204, 205):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = f"HTTP {status} {response.reason_phrase}".strip()
            if status in (429, 503) and retry_after is not None:
                error += f"; asked to retry after {_duration(retry_after)}"
            return FetchResult(
                feed,
                FetchStatus.FAILED,
                http_status=status,
                final_url=url,
                permanent_redirect=permanent,
                error=error,
                retry_after_s=retry_after,
            )
        body = await self._read_capped(response)
        if body.startswith(_GZIP_MAGIC):
            # A gzip file served without Content-Encoding (a misconfigured server, or a stored
            # .xml.gz): unpack it, under the same cap.
            body = _gunzip(body, self._settings.max_body_bytes)
        headers_out = {k.lower(): v for k, v in response.headers.items()}
        # httpx has already decompressed the body: feedparser must not try again.
        headers_out.pop("content-encoding", None)
        headers_out.pop("content-length", None)
        return FetchResult(
            feed,
            FetchStatus.OK,
            content=body,
            headers=headers_out,
            final_url=url,
            permanent_redirect=permanent,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            http_status=status,
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self._settings.max_body_bytes
        too_large = f"response larger than {_size(limit)}; download aborted"
        declared = response.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and int(declared) > limit
            and "content-encoding" not in response.headers
        ):
            raise _Abort(too_large)
        chunks: list[bytes] = []
        size = 0
        # Counted after decompression, so a small gzip bomb is stopped too.
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _Abort(too_large)
            chunks.append(chunk)
        return b"".join(chunks)


def _gunzip(body: bytes, limit: int) -> bytes:
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = unpacker.decompress(body, limit + 1)
    except zlib.error:
        return body  # not gzip after all: let the parser say what it is
    if len(data) > limit:
        raise _Abort(f"response larger than {_size(limit)} once unpacked; download aborted")
    return data


def _peer_address(response: httpx.Response) -> str | None:
    """The IP address the response actually came from (None where the transport hides it)."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return str(peer[0]) if peer else None


async def _addresses(host: str) -> list[str]:
    literal = literal_ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []  # unresolvable: the fetch itself fails with a clear "cannot connect"
    return [str(info[4][0]) for info in infos]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _duration(seconds: float) -> str:
    if seconds <= 300:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: int) -> str:
    return f"{n / 1048576:g} MiB" if n >= 1048576 else f"{n} bytes"


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _failed(feed: FeedSpec, error: str) -> FetchResult:
    return FetchResult(feed, FetchStatus.FAILED, error=error)
