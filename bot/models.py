"""Frozen values that cross the pipeline's stages: fetch → parse → normalise → match → store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from bot.pickled import as_values


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed to poll, as configured or stored, with what a conditional GET needs."""

    id: int
    name: str
    url: str
    lang: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class FetchStatus(Enum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch of a feed gave. Failures are values: ``error`` says why, for people."""

    feed: FeedSpec
    status: FetchStatus
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str | None = None
    permanent_redirect: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    error: str | None = None
    retry_after_s: float | None = None
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One feed entry as the parser gave it, before cleaning (strings may hold HTML)."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: tuple[int, ...] | None
    published_raw: str | None
    author: str | None = None
    publisher: str | None = None
    """The outlet an aggregator's entry names (RSS ``<source>``), None in an outlet's own feed."""
    publisher_url: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    lang: str | None
    entries: tuple[RawEntry, ...]
    bozo_reason: str | None = None
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """A normalised news item: clean text, canonical link, UTC dates, language.

    ``published_at`` is the date the feed gave, in UTC, or None when the item is undated: the
    feed gave no date, one that does not parse, or one too far in the future to be true
    (``published_raw`` keeps whatever text the feed gave). ``fetched_at`` is when it was fetched.
    """

    id: str
    guid: str | None
    url: str | None
    title: str
    summary: str
    published_at: datetime | None
    published_raw: str | None
    fetched_at: datetime
    lang: str | None
    feed_id: int
    feed_name: str
    text: str | None = None
    publisher: str | None = None
    """The outlet an aggregator's entry carries (RSS ``<source>``: Google News and the like);
    None for an item of an outlet's own feed."""
    publisher_url: str | None = None
    report_key: str | None = None
    """The same article's key across feeds whose links differ (an aggregator's redirect and the
    outlet's own link): its headline and outlet (``bot.ingest.reports``)."""

    aggregator_link: bool = False
    """Whether ``url`` is an aggregator's link to the article (news.google.com's redirect) rather
    than the outlet's own: such a link is kept for people to click, never fetched."""

    @property
    def source(self) -> str:
        """Who reports it, as a reader sees it: the outlet an aggregator carries, else the feed."""
        return self.publisher or self.feed_name

    @property
    def timeline_at(self) -> datetime:
        """Where the item stands on a timeline: when it was published, else when it was fetched
        (an undated item is placed where it was first seen)."""
        return self.fetched_at if self.published_at is None else self.published_at

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        """Parse workers send thousands a cycle (``bot.pickled``)."""
        return as_values(self)


@dataclass(frozen=True, slots=True)
class Match:
    """Which keyword rules an item's text satisfied: the terms it named for each side of the
    topic's pair, in the topic's order, and the ``exclude`` terms it named."""

    sides: tuple[tuple[str, tuple[str, ...]], ...]
    excluded: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """Every side named, and no excluded term."""
        return bool(self.sides) and all(t for _, t in self.sides) and not self.excluded

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t for _, terms in self.sides for t in terms)


class StoryVerdict(StrEnum):
    """A relevant item's relation to the seeds' story. String-valued: stored and printed (JSON)
    as its value."""

    SAME_STORY = "same_story"
    NEW_DEVELOPMENT = "new_development"


@dataclass(frozen=True, slots=True)
class Verdict:
    """How relevant an item is to the seeds, and whether it is their story or a new one."""

    relevant: bool
    score: float
    matched_terms: tuple[str, ...]
    nearest_seed: str | None = None
    seed_similarity: dict[str, float] = field(default_factory=dict)
    story: StoryVerdict | None = None
    """None when the item is not relevant."""
    whats_new: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One story in a digest: its best report, and how many other sources carried it.

    ``timeline_at`` is the earliest of its reports' ``timeline_at`` (published, else fetched).
    """

    headline: str
    url: str | None
    sources: tuple[str, ...]
    """Empty when no source is stored: each renderer says so in its reader's words."""
    timeline_at: datetime
    score: float
    story: str | None
    summary: str
    item_ids: tuple[str, ...]
    """The story's reports in this digest, the one shown (``headline``) first."""
    whats_new: str | None = None
    story_id: int | None = None
    """The story group it shows (its number for ``/story``); None for an ungrouped item."""
    dated: bool = True
    """False when its earliest report is undated: ``timeline_at`` is when it was first seen."""

    @property
    def more_sources(self) -> int:
        return max(0, len(self.sources) - 1)


class FollowUpMode(StrEnum):
    """How later reports of a story a chat has already seen reach it (issue 22)."""

    THREAD = "thread"
    """A reply to the message that carried the story, one per story per digest."""
    DIGEST = "digest"
    """One line per story in an "updates" section at the end of the next digest."""
    OFF = "off"
    """Not shown (``/story`` still lists them)."""


@dataclass(frozen=True, slots=True)
class Report:
    """One report of a story, as a follow-up names it. ``dated`` is False for an undated item:
    ``timeline_at`` is then when it was first seen, not a publication time."""

    headline: str
    url: str | None
    source: str
    lang: str | None
    timeline_at: datetime
    dated: bool = True


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Later reports of a story the chat has already seen: its number, the message that carried
    it there (``reply_to``: a message id or Slack ``ts``; None where there is none to reply to),
    the new reports, and what is new when the scorer said."""

    story_id: int
    reply_to: str | None
    reports: tuple[Report, ...]
    item_ids: tuple[str, ...]
    whats_new: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """``entries`` are stories new to the chat. Later reports of stories it has seen are
    ``follow_ups`` (sent as replies), ``updates`` (a section of the digest) or ``quiet_ids``
    (recorded as delivered, not shown), as the chat's ``FollowUpMode`` says."""

    title: str
    entries: tuple[DigestEntry, ...]
    generated_at: datetime
    updates: tuple[FollowUp, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    quiet_ids: tuple[str, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The items the digest's own messages carry (entries and updates)."""
        return (
            *(i for e in self.entries for i in e.item_ids),
            *(i for u in self.updates for i in u.item_ids),
        )

    @property
    def is_empty(self) -> bool:
        """Nothing for the digest's own messages to show."""
        return not self.entries and not self.updates
