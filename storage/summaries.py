"""Reads for summaries, trends and the web archive: the relevant items of a period, their texts,
story members, and the latest stories.

Summaries rank and group in Python; this module only fetches. The period query leaves the full
text out (it can be tens of kilobytes an item) and ``texts`` fetches it for the few top stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from storage.records import to_iso
from storage.sql import IN_JSON_LIST, SOURCE_NAMES, json_list, source_names

# A story's key: its number, or the id of a relevant item the grouper never placed.
_STORY_KEY = "coalesce(CAST(v.story_id AS TEXT), i.id)"

_SOURCES = SOURCE_NAMES
_COLUMNS = (
    "i.id, i.url, i.title, i.summary, i.lang, i.timeline_at, v.score, v.story, v.whats_new,"
    f" v.story_id, {_SOURCES} AS sources, i.published_at IS NOT NULL AS dated"
)


@dataclass(frozen=True, slots=True)
class PeriodItem:
    """A relevant item as summaries need it: no full text, sources by name, and its place
    on the timeline (published, else first fetched)."""

    id: str
    url: str | None
    title: str
    summary: str
    lang: str | None
    timeline_at: datetime
    score: float
    story: str | None
    whats_new: str | None
    story_id: int | None
    sources: tuple[str, ...]
    dated: bool = True
    """False for an undated item: ``timeline_at`` is when it was first seen."""


@dataclass(frozen=True, slots=True)
class StoryReports:
    """Every stored report of one story (or the one item when it was never grouped), by time."""

    story_id: int | None
    headline: str
    items: tuple[PeriodItem, ...]


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _row(row: Sequence[Any]) -> PeriodItem:
    return PeriodItem(
        id=row[0],
        url=row[1],
        title=row[2],
        summary=row[3] or "",
        lang=row[4],
        timeline_at=_parse_time(row[5]),
        score=float(row[6] or 0.0),
        story=row[7],
        whats_new=row[8],
        story_id=row[9],
        sources=source_names(row[10]),
        dated=bool(row[11]),
    )


class SummaryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def period_items(self, start: datetime, end: datetime) -> list[PeriodItem]:
        """Relevant items whose ``timeline_at`` falls in ``[start, end)``, oldest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM items i JOIN verdicts v ON v.item_id = i.id"
            " WHERE i.timeline_at >= ? AND i.timeline_at < ? AND v.relevant = 1"
            " ORDER BY i.timeline_at",
            [to_iso(start), to_iso(end)],
        ).fetchall()
        return [_row(r) for r in rows]

    def relevant_stored(self) -> tuple[int, datetime | None]:
        """How many relevant items are stored, and the newest one's ``timeline_at``."""
        count, newest = self._db.execute(
            "SELECT count(*), max(i.timeline_at) FROM verdicts v JOIN items i ON i.id = v.item_id"
            " WHERE v.relevant = 1"
        ).fetchone()
        return int(count), _parse_time(newest) if newest else None

    def texts(self, ids: Sequence[str]) -> dict[str, str]:
        """The fetched full text of those items that have one."""
        rows = self._db.execute(
            f"SELECT id, text FROM items WHERE id {IN_JSON_LIST} AND text IS NOT NULL"
            " AND text != ''",
            [json_list(ids)],
        )
        return {str(item_id): str(text) for item_id, text in rows}

    def story_reports(self, key: str) -> StoryReports | None:
        """A story by its number, or the story of an item by the item's id."""
        story_id: int | None = int(key) if key.isdigit() else None
        if story_id is None or not self._story_exists(story_id):
            found = self._db.execute(
                "SELECT i.id, v.story_id FROM items i LEFT JOIN verdicts v ON v.item_id = i.id"
                " WHERE i.id = ? OR i.url = ? LIMIT 1",
                [key, key],
            ).fetchone()
            if found is None:
                return None
            if found[1] is None:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM items i LEFT JOIN verdicts v ON v.item_id = i.id"
                    " WHERE i.id = ?",
                    [found[0]],
                ).fetchall()
                return StoryReports(None, rows[0][2], (_row(rows[0]),))
            story_id = int(found[1])
        headline = self._db.execute(
            "SELECT headline FROM stories WHERE id = ?", [story_id]
        ).fetchone()[0]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM verdicts v JOIN items i ON i.id = v.item_id"
            " WHERE v.story_id = ? ORDER BY i.timeline_at, i.id",
            [story_id],
        ).fetchall()
        if not rows:
            return None
        return StoryReports(story_id, str(headline), tuple(_row(r) for r in rows))

    def latest_story_keys(
        self,
        start: datetime,
        end: datetime,
        *,
        min_score: float = 0.0,
        only_new: bool = False,
        lang: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """The stories with a relevant report in ``[start, end)`` that passes the filters (at
        least ``min_score``; a new development; in ``lang``), the latest report first: each a
        story number, or the id of an item never grouped.

        Walks the period's items newest first and stops at ``limit`` stories: the latest fifty
        stories are a few hundred items back, not the whole period.
        """
        where = ["i.timeline_at >= ?", "i.timeline_at < ?", "v.relevant = 1"]
        params: list[Any] = [to_iso(start), to_iso(end)]
        if min_score > 0:
            where.append("v.score >= ?")
            params.append(min_score)
        if only_new:
            where.append("v.story = 'new_development'")
        if lang:
            where.append("i.lang = ?")
            params.append(lang)
        sql = (
            f"SELECT {_STORY_KEY} FROM items i INDEXED BY items_archive"
            f" JOIN verdicts v ON v.item_id = i.id WHERE {' AND '.join(where)}"
            " ORDER BY i.timeline_at DESC"
        )
        keys: dict[str, None] = {}
        for (key,) in self._db.execute(sql, params):
            keys[str(key)] = None
            if limit is not None and len(keys) >= limit:
                break
        return list(keys)

    def story_members(self, keys: Sequence[str]) -> dict[str, list[PeriodItem]]:
        """Every stored report of each story (``latest_story_keys``' keys), oldest first."""
        numbers = [int(k) for k in keys if k.isdigit()]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM verdicts v JOIN items i ON i.id = v.item_id"
            f" WHERE v.story_id {IN_JSON_LIST} ORDER BY i.timeline_at, i.id",
            [json_list(numbers)],
        ).fetchall()
        rows += self._db.execute(
            f"SELECT {_COLUMNS} FROM verdicts v JOIN items i ON i.id = v.item_id"
            # "+": found by the item's key; the story index would walk every ungrouped verdict.
            f" WHERE v.item_id {IN_JSON_LIST} AND +v.story_id IS NULL",
            [json_list(keys)],
        ).fetchall()
        members: dict[str, list[PeriodItem]] = {}
        for row in rows:
            item = _row(row)
            key = str(item.story_id) if item.story_id is not None else item.id
            members.setdefault(key, []).append(item)
        return members

    def _story_exists(self, story_id: int) -> bool:
        found = self._db.execute("SELECT 1 FROM stories WHERE id = ?", [story_id]).fetchone()
        return found is not None
