"""Jobs, written as plain ``async def job(services)`` so both runners can call them.

In Telegram mode python-telegram-bot's JobQueue runs them; in console mode a bare APScheduler
``AsyncIOScheduler`` does (an ``Application`` cannot start without a reachable Bot API).
"""

from __future__ import annotations

import logging

from bot.delivery.channel import Channel
from bot.ingest.cycle import CycleReport, run_cycle
from bot.services import Services
from storage import ChatRecord

log = logging.getLogger(__name__)


async def poll_job(services: Services) -> CycleReport | None:
    """One poll cycle; an unexpected error is logged and the next run tries again."""
    try:
        return await run_cycle(services)
    except Exception:
        log.exception("poll cycle failed unexpectedly; will retry at the next interval")
        return None


async def digest_job(services: Services, channel: Channel, chat: ChatRecord) -> None:
    try:
        await services.outbox.deliver(channel, chat)
    except Exception:
        log.exception("digest for chat %s failed unexpectedly", chat.id)
