"""The Slack bot's words in English and Russian, and the digest labels it shares with Telegram.

The digest's own words (title, "relevance", "+N more sources") come from the Telegram catalog's
``digest`` section, so that both channels say the same thing.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from bot.render.telegram_html import DigestLabels
from bot.telegrambot.texts import normalize_lang
from bot.telegrambot.texts import t as catalog_t


@functools.cache
def _catalog() -> dict[str, dict[str, str]]:
    raw = resources.files("bot.slackbot").joinpath("texts.toml").read_text("utf-8")
    return tomllib.loads(raw)


def t(lang: str | None, key: str, /, **values: Any) -> str:
    catalog = _catalog()
    template = catalog[normalize_lang(lang)].get(key) or catalog["en"][key]
    return template.format(**values) if values else template


def slack_labels(lang: str | None) -> DigestLabels:
    def g(key: str) -> str:
        return catalog_t(lang, f"digest.{key}")

    return DigestLabels(
        title=g("title"),
        stories=g("stories"),
        continued=g("continued"),
        empty=g("empty"),
        relevance=g("relevance"),
        same_story=g("same_story"),
        new_development=g("new_development"),
        more_sources=g("more_sources"),
        more_source=g("more_source"),
    )
