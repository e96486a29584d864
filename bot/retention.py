"""Retention (issue 23): one pruning pass over the store, in short transactions.

Each batch of items is its own call on the database thread, so whatever else the bot asks the
store meanwhile (``/search``, a digest, a poll cycle's writes) waits for one batch at most,
never for the whole pass; a second process reading the file (``tjwatch db stats``) is never
blocked (WAL). An unmatched item first loses its text after ``unmatched_text_days`` (a trace of
its headline stays searchable) and goes for good after ``unmatched_days``: a trace is a small
part of what the item cost, so the file levels off at a few days of full items. After the items,
the traces past ``unmatched_days`` and the tombstones no feed has served for ``tombstone_days`` are
forgotten, the full-text index is merged (a deleted item's words leave it only when the segment
holding them is rewritten), and the free pages are given back to the file system, each a few
pages at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config_file import RetentionSettings
from storage import PrunedBatch, Store
from storage.retention import DatabaseStats

# Free pages given back per step of ``PRAGMA incremental_vacuum`` (4 KiB pages: 2 MB a step).
VACUUM_PAGES = 500
# Pages of the full-text index written per merge step (a step's transaction).
MERGE_PAGES = 50
# How long a batch of items may hold the write lock before it commits what it has deleted (it
# stops between chunks of a few items, so it can run over by one chunk).
BATCH_BUDGET_S = 0.05
# Tombstones forgotten per transaction.
FORGET_BATCH = 10_000
# Traces forgotten per transaction (each also leaves the headline index).
FORGET_TRACES = 500


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """What to delete when, from ``[retention]``."""

    unmatched_days: int = 14
    unmatched_text_days: int = 7
    matched_days: int | None = None
    tombstone_days: int = 30
    batch_items: int = 25

    @classmethod
    def from_settings(cls, settings: RetentionSettings) -> RetentionPolicy:
        return cls(
            unmatched_days=settings.unmatched_days,
            unmatched_text_days=settings.unmatched_text_days,
            matched_days=settings.matched_days,
            tombstone_days=settings.tombstone_days,
            batch_items=settings.batch_items,
        )

    @property
    def keeps_traces(self) -> bool:
        """Whether unmatched items lose their text before they go (and leave a trace)."""
        return self.unmatched_text_days < self.unmatched_days

    def unmatched_before(self, now: datetime) -> datetime:
        """Unmatched items dated before this are forgotten, traces and all."""
        return now - timedelta(days=self.unmatched_days)

    def text_before(self, now: datetime) -> datetime:
        """Unmatched items dated before this leave the items (a trace stays, if kept)."""
        return now - timedelta(days=min(self.unmatched_text_days, self.unmatched_days))

    def matched_before(self, now: datetime) -> datetime | None:
        return None if self.matched_days is None else now - timedelta(days=self.matched_days)

    def tombstones_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.tombstone_days)


def _batch(
    store: Store,
    policy: RetentionPolicy,
    now: datetime,
    after: datetime | None,
    stories_deleted: Callable[[], None],
) -> PrunedBatch:
    batch = store.retention.prune_batch(
        unmatched_before=policy.text_before(now),
        matched_before=policy.matched_before(now),
        now=now,
        limit=policy.batch_items,
        after=after,
        traces_after=policy.unmatched_before(now) if policy.keeps_traces else None,
        budget_s=BATCH_BUDGET_S,
    )
    if batch.stories:
        stories_deleted()
    return batch


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What one pruning pass did."""

    unmatched: int = 0
    matched: int = 0
    stories: int = 0
    tombstones_added: int = 0
    tombstones_forgotten: int = 0
    traces_kept: int = 0
    """Unmatched items whose text went and whose headline stays (a trace)."""
    traces_forgotten: int = 0
    batches: int = 0
    longest_batch_s: float = 0.0
    """The longest transaction deleting items: the longest the write lock was held for them."""
    longest_step_s: float = 0.0
    """The longest step of any kind (a batch, a checkpoint, a merge of the full-text index, a
    vacuum step): the longest the bot's other calls on the database thread waited."""
    batch_seconds: tuple[float, ...] = ()
    """How long each batch of items held the write lock."""
    free_pages_left: int = 0
    seconds: float = 0.0

    @property
    def items(self) -> int:
        return self.unmatched + self.matched


def _nothing() -> None:
    pass


async def prune(
    store: Store,
    policy: RetentionPolicy,
    *,
    now: datetime,
    stories_deleted: Callable[[], None] = _nothing,
    turn: asyncio.Lock | None = None,
) -> PruneReport:
    """Delete what ``policy`` says is too old, batch by batch, then give free pages back.

    ``stories_deleted`` runs on the database thread right after a batch that deleted stories,
    before any other call there (the poll cycle's story grouping runs on that thread too): the
    bot's story grouper forgets them so that no new item joins a deleted story. ``turn`` is held
    for each batch (the poll cycle holds it for its run), so that no item is deleted between
    a cycle's look-up of what is stored and its write.
    """
    started = time.perf_counter()
    batches: list[PrunedBatch] = []
    after: datetime | None = None
    checkpoints = 0.0
    while True:
        async with turn or contextlib.nullcontext():
            batch = await store.run(_batch, store, policy, now, after, stories_deleted)
        at = time.perf_counter()
        await store.run(store.retention.checkpoint)
        checkpoints = max(checkpoints, time.perf_counter() - at)
        batches.append(batch)
        if batch.finished or not batch.items:
            break
        after = batch.resume_at
    # The other steps of the pass, timed around their calls (an upper bound of their lock).
    longest = max(checkpoints, *(b.seconds for b in batches))
    traces, longest = await _forget(
        store.retention.forget_traces, store, policy.unmatched_before(now), FORGET_TRACES, longest
    )
    forgotten, longest = await _forget(
        store.retention.forget_tombstones,
        store,
        policy.tombstones_before(now),
        FORGET_BATCH,
        longest,
    )
    indexes = [False] if any(b.items for b in batches) else []
    indexes += [True] if traces else []
    for of_traces in indexes:
        merged = True
        while merged:
            at = time.perf_counter()
            merged = await store.run(
                store.retention.merge_search_index, MERGE_PAGES, traces=of_traces
            )
            longest = max(longest, time.perf_counter() - at)
    free = -1
    while free != 0:
        at = time.perf_counter()
        left = await store.run(store.retention.vacuum_step, VACUUM_PAGES)
        longest = max(longest, time.perf_counter() - at)
        if left == free:  # not in incremental mode: nothing is given back
            break
        free = left
    return PruneReport(
        unmatched=sum(b.unmatched for b in batches),
        matched=sum(b.matched for b in batches),
        stories=sum(b.stories for b in batches),
        tombstones_added=sum(b.tombstones for b in batches),
        tombstones_forgotten=forgotten,
        traces_kept=sum(b.traces for b in batches),
        traces_forgotten=traces,
        batches=sum(1 for b in batches if b.items),
        longest_batch_s=max(b.seconds for b in batches),
        longest_step_s=longest,
        batch_seconds=tuple(b.seconds for b in batches if b.items),
        free_pages_left=free,
        seconds=time.perf_counter() - started,
    )


async def _forget(
    forget: Callable[..., int], store: Store, before: datetime, limit: int, longest: float
) -> tuple[int, float]:
    """Run ``forget`` batch by batch until it has nothing left; returns how many it forgot and
    the longest step so far."""
    total = 0
    while True:
        at = time.perf_counter()
        n = await store.run(forget, before=before, limit=limit)
        longest = max(longest, time.perf_counter() - at)
        total += n
        if n < limit:
            return total, longest


__all__ = ["DatabaseStats", "PruneReport", "RetentionPolicy", "prune"]
