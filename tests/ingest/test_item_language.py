"""Each item's language: the feed's declaration, else identified from the item's own text."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from bot.ingest.normalize import language_model
from bot.ingest.worker import LANGUAGE_SAMPLE, parse_and_normalize

RU = "Президент России провёл переговоры с президентом Таджикистана в Москве о трудовой миграции"
EN = "The president of Russia held talks with the president of Tajikistan in Moscow on migration"
SR = "Путин одржао ванредни телефонски разговор: на вези Лукашенко, Алијев и Рахмон"
TG = "Президенти Тоҷикистон бо Президенти Русия дар Маскав оид ба муҳоҷирати меҳнатӣ гуфтугӯ кард"


def _feed(texts: list[str], language: str | None = None) -> bytes:
    items = "".join(
        f"<item><title>{escape(t)} ({n})</title><link>https://example.org/{n}</link>"
        f"<description>{escape(t)}.</description></item>"
        for n, t in enumerate(texts)
    )
    declared = f"<language>{language}</language>" if language else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{declared}{items}</channel></rss>"
    ).encode()


def _languages(body: bytes) -> list[str | None]:
    parsed = parse_and_normalize(
        body,
        {"content-type": "application/rss+xml"},
        feed_id=1,
        feed_name="t",
        feed_url="https://example.org/feed",
        feed_lang=None,
        fetched_at=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )
    return [item.lang for item in parsed.items]


def test_a_declared_language_is_every_items_language_its_alphabet_allows() -> None:
    language_model.cache_clear()
    assert _languages(_feed([RU, RU, TG], language="ru-RU")) == ["ru", "ru", "ru"]
    # An English item in a Russian feed, and a Serbian edition whose template declares English
    # (its report was counted as English in /summary's languages): not the declared language,
    # and not identified either (that would load the identifier's model for a stray item).
    assert _languages(_feed([RU, EN], language="ru-RU")) == ["ru", None]
    assert _languages(_feed([SR, EN], language="en")) == [None, "en"]
    assert language_model.cache_info().currsize == 0


def test_undeclared_items_are_identified_from_their_text() -> None:
    assert _languages(_feed([EN, RU, TG, EN])) == ["en", "ru", "tg", "en"]


def test_a_mixed_feed_keeps_identifying_every_item() -> None:
    texts = [RU] * (LANGUAGE_SAMPLE - 1) + [EN] + [RU, EN, TG]
    assert _languages(_feed(texts)) == ["ru"] * (LANGUAGE_SAMPLE - 1) + ["en", "ru", "en", "tg"]


def test_a_feed_whose_first_items_agree_is_read_as_declared() -> None:
    # The sample settles the feed's language; a later item takes it, as in a declared feed,
    # unless it is written in another alphabet (then its language is unknown).
    texts = [RU] * LANGUAGE_SAMPLE + [TG, EN, RU]
    assert _languages(_feed(texts)) == ["ru"] * (LANGUAGE_SAMPLE + 1) + [None, "ru"]
