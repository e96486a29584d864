"""Items (stored once whatever the number of feeds carrying them), their sources and verdicts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from storage.records import NewItem, ReportProbe, StoredItem, VerdictRecord, from_iso, to_iso
from storage.sql import IN_JSON_LIST, SOURCE_NAMES, execute_rows, json_list, source_names
from storage.traces import search_traces, trace_of

# The columns ``stored_item`` reads, in this order (rows come as tuples: a dict per row of a
# 500-item digest costs more than the SQL).
_COLUMNS = (
    """
    SELECT i.id, i.url, i.title, i.summary, i.text, i.lang, i.published_at, i.fetched_at,
           v.relevant, v.score, v.matched_terms, v.nearest_seed, v.seed_similarity, v.story,
           v.whats_new, v.reason, v.story_id,
"""
    + f"{SOURCE_NAMES} AS sources"
)
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
        sources=source_names(sources),
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


def _source_row(item: NewItem) -> tuple[Any, ...]:
    """An item's ``item_sources`` row: the report it belongs to, the feed, the outlet named."""
    report = item.report_id or item.id
    return (report, item.feed_id, to_iso(item.fetched_at), item.publisher, item.publisher_url)


class ItemRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, items: Iterable[NewItem]) -> list[str]:
        """Store items; return the ids that were new. A known item only gains a source.

        An item with a ``report_id`` is another feed's copy of that stored report: it adds a
        source to the report, its id becomes the report's alias, and the outlet's own link
        replaces an aggregator's redirect as the report's link.

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
                if item.id in seen or item.report_id is not None:
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
                        item.report_key,
                        int(item.aggregator_link),
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
                "report_key",
                "aggregator_link",
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
                ("item_id", "feed_id", "seen_at", "publisher", "publisher_url"),
                [_source_row(i) for i in items],
                "INSERT INTO item_sources (item_id, feed_id, seen_at, publisher, publisher_url)"
                " SELECT * FROM seen WHERE true ON CONFLICT DO NOTHING",
            )
            joined = [i for i in items if i.report_id is not None and i.report_id != i.id]
            if joined:
                self._join(joined)
        return new

    def _join(self, items: Sequence[NewItem]) -> None:
        """Items that are copies of stored reports: their ids as aliases, and the outlet's own
        link as the report's where the report still has an aggregator's."""
        execute_rows(
            self._db,
            "joined",
            ("alias", "item_id"),
            [(i.id, i.report_id) for i in items],
            "INSERT INTO item_aliases (alias, item_id) SELECT * FROM joined WHERE true"
            " ON CONFLICT DO NOTHING",
        )
        own = [(i.report_id, i.url) for i in items if not i.aggregator_link and i.url]
        execute_rows(
            self._db,
            "own",
            ("report_id", "url"),
            own,
            "UPDATE items SET url = own.url, aggregator_link = 0 FROM own"
            " WHERE items.id = own.report_id AND items.aggregator_link = 1",
        )

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        # One row back, not one per id.
        sql = f"SELECT json_group_array(id) FROM items WHERE id {IN_JSON_LIST}"
        found = self._db.execute(sql, [json_list(ids)]).fetchone()[0]
        return set(json.loads(found))

    def reports_of(self, probes: Sequence[ReportProbe]) -> dict[str, str]:
        """Which stored report each probed item is: itself when its id is stored, the report it
        joined before (an alias), else a report of the same key within ``probe``'s window, one
        of the two through an aggregator (``bot.ingest.reports``). Unknown items are left out.

        One statement, one row back: a poll cycle asks for thousands of items at a time. The
        key's lookup runs on ``items_report_key`` (m010).
        """
        sql = """
            WITH p AS (
                SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS key,
                       json_extract(value, '$[2]') AS lo, json_extract(value, '$[3]') AS hi,
                       json_extract(value, '$[4]') AS agg
                FROM json_each(?)
            ), r AS (
                SELECT p.id, coalesce(
                    (SELECT i.id FROM items i WHERE i.id = p.id),
                    (SELECT a.item_id FROM item_aliases a WHERE a.alias = p.id),
                    (SELECT i.id FROM items i WHERE i.report_key = p.key
                        AND i.timeline_at BETWEEN p.lo AND p.hi
                        AND (p.agg = 1 OR i.aggregator_link = 1)
                        ORDER BY i.timeline_at LIMIT 1)
                ) AS report FROM p
            )
            SELECT json_group_object(id, report) FROM r WHERE report IS NOT NULL
        """
        values = [
            [
                p.id,
                p.report_key,
                to_iso(p.timeline_at - p.window),
                to_iso(p.timeline_at + p.window),
                int(p.aggregator_link),
            ]
            for p in probes
        ]
        found = self._db.execute(sql, [json.dumps(values, ensure_ascii=False)]).fetchone()[0]
        return {str(k): str(v) for k, v in json.loads(found).items()}

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

    def trace(self, id_or_url: str) -> StoredItem | None:
        """What is kept of an unmatched item whose text retention deleted (``storage.traces``):
        its headline, link, date and first source, with no text and no verdict."""
        return trace_of(self._db, id_or_url)

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

    def search(self, match: str, limit: int = 10) -> list[StoredItem]:
        """Full-text search over titles, summaries and article text, relevant items first, then
        the headlines of unmatched items whose text retention has deleted (``storage.traces``).

        ``match`` is an FTS5 query (``bot.relevance.search_query`` builds it from a person's
        words, their other forms included).
        """
        # Rank the matches on the index alone, then read the rows of the few that are shown.
        sql = (
            "SELECT i.id FROM items_fts JOIN items i ON i.rowid = items_fts.rowid"
            " LEFT JOIN verdicts v ON v.item_id = i.id WHERE items_fts MATCH ?"
            " ORDER BY COALESCE(v.relevant, 0) DESC, items_fts.rank LIMIT ?"
        )
        found = self.by_ids([r[0] for r in self._db.execute(sql, [match, limit]).fetchall()])
        if len(found) < limit:
            found += search_traces(self._db, match, limit - len(found))
        return found

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM items").fetchone()[0])

    def count_traces(self) -> int:
        """Unmatched items of which only a trace is left (``storage.traces``)."""
        return int(self._db.execute("SELECT count(*) FROM item_traces").fetchone()[0])

    def count_relevant(self) -> int:
        sql = "SELECT count(*) FROM verdicts WHERE relevant = 1"
        return int(self._db.execute(sql).fetchone()[0])
