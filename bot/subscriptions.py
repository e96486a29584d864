"""Chats, subscriptions and per-chat settings: what the bots' handlers call (never SQL there).

Setting changes are validated here, once, for every front end (Telegram buttons, /lang, Slack):
an invalid value comes back as ``None`` so the caller can answer with a usage line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services import Services
from bot.topic import Topic
from storage import ChatRecord

Frequency = Literal["instant", "hourly", "daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("instant", "hourly", "daily", "weekly")
LANGUAGES = ("en", "ru")
SCORE_STEPS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
# Time zones offered in the chat settings after UTC and the topic's own ([topic] time_zones).
COMMON_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York")


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
                return {"min_score": round(float(raw), 3)}
            case "new" if raw in {"0", "1"}:
                return {"only_new": raw == "1"}
            case "lang" if raw in LANGUAGES:
                return {"lang": raw}
    except (ValueError, ZoneInfoNotFoundError):
        return None
    return None


def threshold(services: Services, chat: ChatRecord) -> float:
    """The chat's minimum relevance: its own setting, else the configured one."""
    if chat.min_score is not None:
        return chat.min_score
    return services.settings.file.thresholds.relevance


async def record_chat(
    services: Services,
    chat_id: int,
    *,
    kind: str,
    title: str | None,
    lang: str | None,
) -> ChatRecord:
    """The chat as stored, created with the configured defaults the first time it is seen.

    Called for every update from the chat; a chat marked inactive (it had blocked the bot) is
    active again, since it just wrote to us.
    """
    schedule = services.settings.file.schedule
    store = services.store
    chat = await store.run(
        store.chats.ensure,
        chat_id,
        channel="telegram",
        kind=kind,
        now=services.clock.now(),
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
        updated = await store.run(store.chats.update, chat_id, services.clock.now(), **changes)
        chat = updated or chat
    return chat


async def get_chat(services: Services, chat_id: int) -> ChatRecord | None:
    return await services.store.run(services.store.chats.get, chat_id)


async def subscribe(
    services: Services,
    chat: ChatRecord,
    *,
    thread_id: int | None = None,
    managed_by: int | None = None,
) -> SubscribeResult:
    """Subscribe the chat (into a forum topic when ``thread_id``); reactivates a blocked chat."""
    already = chat.subscribed and chat.active and chat.thread_id == thread_id
    changes: dict[str, Any] = {"subscribed": True, "active": True, "thread_id": thread_id}
    if managed_by is not None:
        changes["managed_by"] = managed_by
    updated = await services.store.run(
        services.store.chats.update, chat.id, services.clock.now(), **changes
    )
    assert updated is not None
    return SubscribeResult(updated, already)


async def unsubscribe(services: Services, chat: ChatRecord) -> bool:
    """Stop digests; False when the chat was not subscribed."""
    if not chat.subscribed:
        return False
    await services.store.run(
        services.store.chats.update, chat.id, services.clock.now(), subscribed=False
    )
    return True


async def change_setting(
    services: Services, chat: ChatRecord, key: str, raw: str
) -> ChatRecord | None:
    """Apply one validated setting; None when the value is not valid."""
    change = setting_change(key, raw)
    if change is None:
        return None
    return await services.store.run(
        services.store.chats.update, chat.id, services.clock.now(), **change
    )


async def managed_chat(services: Services, chat_id: int, user_id: int) -> ChatRecord | None:
    """A channel this person manages from a private chat, or None."""
    if not -(2**63) <= chat_id < 2**63:
        return None  # typed by a person; no chat has it, and SQLite cannot even look it up
    chat = await get_chat(services, chat_id)
    if chat is None or chat.managed_by != user_id:
        return None
    return chat


async def telegram_chats(services: Services) -> list[ChatRecord]:
    return await services.store.run(services.store.chats.subscribed, "telegram")
