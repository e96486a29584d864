"""Items (stored once whatever the number of feeds carrying them), their sources and verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from storage.records import NewItem, StoredItem, VerdictRecord, from_iso, to_iso
from storage.sql import IN_JSON_LIST, execute_rows, json_list

# The columns ``stored_item`` reads, in this order (rows come as tuples: a dict per row of a
# 500-item digest costs more than the SQL).
_COLUMNS = """
    SELECT i.id, i.url, i.title, i.summary, i.text, i.lang, i.published_at, i.fetched_at,
           v.relevant, v.score, v.matched_terms, v.nearest_seed, v.seed_similarity, v.story,
           v.whats_new, v.reason, v.story_id,
           (SELECT group_concat(f.name, '\x1f') FROM item_sources s JOIN feeds f ON f.id = s.feed_id
             WHERE s.item_id = i.id) AS sources
"""
_SELECT = _COLUMNS + " FROM items i LEFT JOIN verdicts v ON v.item_id = i.id"


def stored_item(row: Sequence[Any]) -> StoredItem:
    (
        item_id,
        url,
        title,
        summary,
        text,
        lang,
        published_at,
        fetched_at,
        relevant,
        score,
        matched_terms,
        nearest_seed,
        seed_similarity,
        story,
        whats_new,
        reason,
        story_id,
        sources,
    ) = row
    fetched = from_iso(fetched_at)
    assert fetched is not None
    return StoredItem(
        id=item_id,
        url=url,
        title=title,
        summary=summary,
        text=text,
        lang=lang,
        published_at=from_iso(published_at),
        fetched_at=fetched,
        sources=tuple(sources.split("\x1f")) if sources else (),
        relevant=bool(relevant),
        score=score or 0.0,
        matched_terms=tuple(json.loads(matched_terms)) if matched_terms else (),
        nearest_seed=nearest_seed,
        seed_similarity=json.loads(seed_similarity) if seed_similarity else {},
        story=story,
        whats_new=whats_new,
        reason=reason or "",
        story_id=story_id,
    )


class ItemRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, items: Iterable[NewItem]) -> list[str]:
        """Store items; return the ids that were new. A known item only gains a source.

        Many rows a statement (``storage.sql.execute_rows``): a poll cycle stores tens of
        thousands of items while other threads run.
        """
        items = list(items)
        with self._db.atomic():
            (last_rowid,) = self._db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()
            seen = self.known_ids([item.id for item in items])
            new: list[str] = []
            rows: list[tuple[Any, ...]] = []
            for item in items:
                if item.id in seen:
                    continue  # known, or twice in this batch: the first occurrence wins
                seen.add(item.id)
                new.append(item.id)
                rows.append(
                    (
                        item.id,
                        item.guid,
                        item.url,
                        item.title,
                        item.summary,
                        item.text,
                        item.lang,
                        to_iso(item.timeline_at),
                        to_iso(item.published_at),
                        item.published_raw,
                        to_iso(item.fetched_at),
                        item.feed_id,
                    )
                )
            columns = (
                "id",
                "guid",
                "url",
                "title",
                "summary",
                "text",
                "lang",
                "timeline_at",
                "published_at",
                "published_raw",
                "fetched_at",
                "first_feed_id",
            )
            execute_rows(
                self._db,
                "new",
                columns,
                rows,
                f"INSERT INTO items ({', '.join(columns)}) SELECT * FROM new WHERE true"
                " ON CONFLICT(id) DO NOTHING",
            )
            # The full-text index, for the whole batch at once (m007_fts_by_batch): the rows
            # just inserted, in rowid order (FTS5 flushes its pending terms whenever a rowid
            # comes out of order).
            self._db.execute(
                "INSERT INTO items_fts (rowid, title, summary, text)"
                " SELECT rowid, title, summary, text FROM items WHERE rowid > ? ORDER BY rowid",
                [last_rowid],
            )
            execute_rows(
                self._db,
                "seen",
                ("item_id", "feed_id", "seen_at"),
                [(i.id, i.feed_id, to_iso(i.fetched_at)) for i in items],
                "INSERT INTO item_sources (item_id, feed_id, seen_at) SELECT * FROM seen WHERE true"
                " ON CONFLICT DO NOTHING",
            )
        return new

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        # One row back, not one per id.
        sql = f"SELECT json_group_array(id) FROM items WHERE id {IN_JSON_LIST}"
        found = self._db.execute(sql, [json_list(ids)]).fetchone()[0]
        return set(json.loads(found))

    def set_text(self, item_id: str, text: str) -> None:
        with self._db.atomic():
            self._db.execute("UPDATE items SET text = ? WHERE id = ?", [text, item_id])

    def save_verdicts(self, verdicts: Iterable[VerdictRecord]) -> None:
        rows = [
            (
                v.item_id,
                int(v.relevant),
                v.score,
                json.dumps(list(v.matched_terms), ensure_ascii=False),
                v.nearest_seed,
                json.dumps(v.seed_similarity),
                v.story,
                v.whats_new,
                v.reason,
                v.story_id,
                to_iso(v.scored_at),
            )
            for v in verdicts
        ]
        columns = (
            "item_id",
            "relevant",
            "score",
            "matched_terms",
            "nearest_seed",
            "seed_similarity",
            "story",
            "whats_new",
            "reason",
            "story_id",
            "scored_at",
        )
        with self._db.atomic():
            execute_rows(
                self._db,
                "new",
                columns,
                rows,
                f"INSERT INTO verdicts ({', '.join(columns)}) SELECT * FROM new WHERE true"
                + """
                ON CONFLICT(item_id) DO UPDATE SET relevant = excluded.relevant,
                    score = excluded.score, matched_terms = excluded.matched_terms,
                    nearest_seed = excluded.nearest_seed,
                    seed_similarity = excluded.seed_similarity, story = excluded.story,
                    whats_new = excluded.whats_new, reason = excluded.reason,
                    story_id = COALESCE(excluded.story_id, verdicts.story_id),
                    scored_at = excluded.scored_at
                """,
            )

    def _stored(self, sql: str, params: Sequence[Any]) -> list[StoredItem]:
        return [stored_item(row) for row in self._db.execute(sql, params).fetchall()]

    def get(self, id_or_url: str) -> StoredItem | None:
        sql = _SELECT + " WHERE i.id = ? OR i.url = ? LIMIT 1"
        rows = self._stored(sql, [id_or_url, id_or_url])
        return rows[0] if rows else None

    def by_ids(self, ids: Sequence[str]) -> list[StoredItem]:
        out = self._stored(_SELECT + f" WHERE i.id {IN_JSON_LIST}", [json_list(ids)])
        order = {item_id: n for n, item_id in enumerate(ids)}
        return sorted(out, key=lambda item: order[item.id])

    def undelivered_ids(
        self, channel: str, chat_id: int, min_score: float, limit: int = 500
    ) -> list[str]:
        """Relevant items not yet delivered to this chat, best first: their ids only.

        Read on the ``verdicts_digest`` and ``items_id_timeline`` indexes without touching item
        rows; the caller reads the rows (``by_ids``) only when no other chat's identical digest
        is at hand.
        """
        sql = (
            # Without the hint SQLite looks items up by their primary key and reads each row for
            # its date; items_id_timeline (m009) holds the date beside the id.
            "SELECT v.item_id FROM verdicts v JOIN items i INDEXED BY items_id_timeline"
            " ON i.id = v.item_id"
            " WHERE v.relevant = 1 AND v.score >= ? AND NOT EXISTS (SELECT 1 FROM deliveries d"
            " WHERE d.channel = ? AND d.chat_id = ? AND d.item_id = v.item_id"
            " AND d.status = 'sent') ORDER BY v.score DESC, i.timeline_at DESC LIMIT ?"
        )
        return [r[0] for r in self._db.execute(sql, [min_score, channel, chat_id, limit])]

    def latest(self, n: int, relevant_only: bool = True) -> list[StoredItem]:
        where = "WHERE v.relevant = 1" if relevant_only else ""
        sql = _SELECT + f" {where} ORDER BY i.timeline_at DESC LIMIT ?"
        return self._stored(sql, [n])

    def search(self, query: str, limit: int = 10) -> list[StoredItem]:
        """Full-text search (FTS5) over titles, summaries and article text, relevant items first."""
        terms = [t for t in query.replace('"', " ").split() if t]
        if not terms:
            return []
        match = " ".join(f'"{t}"*' for t in terms)
        # Rank the matches on the index alone, then read the rows of the few that are shown.
        sql = (
            "SELECT i.id FROM items_fts JOIN items i ON i.rowid = items_fts.rowid"
            " LEFT JOIN verdicts v ON v.item_id = i.id WHERE items_fts MATCH ?"
            " ORDER BY COALESCE(v.relevant, 0) DESC, items_fts.rank LIMIT ?"
        )
        return self.by_ids([r[0] for r in self._db.execute(sql, [match, limit]).fetchall()])

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM items").fetchone()[0])

    def count_relevant(self) -> int:
        sql = "SELECT count(*) FROM verdicts WHERE relevant = 1"
        return int(self._db.execute(sql).fetchone()[0])
