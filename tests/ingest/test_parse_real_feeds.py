"""Every real feed snapshot in tests/data/feeds parses without an exception, into sane items."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.worker import ParsedItems, parse_and_normalize

DATA = Path(__file__).parents[1] / "data"
FEED_DIR = DATA / "feeds"
FEEDS = sorted(p for p in FEED_DIR.iterdir() if p.suffix in {".xml", ".gz"})
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _parse(
    body: bytes, headers: dict[str, str] | None = None, url: str = "https://example.org/"
) -> ParsedItems:
    """Parse and normalise a feed's bytes as one poll would, fetched at ``NOW``."""
    return parse_and_normalize(
        body,
        headers or {},
        feed_id=1,
        feed_name="test",
        feed_url=url,
        feed_lang=None,
        fetched_at=NOW,
    )


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
def test_real_feed_parses(path: Path) -> None:
    parsed = _parse(path.read_bytes(), {"content-type": "application/xml"})
    for item in parsed.items:
        assert item.title
        assert "<" not in item.title or ">" not in item.title
        assert item.published_at is None or item.published_at <= NOW
        assert item.url is None or item.url.startswith("http")
    if not parsed.items:
        assert parsed.fatal and parsed.bozo_reason


def test_windows_1251_feed_decodes_to_cyrillic() -> None:
    path = FEED_DIR / "oren-ru-windows1251-yandex-rss.xml"
    parsed = _parse(path.read_bytes(), url="https://oren.ru/")
    text = " ".join(i.title for i in parsed.items)
    assert "Оренбург" in text


def test_koi8r_feed_without_any_declaration_decodes_to_cyrillic() -> None:
    path = FEED_DIR / "feedparser-test-koi8r-undeclared-russian-rss.xml"
    parsed = _parse(path.read_bytes())
    (item,) = parsed.items
    assert item.title == "Как пережить новогоднюю ночь"
    assert "единственное, во что сегодня можно верить безоговорочно" in item.summary
    assert parsed.bozo_reason == "no encoding declared; detected koi8-r" and not parsed.fatal


def test_iso_8859_1_feed_without_declaration_is_not_mistaken_for_cyrillic() -> None:
    path = FEED_DIR / "le-cercle-psy-iso8859-1-no-prolog-rss.xml"
    parsed = _parse(path.read_bytes())
    assert parsed.items[0].title == "Perturbateurs endocriniens : quels effets sur le cerveau ?"


def test_windows_1251_bytes_declared_as_utf8_are_rescued() -> None:
    body = (DATA / "hostile" / "windows1251-no-prolog-rss.xml").read_bytes()
    declared = b'<?xml version="1.0" encoding="utf-8"?>\n' + body
    parsed = _parse(declared, {"content-type": "application/xml"})
    assert (
        parsed.items[0].title
        == "Путин, Лукашенко, Рахмон и Алиев договорились встретиться 9 мая в Москве"
    )
    assert parsed.bozo_reason == "wrong encoding declared; detected cp1251"


def test_relative_links_resolve_against_the_feed_url() -> None:
    path = FEED_DIR / "neverwinter-relative-urls-rss.xml"
    parsed = _parse(
        path.read_bytes(),
        {"content-type": "application/rss+xml"},
        url="https://www.arcgames.com/en/games/neverwinter/news/rss",
    )
    assert parsed.items[0].url == (
        "https://www.arcgames.com/en/games/neverwinter/news/detail/"
        "10743874-neverwinter-%26-jingle-jam-humble-bundle%21"
    )
    assert str(parsed.items[0].published_at) == "2017-12-07 18:00:29+00:00"  # -0800 → UTC


def test_unparseable_dates_leave_the_item_undated_and_the_original_is_kept() -> None:
    path = FEED_DIR / "norfolk-schools-odd-dates-iso8859-1-rss.xml"
    parsed = _parse(path.read_bytes(), url="https://x.org/")
    assert parsed.items[0].published_at is None
    assert parsed.items[0].timeline_at == NOW  # placed on the timeline where it was first seen
    assert parsed.items[0].published_raw == "08/02/2013 12:00:00"
