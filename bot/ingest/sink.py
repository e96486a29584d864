"""The second half of a poll cycle: the feeds' parsed items scored and stored, batch by batch.

Feeds arrive in the order they answer; a batch is scored (in a thread), grouped into stories and
written (on the database thread) while the parse workers carry on with the next feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime

from bot.clock import Clock
from bot.ingest.fulltext import FullText, FullTextReport
from bot.ingest.reports import SAME_REPORT_WINDOW, PendingReports, Report
from bot.models import Item, Verdict
from bot.relevance.active import ActiveScorer
from bot.relevance.reading import Reading
from bot.relevance.scorer import Scorer
from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.similarity import DocumentFrequencies
from bot.relevance.stories import Placement, StoryGrouper
from storage import FeedUpdate, NewItem, ReportProbe, Store, VerdictRecord

# An item, and how a parse worker read it for the scorer (None: the scorer reads it itself).
ReadItem = tuple[Item, Reading | None]

# A batch's write: feed updates, items, verdicts, and the deleted items its feeds served again
# (their tombstones are kept from then on), with the time they were served.
_Write = tuple[list[FeedUpdate], list[NewItem], list[VerdictRecord], list[str], datetime]

# A batch is scored and stored once this many items (or feeds) have come in; the rest at the end.
# Smaller batches shorten the cycle's tail (the last batch, scored and written after the last
# feed is parsed); each batch has a fixed cost (a transaction, a thread hand-over).
BATCH_ITEMS = 1_000
BATCH_FEEDS = 200
# Parsing waits while this many parsed items wait to be scored and stored (bounded memory).
MAX_BACKLOG_ITEMS = 2 * BATCH_ITEMS
# Feeds handed to the pool at a time, per worker: enough that a worker always has the next feed
# queued, although every hand-over waits for the GIL, which the scoring thread mostly holds.
PARSE_SLOTS_PER_WORKER = 16


class BatchSink:
    """Scores and stores the feeds' items batch by batch, one batch at a time, as they arrive.

    One consumer keeps the order simple. A batch's write (items, verdicts, and its feeds' new
    ETags and schedules: one transaction) goes to the database thread once the next batch's
    known ids have been read, so that SQLite (full-text indexing, mostly outside the GIL) works
    while the next batch is scored; the ids of the batch not yet written count as known, so an
    item carried by two feeds is new in the first batch and only gains a source in the second.
    An aggregator's copy of an outlet's article (another link, the same headline and outlet) is
    placed the same way, in the store or in the batches not yet written (``_place``).

    Each batch is scored with ``scoring.scorer`` as it is then (``/addseed`` may swap it), its
    relevant items placed in stories by ``grouper``; at the end what the scorer learnt (its
    document frequencies) is saved. One sink serves one cycle: ``new_items``, ``matched`` and
    ``fulltext`` are what it stored.
    """

    def __init__(
        self,
        *,
        store: Store,
        scoring: ActiveScorer,
        grouper: StoryGrouper,
        full_text: FullText,
        clock: Clock,
        parse_workers: int,
    ) -> None:
        self._store = store
        self._scoring = scoring
        self._grouper = grouper
        self._full_text = full_text
        self._clock = clock
        self.new_items = 0
        self.matched: list[tuple[Item, Verdict]] = []
        self.fulltext = FullTextReport()
        self._updates: list[FeedUpdate] = []
        self._items: list[tuple[int, Sequence[ReadItem]]] = []
        self._count = 0
        self._ready = asyncio.Event()
        self._closed = False
        self._room = asyncio.Event()
        self._room.set()
        self._parse_slots = asyncio.Semaphore(PARSE_SLOTS_PER_WORKER * parse_workers)
        self._unwritten: _Write | None = None
        # The batch not yet written: each item's report (itself, or the report it joined), and
        # its new reports by key (``bot.ingest.reports``), which the store cannot find yet.
        self._unwritten_reports: dict[str, str] = {}
        self._pending = PendingReports()
        self._writing: asyncio.Future[None] | None = None

    @contextlib.asynccontextmanager
    async def parse_slot(self) -> AsyncIterator[None]:
        """Held while a feed is parsed: waits while parsed items are not being scored fast enough,
        and lets a bounded number of feeds into the pool at a time, so that the items parsed and
        not yet stored stay bounded however many feeds there are."""
        await self._room.wait()
        async with self._parse_slots:
            yield

    def put(self, position: int, update: FeedUpdate, items: Sequence[ReadItem]) -> None:
        """A feed's poll; ``position`` is its place in the cycle's list of feeds."""
        self._updates.append(update)
        if items:
            self._items.append((position, items))
            self._count += len(items)
        if self._count >= BATCH_ITEMS or len(self._updates) >= BATCH_FEEDS:
            self._ready.set()
        if self._count >= MAX_BACKLOG_ITEMS:
            self._room.clear()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            closed = self._closed
            updates, polled = self._updates, self._items
            self._updates, self._items, self._count = [], [], 0
            self._room.set()
            # In the feeds' own order, whatever order they answered in: where two feeds of a
            # batch carry one article, the first feed listed gives its guid and text.
            pairs = [
                pair for _, feed_items in sorted(polled, key=lambda p: p[0]) for pair in feed_items
            ]
            if updates:
                await self._batch(updates, pairs)
            if closed:
                break
        await self._start_write()
        await self._finish_write()
        await self._store.run(save_frequencies, self._store, self._scoring.scorer.df)

    async def _start_write(self) -> None:
        """Hand the batch not yet written to the database thread (one write in flight at most)."""
        await self._finish_write()
        if self._unwritten is not None:
            store = self._store
            self._writing = asyncio.ensure_future(store.run(_write, store, *self._unwritten))
            self._unwritten = None

    async def _finish_write(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def _batch(self, updates: list[FeedUpdate], read_items: list[ReadItem]) -> None:
        """One batch: which items are new reports, full text, scores, stories, then one write."""
        store, grouper = self._store, self._grouper
        unique = list({pair[0].id: pair for pair in reversed(read_items)}.values())
        stored, pruned = (
            await store.run(_look_up, store, [_probe(i) for i, _ in unique])
            if unique
            else ({}, set())
        )
        if pruned:  # deleted by retention: never new again, nor a source of anything
            read_items = [p for p in read_items if p[0].id not in pruned]
            unique = [p for p in unique if p[0].id not in pruned]
        # Every (item, feed) pair is kept: one article in two feeds has two sources.
        carried = [item for item, _ in read_items]
        joined, fresh_ids = self._place(unique, stored)
        fresh = [p for p in unique if p[0].id in fresh_ids]
        new_items = [item for item, _ in fresh]
        await self._start_write()  # the previous batch, while this one is scored
        verdicts: list[Verdict] = []
        story_ids: dict[str, int] = {}
        scored_at = self._clock.now()
        if new_items:
            # Full text first: the scorer uses ``item.text`` when there is one.
            new_items, fulltext = await self._full_text(new_items)
            self.fulltext = _merge(self.fulltext, fulltext)
            # A worker's reading is of the feed's text: an item given its article's is read anew.
            readings = [
                reading if item is fed else None
                for item, (fed, reading) in zip(new_items, fresh, strict=True)
            ]
            # Scoring is CPU work too; a thread keeps the loop (and the bot) responsive meanwhile.
            scorer = self._scoring.scorer
            verdicts = await asyncio.to_thread(_score_all, scorer, new_items, readings)
            scored_at = self._clock.now()
            # Relevant items join a story (one event across outlets and languages).
            events = [r.events if r is not None else None for r in readings]
            story_ids = await store.run(
                store_stories, store, grouper, scorer, new_items, verdicts, scored_at, events
            )
        enriched = {i.id: i.text for i in new_items}
        records = [
            _new_item(
                replace(i, text=enriched[i.id])
                if i.id in enriched and enriched[i.id] is not i.text
                else i,
                joined.get(i.id),
            )
            for i in carried
        ]
        await self._finish_write()
        self._unwritten = (
            updates,
            records,
            [
                _verdict_record(item, verdict, scored_at, story_ids.get(item.id))
                for item, verdict in zip(new_items, verdicts, strict=True)
            ],
            sorted(pruned),
            self._clock.now(),
        )
        self._unwritten_reports = {r.id: r.report_id or r.id for r in records}
        self.new_items += len(new_items)
        self.matched.extend((i, v) for i, v in zip(new_items, verdicts, strict=True) if v.relevant)

    def _place(
        self, unique: list[ReadItem], stored: dict[str, str]
    ) -> tuple[dict[str, str], set[str]]:
        """Which report each of the batch's items is: ``joined`` maps an item that is another
        feed's copy of a report onto the report; ``fresh`` are the new reports.

        An outlet's own items are placed first: when it and an aggregator's copy of one article
        arrive in one batch, the outlet's item is the report (its link is the one people click,
        and the one full text may be fetched from), and the aggregator's joins it."""
        joined: dict[str, str] = {}
        fresh: set[str] = set()
        current = PendingReports()
        for item, _ in sorted(unique, key=lambda pair: pair[0].aggregator_link):
            report_id = stored.get(item.id) or self._unwritten_reports.get(item.id)
            if report_id is None:
                key, when, via = item.report_key, item.timeline_at, item.aggregator_link
                found = current.find(key, when, via) or self._pending.find(key, when, via)
                if found is None:
                    fresh.add(item.id)
                    current.add(key, Report(item.id, when, via))
                    continue
                report_id = found.id
                found.aggregator_link = found.aggregator_link and via
            if report_id != item.id:
                joined[item.id] = report_id
        self._pending = current
        return joined, fresh


def _look_up(store: Store, probes: list[ReportProbe]) -> tuple[dict[str, str], set[str]]:
    """Which stored report each item is (``reports_of``), and which items retention deleted."""
    return store.items.reports_of(probes), store.retention.pruned([p.id for p in probes])


def _probe(item: Item) -> ReportProbe:
    return ReportProbe(
        item.id, item.report_key, item.timeline_at, item.aggregator_link, SAME_REPORT_WINDOW
    )


def _merge(a: FullTextReport, b: FullTextReport) -> FullTextReport:
    if not a.wanted:
        return b
    return FullTextReport(a.wanted + b.wanted, a.fetched + b.fetched, a.failed + b.failed)


def _score_all(scorer: Scorer, items: list[Item], readings: list[Reading | None]) -> list[Verdict]:
    return [scorer.score(item, r) for item, r in zip(items, readings, strict=True)]


def store_stories(
    store: Store,
    grouper: StoryGrouper,
    scorer: SeedScorer,
    items: Sequence[Item],
    verdicts: Sequence[Verdict],
    now: datetime,
    events: Sequence[frozenset[str] | None] | None = None,
) -> dict[str, int]:
    """Place the relevant items in stories and record them: one transaction, on the store's
    thread. The first call gives the grouper the stored stories of its ``history``."""
    if not grouper.loaded:
        stored = store.stories.signatures_since(now - grouper.history)
        grouper.load((s.item_id, s.story_id, s.tokens, s.timeline_at) for s in stored)
    with store.db.atomic():
        placed = grouper.assign(
            scorer,
            items,
            verdicts,
            lambda item: store.stories.create(item.title, item.id, now),
            events,
        )
        placed = _alive(store, grouper, placed, now)
        for p in placed:
            store.stories.add_member(
                p.story_id, p.item.id, sorted(p.tokens), p.item.timeline_at, now
            )
    return {p.item.id: p.story_id for p in placed}


def _alive(
    store: Store, grouper: StoryGrouper, placed: list[Placement], now: datetime
) -> list[Placement]:
    """The placements, with items placed in a story retention has deleted since the grouper
    learnt it (a ``tjwatch db prune`` beside the service) founding a story anew instead; the
    grouper then forgets what it knew and is loaded again from the store."""
    stored = store.stories.existing(sorted({p.story_id for p in placed}))
    if all(p.story_id in stored for p in placed):
        return placed
    grouper.reset()
    founded: dict[int, int] = {}
    alive = []
    for p in placed:
        if p.story_id not in stored:
            if p.story_id not in founded:
                founded[p.story_id] = store.stories.create(p.item.title, p.item.id, now)
            p = replace(p, story_id=founded[p.story_id])
        alive.append(p)
    return alive


def save_frequencies(store: Store, df: DocumentFrequencies) -> None:
    """Persist what the scorer learnt since the last save: a poll cycle saves once, at its end
    (each save rewrites the counts of the common words, thousands of rows). The rarest tokens
    are forgotten first when the vocabulary has outgrown its limit, in the table too."""
    df.forget_rare()
    if df.dirty or df.forgotten:
        store.doc_freq.save(
            [(t, df.counts[t]) for t in df.dirty], df.docs, forgotten=df.forgotten - df.dirty
        )
        df.dirty.clear()
        df.forgotten.clear()


def _write(
    store: Store,
    updates: list[FeedUpdate],
    items: list[NewItem],
    verdicts: list[VerdictRecord],
    pruned: list[str],
    now: datetime,
) -> None:
    with store.db.atomic():
        store.items.add(items)
        store.items.save_verdicts(verdicts)
        store.feeds.record(updates)
        store.retention.seen_again(pruned, now)


def _new_item(item: Item, report_id: str | None = None) -> NewItem:
    return NewItem(
        id=item.id,
        guid=item.guid,
        url=item.url,
        title=item.title,
        summary=item.summary,
        text=item.text,
        lang=item.lang,
        published_at=item.published_at,
        published_raw=item.published_raw,
        fetched_at=item.fetched_at,
        feed_id=item.feed_id,
        publisher=item.publisher,
        publisher_url=item.publisher_url,
        report_key=item.report_key,
        aggregator_link=item.aggregator_link,
        report_id=report_id,
    )


def _verdict_record(
    item: Item, verdict: Verdict, at: datetime, story_id: int | None = None
) -> VerdictRecord:
    return VerdictRecord(
        item_id=item.id,
        relevant=verdict.relevant,
        score=verdict.score,
        matched_terms=verdict.matched_terms,
        nearest_seed=verdict.nearest_seed,
        seed_similarity=verdict.seed_similarity,
        story=verdict.story,
        whats_new=verdict.whats_new,
        reason=verdict.reason,
        scored_at=at,
        story_id=story_id,
    )
