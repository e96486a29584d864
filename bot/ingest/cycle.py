"""One poll cycle: the given feeds → fetch → parse (worker processes) → full text → score → store.

Each feed's fetch and parse is isolated: a feed that hangs, fails, or crashes the parser becomes a
failed ``FeedOutcome`` with a human reason, and every other feed's items are still stored.

A cycle is handed what it uses: the feeds, the ``Fetcher``, a ``Parse`` (the parse workers), the
``BatchSink`` that scores, groups and stores, the ``PollPolicy`` and the clock. Choosing the feeds
and recording the cycle (metrics, health) is the poll job's (``bot.jobs``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.clock import Clock
from bot.ingest.cpu import RunCpu
from bot.ingest.fetch import Fetcher
from bot.ingest.fulltext import FullTextReport
from bot.ingest.schedule import next_poll
from bot.ingest.sink import BatchSink, ReadItem
from bot.ingest.worker import ParsedItems, parse_and_normalize
from bot.models import FeedSpec, FetchResult, FetchStatus, Item, Verdict
from bot.relevance.reading import LexiconTerms
from storage import FeedState, FeedUpdate

log = logging.getLogger(__name__)
# Failed feeds named a line each; more than this many fail together (no network, a first run
# offline) and the cycle's one line counts them instead (each still at DEBUG, and in its fields).
FEEDS_NAMED = 3


class PollStatus(StrEnum):
    """How a feed's poll went; the value is the word the logs and ``tjwatch poll`` print."""

    OK = "ok"
    NOT_MODIFIED = "not modified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed: str
    status: PollStatus
    items: int = 0
    new: int = 0
    error: str | None = None
    stage: str | None = None
    """Where a failed feed failed: ``fetch`` or ``parse``."""


@dataclass(slots=True)
class CycleReport:
    feeds: list[FeedOutcome] = field(default_factory=list)
    new_items: int = 0
    matched: list[tuple[Item, Verdict]] = field(default_factory=list)
    fulltext: FullTextReport = field(default_factory=FullTextReport)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FeedOutcome]:
        return [f for f in self.feeds if f.status is PollStatus.FAILED]

    @property
    def succeeded(self) -> bool:
        """Whether any feed answered (new items or not modified)."""
        return len(self.failed) < len(self.feeds)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """When a feed is polled next, and where it may be fetched from (from the config)."""

    interval_minutes: int
    """The configured poll interval, for feeds without their own."""
    backoff_base_minutes: float
    backoff_max_minutes: float
    allow_private_addresses: bool
    """Whether feeds added at run time may be on the local network (config feeds always may)."""


class Parse(Protocol):
    """Parses and normalises a fetched feed (``pool_parse``: in the parse workers)."""

    async def __call__(
        self, result: FetchResult, feed: FeedState, now: datetime
    ) -> ParsedItems: ...


async def run_cycle(
    feeds: Sequence[FeedState],
    *,
    fetcher: Fetcher,
    parse: Parse,
    sink: BatchSink,
    policy: PollPolicy,
    clock: Clock,
) -> CycleReport:
    """Poll ``feeds`` and store what is new through ``sink`` (one sink per cycle).

    Feeds are fetched and parsed concurrently (parsing in worker processes); each feed's items
    are scored and stored in batches as soon as they arrive, so the scoring and storing in this
    process overlap the parsing in the others instead of waiting for the last feed.
    """
    started = time.perf_counter()
    report = CycleReport()
    if not feeds:
        return report
    outcomes: list[FeedOutcome | None] = [None] * len(feeds)

    async def poll(n: int, feed: FeedState) -> None:
        update, outcomes[n], items = await _poll_one(
            feed, fetcher=fetcher, parse=parse, policy=policy, clock=clock, slot=sink.parse_slot
        )
        sink.put(n, update, items)

    consumer = asyncio.create_task(sink.run())
    try:
        await asyncio.gather(*(poll(n, feed) for n, feed in enumerate(feeds)))
        sink.close()
        await consumer
    finally:
        consumer.cancel()
    report.feeds = [o for o in outcomes if o is not None]
    report.new_items, report.matched, report.fulltext = sink.new_items, sink.matched, sink.fulltext
    report.matched.sort(key=lambda iv: (-iv[1].score, iv[0].timeline_at))
    report.seconds = time.perf_counter() - started
    _log_cycle(report)
    return report


def _log_cycle(report: CycleReport) -> None:
    """A line per failed feed when few failed, else one line for the cycle (a machine with no
    network would print a warning for every feed); the cycle's line counts the failures and
    says where to look, and its fields name every failed feed."""
    failed = report.failed
    level = logging.WARNING if len(failed) <= FEEDS_NAMED else logging.DEBUG
    for outcome in failed:
        log.log(
            level,
            "feed %r failed: %s",
            outcome.feed,
            outcome.error,
            extra={
                "fields": {"feed": outcome.feed, "error": outcome.error, "stage": outcome.stage}
            },
        )
    stats = f"{report.new_items} new items, {len(report.matched)} matched, {report.seconds:.2f} s"
    fields = {"fields": _cycle_fields(report)}
    if not failed:
        log.info("poll cycle: %d feeds, 0 failed, %s", len(report.feeds), stats, extra=fields)
        return
    hint = "; see README 'Try it offline'" if len(failed) == len(report.feeds) else ""
    log.warning(
        "poll cycle: %d of %d feeds failed: tjwatch feeds shows why%s. %s",
        len(failed),
        len(report.feeds),
        hint,
        stats,
        extra=fields,
    )


def _cycle_fields(report: CycleReport) -> dict[str, object]:
    """The cycle's log line as structured fields (``--log-format json``)."""
    return {
        "feeds": len(report.feeds),
        "failed": len(report.failed),
        "failed_feeds": [f.feed for f in report.failed],
        "errors": {f.feed: f.error for f in report.failed},
        "not_modified": sum(1 for f in report.feeds if f.status is PollStatus.NOT_MODIFIED),
        "new_items": report.new_items,
        "matched": len(report.matched),
        "seconds": round(report.seconds, 3),
    }


def _failure(feed: FeedState, error: str, stage: str) -> FeedOutcome:
    return FeedOutcome(feed.name, PollStatus.FAILED, error=error, stage=stage)


async def _poll_one(
    feed: FeedState,
    *,
    fetcher: Fetcher,
    parse: Parse,
    policy: PollPolicy,
    clock: Clock,
    slot: Callable[[], AbstractAsyncContextManager[None]],
) -> tuple[FeedUpdate, FeedOutcome, Sequence[ReadItem]]:
    spec = FeedSpec(feed.id, feed.name, feed.url, feed.lang, feed.etag, feed.last_modified)
    # Feeds added at run time may not reach the local network (unless the config allows it).
    public_only = feed.origin != "config" and not policy.allow_private_addresses
    result = await fetcher.fetch(spec, public_only=public_only)
    now = clock.now()
    interval = feed.interval_minutes or policy.interval_minutes

    def schedule(failures: int, retry_after: float | None = None) -> FeedUpdate:
        return FeedUpdate(
            feed_id=feed.id,
            polled_at=now,
            ok=failures == 0,
            http_status=result.http_status,
            next_poll_at=next_poll(
                now,
                interval_minutes=interval,
                consecutive_failures=failures,
                backoff_base_minutes=policy.backoff_base_minutes,
                backoff_max_minutes=policy.backoff_max_minutes,
                retry_after_s=retry_after,
            ),
            # Move the feed only when the new address answered (RFC 9110 §15.4.2, §15.4.9).
            new_url=result.permanent_redirect
            if result.permanent_redirect not in (None, feed.url)
            and result.status is not FetchStatus.FAILED
            else None,
        )

    if result.status is FetchStatus.FAILED:
        error = result.error or "failed"
        update = schedule(feed.consecutive_failures + 1, result.retry_after_s)
        return _failed(update, error), _failure(feed, error, "fetch"), ()
    if result.status is FetchStatus.NOT_MODIFIED:
        return schedule(0), FeedOutcome(feed.name, PollStatus.NOT_MODIFIED), ()

    try:
        async with slot():
            parsed = await parse(result, feed, now)
    except Exception as exc:  # a parser crash on one feed's bytes must not cost the others
        log.exception(
            "parsing feed %r crashed",
            feed.name,
            extra={"fields": {"feed": feed.name, "stage": "parse"}},
        )
        error = f"the parser crashed on this feed ({type(exc).__name__})"
        update = schedule(feed.consecutive_failures + 1)
        return _failed(update, error), _failure(feed, error, "parse"), ()
    if parsed.fatal:
        error = f"not a usable feed: {parsed.bozo_reason}"
        update = schedule(feed.consecutive_failures + 1)
        return _failed(update, error), _failure(feed, error, "parse"), ()
    update = replace(
        schedule(0),
        etag=result.etag,
        last_modified=result.last_modified,
        bozo_reason=parsed.bozo_reason,
        items_seen=len(parsed.items),
    )
    read: Sequence[ReadItem] = (
        list(zip(parsed.items, parsed.readings, strict=True))
        if parsed.readings
        else [(item, None) for item in parsed.items]
    )
    return update, FeedOutcome(feed.name, PollStatus.OK, items=len(parsed.items)), read


def _failed(update: FeedUpdate, error: str) -> FeedUpdate:
    return replace(update, ok=False, error=error)


def pool_parse(run_cpu: RunCpu, terms: LexiconTerms) -> Parse:
    """A ``Parse`` that runs in the parse workers, reading items with the lexicon's ``terms``."""

    async def parse(result: FetchResult, feed: FeedState, now: datetime) -> ParsedItems:
        """Parse in a worker process; once more if the pool broke under this or another feed.

        A worker that dies breaks every parse in flight, so one feed that kills its worker
        would fail all of them; the retry on a fresh pool lets the innocent ones through.
        """
        url = result.final_url or feed.url
        for attempt in (1, 2):
            try:
                return await run_cpu(
                    parse_and_normalize,
                    result.content,
                    result.headers,
                    feed_id=feed.id,
                    feed_name=feed.name,
                    feed_url=url,
                    feed_lang=feed.lang,
                    fetched_at=now,
                    terms=terms,
                )
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                log.warning("a parser process died while parsing %r; retrying once", feed.name)
        raise AssertionError("unreachable")

    return parse
