"""The soak's chats: who is subscribed and how (``CHATS``, set up as ``/start`` and
``/subscribe`` do), when a timed digest is due (as the Telegram schedule's ``run_daily`` would
run it), and the channel that records what each chat was shown into the ledger instead of
sending it to Telegram.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from benchmarks.soak_ledger import Ledger
from benchmarks.soak_stream import CYCLE

if TYPE_CHECKING:
    from bot.models import Digest, FollowUp
    from bot.services import Services
    from storage import ChatRecord

# The chats: (frequency, digest hour, time zone, follow-ups, minimum score).
CHATS: tuple[tuple[str, int, str, str | None, float | None], ...] = (
    ("daily", 8, "Asia/Dushanbe", None, None),
    ("daily", 9, "Europe/Moscow", "digest", None),
    ("daily", 20, "Asia/Dushanbe", "off", None),
    ("daily", 7, "Europe/Berlin", None, 0.6),
    ("daily", 18, "America/New_York", "digest", None),
    ("daily", 0, "UTC", None, 0.4),
    ("daily", 12, "Asia/Dushanbe", "thread", 0.7),
    ("daily", 22, "Europe/Moscow", None, None),
    ("instant", 8, "Asia/Dushanbe", None, None),
    ("instant", 8, "Europe/Moscow", "off", 0.6),
    ("weekly", 10, "Europe/Moscow", None, None),
)


class RecordingChannel:
    """Stands in for Telegram: every message is written into the ledger, and acknowledged."""

    name = "telegram"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.cycle = 0

    async def send(self, chat: ChatRecord, digest: Digest) -> Any:
        from bot.delivery.channel import Sent

        urls = [e.url for e in digest.entries if e.url]
        urls += [r.url for u in digest.updates for r in u.reports if r.url]
        return Sent((self.ledger.received(self.cycle, chat.id, urls),))

    async def send_follow_up(self, chat: ChatRecord, follow_up: FollowUp) -> Any:
        from bot.delivery.channel import Sent

        urls = [r.url for r in follow_up.reports if r.url]
        return Sent((self.ledger.received(self.cycle, chat.id, urls),))


def digest_due(chat: ChatRecord, now: datetime) -> bool:
    """Whether the chat's timed digest runs in the cycle ending at ``now`` (as the Telegram
    schedule's ``run_daily`` would: at the hour, in the chat's zone)."""
    local = now.astimezone(ZoneInfo(chat.timezone))
    if local.minute >= CYCLE.total_seconds() / 60:
        return False
    match chat.frequency:
        case "hourly":
            return True
        case "weekly":
            return local.hour == chat.digest_hour and local.weekday() == chat.digest_weekday
        case "instant":
            return False
        case _:
            return local.hour == chat.digest_hour


async def subscribe_chats(services: Services) -> None:
    """The chats, created and subscribed the way ``/start`` and ``/subscribe`` do."""
    from bot.subscriptions import record_chat, subscribe

    store, now = services.store, services.clock.now()
    for n, (frequency, hour, zone, follow_ups, min_score) in enumerate(CHATS, start=1):
        chat = await record_chat(
            store,
            n,
            kind="private",
            title=f"chat {n}",
            lang="ru" if n % 2 else "en",
            schedule=services.settings.file.schedule,
            now=now,
        )
        await subscribe(store, chat, now=now)
        await store.run(
            store.chats.update,
            n,
            now,
            frequency=frequency,
            digest_hour=hour,
            timezone=zone,
            follow_ups=follow_ups,
            min_score=min_score,
        )
