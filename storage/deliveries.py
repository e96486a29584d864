"""Deliveries: which item went to which chat on which channel, so nothing is sent twice.

A delivery is first recorded as ``pending`` (the outbox) and becomes ``sent`` in the same
transaction that follows the channel's acknowledgement; a restart resends what is still pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from storage.records import to_iso


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
    ) -> None:
        with self._db.atomic():
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
