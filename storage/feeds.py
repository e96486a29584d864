"""Feeds, their fetch state and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.records import FeedState, FeedUpdate, from_iso, to_iso


def _state(row: dict[str, Any]) -> FeedState:
    return FeedState(
        id=row["id"], name=row["name"], url=row["url"], lang=row["lang"],
        interval_minutes=row["interval_minutes"], origin=row["origin"], active=bool(row["active"]),
        etag=row["etag"], last_modified=row["last_modified"],
        last_polled_at=from_iso(row["last_polled_at"]),
        last_success_at=from_iso(row["last_success_at"]),
        last_error=row["last_error"], last_error_at=from_iso(row["last_error_at"]),
        http_status=row["http_status"], consecutive_failures=row["consecutive_failures"],
        items_seen=row["items_seen"], next_poll_at=from_iso(row["next_poll_at"]),
        bozo_reason=row["bozo_reason"],
    )


class FeedRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def sync_configured(
        self, feeds: list[tuple[str, str, str | None, int | None]], now: datetime
    ) -> None:
        """Make the configured feeds present and active; keep the state of those already known.

        Feeds added at run time (origin 'user') are left alone; configured feeds that were
        removed from the file are deactivated, not deleted, so their items keep their sources.
        """
        with self._db.atomic():
            seen: set[str] = set()
            for name, url, lang, interval in feeds:
                seen.add(url)
                self._db.execute(
                    """
                    INSERT INTO feeds (name, url, lang, interval_minutes, origin, active, created_at)
                    VALUES (?, ?, ?, ?, 'config', 1, ?)
                    ON CONFLICT(url) DO UPDATE SET
                        name = excluded.name, lang = excluded.lang,
                        interval_minutes = excluded.interval_minutes, active = 1
                    """,
                    [name, url, lang, interval, to_iso(now)],
                )
            for row in self._db.query("SELECT id, url FROM feeds WHERE origin = 'config'"):
                if row["url"] not in seen:
                    self._db.execute("UPDATE feeds SET active = 0 WHERE id = ?", [row["id"]])

    def add(self, name: str, url: str, lang: str | None, now: datetime, origin: str = "user") -> FeedState:
        with self._db.atomic():
            self._db.execute(
                """
                INSERT INTO feeds (name, url, lang, origin, active, created_at)
                VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT(url) DO UPDATE SET active = 1, name = excluded.name
                """,
                [name, url, lang, origin, to_iso(now)],
            )
        found = self.by_url(url)
        assert found is not None
        return found

    def deactivate(self, id_or_url: str) -> FeedState | None:
        feed = self.find(id_or_url)
        if feed is not None:
            with self._db.atomic():
                self._db.execute("UPDATE feeds SET active = 0 WHERE id = ?", [feed.id])
        return feed

    def find(self, id_or_url_or_name: str) -> FeedState | None:
        key = id_or_url_or_name.strip()
        rows = list(self._db.query(
            "SELECT * FROM feeds WHERE url = ? OR name = ? OR CAST(id AS TEXT) = ? "
            "ORDER BY active DESC LIMIT 1", [key, key, key],
        ))
        return _state(rows[0]) if rows else None

    def by_url(self, url: str) -> FeedState | None:
        rows = list(self._db.query("SELECT * FROM feeds WHERE url = ?", [url]))
        return _state(rows[0]) if rows else None

    def active(self) -> list[FeedState]:
        return [_state(r) for r in self._db.query("SELECT * FROM feeds WHERE active = 1 ORDER BY id")]

    def all(self) -> list[FeedState]:
        return [_state(r) for r in self._db.query("SELECT * FROM feeds ORDER BY active DESC, id")]

    def due(self, now: datetime) -> list[FeedState]:
        return [
            _state(r)
            for r in self._db.query(
                "SELECT * FROM feeds WHERE active = 1 AND (next_poll_at IS NULL OR next_poll_at <= ?) "
                "ORDER BY id",
                [to_iso(now)],
            )
        ]

    def record(self, updates: list[FeedUpdate]) -> None:
        """Write the outcome of a poll for many feeds in one transaction."""
        with self._db.atomic():
            for u in updates:
                self._apply(u)

    def _apply(self, u: FeedUpdate) -> None:
        polled = to_iso(u.polled_at)
        if u.ok:
            self._db.execute(
                """
                UPDATE feeds SET last_polled_at = ?, last_success_at = ?, http_status = ?,
                    etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                    consecutive_failures = 0, last_error = NULL,
                    bozo_reason = ?, next_poll_at = ?, items_seen = items_seen + ?
                WHERE id = ?
                """,
                [polled, polled, u.http_status, u.etag, u.last_modified, u.bozo_reason,
                 to_iso(u.next_poll_at), u.items_seen, u.feed_id],
            )
        else:
            self._db.execute(
                """
                UPDATE feeds SET last_polled_at = ?, http_status = ?, last_error = ?,
                    last_error_at = ?, consecutive_failures = consecutive_failures + 1,
                    next_poll_at = ?
                WHERE id = ?
                """,
                [polled, u.http_status, u.error, polled, to_iso(u.next_poll_at), u.feed_id],
            )
        if u.new_url:
            # A permanent redirect: follow it from now on, unless that URL is already a feed.
            self._db.execute(
                "UPDATE feeds SET url = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?)",
                [u.new_url, u.feed_id, u.new_url],
            )
