"""The Slack bot's words in English and Russian.

The digest's own words (title, "relevance", "+N more sources") are the Telegram catalog's
(``bot.texts.digest_labels``), so that both channels say the same thing.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from bot.texts import normalize_lang


@functools.cache
def _catalog() -> dict[str, dict[str, str]]:
    raw = resources.files("bot.slackbot").joinpath("texts.toml").read_text("utf-8")
    return tomllib.loads(raw)


def t(lang: str | None, key: str, /, **values: Any) -> str:
    catalog = _catalog()
    template = catalog[normalize_lang(lang)].get(key) or catalog["en"][key]
    return template.format(**values) if values else template
