"""Pure: the /settings inline keyboards. Callback data is ``st:<chat_id>:<key>[:<value>]``.

The chat id is in the data so that a channel can be managed from a private chat; the handler
checks that the person may change that chat before applying anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reads import ChatRecord
from bot.subscriptions import FOLLOW_UP_MODES, FREQUENCIES, LANGUAGES, SCORE_STEPS
from bot.texts import normalize_lang, t

PREFIX = "st"
VIEWS = ("main", "freq", "hour", "day", "tz", "score", "lang", "follow")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


@dataclass(frozen=True, slots=True)
class SettingsData:
    chat_id: int
    key: str
    value: str | None = None


def data(chat_id: int, key: str, value: object | None = None) -> str:
    return f"{PREFIX}:{chat_id}:{key}" + ("" if value is None else f":{value}")


def parse(raw: str) -> SettingsData | None:
    parts = raw.split(":", 3)
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    try:
        chat_id = int(parts[1])
    except ValueError:
        return None
    return SettingsData(chat_id, parts[2], parts[3] if len(parts) == 4 else None)


def _b(text: str, chat_id: int, key: str, value: object | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(chat_id, key, value))


def _mark(text: str, chosen: bool) -> str:
    return f"• {text} •" if chosen else text


def _same(value: float | None, step: float) -> bool:
    return value is not None and abs(value - step) < 1e-9


def settings_keyboard(
    chat: ChatRecord,
    view: str,
    lang: str | None,
    time_zones: tuple[str, ...],
    follow_ups: str = "thread",
    threshold: float | None = None,
) -> InlineKeyboardMarkup:
    """``follow_ups`` and ``threshold``: the chat's settings as they stand (its own, else the
    defaults), so that a menu marks the value in force even when the chat never chose one;
    ``lang``: the language of the person reading the menu."""
    current_lang = normalize_lang(chat.lang)  # what its digests are written in
    current_score = chat.min_score if threshold is None else threshold
    cid = chat.id
    back = [_b(t(lang, "settings.back"), cid, "view", "main")]
    rows: list[list[InlineKeyboardButton]]
    match view:
        case "freq":
            rows = [
                [
                    _b(_mark(t(lang, f"settings.{f}"), chat.frequency == f), cid, "freq", f)
                    for f in FREQUENCIES
                ],
                back,
            ]
        case "hour":
            rows = [
                [
                    _b(_mark(f"{h:02d}", chat.digest_hour == h), cid, "hour", h)
                    for h in range(start, start + 6)
                ]
                for start in range(0, 24, 6)
            ] + [back]
        case "day":
            days = [
                _b(_mark(t(lang, f"weekday.{d}")[:3], chat.digest_weekday == d), cid, "day", d)
                for d in range(7)
            ]
            rows = [days[:4], days[4:], back]
        case "tz":
            zones = [_b(_mark(z, chat.timezone == z), cid, "tz", z) for z in time_zones]
            rows = [zones[i : i + 2] for i in range(0, len(zones), 2)] + [back]
        case "score":
            rows = [
                [
                    _b(_mark(f"{s:.1f}", _same(current_score, s)), cid, "score", s)
                    for s in SCORE_STEPS
                ],
                back,
            ]
        case "lang":
            rows = [
                [
                    _b(_mark(LANGUAGE_NAMES[code], current_lang == code), cid, "lang", code)
                    for code in LANGUAGES
                ],
                back,
            ]
        case "follow":
            rows = [
                [
                    _b(_mark(t(lang, f"settings.follow_{m}"), follow_ups == m), cid, "follow", m)
                    for m in FOLLOW_UP_MODES
                ],
                back,
            ]
        case _:
            state = "✅" if chat.only_new else "✖️"
            rows = [
                [
                    _b(t(lang, "settings.frequency"), cid, "view", "freq"),
                    _b(t(lang, "settings.hour"), cid, "view", "hour"),
                    _b(t(lang, "settings.weekday"), cid, "view", "day"),
                ],
                [
                    _b(t(lang, "settings.timezone"), cid, "view", "tz"),
                    _b(t(lang, "settings.threshold"), cid, "view", "score"),
                ],
                [
                    _b(
                        t(lang, "settings.only_new", state=state),
                        cid,
                        "new",
                        "0" if chat.only_new else "1",
                    ),
                    _b(t(lang, "settings.language"), cid, "view", "lang"),
                ],
                [_b(t(lang, "settings.follow_ups"), cid, "view", "follow")],
            ]
            if chat.vote_shift:
                rows.append([_b(t(lang, "settings.reset_votes"), cid, "votes", "reset")])
            rows.append([_b(t(lang, "settings.done"), cid, "done")])
    return InlineKeyboardMarkup(rows)
