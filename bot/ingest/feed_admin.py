"""Managing the feed list at run time: add (checked by one fetch), remove, health, OPML.

``tjwatch feeds`` and the Telegram admin commands (``/addfeed``, ``/removefeed``, ``/sources``)
call these; nothing here prints. Expected failures are values: ``code`` is a stable key a caller
can translate (en/ru catalogs), ``detail`` an English sentence with the specifics.

Feeds added here may not reach loopback or private addresses, directly or through a redirect,
unless ``[fetch] allow_private_addresses`` is set: a chat admin must not be able to make the
server fetch from its own network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from bot.ingest.fetch import Fetcher
from bot.ingest.opml import OpmlError, OpmlFeed, parse_opml, to_opml
from bot.ingest.urls import scheme_problem
from bot.models import FeedSpec, FetchStatus, ParsedFeed
from storage import FeedState, Store

# Parses a fetched body (``bot.ingest.parse.parse_feed``, run where the caller runs CPU work).
Parse = Callable[[bytes, Mapping[str, str]], Awaitable[ParsedFeed]]

AddCode = Literal["bad_url", "private_address", "fetch_failed", "not_a_feed", "already_added"]


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One feed as ``tjwatch feeds`` and ``/sources`` show it."""

    id: int
    name: str
    url: str
    origin: str
    """"config" (from the config file) or "user" (added at run time)."""
    active: bool
    status: Literal["ok", "failing", "new", "inactive"]
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_seen: int
    next_poll_at: datetime | None
    bozo_reason: str | None
    """What feedparser had to recover from on the last successful parse, if anything."""


@dataclass(frozen=True, slots=True)
class AddFeedResult:
    ok: bool
    feed: FeedHealth | None = None
    code: AddCode | None = None
    detail: str | None = None
    items: int = 0
    """Entries the checking fetch found."""


@dataclass(frozen=True, slots=True)
class RemoveFeedResult:
    ok: bool
    feed: FeedHealth | None = None
    code: Literal["not_found"] | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: tuple[FeedHealth, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    """(url, reason) for each outline not added."""
    error: str | None = None
    """Why the whole file was refused, if it was."""


def feed_health(feed: FeedState) -> FeedHealth:
    if not feed.active:
        status: Literal["ok", "failing", "new", "inactive"] = "inactive"
    elif feed.consecutive_failures:
        status = "failing"
    else:
        status = "ok" if feed.last_success_at else "new"
    return FeedHealth(
        id=feed.id,
        name=feed.name,
        url=feed.url,
        origin=feed.origin,
        active=feed.active,
        status=status,
        last_success_at=feed.last_success_at,
        last_error=feed.last_error,
        last_error_at=feed.last_error_at,
        consecutive_failures=feed.consecutive_failures,
        items_seen=feed.items_seen,
        next_poll_at=feed.next_poll_at,
        bozo_reason=feed.bozo_reason,
    )


async def list_feed_health(store: Store) -> list[FeedHealth]:
    """Every feed, active ones first, with its health."""
    return [feed_health(f) for f in await store.run(store.feeds.all)]


async def add_feed(
    url: str,
    name: str | None = None,
    *,
    store: Store,
    fetcher: Fetcher,
    parse: Parse,
    public_only: bool,
    now: datetime,
) -> AddFeedResult:
    """Check that ``url`` is an http(s) feed we may fetch, fetch and parse it once, store it.

    ``public_only`` refuses loopback and private addresses (``[fetch] allow_private_addresses``
    unset); ``now`` is when the feed is added.
    """
    url = url.strip()
    problem = scheme_problem(url)
    if problem:
        return AddFeedResult(False, code="bad_url", detail=problem)
    problem = await fetcher.address_problem(url, public_only=public_only)
    if problem:
        return AddFeedResult(False, code="private_address", detail=problem)
    known = await store.run(store.feeds.by_url, url)
    if known is not None and known.active:
        return AddFeedResult(
            False,
            feed_health(known),
            code="already_added",
            detail=f"already watched as {known.name!r} (id {known.id})",
        )

    result = await fetcher.fetch(FeedSpec(0, name or url, url), public_only=public_only)
    if result.status is not FetchStatus.OK:
        code: AddCode = "private_address" if "refused" in (result.error or "") else "fetch_failed"
        return AddFeedResult(False, code=code, detail=result.error or "the fetch failed")
    final = result.permanent_redirect or url
    parsed = await parse(result.content, result.headers)
    if parsed.fatal:
        return AddFeedResult(False, code="not_a_feed", detail=parsed.bozo_reason or "not a feed")
    label = (name or parsed.title or urlsplit(final).hostname or final).strip()[:200]
    feed = await store.run(store.feeds.add, label, final, parsed.lang, now)
    return AddFeedResult(True, feed_health(feed), items=len(parsed.entries))


async def remove_feed(store: Store, key: str, *, now: datetime) -> RemoveFeedResult:
    """Stop polling the feed with this id, address or name; its stored items stay."""
    feed = await store.run(store.feeds.find, key)
    if feed is None:
        return RemoveFeedResult(
            False, code="not_found", detail=f"no feed has the id, address or name {key!r}"
        )
    await store.run(store.feeds.remove, feed.id, now)
    removed = await store.run(store.feeds.by_url, feed.url)
    return RemoveFeedResult(True, feed_health(removed or feed))


async def import_opml(
    data: bytes, *, store: Store, fetcher: Fetcher, public_only: bool, now: datetime
) -> ImportReport:
    """Add every feed an OPML file lists (checked for scheme and address, not fetched)."""
    try:
        entries = parse_opml(data)
    except OpmlError as exc:
        return ImportReport(error=str(exc))
    added: list[FeedHealth] = []
    skipped: list[tuple[str, str]] = []
    for entry in entries:
        problem = await fetcher.address_problem(entry.xml_url, public_only=public_only)
        if problem:
            skipped.append((entry.xml_url, problem))
            continue
        known = await store.run(store.feeds.by_url, entry.xml_url)
        if known is not None and known.active:
            skipped.append((entry.xml_url, f"already watched as {known.name!r}"))
            continue
        feed = await store.run(store.feeds.add, entry.title, entry.xml_url, None, now)
        added.append(feed_health(feed))
    return ImportReport(tuple(added), tuple(skipped))


async def export_opml(store: Store, *, now: datetime) -> str:
    """The active feeds as an OPML 2.0 document."""
    feeds = [f for f in await list_feed_health(store) if f.active]
    return to_opml(
        (OpmlFeed(f.name, f.url) for f in feeds),
        title="tjwatch feeds",
        created=now,
    )
