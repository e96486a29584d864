"""Deliveries: which item went to which chat on which channel, so nothing is sent twice.

A delivery is first recorded as ``pending`` (the outbox) and becomes ``sent`` in the same
transaction that follows the channel's acknowledgement; a restart resends what is still pending.
The same transaction records which message first carried each story to the chat
(``story_messages``): later reports of the story are follow-ups to that message (issue 22).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from storage.records import to_iso
from storage.sql import IN_JSON_LIST, json_list


class DeliveryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def queue(self, channel: str, chat_id: int, item_ids: Sequence[str], now: datetime) -> None:
        with self._db.atomic():
            for item_id in item_ids:
                self._db.execute(
                    "INSERT INTO deliveries (channel, chat_id, item_id, status, queued_at) "
                    "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                    [channel, chat_id, item_id, to_iso(now)],
                )

    def mark_sent(
        self,
        channel: str,
        chat_id: int,
        item_ids: Sequence[str],
        now: datetime,
        message_id: int | None = None,
        *,
        stories: Sequence[int] = (),
        message_ref: str | None = None,
        moved: Sequence[int] = (),
    ) -> None:
        """The items are delivered; ``stories`` were carried as new entries by the message
        ``message_ref`` (the first message to carry a story stays its message), and ``moved``
        stories are now carried by it (their message was gone: a follow-up took its place)."""
        with self._db.atomic():
            for story_id in moved:
                self._db.execute(
                    "UPDATE story_messages SET message_ref = ?, sent_at = ?"
                    " WHERE channel = ? AND chat_id = ? AND story_id = ?",
                    [message_ref, to_iso(now), channel, chat_id, story_id],
                )
            for story_id in stories:
                self._db.execute(
                    "INSERT INTO story_messages (channel, chat_id, story_id, message_ref, sent_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [channel, chat_id, story_id, message_ref, to_iso(now)],
                )
            for item_id in item_ids:
                self._db.execute(
                    """
                    INSERT INTO deliveries
                        (channel, chat_id, item_id, status, queued_at, sent_at, message_id)
                    VALUES (?, ?, ?, 'sent', ?, ?, ?)
                    ON CONFLICT(channel, chat_id, item_id) DO UPDATE SET
                        status = 'sent', sent_at = excluded.sent_at,
                        message_id = excluded.message_id
                    """,
                    [channel, chat_id, item_id, to_iso(now), to_iso(now), message_id],
                )

    def seen_stories(
        self, channel: str, chat_id: int, story_ids: Sequence[int]
    ) -> dict[int, str | None]:
        """Of these stories, those already delivered to the chat, with the message that carried
        each (None where the channel gave no reference): one primary-key lookup a story."""
        if not story_ids:
            return {}
        rows = self._db.execute(
            "SELECT story_id, message_ref FROM story_messages"
            f" WHERE channel = ? AND chat_id = ? AND story_id {IN_JSON_LIST}",
            [channel, chat_id, json_list(story_ids)],
        ).fetchall()
        return {int(r[0]): r[1] for r in rows}

    def story_message(self, channel: str, chat_id: int, story_id: int) -> str | None:
        row = self._db.execute(
            "SELECT message_ref FROM story_messages"
            " WHERE channel = ? AND chat_id = ? AND story_id = ?",
            [channel, chat_id, story_id],
        ).fetchone()
        return None if row is None else row[0]

    def sent_ids(self, channel: str, chat_id: int) -> set[str]:
        return {
            r["item_id"]
            for r in self._db.query(
                "SELECT item_id FROM deliveries "
                "WHERE channel = ? AND chat_id = ? AND status = 'sent'",
                [channel, chat_id],
            )
        }

    def count_sent(self, channel: str | None = None) -> int:
        if channel is None:
            row = self._db.execute(
                "SELECT count(*) FROM deliveries WHERE status = 'sent'"
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT count(*) FROM deliveries WHERE status = 'sent' AND channel = ?", [channel]
            ).fetchone()
        return int(row[0])
