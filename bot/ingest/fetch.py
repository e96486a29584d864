"""Fetching feeds over HTTP with httpx: conditional GET, timeouts, a body cap, redirects.

Expected failures (timeouts, HTTP errors, oversized bodies) come back as ``FetchResult`` values
with a short, human ``error``; only bugs raise.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from urllib.parse import urlsplit

import httpx

from bot.models import FeedSpec, FetchResult, FetchStatus
from bot.settings import FetchSettings


class BodyTooLarge(Exception):
    pass


class Fetcher:
    """One shared ``httpx.AsyncClient`` with an overall and a per-host concurrency limit."""

    def __init__(self, settings: FetchSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            follow_redirects=True,
            max_redirects=10,
            headers={"User-Agent": settings.user_agent, "Accept": _ACCEPT},
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
        )
        self._overall = asyncio.Semaphore(settings.concurrency)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host)
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, feed: FeedSpec) -> FetchResult:
        host = urlsplit(feed.url).hostname or ""
        async with self._overall, self._per_host[host]:
            started = time.perf_counter()
            try:
                result = await asyncio.wait_for(
                    self._get(feed), timeout=self._settings.timeout + self._settings.connect_timeout
                )
            except (TimeoutError, httpx.TimeoutException):
                result = _failed(feed, f"timed out after {self._settings.timeout:g} s")
            except httpx.TooManyRedirects:
                result = _failed(feed, "too many redirects (a redirect loop?)")
            except httpx.UnsupportedProtocol as exc:
                result = _failed(feed, f"unsupported address: {exc}")
            except httpx.ConnectError as exc:
                result = _failed(feed, f"cannot connect: {_reason(exc)}")
            except httpx.RemoteProtocolError as exc:
                result = _failed(feed, f"the server broke the connection: {_reason(exc)}")
            except httpx.DecodingError as exc:
                result = _failed(feed, f"cannot decode the response body: {_reason(exc)}")
            except httpx.TransportError as exc:
                result = _failed(feed, f"network error: {_reason(exc)}")
            except BodyTooLarge:
                result = _failed(feed, f"body larger than {self._settings.max_body_bytes} bytes; aborted")
            elapsed = time.perf_counter() - started
        return _with_elapsed(result, elapsed)

    async def _get(self, feed: FeedSpec) -> FetchResult:
        headers: dict[str, str] = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        async with self._client.stream("GET", feed.url, headers=headers) as response:
            permanent = _permanent_redirect(response)
            if response.status_code == 304:
                return FetchResult(feed, FetchStatus.NOT_MODIFIED, http_status=304,
                                   final_url=str(response.url), permanent_redirect=permanent,
                                   etag=feed.etag, last_modified=feed.last_modified)
            if response.status_code >= 400:
                return FetchResult(
                    feed, FetchStatus.FAILED, http_status=response.status_code,
                    final_url=str(response.url),
                    error=f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                    retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
                )
            body = await self._read_capped(response)
            headers_out = {k.lower(): v for k, v in response.headers.items()}
            # httpx has already decompressed the body: feedparser must not try again.
            headers_out.pop("content-encoding", None)
            headers_out.pop("content-length", None)
            return FetchResult(
                feed, FetchStatus.OK, content=body, headers=headers_out,
                final_url=str(response.url), permanent_redirect=permanent,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                http_status=response.status_code,
            )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self._settings.max_body_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
            raise BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)


_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


def _permanent_redirect(response: httpx.Response) -> str | None:
    """The new address when every hop was permanent (301/308), as RFC 9110 §15.4 allows caching."""
    if response.history and all(r.status_code in (301, 308) for r in response.history):
        return str(response.url)
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _failed(feed: FeedSpec, error: str) -> FetchResult:
    return FetchResult(feed, FetchStatus.FAILED, error=error)


def _with_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    from dataclasses import replace

    return replace(result, elapsed_s=elapsed)
