"""Feedback: a person's 👍/👎 on an item delivered to a chat (one vote per person and item)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.records import to_iso


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    up: int = 0
    down: int = 0


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self, chat_id: int, item_id: str, user_id: int, vote: int, now: datetime
    ) -> int | None:
        """Store the vote (+1/-1); return the person's previous vote on this item, if any."""
        if vote not in (1, -1):
            raise ValueError(f"vote must be 1 or -1, not {vote!r}")
        with self._db.atomic():
            row = self._db.execute(
                "SELECT vote FROM feedback WHERE chat_id = ? AND item_id = ? AND user_id = ?",
                [chat_id, item_id, user_id],
            ).fetchone()
            self._db.execute(
                """
                INSERT INTO feedback (chat_id, item_id, user_id, vote, at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(chat_id, item_id, user_id) DO UPDATE SET vote = excluded.vote,
                    at = excluded.at
                """,
                [chat_id, item_id, user_id, vote, to_iso(now)],
            )
        return int(row[0]) if row else None

    def counts(self, chat_id: int | None = None) -> FeedbackCounts:
        sql = "SELECT sum(vote > 0), sum(vote < 0) FROM feedback"
        params: list[int] = []
        if chat_id is not None:
            sql += " WHERE chat_id = ?"
            params.append(chat_id)
        up, down = self._db.execute(sql, params).fetchone()
        return FeedbackCounts(int(up or 0), int(down or 0))
