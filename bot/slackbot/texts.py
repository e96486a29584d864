"""The Slack bot's words in English and Russian.

The digest's own words (title, "relevance", "+N more sources") are the Telegram catalog's
(``bot.texts.digest_labels``), so that both channels say the same thing.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from bot.render.plural import Plural, is_plural_table
from bot.texts import normalize_lang


@functools.cache
def _catalog() -> dict[str, dict[str, Any]]:
    raw = resources.files("bot.slackbot").joinpath("texts.toml").read_text("utf-8")
    return tomllib.loads(raw)


def t(lang: str | None, key: str, /, **values: Any) -> str:
    """The text ``key`` in ``lang``; a table of plural forms picks its form by ``n``."""
    catalog = _catalog()
    code = normalize_lang(lang)
    template = catalog[code].get(key)
    if template is None:
        code, template = "en", catalog["en"][key]
    if is_plural_table(template):
        return Plural.of(code, template).format(**values)
    return str(template).format(**values) if values else str(template)
