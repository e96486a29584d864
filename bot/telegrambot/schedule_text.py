"""A chat's schedule in words ("daily at 08:00 (Europe/Berlin)"), in the chat's language."""

from __future__ import annotations

from bot.reads import ChatRecord
from bot.texts import t


def schedule_text(lang: str | None, chat: ChatRecord) -> str:
    match chat.frequency:
        case "instant" | "hourly":
            return t(lang, f"schedule.{chat.frequency}")
        case "weekly":
            return t(
                lang,
                "schedule.weekly",
                weekday=t(lang, f"weekday.{chat.digest_weekday}"),
                hour=chat.digest_hour,
                tz=chat.timezone,
            )
        case _:
            return t(lang, "schedule.daily", hour=chat.digest_hour, tz=chat.timezone)
