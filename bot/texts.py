"""The message catalog: every user-facing string of the chat front ends, in English and Russian.

The Telegram bot takes all its texts from here; Slack takes the digest's labels (``digest_labels``)
so that both channels say the same thing. Catalogs are TOML files in ``bot/locales/`` (``en.toml``
is complete; another language may leave keys out and falls back to English). Values are
``str.format`` templates; the caller escapes any feed- or user-provided value it passes in,
because most messages are sent as HTML.
"""

from __future__ import annotations

import functools
import html
import tomllib
from importlib import resources
from typing import Any, Literal, get_args

from bot.relevance.reasons import Reason
from bot.render.plural import Plural, is_plural_table
from bot.render.telegram_html import DigestLabels
from bot.topic import Topic

Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "en"


Template = str | dict[str, str]
"""A text, or a table of texts by plural category (``bot.render.plural``)."""


@functools.cache
def _catalog(lang: str) -> dict[str, Template]:
    raw = resources.files("bot").joinpath(f"locales/{lang}.toml").read_text("utf-8")
    return _flatten(tomllib.loads(raw))


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Template]:
    out: dict[str, Template] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if is_plural_table(value):
            out[name] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


def _template(lang: str | None, key: str) -> tuple[Lang, Template]:
    chosen = normalize_lang(lang)
    template = _catalog(chosen).get(key)
    if template is None:
        return DEFAULT_LANG, _catalog(DEFAULT_LANG)[key]
    return chosen, template


def plural(lang: str | None, key: str) -> Plural:
    """The text ``key`` as a ``Plural`` (a plain text is its own every form)."""
    chosen, template = _template(lang, key)
    return Plural.of(chosen, template)


def normalize_lang(code: str | None) -> Lang:
    """A Telegram ``language_code`` ("ru", "ru-RU", "uk") → one of our languages."""
    if code:
        base = code.split("-", 1)[0].lower()
        for lang in LANGS:
            if base == lang:
                return lang
        # Russian is the lingua franca of our Central Asian readers.
        if base in {"tg", "uz", "ky", "kk", "be", "uk"}:
            return "ru"
    return DEFAULT_LANG


def t(lang: str | None, key: str, /, **values: Any) -> str:
    """The text ``key`` in ``lang`` (English when missing there), formatted with ``values``; a
    text with plural forms picks its form by ``n`` (without values: its "other" form)."""
    chosen, template = _template(lang, key)
    if isinstance(template, dict):
        return Plural.of(chosen, template).format(**values) if values else template["other"]
    return template.format(**values) if values else template


def concept_name(lang: str | None, concept: str, topic: Topic | None = None) -> str:
    """What a chat calls a concept: the topic file's label, else the catalog's ``concept.<id>``
    (in ``lang``, else in English), else the id as words."""
    chosen = normalize_lang(lang)
    label = topic.label(concept, chosen) if topic is not None else None
    if label:
        return label
    key = f"concept.{concept}"
    found = _catalog(chosen).get(key) or _catalog(DEFAULT_LANG).get(key)
    return str(found) if found else concept.replace("_", " ")


def reason_text(lang: str | None, reason: Reason, topic: Topic | None = None) -> str:
    """A reason of a verdict (``bot.relevance.reasons``) in ``lang``, as HTML."""
    names = ", ".join(html.escape(concept_name(lang, c, topic)) for c in reason.concepts)
    return t(lang, f"reason.{reason.code}", concepts=names)


def digest_labels(lang: str | None) -> DigestLabels:
    """The digest's own words in ``lang``, from the catalog's ``digest`` section; the Slack
    digest uses them too, so that both channels say the same thing."""

    def g(key: str) -> str:
        return t(lang, f"digest.{key}")

    def p(key: str) -> Plural:
        return plural(lang, f"digest.{key}")

    return DigestLabels(
        title=g("title"),
        stories=p("stories"),
        part=g("part"),
        empty=g("empty"),
        relevance=g("relevance"),
        same_story=g("same_story"),
        new_development=g("new_development"),
        more_sources=p("more_sources"),
        update_to_story=g("update_to_story"),
        updates=g("updates"),
        more_reports=p("more_reports"),
        whats_new=g("whats_new"),
        first_seen=g("first_seen"),
        unknown_source=g("unknown_source"),
    )


def keys(lang: str) -> frozenset[str]:
    return frozenset(_catalog(lang))
