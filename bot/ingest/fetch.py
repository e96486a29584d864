"""Fetching feeds and article pages over HTTP with aiohttp, politely and defensively.

Bounded concurrency (overall and per host), a connect and a total timeout, a body cap that aborts
the download (never buffers past it), conditional GET, and redirects followed hop by hop so that
each hop is checked: http(s) only, no loop, and — for addresses a user gave at run time — no
loopback or private address (a redirect must not smuggle a fetch into the local network).

Expected failures (timeouts, HTTP errors, refusals, oversized bodies) come back as
``FetchResult`` values with a short, human ``error``; only bugs raise.

aiohttp rather than httpx (which python-telegram-bot uses for the Bot API): its C parser and
connection pool spend far less CPU per request, and a cycle makes hundreds of requests
(measurements in benchmarks/NOTES.md).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import urllib.request
import zlib
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.http_exceptions import ContentEncodingError

from bot.clock import Clock, SystemClock
from bot.config_file import FetchSettings
from bot.ingest.urls import is_non_public_ip, literal_ip, scheme_problem
from bot.models import FeedSpec, FetchResult, FetchStatus

MAX_REDIRECTS = 10
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)
_ACCEPT_FEED = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
_GZIP_MAGIC = b"\x1f\x8b"
_ACCEPT_PAGE = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# aiohttp's default (8 KiB) refuses a response line or header longer than that; some sites send
# cookies longer.
_MAX_HEADER_BYTES = 16 * 1024


class _Abort(Exception):
    """A fetch given up on purpose; the message is the human reason."""


class _Refused(Exception):
    """A host name that resolved to a loopback or private address when connecting."""


class Fetcher:
    """Shared aiohttp sessions with an overall and a per-host concurrency limit.

    Two sessions at most, made on first use: one for addresses from the configuration, and one
    for public-only fetches (feeds and pages users added) whose resolver refuses private answers.
    """

    def __init__(self, settings: FetchSettings, clock: Clock | None = None) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()  # for a Retry-After given as a date
        # Behind a proxy the connection goes to the proxy, not the site: no resolver check then.
        self._proxied = bool(urllib.request.getproxies())
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._overall = asyncio.Semaphore(settings.concurrency)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host)
        )

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

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

    def _session(self, public_only: bool) -> aiohttp.ClientSession:
        """The session for this fetch, made on first use (aiohttp wants a running loop).

        ``address_problem`` resolves the host before the request, and the connection resolves
        it again: a DNS server answering a public address first and 127.0.0.1 next ("DNS
        rebinding") would pass that check. The public-only session's resolver judges the
        addresses actually connected to, so such a request is never sent.
        """
        guarded = public_only and not self._proxied
        session = self._sessions.get(guarded)
        if session is None:
            session = self._sessions[guarded] = _new_session(
                self._settings,
                _PublicOnlyResolver() if guarded else None,
                proxied=self._proxied,
            )
        return session

    async def _fetch(self, feed: FeedSpec, *, public_only: bool, accept: str) -> FetchResult:
        host = urlsplit(feed.url).hostname or ""
        limit = self._settings.timeout
        async with self._overall, self._per_host[host]:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(limit):
                    result = await self._get(feed, public_only=public_only, accept=accept)
            except aiohttp.ConnectionTimeoutError:
                connect = self._settings.connect_timeout
                result = _failed(feed, f"cannot connect: no answer within {connect:g} s")
            except TimeoutError:
                result = _failed(feed, f"timed out after {limit:g} s")
            except _Abort as exc:
                result = _failed(feed, str(exc))
            except aiohttp.ClientConnectorError as exc:
                result = _failed(feed, f"cannot connect to {exc.host}: {_connect_reason(exc)}")
            except aiohttp.ServerDisconnectedError as exc:
                result = _failed(feed, f"the server broke the connection: {_reason(exc)}")
            except aiohttp.ClientPayloadError as exc:
                # The body's own error (short of Content-Length, bad gzip) is the cause.
                reason = _reason(exc.__cause__ or exc)
                if isinstance(exc.__cause__, ContentEncodingError):
                    result = _failed(feed, f"cannot decompress the response body: {reason}")
                else:
                    result = _failed(feed, f"the server broke the connection: {reason}")
            except aiohttp.ClientResponseError as exc:
                result = _failed(feed, f"the server's answer is not valid HTTP: {_reason(exc)}")
            except aiohttp.ClientError as exc:
                result = _failed(feed, f"network error: {_reason(exc)}")
            elapsed = time.perf_counter() - started
        return replace(result, elapsed_s=elapsed)

    async def _get(self, feed: FeedSpec, *, public_only: bool, accept: str) -> FetchResult:
        headers = {"Accept": accept}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        session = self._session(public_only)
        url = feed.url
        seen = {url}
        hops: list[int] = []
        while True:
            problem = await self.address_problem(url, public_only=public_only)
            if problem:
                raise _Abort(problem if not hops else f"redirected to {url}: {problem}")
            try:
                async with session.get(url, headers=headers, allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if location is not None and response.status in _REDIRECTS:
                        target = urljoin(url, location.strip())
                        hops.append(response.status)
                        if target in seen:
                            raise _Abort(f"redirect loop: {url} sends back to {target}")
                        if len(hops) > MAX_REDIRECTS:
                            raise _Abort(f"more than {MAX_REDIRECTS} redirects")
                        seen.add(target)
                        url = target
                        continue
                    return await self._answer(feed, response, url, hops)
            except _Refused as exc:
                raise _Abort(str(exc) if not hops else f"redirected to {url}: {exc}") from None

    async def _answer(
        self, feed: FeedSpec, response: aiohttp.ClientResponse, url: str, hops: list[int]
    ) -> FetchResult:
        # RFC 9110 §15.4: only a chain of permanent redirects lets a client update its link.
        permanent = url if hops and all(code in _PERMANENT for code in hops) else None
        status = response.status
        if status == 304:
            # Read to its (empty) end: a response closed unread takes its connection with it, and
            # the next poll of the host would open a new one (a TLS handshake, on the web).
            await response.read()
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
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock.now())
            error = f"HTTP {status} {response.reason or ''}".strip()
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
        # aiohttp has already decompressed the body: feedparser must not try again.
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

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self._settings.max_body_bytes
        too_large = f"response larger than {_size(limit)}; download aborted"
        declared = response.headers.get("Content-Length", "")
        if (
            declared.isdigit()
            and int(declared) > limit
            and "Content-Encoding" not in response.headers
        ):
            raise _Abort(too_large)
        chunks: list[bytes] = []
        size = 0
        # Counted after decompression, so a small gzip bomb is stopped too.
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise _Abort(too_large)
            chunks.append(chunk)
        return b"".join(chunks)


class _PublicOnlyResolver(AbstractResolver):
    """The system resolver, refusing a name that answers any loopback or private address."""

    def __init__(self) -> None:
        self._resolver = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._resolver.resolve(host, port, family)
        for answer in answers:
            if is_non_public_ip(answer["host"]):
                raise _Refused(
                    f"{host} resolved to a loopback or private network address "
                    f"({answer['host']}) when connecting; refused"
                )
        return answers

    async def close(self) -> None:
        await self._resolver.close()


def _new_session(
    settings: FetchSettings, resolver: AbstractResolver | None, *, proxied: bool
) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=settings.concurrency,
        limit_per_host=0,  # the fetcher's own per-host semaphores limit by host name
        resolver=resolver,
        # The same certificate authorities as python-telegram-bot's httpx, on any base image.
        ssl=ssl.create_default_context(cafile=certifi.where()),
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": settings.user_agent},
        # The total deadline is the fetcher's own (asyncio.timeout), over every redirect hop.
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.connect_timeout),
        # HTTP(S)_PROXY and NO_PROXY, as httpx did. Only when a proxy is set: aiohttp then looks
        # up the proxy and ~/.netrc in a thread for every request, two hops a fetch.
        trust_env=proxied,
        max_line_size=_MAX_HEADER_BYTES,
        max_field_size=_MAX_HEADER_BYTES,
    )


def _gunzip(body: bytes, limit: int) -> bytes:
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = unpacker.decompress(body, limit + 1)
    except zlib.error:
        return body  # not gzip after all: let the parser say what it is
    if len(data) > limit:
        raise _Abort(f"response larger than {_size(limit)} once unpacked; download aborted")
    return data


async def _addresses(host: str) -> list[str]:
    literal = literal_ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []  # unresolvable: the fetch itself fails with a clear "cannot connect"
    return [str(info[4][0]) for info in infos]


def parse_retry_after(value: str | None, now: datetime) -> float | None:
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
    return max(0.0, (when - now).total_seconds())


def _duration(seconds: float) -> str:
    if seconds <= 300:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: int) -> str:
    return f"{n / 1048576:g} MiB" if n >= 1048576 else f"{n} bytes"


def _reason(exc: BaseException) -> str:
    """An exception's text on one line. aiohttp's parser errors keep theirs in ``message``, over
    several lines, the last a caret under the bad byte."""
    message = getattr(exc, "message", None)
    text = message if isinstance(message, str) and message else str(exc)
    lines = (line for line in text.splitlines() if line.strip().strip("^"))
    text = " ".join(" ".join(lines).split())
    return text[:200] if text else type(exc).__name__


def _connect_reason(exc: aiohttp.ClientConnectorError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"its certificate is not valid ({_reason(exc.certificate_error)})"
    return exc.strerror or _reason(exc.os_error)


def _failed(feed: FeedSpec, error: str) -> FetchResult:
    return FetchResult(feed, FetchStatus.FAILED, error=error)
