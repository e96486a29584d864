"""Traces: the headline, link, date and source kept of an unmatched item once retention has
deleted its text (m016; written by ``RetentionRepository.prune_batch``), found by search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from storage.records import StoredItem

_COLUMNS = "t.id, t.url, t.title, t.lang, t.timeline_at, t.dated, t.source"


def _stored(row: Sequence[Any]) -> StoredItem:
    item_id, url, title, lang, timeline_at, dated, source = row
    at = datetime.fromtimestamp(timeline_at, UTC)
    return StoredItem(
        id=item_id,
        url=url,
        title=title,
        summary="",
        text=None,
        lang=lang,
        published_at=at if dated else None,
        fetched_at=at,
        sources=(source,) if source else (),
        trace=True,
    )


def search_traces(db: Database, match: str, limit: int) -> list[StoredItem]:
    """The traces whose headline matches the FTS5 query ``match``, best first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM item_traces_fts JOIN item_traces t"
        " ON t.key = item_traces_fts.rowid WHERE item_traces_fts MATCH ?"
        " ORDER BY item_traces_fts.rank LIMIT ?",
        [match, limit],
    ).fetchall()
    return [_stored(row) for row in rows]


def trace_of(db: Database, key: int, id_or_url: str) -> StoredItem | None:
    """The trace of the item with this id (``key``: its tombstone key) or link, if its text
    was deleted."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM item_traces t WHERE t.key = ? AND t.id = ?"
        f" UNION ALL SELECT {_COLUMNS} FROM item_traces t WHERE t.url = ? LIMIT 1",
        [key, id_or_url, id_or_url],
    ).fetchone()
    return None if row is None else _stored(row)
