"""Feeds, their fetch state and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.records import FeedState, FeedUpdate, from_iso, to_iso
from storage.sql import execute_rows


def _state(row: dict[str, Any]) -> FeedState:
    return FeedState(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        lang=row["lang"],
        interval_minutes=row["interval_minutes"],
        origin=row["origin"],
        active=bool(row["active"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled_at=from_iso(row["last_polled_at"]),
        last_success_at=from_iso(row["last_success_at"]),
        last_error=row["last_error"],
        last_error_at=from_iso(row["last_error_at"]),
        http_status=row["http_status"],
        consecutive_failures=row["consecutive_failures"],
        items_seen=row["items_seen"],
        next_poll_at=from_iso(row["next_poll_at"]),
        bozo_reason=row["bozo_reason"],
    )


class FeedRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def sync_configured(
        self, feeds: list[tuple[str, str, str | None, int | None]], now: datetime
    ) -> None:
        """Make the configured feeds present and active; keep the state of those already known.

        A configured feed is recognised by the address written in the config (``config_url``),
        so one that moved by a permanent redirect keeps its row. Feeds added at run time (origin
        'user') are left alone; configured feeds that were removed from the file are deactivated,
        not deleted, so their items keep their sources; a feed an admin removed stays removed.
        """
        with self._db.atomic():
            seen: set[str] = set()
            for name, url, lang, interval in feeds:
                seen.add(url)
                rows = list(
                    self._db.query(
                        "SELECT id FROM feeds WHERE config_url = ? OR url = ? "
                        "ORDER BY config_url = ? DESC LIMIT 1",
                        [url, url, url],
                    )
                )
                if rows:
                    self._db.execute(
                        """
                        UPDATE feeds SET name = ?, lang = ?, interval_minutes = ?,
                            origin = 'config',
                            config_url = ?, active = (removed_at IS NULL)
                        WHERE id = ?
                        """,
                        [name, lang, interval, url, rows[0]["id"]],
                    )
                else:
                    self._db.execute(
                        """
                        INSERT INTO feeds (name, url, config_url, lang, interval_minutes, origin,
                                           active, created_at)
                        VALUES (?, ?, ?, ?, ?, 'config', 1, ?)
                        """,
                        [name, url, url, lang, interval, to_iso(now)],
                    )
            for row in self._db.query("SELECT id, config_url FROM feeds WHERE origin = 'config'"):
                if row["config_url"] not in seen:
                    self._db.execute("UPDATE feeds SET active = 0 WHERE id = ?", [row["id"]])

    def add(
        self, name: str, url: str, lang: str | None, now: datetime, origin: str = "user"
    ) -> FeedState:
        """Add a feed, or switch a known (or removed) one back on under the new name."""
        with self._db.atomic():
            self._db.execute(
                """
                INSERT INTO feeds (name, url, lang, origin, active, created_at)
                VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT(url) DO UPDATE SET active = 1, removed_at = NULL, name = excluded.name,
                    next_poll_at = NULL
                """,
                [name, url, lang, origin, to_iso(now)],
            )
        found = self.by_url(url)
        assert found is not None
        return found

    def remove(self, feed_id: int, now: datetime) -> None:
        """Stop polling a feed for good (its items keep it as their source)."""
        with self._db.atomic():
            self._db.execute(
                "UPDATE feeds SET active = 0, removed_at = ? WHERE id = ?", [to_iso(now), feed_id]
            )

    def find(self, id_or_url_or_name: str) -> FeedState | None:
        """A feed by id, address (current or as configured) or name (any case), active first."""
        key = id_or_url_or_name.strip()
        rows = list(
            self._db.query(
                "SELECT * FROM feeds WHERE url = ? OR config_url = ? OR CAST(id AS TEXT) = ? "
                "ORDER BY active DESC, id LIMIT 1",
                [key, key, key],
            )
        )
        if rows:
            return _state(rows[0])
        # SQLite's NOCASE folds ASCII only; names are often Cyrillic ("ТАСС", "тасс").
        folded = key.casefold()
        for row in self._db.query("SELECT * FROM feeds ORDER BY active DESC, id"):
            if str(row["name"]).casefold() == folded:
                return _state(row)
        return None

    def by_url(self, url: str) -> FeedState | None:
        rows = list(
            self._db.query(
                "SELECT * FROM feeds WHERE url = ? OR config_url = ? ORDER BY url = ? DESC LIMIT 1",
                [url, url, url],
            )
        )
        return _state(rows[0]) if rows else None

    def active(self) -> list[FeedState]:
        return [
            _state(r) for r in self._db.query("SELECT * FROM feeds WHERE active = 1 ORDER BY id")
        ]

    def all(self) -> list[FeedState]:
        return [_state(r) for r in self._db.query("SELECT * FROM feeds ORDER BY active DESC, id")]

    def due(self, now: datetime) -> list[FeedState]:
        return [
            _state(r)
            for r in self._db.query(
                "SELECT * FROM feeds WHERE active = 1 "
                "AND (next_poll_at IS NULL OR next_poll_at <= ?) "
                "ORDER BY id",
                [to_iso(now)],
            )
        ]

    def record(self, updates: list[FeedUpdate]) -> None:
        """Write the outcome of a poll for many feeds in one transaction.

        Call it after the items are stored: ``items_seen`` is the number of distinct items the
        feed has carried, counted from ``item_sources``. One statement for the feeds that
        answered and one for those that failed, not one per feed (``storage.sql.execute_rows``).
        """
        ok = [
            (
                u.feed_id,
                to_iso(u.polled_at),
                u.http_status,
                u.etag,
                u.last_modified,
                u.http_status != 304,
                u.bozo_reason,
                to_iso(u.next_poll_at),
            )
            for u in updates
            if u.ok
        ]
        failed = [
            (u.feed_id, to_iso(u.polled_at), u.http_status, u.error, to_iso(u.next_poll_at))
            for u in updates
            if not u.ok
        ]
        with self._db.atomic():
            if ok:
                execute_rows(
                    self._db,
                    "u",
                    (
                        "id",
                        "polled",
                        "status",
                        "etag",
                        "last_modified",
                        "fresh",
                        "bozo",
                        "next_poll",
                    ),
                    ok,
                    """
                    UPDATE feeds SET last_polled_at = u.polled, last_success_at = u.polled,
                        http_status = u.status, etag = COALESCE(u.etag, feeds.etag),
                        last_modified = COALESCE(u.last_modified, feeds.last_modified),
                        consecutive_failures = 0, last_error = NULL,
                        bozo_reason = CASE WHEN u.fresh THEN u.bozo ELSE feeds.bozo_reason END,
                        next_poll_at = u.next_poll,
                        items_seen = (SELECT count(*) FROM item_sources WHERE feed_id = feeds.id)
                    FROM u WHERE feeds.id = u.id
                    """,
                )
            if failed:
                execute_rows(
                    self._db,
                    "u",
                    ("id", "polled", "status", "error", "next_poll"),
                    failed,
                    """
                    UPDATE feeds SET last_polled_at = u.polled, http_status = u.status,
                        last_error = u.error, last_error_at = u.polled,
                        consecutive_failures = feeds.consecutive_failures + 1,
                        next_poll_at = u.next_poll
                    FROM u WHERE feeds.id = u.id
                    """,
                )
            for u in updates:
                if u.new_url:
                    # A permanent redirect: follow it from now on, unless that URL is already a
                    # feed.
                    self._db.execute(
                        "UPDATE feeds SET url = ? WHERE id = ? "
                        "AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?)",
                        [u.new_url, u.feed_id, u.new_url],
                    )
