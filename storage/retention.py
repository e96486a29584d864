"""Retention: old items deleted in short transactions, tombstones that keep them from coming back,
and the file's free pages given back.

A batch deletes at most ``limit`` items in one transaction, oldest first, with everything that
hangs on them: sources, verdicts, deliveries and aliases (foreign-key cascades, m012's indexes),
the full-text rows (the delete trigger), feedback and story signatures (no foreign key), and
stories left with no member. Each deleted id, and each alias id that had joined it, becomes a
tombstone (m012) so that the poll cycle can tell a deleted item from a new one. An unmatched
item can leave a trace (m016, ``storage.traces``): its headline stays searchable after its text
is gone, until ``forget_traces``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.keys import tombstone_key
from storage.records import from_iso, to_iso
from storage.sql import IN_JSON_LIST, execute_rows, json_list
from storage.traces import forget_traces, keep_traces

# Items deleted per statement of a batch: between them the batch checks its time budget.
CHUNK_ITEMS = 5


@dataclass(frozen=True, slots=True)
class PrunedBatch:
    unmatched: int
    matched: int
    tombstones: int
    """Ids remembered: the items' and their aliases'."""
    traces: int
    """Unmatched items whose headline was kept as a trace."""
    stories: int
    """Stories deleted because none of their items is left."""
    seconds: float
    """How long the batch's transaction lasted (the longest the write lock was held)."""
    resume_at: datetime | None = None
    """The date of the last item deleted: the next batch of the pass starts there, instead of
    reading again past the old items that are kept (matched ones, kept for longer)."""
    finished: bool = True
    """Whether no item past its age is left (else the pass goes on from ``resume_at``)."""

    @property
    def items(self) -> int:
        return self.unmatched + self.matched


@dataclass(frozen=True, slots=True)
class AgeBucket:
    label: str
    matched: int
    unmatched: int


@dataclass(frozen=True, slots=True)
class DatabaseStats:
    buckets: tuple[AgeBucket, ...]
    file_bytes: int
    """The main file's size (pages × page size), without the write-ahead log."""
    page_size: int
    free_pages: int
    incremental_vacuum: bool
    tombstones: int
    traces: int
    """Headlines kept of unmatched items whose text was deleted."""
    due_unmatched: int
    """What the next pruning deletes: unmatched items past their age."""
    due_matched: int
    due_tombstones: int
    """Tombstones the next pruning forgets."""
    due_traces: int
    """Traces the next pruning forgets."""

    @property
    def matched(self) -> int:
        return sum(b.matched for b in self.buckets)

    @property
    def unmatched(self) -> int:
        return sum(b.unmatched for b in self.buckets)


# Age buckets of ``stats``: (label, upper bound in days); the last has none.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("< 1 day", 1),
    ("1-7 days", 7),
    ("7-14 days", 14),
    ("14-30 days", 30),
    ("30-90 days", 90),
    ("90-365 days", 365),
    ("> 1 year", None),
)

# Candidates oldest first on ``items_timeline``; matched items only when older than their own
# cut-off (the second parameter; '' when they are kept forever, which no date precedes).
_DUE = """
    FROM items i INDEXED BY items_timeline LEFT JOIN verdicts v ON v.item_id = i.id
    WHERE i.timeline_at < :outer AND i.timeline_at >= :after
      AND (coalesce(v.relevant, 0) = 0 AND i.timeline_at < :unmatched
           OR v.relevant = 1 AND i.timeline_at < :matched)
"""


def _cutoffs(
    unmatched_before: datetime, matched_before: datetime | None, after: datetime | None = None
) -> dict[str, str]:
    unmatched = to_iso(unmatched_before) or ""
    matched = to_iso(matched_before) or ""
    return {
        "outer": max(unmatched, matched),
        "unmatched": unmatched,
        "matched": matched,
        "after": to_iso(after) or "",
    }


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def prune_batch(
        self,
        *,
        unmatched_before: datetime,
        matched_before: datetime | None,
        now: datetime,
        limit: int,
        after: datetime | None = None,
        traces_after: datetime | None = None,
        budget_s: float | None = None,
    ) -> PrunedBatch:
        """Delete up to ``limit`` of the oldest items past their age (dated ``after`` or later),
        in one transaction; unmatched ones dated ``traces_after`` or later leave a trace.

        With ``budget_s`` the batch stops early, between chunks of ``CHUNK_ITEMS`` items, once
        its transaction has lasted that long: a slow disk or a busy processor shortens the batch
        instead of keeping the bot's other calls waiting behind it.

        The commit does not checkpoint the write-ahead log (``checkpoint`` does, as a step of
        its own): a checkpoint copying the batch's pages into the file took as long as the batch
        itself, and the database thread's other callers would wait for both at once.
        """
        db = self._db
        (autocheckpoint,) = db.execute("PRAGMA wal_autocheckpoint").fetchone()
        db.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            return self._prune_batch(
                unmatched_before, matched_before, now, limit, after, traces_after, budget_s
            )
        finally:
            db.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")

    def _prune_batch(
        self,
        unmatched_before: datetime,
        matched_before: datetime | None,
        now: datetime,
        limit: int,
        after: datetime | None,
        traces_after: datetime | None,
        budget_s: float | None,
    ) -> PrunedBatch:
        db = self._db
        started = time.perf_counter()
        done: list[tuple[str, int, str]] = []
        tombstones = traced = stories = 0
        exhausted = False
        with db.atomic():
            # Chunk by chunk, each read where the last one ended: a batch cut short by its
            # budget reads only what it deletes.
            while len(done) < limit:
                want = min(CHUNK_ITEMS, limit - len(done))
                rows = db.execute(
                    "SELECT i.id, coalesce(v.relevant, 0), i.timeline_at"
                    + _DUE
                    + " ORDER BY i.timeline_at LIMIT :n",
                    {**_cutoffs(unmatched_before, matched_before, after), "n": want},
                ).fetchall()
                if rows:
                    t, k, s = self._delete(rows, now, to_iso(traces_after))
                    tombstones, traced, stories = tombstones + t, traced + k, stories + s
                    done.extend(rows)
                    after = from_iso(rows[-1][2])
                if len(rows) < want:
                    exhausted = True
                    break
                if budget_s is not None and time.perf_counter() - started > budget_s:
                    break
        matched = sum(1 for r in done if r[1])
        return PrunedBatch(
            len(done) - matched,
            matched,
            tombstones,
            traced,
            stories,
            time.perf_counter() - started,
            from_iso(done[-1][2]) if done else None,
            finished=exhausted,
        )

    def _delete(
        self, rows: Sequence[tuple[str, int, str]], now: datetime, traces_since: str | None
    ) -> tuple[int, int, int]:
        """Delete these (id, matched, timeline_at) items; returns the tombstones written, the
        traces kept and the stories deleted."""
        db = self._db
        ids = json_list([r[0] for r in rows])
        aliases = [
            r[0]
            for r in db.execute(
                f"SELECT alias FROM item_aliases WHERE item_id {IN_JSON_LIST}", [ids]
            )
        ]
        keys = {tombstone_key(i) for i in [*(r[0] for r in rows), *aliases]}
        seen = int(now.timestamp())
        execute_rows(
            db,
            "gone",
            ("key", "seen_at"),
            [(k, seen) for k in keys],
            "INSERT INTO tombstones (key, seen_at) SELECT * FROM gone WHERE true"
            " ON CONFLICT(key) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)",
        )
        traced = [r[0] for r in rows if not r[1] and traces_since and r[2] >= traces_since]
        if traced:
            keep_traces(self._db, traced)
        stories = self._drop_from_stories(ids)
        db.execute(f"DELETE FROM feedback WHERE item_id {IN_JSON_LIST}", [ids])
        db.execute(f"DELETE FROM items WHERE id {IN_JSON_LIST}", [ids])
        return len(keys), len(traced), stories

    def forget_traces(self, *, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` traces of items dated before ``before`` (``storage.traces``)."""
        return forget_traces(self._db, before=before, limit=limit)

    def _drop_from_stories(self, ids: str) -> int:
        """Take the items out of their stories; delete the stories left empty (their messages
        go by cascade). Returns how many stories were deleted."""
        db = self._db
        story_ids = json_list(
            [
                int(r[0])
                for r in db.execute(
                    f"SELECT DISTINCT story_id FROM story_signatures WHERE item_id {IN_JSON_LIST}",
                    [ids],
                )
            ]
        )
        if story_ids == "[]":
            return 0
        db.execute(f"DELETE FROM story_signatures WHERE item_id {IN_JSON_LIST}", [ids])
        emptied = db.execute(
            f"DELETE FROM stories WHERE id {IN_JSON_LIST} AND NOT EXISTS"
            " (SELECT 1 FROM story_signatures s WHERE s.story_id = stories.id)",
            [story_ids],
        ).rowcount
        db.execute(
            "UPDATE stories SET item_count ="
            " (SELECT count(*) FROM story_signatures s WHERE s.story_id = stories.id),"
            " lead_item_id = CASE WHEN lead_item_id IN (SELECT value FROM json_each(?))"
            " THEN (SELECT s.item_id FROM story_signatures s WHERE s.story_id = stories.id"
            " ORDER BY s.timeline_at LIMIT 1) ELSE lead_item_id END"
            f" WHERE id {IN_JSON_LIST}",
            [ids, story_ids],
        )
        return int(emptied)

    def forget_tombstones(self, *, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` tombstones no feed has served since ``before``."""
        with self._db.atomic():
            return int(
                self._db.execute(
                    "DELETE FROM tombstones WHERE key IN"
                    " (SELECT key FROM tombstones WHERE seen_at < ? LIMIT ?)",
                    [int(before.timestamp()), limit],
                ).rowcount
            )

    def merge_search_index(self, pages: int, *, traces: bool = False) -> bool:
        """One step of merging the full-text index of the items (or with ``traces``, of the
        traces' headlines) into one segment, writing about ``pages`` pages: deleted rows' entries
        stay in the index (beside delete markers) until the segment holding them is merged.
        Returns whether there was work to do."""
        table = "item_traces_fts" if traces else "items_fts"
        conn = self._db.conn
        before = conn.total_changes
        with self._db.atomic():
            self._db.execute(
                f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)", [-abs(int(pages))]
            )
        # FTS5's documented test: two changes or more mean a merge was done.
        return conn.total_changes - before >= 2

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the file as far as readers allow (SQLite's PASSIVE
        checkpoint: it takes no write lock)."""
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def vacuum_step(self, pages: int) -> int:
        """Give up to ``pages`` free pages back to the file system (a no-op unless the file is in
        incremental auto-vacuum mode, m013); returns how many free pages are left."""
        # executescript steps the statement to its end; ``execute`` steps it once, and each step
        # of this pragma frees one page.
        self._db.conn.executescript(f"PRAGMA incremental_vacuum({int(pages)})")
        return int(self._db.execute("PRAGMA freelist_count").fetchone()[0])

    def pruned(self, ids: Sequence[str]) -> set[str]:
        """Which of these item ids were deleted by retention (have a tombstone)."""
        if not ids:
            return set()
        by_key = {tombstone_key(i): i for i in ids}
        found = self._db.execute(
            f"SELECT json_group_array(key) FROM tombstones WHERE key {IN_JSON_LIST}",
            [json.dumps(list(by_key))],
        ).fetchone()[0]
        return {by_key[k] for k in json.loads(found)}

    def seen_again(self, ids: Sequence[str], now: datetime) -> None:
        """A feed served these deleted items again: keep their tombstones from now on.

        A tombstone already refreshed within the day is left alone (a feed that keeps old items
        would otherwise rewrite it every poll)."""
        if ids:
            at = int(now.timestamp())
            keys = json.dumps([tombstone_key(i) for i in ids])
            self._db.execute(
                f"UPDATE tombstones SET seen_at = ? WHERE key {IN_JSON_LIST} AND seen_at < ?",
                [at, keys, at - 86_400],
            )

    def stats(
        self,
        *,
        now: datetime,
        unmatched_before: datetime,
        matched_before: datetime | None,
        tombstones_before: datetime,
        traces_before: datetime,
    ) -> DatabaseStats:
        """Items by kind and age, the file's size and free pages, and what pruning would do."""
        db = self._db
        limits = [to_iso(now - timedelta(days=days)) or "" for _, days in AGE_BUCKETS if days]
        cases = " ".join(f"WHEN i.timeline_at >= ? THEN {n}" for n in range(len(limits)))
        counts = {
            (int(b), int(m)): int(c)
            for b, m, c in db.execute(
                f"SELECT CASE {cases} ELSE {len(limits)} END AS bucket,"
                " coalesce(v.relevant, 0) AS matched, count(*)"
                " FROM items i INDEXED BY items_id_timeline"
                " LEFT JOIN verdicts v ON v.item_id = i.id GROUP BY bucket, matched",
                limits,
            )
        }
        buckets = tuple(
            AgeBucket(label, counts.get((n, 1), 0), counts.get((n, 0), 0))
            for n, (label, _) in enumerate(AGE_BUCKETS)
        )
        due = dict(
            db.execute(
                "SELECT coalesce(v.relevant, 0), count(*)" + _DUE + " GROUP BY 1",
                _cutoffs(unmatched_before, matched_before),
            ).fetchall()
        )
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        (page_count,) = db.execute("PRAGMA page_count").fetchone()
        (free,) = db.execute("PRAGMA freelist_count").fetchone()
        (mode,) = db.execute("PRAGMA auto_vacuum").fetchone()
        tombstones, forgotten = db.execute(
            "SELECT count(*), coalesce(sum(seen_at < ?), 0) FROM tombstones",
            [int(tombstones_before.timestamp())],
        ).fetchone()
        traces, due_traces = (
            db.execute(
                "SELECT count(*), coalesce(sum(timeline_at < ?), 0) FROM item_traces",
                [int(traces_before.timestamp())],
            ).fetchone()
            if db["item_traces"].exists()  # a file the service has not upgraded yet (m016)
            else (0, 0)
        )
        return DatabaseStats(
            buckets=buckets,
            file_bytes=int(page_size) * int(page_count),
            page_size=int(page_size),
            free_pages=int(free),
            incremental_vacuum=mode == 2,
            tombstones=int(tombstones),
            traces=int(traces),
            due_unmatched=int(due.get(0, 0)),
            due_matched=int(due.get(1, 0)),
            due_tombstones=int(forgotten),
            due_traces=int(due_traces),
        )
