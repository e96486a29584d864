"""Traces: the headline, link, date and source kept of an unmatched item once retention has
deleted its text (m016): written as ``RetentionRepository.prune_batch`` deletes the item, found
by search, forgotten at ``unmatched_days``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from storage.keys import tombstone_key
from storage.records import StoredItem
from storage.sql import execute_rows

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


def keep_traces(db: Database, ids: Sequence[str]) -> None:
    """Copy these stored items' headline, link, language, date and first source into traces
    (inside the transaction that deletes them)."""
    execute_rows(
        db,
        "kept",
        ("key", "id"),
        [(tombstone_key(i), i) for i in ids],
        "INSERT OR REPLACE INTO item_traces"
        " (key, id, title, url, lang, timeline_at, dated, source)"
        " SELECT k.key, i.id, i.title, i.url, i.lang, unixepoch(i.timeline_at),"
        " i.published_at IS NOT NULL, (SELECT coalesce(s.publisher, f.name)"
        " FROM item_sources s JOIN feeds f ON f.id = s.feed_id WHERE s.item_id = i.id"
        " ORDER BY s.seen_at LIMIT 1) FROM kept k JOIN items i ON i.id = k.id",
    )


def forget_traces(db: Database, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` traces of items dated before ``before``, in one transaction."""
    with db.atomic():
        return int(
            db.execute(
                "DELETE FROM item_traces WHERE key IN (SELECT key FROM item_traces"
                " WHERE timeline_at < ? ORDER BY timeline_at LIMIT ?)",
                [int(before.timestamp()), limit],
            ).rowcount
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


def trace_of(db: Database, id_or_url: str) -> StoredItem | None:
    """The trace of the item with this id or link, if its text was deleted."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM item_traces t WHERE t.key = ? AND t.id = ?"
        f" UNION ALL SELECT {_COLUMNS} FROM item_traces t WHERE t.url = ? LIMIT 1",
        [tombstone_key(id_or_url), id_or_url, id_or_url],
    ).fetchone()
    return None if row is None else _stored(row)
