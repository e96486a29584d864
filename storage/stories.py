"""Stories (reports of one event grouped across outlets and languages) and their signatures."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.records import from_iso, to_iso
from storage.sql import IN_JSON_LIST, execute_rows, json_list


@dataclass(frozen=True, slots=True)
class StoryRecord:
    id: int
    headline: str
    lead_item_id: str | None
    first_seen: datetime
    last_seen: datetime
    item_count: int
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StorySignature:
    item_id: str
    story_id: int
    tokens: tuple[str, ...]
    timeline_at: datetime


class StoryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, headline: str, lead_item_id: str, seen_at: datetime) -> int:
        cursor = self._db.execute(
            "INSERT INTO stories (headline, lead_item_id, first_seen, last_seen, item_count) "
            "VALUES (?, ?, ?, ?, 0)",
            [headline, lead_item_id, to_iso(seen_at), to_iso(seen_at)],
        )
        return int(cursor.lastrowid or 0)

    def add_member(
        self,
        story_id: int,
        item_id: str,
        tokens: Sequence[str],
        timeline_at: datetime,
        seen_at: datetime,
    ) -> None:
        """Record an item in a story: its signature, and the story's count and last-seen."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO story_signatures (item_id, story_id, tokens, timeline_at) "
            "VALUES (?, ?, ?, ?)",
            [item_id, story_id, json.dumps(list(tokens), ensure_ascii=False), to_iso(timeline_at)],
        )
        if cursor.rowcount:
            self._db.execute(
                "UPDATE stories SET item_count = item_count + 1, "
                "last_seen = max(last_seen, ?), first_seen = min(first_seen, ?) WHERE id = ?",
                [to_iso(seen_at), to_iso(seen_at), story_id],
            )

    def signatures_since(self, since: datetime) -> list[StorySignature]:
        rows = self._db.execute(
            "SELECT item_id, story_id, tokens, timeline_at FROM story_signatures "
            "WHERE timeline_at >= ? ORDER BY timeline_at",
            [to_iso(since)],
        ).fetchall()
        return [
            StorySignature(r[0], int(r[1]), tuple(json.loads(r[2])), from_iso(r[3]) or since)
            for r in rows
        ]

    def ids_of(self, item_ids: Sequence[str]) -> list[int]:
        """The stories these items belong to (each once)."""
        if not item_ids:
            return []
        rows = self._db.execute(
            f"SELECT DISTINCT story_id FROM story_signatures WHERE item_id {IN_JSON_LIST}",
            [json_list(item_ids)],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def existing(self, story_ids: Sequence[int]) -> set[int]:
        """Which of these stories are stored (retention deletes stories left with no item)."""
        rows = self._db.execute(
            f"SELECT id FROM stories WHERE id {IN_JSON_LIST}", [json_list(story_ids)]
        ).fetchall()
        return {int(r[0]) for r in rows}

    def get(self, story_id: int) -> StoryRecord | None:
        row = self._db.execute(
            "SELECT id, headline, lead_item_id, first_seen, last_seen, item_count "
            "FROM stories WHERE id = ?",
            [story_id],
        ).fetchone()
        if row is None:
            return None
        members = self._db.execute(
            "SELECT item_id FROM story_signatures WHERE story_id = ? ORDER BY timeline_at",
            [story_id],
        ).fetchall()
        first, last = from_iso(row[3]), from_iso(row[4])
        assert first is not None and last is not None
        return StoryRecord(
            int(row[0]), row[1], row[2], first, last, int(row[5]), tuple(m[0] for m in members)
        )


class DocFreqRepository:
    """Document frequencies of signature tokens; the empty token holds the number of documents."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self) -> tuple[dict[str, int], int]:
        counts = {str(t): int(n) for t, n in self._db.execute("SELECT token, n FROM doc_freq")}
        docs = counts.pop("", 0)
        return counts, docs

    def save(
        self, counts: Iterable[tuple[str, int]], docs: int, *, forgotten: Iterable[str] = ()
    ) -> None:
        """Write the current counts of the tokens that changed (absolute values, not deltas) and
        delete the ``forgotten`` tokens' rows."""
        with self._db.atomic():
            execute_rows(
                self._db,
                "gone",
                ("token",),
                [(t,) for t in forgotten],
                "DELETE FROM doc_freq WHERE token IN (SELECT token FROM gone)",
            )
            execute_rows(
                self._db,
                "new",
                ("token", "n"),
                [*counts, ("", docs)],
                "INSERT INTO doc_freq (token, n) SELECT * FROM new WHERE true"
                " ON CONFLICT(token) DO UPDATE SET n = excluded.n",
            )
