"""Telegram mode's schedule on python-telegram-bot's JobQueue (APScheduler underneath).

* ``poll``: the poll cycle every ``poll_interval_minutes`` (skipped while an admin paused it),
  followed by the digests of chats that asked for instant alerts;
* ``prune``: one retention pass every ``[retention] interval_minutes`` (``bot.retention``);
* ``digest:<chat_id>``: one job per subscribed chat on that chat's own schedule (hourly, daily at
  an hour, weekly on a day), in the chat's time zone.

Schedules live in the database (the chats table); ``schedule_all`` re-registers them at start
and ``schedule_chat`` after every settings change. Jobs call the plain functions in
``bot.jobs``, which console mode runs without Telegram.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import JobQueue

from bot.channels import configured_channels
from bot.jobs import digest_job, poll_job, prune_job
from bot.polling import is_paused
from bot.reads import ChatRecord
from bot.subscriptions import get_chat, telegram_chats
from bot.telegrambot.context import BotContext, make_channel

log = logging.getLogger(__name__)

POLL_JOB = "poll"
PRUNE_JOB = "prune"
# A digest due while the bot was down is still sent within this window after it comes back.
MISFIRE_GRACE_S = 3600
Queue = JobQueue[Any]


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When a chat's digest runs: ``daily`` at ``at`` on ``days`` (PTB: 0 = Sunday), or every
    ``interval`` from ``first``; ``None`` for instant chats (they follow the poll job)."""

    at: time | None = None
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    interval: timedelta | None = None


def job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def digest_schedule(chat: ChatRecord) -> DigestSchedule | None:
    """Pure: the chat's settings as a schedule (``digest_weekday`` 0 = Monday, as in Python)."""
    zone = ZoneInfo(chat.timezone)
    match chat.frequency:
        case "instant":
            return None
        case "hourly":
            return DigestSchedule(interval=timedelta(hours=1))
        case "weekly":
            return DigestSchedule(
                at=time(chat.digest_hour, tzinfo=zone), days=((chat.digest_weekday + 1) % 7,)
            )
        case _:
            return DigestSchedule(at=time(chat.digest_hour, tzinfo=zone))


def next_full_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def schedule_poll(queue: Queue, interval_minutes: int, *, first: float = 1.0) -> None:
    for job in queue.get_jobs_by_name(POLL_JOB):
        job.schedule_removal()
    queue.run_repeating(
        _poll,
        interval=interval_minutes * 60,
        first=first,
        name=POLL_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S},
    )


def schedule_prune(queue: Queue, interval_minutes: int) -> None:
    """Retention's pass, the first an interval after the start (a start is not slowed by it)."""
    for job in queue.get_jobs_by_name(PRUNE_JOB):
        job.schedule_removal()
    queue.run_repeating(
        _prune,
        interval=interval_minutes * 60,
        first=interval_minutes * 60,
        name=PRUNE_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S},
    )


def schedule_chat(queue: Queue, chat: ChatRecord) -> None:
    """(Re)register the chat's digest job; removes it when the chat no longer wants digests."""
    for job in queue.get_jobs_by_name(job_name(chat.id)):
        job.schedule_removal()
    if not (chat.subscribed and chat.active):
        return
    plan = digest_schedule(chat)
    if plan is None:
        return
    kwargs: dict[str, Any] = {
        "coalesce": True,
        "misfire_grace_time": MISFIRE_GRACE_S,
        "max_instances": 1,
    }
    if plan.interval is not None:
        first = next_full_hour(datetime.now(ZoneInfo(chat.timezone)))
        queue.run_repeating(
            _digest,
            interval=plan.interval,
            first=first,
            data=chat.id,
            name=job_name(chat.id),
            job_kwargs=kwargs,
        )
    else:
        assert plan.at is not None
        queue.run_daily(
            _digest,
            time=plan.at,
            days=plan.days,
            data=chat.id,
            name=job_name(chat.id),
            job_kwargs=kwargs,
        )


async def schedule_all(queue: Queue, chats: list[ChatRecord]) -> int:
    """Register every subscribed chat's job (at start); returns how many have timed digests."""
    for chat in chats:
        schedule_chat(queue, chat)
    return sum(1 for c in chats if digest_schedule(c) is not None)


async def _poll(context: BotContext) -> None:
    services = context.services
    if await is_paused(services.store):
        log.info("polling is paused; skipping this cycle")
        return
    await poll_job(services)
    channel = make_channel(context.bot)
    for chat in await telegram_chats(services.store):
        if chat.frequency == "instant":
            await digest_job(services, channel, chat)
    others = await configured_channels(services.settings, services.store, now=services.clock.now())
    for target in others:  # Slack etc.: after every poll
        await digest_job(services, target.channel, target.chat)


async def _prune(context: BotContext) -> None:
    await prune_job(context.services)


async def _digest(context: BotContext) -> None:
    job = context.job
    assert job is not None and isinstance(job.data, int)
    chat = await get_chat(context.services.store, job.data)
    if chat is None or not (chat.subscribed and chat.active):
        job.schedule_removal()
        return
    await digest_job(context.services, make_channel(context.bot), chat)
