"""The read layer the front ends share: every question Telegram, Slack and the CLI ask the store.

Each function takes the ``Store`` by name and answers with typed records; a handler parses its
arguments, calls one of these (or a service: ``bot.digest.summary``, the outbox), renders and
replies, and never queries the store itself. The records a front end shows are re-exported here,
so the bots and the CLI need not import ``storage``.

The bounds of ``latest`` and ``search`` live here too, so that ``/latest 30`` means the same on
Telegram and on Slack.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.digest.story import lead_of
from bot.ingest.feed_admin import FeedHealth, feed_health
from bot.relevance.search_query import fts_query
from storage import ChatRecord, FeedbackCounts, PeriodItem, Store, StoredItem, StoryReports

__all__ = [
    "LATEST_DEFAULT",
    "LATEST_MAX",
    "SEARCH_LIMIT",
    "ChatRecord",
    "ChatStats",
    "FeedHealth",
    "FeedbackCounts",
    "PeriodItem",
    "Store",
    "StoredItem",
    "StoryReports",
    "active_feeds",
    "chat_stats",
    "latest",
    "latest_count",
    "search",
    "story",
    "was_sent",
]

LATEST_DEFAULT = 5
LATEST_MAX = 30
SEARCH_LIMIT = 10


def latest_count(arg: str) -> int | None:
    """How many items ``latest`` shows: ``LATEST_DEFAULT`` without an argument, None (show the
    usage) when the argument is not a number from 1 to ``LATEST_MAX``."""
    if not arg:
        return LATEST_DEFAULT
    if arg.isdigit() and 1 <= int(arg) <= LATEST_MAX:
        return int(arg)
    return None


async def latest(store: Store, n: int) -> list[StoredItem]:
    """The ``n`` newest relevant items, newest first."""
    return await store.run(store.items.latest, n)


async def search(store: Store, query: str, limit: int = SEARCH_LIMIT) -> list[StoredItem]:
    """Full-text search over stored items, best match first: every word in any of its forms,
    words in double quotes as a phrase (``bot.relevance.search_query``)."""
    match = fts_query(query)
    if match is None:
        return []
    return await store.run(store.items.search, match, limit)


async def was_sent(store: Store, channel: str, chat_id: int, item_id: str) -> bool:
    """Whether the item went out to this chat on this channel."""
    return item_id in await store.run(store.deliveries.sent_ids, channel, chat_id)


async def story(store: Store, key: str) -> StoryReports | None:
    """A story's reports by story number (or an ungrouped item's id); None when unknown. Its
    headline is its lead report's, as /summary and the digests show it (the stored one is the
    first report's)."""
    reports = await store.run(store.summaries.story_reports, key)
    if reports is None or not reports.items:
        return reports
    return replace(reports, headline=lead_of(reports.items).title)


async def active_feeds(store: Store) -> list[FeedHealth]:
    """The feeds being polled, each with its health."""
    return [feed_health(f) for f in await store.run(store.feeds.all) if f.active]


@dataclass(frozen=True, slots=True)
class ChatStats:
    """What ``/stats`` shows a chat, read in one trip to the database thread."""

    items: int
    relevant: int
    feeds: int
    failing: int
    chats: int
    """Subscribed chats on the same channel."""
    delivered: int
    """Items delivered to this chat."""
    feedback: FeedbackCounts


def _chat_stats(store: Store, channel: str, chat_id: int) -> ChatStats:
    feeds = [f for f in store.feeds.all() if f.active]
    return ChatStats(
        items=store.items.count(),
        relevant=store.items.count_relevant(),
        feeds=len(feeds),
        failing=sum(1 for f in feeds if f.consecutive_failures),
        chats=len(store.chats.subscribed(channel)),
        delivered=len(store.deliveries.sent_ids(channel, chat_id)),
        feedback=store.feedback.counts(chat_id),
    )


async def chat_stats(store: Store, channel: str, chat_id: int) -> ChatStats:
    return await store.run(_chat_stats, store, channel, chat_id)
