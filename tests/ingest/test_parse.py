"""Parsing hostile bodies (pure): entity bombs, HTML pages, gzip bytes handed over as XML, links
that are no address."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ingest.parse import parse_feed
from bot.ingest.text import html_to_text
from bot.ingest.worker import parse_and_normalize
from tests.ingest.conftest import HOSTILE


def test_entity_bomb_is_not_expanded() -> None:
    parsed = parse_feed(
        (HOSTILE / "billion-laughs-rss.xml").read_bytes(), {"content-type": "application/rss+xml"}
    )
    # feedparser drops the DTD's entity declarations; the entry survives, unexpanded.
    assert parsed.bozo_reason is not None and parsed.bozo_reason.startswith("not well-formed XML")
    (entry,) = parsed.entries
    assert entry.title == "&lol9;" and entry.link == "https://bomb.example/1"


def test_an_html_page_is_not_a_feed() -> None:
    page = b"<!-- cms --><!DOCTYPE html><html lang='ru'><head><title>News</title></head></html>"
    parsed = parse_feed(page, {"content-type": "text/html; charset=utf-8"})
    assert parsed.fatal and parsed.bozo_reason == "an HTML page, not a feed"


def test_an_empty_but_valid_feed_is_not_a_failure() -> None:
    parsed = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>',
        {"content-type": "application/rss+xml"},
    )
    assert not parsed.fatal and parsed.entries == () and parsed.title == "Quiet"


def test_a_feed_title_with_markup_becomes_plain_text() -> None:
    parsed = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel>'
        b"<title>&lt;b&gt;Asia-Plus&lt;/b&gt; &amp;amp; "
        b"&lt;script&gt;x()&lt;/script&gt;Ozodi</title>"
        b"</channel></rss>",
        {"content-type": "application/rss+xml"},
    )
    assert parsed.title == "Asia-Plus & Ozodi"


def test_a_broken_feeds_nul_characters_are_dropped_and_the_text_around_them_kept() -> None:
    # Not XML (an unescaped "&", NUL bytes): feedparser's lenient parser passes the NULs on.
    parsed = parse_feed(
        b"<rss><channel><title>T</title><item><title>Russia\x00 and Tajikistan & co</title>"
        b"<link>https://a.example/1</link><description>Body\x00 text</description></item>"
        b"</channel></rss>",
        {"content-type": "application/rss+xml"},
    )
    (entry,) = parsed.entries
    assert entry.title == "Russia and Tajikistan & co"
    assert entry.summary == "Body text"


def test_an_entry_whose_link_is_no_address_is_kept_without_one() -> None:
    """A port that is no number, a broken IPv6 host, another scheme: the entry keeps its title
    and text and gets no link; the feed's other entries are not lost with it (a bad port used
    to fail the whole feed: "the parser crashed")."""
    links = [
        "http://example.org:port/a",
        "http://[::1/b",
        "javascript:alert(1)",
        "HTTP://Example.ORG:80/c?utm_source=x&id=7#top",
        "/d?from=rss",
    ]
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link><guid>g{n}</guid></item>"
        for n, link in enumerate(links)
    )
    parsed = parse_and_normalize(
        f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>".encode(),
        {"content-type": "application/rss+xml"},
        feed_id=1,
        feed_name="T",
        feed_url="https://example.org/feed.xml",
        feed_lang="en",
        fetched_at=datetime(2026, 12, 3, tzinfo=UTC),
    )
    assert [(i.title, i.url) for i in parsed.items] == [
        ("Item 0", None),
        ("Item 1", None),
        ("Item 2", None),
        ("Item 3", "http://example.org/c?id=7"),
        ("Item 4", "https://example.org/d"),
    ]


def test_feed_text_is_tidied_into_words_and_paragraphs() -> None:
    """Runs of spaces, tabs, no-break and thin spaces become one space; line ends are trimmed;
    blank lines between paragraphs become one; markup breaks become paragraphs."""
    assert html_to_text("Душанбе \u00a0 и\tМосква\u202fсегодня  ") == "Душанбе и Москва сегодня"
    assert html_to_text("Один  абзац.\r\n\r\n\r\n  Второй\u2009абзац. \nТретья строка") == (
        "Один абзац.\n\nВторой абзац.\nТретья строка"
    )
    assert html_to_text("<p>Первый&nbsp;&nbsp;абзац</p><p>Второй <b>абзац</b></p>") == (
        "Первый абзац\n\nВторой абзац"
    )
    assert html_to_text("a b c") == "a b c"
