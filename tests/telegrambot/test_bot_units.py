"""Pure parts of the bot: catalogs, command menu and README, settings, feedback, schedules."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.feedback import MAX_SHIFT, STEP, adjusted_shift
from bot.subscriptions import follow_ups, setting_change, zone_choices
from bot.telegrambot.app import MENU, collect_handlers, menu, webhook_secret
from bot.telegrambot.guards import command_name
from bot.telegrambot.keyboards import parse, settings_keyboard
from bot.telegrambot.schedule import digest_schedule, next_full_hour
from bot.texts import keys, normalize_lang, t
from bot.topic_file import load_topic
from storage import ChatRecord

README = Path(__file__).resolve().parents[2] / "README.md"


def chat(**kw: object) -> ChatRecord:
    values: dict[str, object] = {
        "id": -1001234567890,
        "channel": "telegram",
        "kind": "supergroup",
        "title": "T",
        "lang": "en",
        "active": True,
        "subscribed": True,
        "thread_id": None,
        "frequency": "daily",
        "digest_hour": 8,
        "digest_weekday": 0,
        "timezone": "Asia/Dushanbe",
        "min_score": None,
        "only_new": False,
        "managed_by": None,
        "last_digest_at": None,
    }
    values.update(kw)
    return ChatRecord(**values)  # type: ignore[arg-type]


def placeholders(text: str) -> set[str]:
    return {name.split(":")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def test_russian_catalog_has_every_text_with_the_same_placeholders() -> None:
    missing = {k for k in keys("en") - keys("ru") if not k.startswith(("digest.up", "digest.down"))}
    assert not missing
    for key in keys("ru"):
        assert placeholders(t("ru", key)) == placeholders(t("en", key)), key


def test_every_menu_command_has_a_description_a_handler_and_a_readme_line() -> None:
    readme = README.read_text("utf-8")
    handled = {c for h in collect_handlers() for c in getattr(h, "commands", ())}
    for lang in ("en", "ru"):
        for command in menu(lang):
            assert 3 <= len(command.description) <= 256
    for name in MENU:
        assert name in handled
        assert re.search(rf"`/{name}[ `\\]", readme), f"/{name} is not in README.md"
    for admin in ("addfeed", "removefeed", "addseed", "pause", "resume"):
        assert admin in handled and f"`/{admin}" in readme


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("freq", "weekly", {"frequency": "weekly"}),
        ("freq", "monthly", None),
        ("hour", "23", {"digest_hour": 23}),
        ("hour", "24", None),
        ("hour", "x", None),
        ("day", "6", {"digest_weekday": 6}),
        ("tz", "Europe/Moscow", {"timezone": "Europe/Moscow"}),
        ("tz", "Mars/Olympus", None),
        ("tz", "../etc/passwd", None),
        ("score", "0.6", {"min_score": 0.6, "vote_shift": 0.0}),
        ("votes", "reset", {"vote_shift": 0.0}),
        ("votes", "0.1", None),
        ("score", "1.5", None),
        ("new", "1", {"only_new": True}),
        ("lang", "ru", {"lang": "ru"}),
        ("lang", "de", None),
        ("nope", "1", None),
    ],
)
def test_setting_change_validates(key: str, raw: str, expected: object) -> None:
    assert setting_change(key, raw) == expected


def test_feedback_moves_the_threshold_in_small_bounded_steps() -> None:
    assert adjusted_shift(0.0, 0.5, -1, None) == STEP
    assert adjusted_shift(0.0, 0.5, 1, None) == -STEP
    assert adjusted_shift(0.02, 0.5, -1, -1) == 0.02  # same vote again: no change
    assert adjusted_shift(0.02, 0.5, 1, -1) == -0.02  # switching undoes the first vote too
    value = 0.0
    for _ in range(100):
        value = adjusted_shift(value, 0.7, -1, None)
    assert value == MAX_SHIFT  # bounded around the chosen 0.70, not the configured one
    assert adjusted_shift(-0.02, 0.05, 1, None) == -0.04
    assert adjusted_shift(-0.04, 0.05, 1, None) == -0.05  # never below zero
    assert adjusted_shift(0.0, 0.95, -1, None) == 0.02
    assert adjusted_shift(0.04, 0.95, -1, None) == 0.05  # never above one


def test_digest_schedules_follow_chat_settings() -> None:
    zone = ZoneInfo("Asia/Dushanbe")
    assert digest_schedule(chat(frequency="instant")) is None
    assert digest_schedule(chat(frequency="daily", digest_hour=9)).at == time(9, tzinfo=zone)
    weekly = digest_schedule(chat(frequency="weekly", digest_weekday=6, digest_hour=7))
    assert weekly is not None and weekly.days == (0,)  # Sunday is 0 for python-telegram-bot
    hourly = digest_schedule(chat(frequency="hourly"))
    assert hourly is not None and hourly.interval is not None
    assert next_full_hour(datetime(2026, 1, 1, 10, 59, 30, tzinfo=UTC)).hour == 11


def test_command_name_respects_the_addressed_bot() -> None:
    assert command_name("/Settings@our_bot x", "our_bot") == "settings"
    assert command_name("/settings@other_bot", "our_bot") is None
    assert command_name("hello", "our_bot") is None
    assert command_name("/addfeed http://x", None) == "addfeed"


def test_languages_are_resolved_from_telegram_codes() -> None:
    assert normalize_lang("ru-RU") == "ru" and normalize_lang("tg") == "ru"
    assert normalize_lang("de") == "en" and normalize_lang(None) == "en"


def test_settings_keyboards_fit_telegram_limits_and_round_trip() -> None:
    record = chat()
    for view in ("main", "freq", "hour", "day", "tz", "score", "lang", "follow"):
        markup = settings_keyboard(record, view, "ru", zone_choices(load_topic()))
        for row in markup.inline_keyboard:
            for button in row:
                data = button.callback_data
                assert isinstance(data, str) and len(data.encode()) <= 64
                parsed = parse(data)
                assert parsed is not None and parsed.chat_id == record.id


def test_menus_mark_the_value_in_force_when_the_chat_chose_none() -> None:
    """A channel managed from a Russian private chat: no language and no threshold of its own,
    so its digests go out in English at the configured threshold, which the menus mark."""
    channel = chat(kind="channel", lang=None, min_score=None)

    def texts(view: str) -> list[str]:
        markup = settings_keyboard(channel, view, "ru", ("UTC",), threshold=0.5)
        return [b.text for row in markup.inline_keyboard for b in row]

    assert "• 0.5 •" in texts("score") and "• English •" in texts("lang")
    assert "Русский" in texts("lang")


def test_webhook_secret_is_stable_valid_and_not_the_token() -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"
    secret = webhook_secret(token)
    assert secret == webhook_secret(token) != webhook_secret(token + "x")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)  # what Telegram accepts
    assert token.split(":")[1] not in secret


def test_follow_up_mode_button_validates_and_falls_back_to_the_default() -> None:
    assert setting_change("follow", "digest") == {"follow_ups": "digest"}
    assert setting_change("follow", "sometimes") is None
    assert follow_ups(chat(), "off") == "off"
    assert follow_ups(chat(follow_ups="thread"), "off") == "thread"
    markup = settings_keyboard(chat(follow_ups="digest"), "follow", "en", ("UTC",), "digest")
    [modes, _back] = markup.inline_keyboard
    assert [b.text for b in modes] == ["as replies", "• in the next digest •", "off (/story)"]
    assert [parse(str(b.callback_data)) for b in modes][2] == parse(f"st:{chat().id}:follow:off")
