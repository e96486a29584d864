"""Chats, subscriptions and per-chat settings: what the bots' handlers call (never SQL there).

Setting changes are validated here, once, for every front end (Telegram buttons, /lang, Slack):
an invalid value comes back as ``None`` so the caller can answer with a usage line. Each function
takes the store, the time (``now``) and the part of the settings it uses by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_file import ScheduleSettings
from bot.models import FollowUpMode
from bot.topic import Topic
from storage import CONSOLE_CHAT_ID, ChatRecord, Store

Frequency = Literal["instant", "hourly", "daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("instant", "hourly", "daily", "weekly")
LANGUAGES = ("en", "ru")
SCORE_STEPS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
# Time zones offered in the chat settings after UTC and the topic's own ([topic] time_zones).
COMMON_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York")
FOLLOW_UP_MODES = tuple(m.value for m in FollowUpMode)


def zone_choices(topic: Topic) -> tuple[str, ...]:
    """The time zones the settings keyboard offers: UTC, the topic's, then ``COMMON_ZONES``."""
    return tuple(dict.fromkeys(("UTC", *topic.time_zones, *COMMON_ZONES)))


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    chat: ChatRecord
    already: bool


def setting_change(key: str, raw: str) -> dict[str, Any] | None:
    """A chat setting from its textual form (a button's data, an argument), or None if invalid."""
    try:
        match key:
            case "freq" if raw in FREQUENCIES:
                return {"frequency": raw}
            case "hour" if 0 <= int(raw) <= 23:
                return {"digest_hour": int(raw)}
            case "day" if 0 <= int(raw) <= 6:
                return {"digest_weekday": int(raw)}
            case "tz":
                ZoneInfo(raw)
                return {"timezone": raw}
            case "score" if 0.0 <= float(raw) <= 1.0:
                # A choice stands as made: it clears what votes had added (bot.feedback).
                return {"min_score": round(float(raw), 3), "vote_shift": 0.0}
            case "votes" if raw == "reset":
                return {"vote_shift": 0.0}
            case "new" if raw in {"0", "1"}:
                return {"only_new": raw == "1"}
            case "lang" if raw in LANGUAGES:
                return {"lang": raw}
            case "follow" if raw in FOLLOW_UP_MODES:
                return {"follow_ups": raw}
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return None


def chosen_threshold(chat: ChatRecord, default: float) -> float:
    """The minimum relevance the chat chose, else ``default`` (the configured one)."""
    if chat.min_score is not None:
        return chat.min_score
    return default


def threshold(chat: ChatRecord, default: float) -> float:
    """The chat's minimum relevance in force: the chosen one adjusted by its votes."""
    return round(min(1.0, max(0.0, chosen_threshold(chat, default) + chat.vote_shift)), 3)


def follow_ups(chat: ChatRecord, default: str) -> FollowUpMode:
    """How later reports of a story the chat has seen reach it: its own choice, else
    ``default`` (the configured one)."""
    return FollowUpMode(chat.follow_ups if chat.follow_ups in FOLLOW_UP_MODES else default)


async def record_chat(
    store: Store,
    chat_id: int,
    *,
    kind: str,
    title: str | None,
    lang: str | None,
    schedule: ScheduleSettings,
    now: datetime,
) -> ChatRecord:
    """The chat as stored, created with the configured defaults the first time it is seen.

    Called for every update from the chat; a chat marked inactive (it had blocked the bot) is
    active again, since it just wrote to us.
    """
    chat = await store.run(
        store.chats.ensure,
        chat_id,
        channel="telegram",
        kind=kind,
        now=now,
        defaults={
            "title": title,
            "lang": lang,
            "frequency": "daily",
            "digest_hour": schedule.digest_time.hour,
            "timezone": schedule.timezone,
        },
    )
    changes: dict[str, Any] = {}
    if title and chat.title != title:
        changes["title"] = title
    if not chat.active:
        changes["active"] = True  # it wrote to us, so it can hear from us again (unblocked)
    if changes:
        updated = await store.run(store.chats.update, chat_id, now, **changes)
        chat = updated or chat
    return chat


async def record_slack_chat(
    store: Store,
    chat_id: int,
    *,
    title: str,
    lang: str,
    timezone: str,
    now: datetime,
    subscribed: bool = False,
) -> ChatRecord:
    """A Slack channel as a chat (created the first time): where a slash command came from, or
    the configured channel every digest goes to (``subscribed``, on instant alerts)."""
    defaults: dict[str, Any] = {"title": title, "lang": lang, "timezone": timezone}
    if subscribed:
        defaults |= {"subscribed": True, "frequency": "instant"}
    return await store.run(
        store.chats.ensure, chat_id, channel="slack", kind="slack", now=now, defaults=defaults
    )


async def console_chat(store: Store, *, now: datetime) -> ChatRecord:
    """The console's one chat (``tjwatch digest``), created the first time."""
    return await store.run(
        store.chats.ensure,
        CONSOLE_CHAT_ID,
        channel="console",
        kind="console",
        now=now,
        defaults={"subscribed": True, "title": "console"},
    )


async def get_chat(store: Store, chat_id: int) -> ChatRecord | None:
    return await store.run(store.chats.get, chat_id)


async def subscribe(
    store: Store,
    chat: ChatRecord,
    *,
    now: datetime,
    thread_id: int | None = None,
    managed_by: int | None = None,
) -> SubscribeResult:
    """Subscribe the chat (into a forum topic when ``thread_id``); reactivates a blocked chat."""
    already = chat.subscribed and chat.active and chat.thread_id == thread_id
    changes: dict[str, Any] = {"subscribed": True, "active": True, "thread_id": thread_id}
    if managed_by is not None:
        changes["managed_by"] = managed_by
    updated = await store.run(store.chats.update, chat.id, now, **changes)
    assert updated is not None
    return SubscribeResult(updated, already)


async def unsubscribe(store: Store, chat: ChatRecord, *, now: datetime) -> bool:
    """Stop digests; False when the chat was not subscribed."""
    if not chat.subscribed:
        return False
    await store.run(store.chats.update, chat.id, now, subscribed=False)
    return True


async def change_setting(
    store: Store, chat: ChatRecord, key: str, raw: str, *, now: datetime
) -> ChatRecord | None:
    """Apply one validated setting; None when the value is not valid."""
    change = setting_change(key, raw)
    if change is None:
        return None
    return await store.run(store.chats.update, chat.id, now, **change)


async def managed_chat(store: Store, chat_id: int, user_id: int) -> ChatRecord | None:
    """A channel this person manages from a private chat, or None."""
    if not -(2**63) <= chat_id < 2**63:
        return None  # typed by a person; no chat has it, and SQLite cannot even look it up
    chat = await get_chat(store, chat_id)
    if chat is None or chat.managed_by != user_id:
        return None
    return chat


async def telegram_chats(store: Store) -> list[ChatRecord]:
    """Every subscribed Telegram chat."""
    return await store.run(store.chats.subscribed, "telegram")
