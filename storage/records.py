"""Frozen records in and out of the store.

Times are aware UTC datetimes; the store keeps ISO text. An item's ``published_at`` is None when
it is undated; the store keeps its place on the timeline, ``timeline_at`` (published, else first
fetched), beside it, indexed, for the queries that select and order items by time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@functools.lru_cache(maxsize=1024)
def to_iso(value: datetime | None) -> str | None:
    """Cached: storing a poll cycle's batch formats the same few times (its feeds' fetch time,
    its scoring time) once per item and source, and a lookup is cheaper than formatting."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed with its fetch state and health."""

    id: int
    name: str
    url: str
    lang: str | None
    interval_minutes: int | None
    origin: str
    active: bool
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    http_status: int | None
    consecutive_failures: int
    items_seen: int
    next_poll_at: datetime | None
    bozo_reason: str | None


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """The outcome of polling one feed, to be written in one go (an intent, not a row)."""

    feed_id: int
    polled_at: datetime
    ok: bool
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    bozo_reason: str | None = None
    new_url: str | None = None
    next_poll_at: datetime | None = None
    items_seen: int = 0


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to store (once, however many feeds carry it), with the feed it came from."""

    id: str
    guid: str | None
    url: str | None
    title: str
    summary: str
    text: str | None
    lang: str | None
    published_at: datetime | None
    published_raw: str | None
    fetched_at: datetime
    feed_id: int
    publisher: str | None = None
    """The outlet the feed's entry named (an aggregator's ``<source>``): the source people see."""
    publisher_url: str | None = None
    report_key: str | None = None
    aggregator_link: bool = False
    """Whether ``url`` is an aggregator's redirect rather than the outlet's own link."""
    report_id: str | None = None
    """The stored report this item is (another feed's copy of one article), when not itself."""

    @property
    def timeline_at(self) -> datetime:
        """Published, else fetched: where the item stands on a timeline."""
        return self.fetched_at if self.published_at is None else self.published_at


@dataclass(frozen=True, slots=True)
class ReportProbe:
    """An incoming item, asking which stored report it is (``ItemRepository.reports_of``): by
    id, by an earlier join, or by ``report_key`` within ``window`` of ``timeline_at``."""

    id: str
    report_key: str | None
    timeline_at: datetime
    aggregator_link: bool
    window: timedelta


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    item_id: str
    relevant: bool
    score: float
    matched_terms: tuple[str, ...]
    nearest_seed: str | None
    seed_similarity: dict[str, float]
    story: str | None
    whats_new: str | None
    reason: str
    scored_at: datetime
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item joined with its verdict and its sources.

    ``sources`` are who reported it, as readers see them, each once: the outlet an aggregator's
    entry named (Google News's ``<source>``), else the name of the feed that carried it.

    ``published_at`` is None for an undated item; ``fetched_at`` is when it was first fetched.
    """

    id: str
    url: str | None
    title: str
    summary: str
    text: str | None
    lang: str | None
    published_at: datetime | None
    fetched_at: datetime
    sources: tuple[str, ...]
    relevant: bool = False
    score: float = 0.0
    matched_terms: tuple[str, ...] = ()
    nearest_seed: str | None = None
    seed_similarity: dict[str, float] = field(default_factory=dict)
    story: str | None = None
    whats_new: str | None = None
    reason: str = ""
    story_id: int | None = None
    trace: bool = False
    """Only a trace is left of it (``storage.traces``): an unmatched item whose text and verdict
    retention deleted."""

    @property
    def timeline_at(self) -> datetime:
        """Published, else first fetched: where the item stands on a timeline (what the store
        keeps in its indexed ``timeline_at`` column)."""
        return self.fetched_at if self.published_at is None else self.published_at


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """A chat (Telegram chat, channel, Slack channel or the console) and its settings."""

    id: int
    channel: str
    kind: str
    title: str | None
    lang: str | None
    active: bool
    subscribed: bool
    thread_id: int | None
    frequency: str
    digest_hour: int
    digest_weekday: int
    timezone: str
    min_score: float | None
    only_new: bool
    managed_by: int | None
    last_digest_at: datetime | None
    follow_ups: str | None = None
    """How later reports of a story this chat has seen reach it (``thread``, ``digest``,
    ``off``); None: the configured default."""
    vote_shift: float = 0.0
    """What 👍/👎 votes have added to the chosen minimum relevance (``min_score``, else the
    configured one): kept apart so that the person's own choice stands (issue 24)."""
