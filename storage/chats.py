"""Chats (Telegram chats and channels, Slack channels, the console), subscriptions, settings."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage.records import ChatRecord, from_iso, to_iso

CONSOLE_CHAT_ID = 0

_SETTABLE = {
    "title",
    "lang",
    "active",
    "subscribed",
    "thread_id",
    "frequency",
    "digest_hour",
    "digest_weekday",
    "timezone",
    "min_score",
    "only_new",
    "managed_by",
    "kind",
    "follow_ups",
    "vote_shift",
}


def _chat(row: dict[str, Any]) -> ChatRecord:
    return ChatRecord(
        id=row["id"],
        channel=row["channel"],
        kind=row["kind"],
        title=row["title"],
        lang=row["lang"],
        active=bool(row["active"]),
        subscribed=bool(row["subscribed"]),
        thread_id=row["thread_id"],
        frequency=row["frequency"],
        digest_hour=row["digest_hour"],
        digest_weekday=row["digest_weekday"],
        timezone=row["timezone"],
        min_score=row["min_score"],
        only_new=bool(row["only_new"]),
        managed_by=row["managed_by"],
        last_digest_at=from_iso(row["last_digest_at"]),
        follow_ups=row.get("follow_ups"),
        vote_shift=row.get("vote_shift") or 0.0,
    )


class ChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def ensure(
        self,
        chat_id: int,
        *,
        channel: str,
        kind: str,
        now: datetime,
        defaults: dict[str, Any] | None = None,
    ) -> ChatRecord:
        """Return the chat, creating it with ``defaults`` the first time it is seen."""
        found = self.get(chat_id)
        if found is not None:
            return found
        values = {"digest_hour": 8, "timezone": "UTC", **(defaults or {})}
        unknown = set(values) - _SETTABLE
        if unknown:
            raise ValueError(f"unknown chat settings: {sorted(unknown)}")
        columns = ["id", "channel", "kind", "created_at", "updated_at", *values]
        params = [chat_id, channel, kind, to_iso(now), to_iso(now), *values.values()]
        with self._db.atomic():
            self._db.execute(
                f"INSERT INTO chats ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT(id) DO NOTHING",
                params,
            )
        created = self.get(chat_id)
        assert created is not None
        return created

    def get(self, chat_id: int) -> ChatRecord | None:
        rows = list(self._db.query("SELECT * FROM chats WHERE id = ?", [chat_id]))
        return _chat(rows[0]) if rows else None

    def update(self, chat_id: int, now: datetime, **changes: Any) -> ChatRecord | None:
        unknown = set(changes) - _SETTABLE
        if unknown:
            raise ValueError(f"unknown chat settings: {sorted(unknown)}")
        if changes:
            sets = ", ".join(f"{key} = ?" for key in changes)
            with self._db.atomic():
                self._db.execute(
                    f"UPDATE chats SET {sets}, updated_at = ? WHERE id = ?",
                    [*changes.values(), to_iso(now), chat_id],
                )
        return self.get(chat_id)

    def migrate(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: move the chat and everything keyed on its id."""
        with self._db.atomic():
            self._db.execute(
                "UPDATE chats SET id = ?, kind = 'supergroup' WHERE id = ?", [new_id, old_id]
            )
            self._db.execute(
                "UPDATE deliveries SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
            )
            self._db.execute("UPDATE feedback SET chat_id = ? WHERE chat_id = ?", [new_id, old_id])
            self._db.execute(
                "UPDATE story_messages SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
            )

    def mark_digest(self, chat_id: int, at: datetime) -> None:
        with self._db.atomic():
            self._db.execute(
                "UPDATE chats SET last_digest_at = ? WHERE id = ?", [to_iso(at), chat_id]
            )

    def subscribed(self, channel: str | None = None) -> list[ChatRecord]:
        sql = "SELECT * FROM chats WHERE subscribed = 1 AND active = 1"
        params: list[Any] = []
        if channel:
            sql += " AND channel = ?"
            params.append(channel)
        return [_chat(r) for r in self._db.query(sql + " ORDER BY id", params)]

    def all(self) -> list[ChatRecord]:
        return [_chat(r) for r in self._db.query("SELECT * FROM chats ORDER BY id")]


CHAT_FIELDS = tuple(f.name for f in fields(ChatRecord))
