"""OPML parsing and writing (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.opml import OpmlError, OpmlFeed, parse_opml, to_opml
from tests.ingest.conftest import HOSTILE


def test_nested_reader_export_is_read_with_categories() -> None:
    feeds = parse_opml((HOSTILE / "reader-export-nested.opml").read_bytes())
    assert [f.title for f in feeds] == [
        "Lenta.ru",
        "ТАСС",
        "RBC",
        "Asia-Plus",
        "Sputnik Тоҷикистон",
        "Meduza",
        "Local gopher",
    ]
    assert feeds[3] == OpmlFeed(
        "Asia-Plus", "https://asiaplustj.info/ru/rss", "https://asiaplustj.info/", "Tajikistan"
    )
    assert feeds[5].category == "Central Asia"


def test_written_opml_reads_back_the_same() -> None:
    feeds = [
        OpmlFeed("ТАСС", "https://tass.ru/rss/v2.xml", "https://tass.ru/", "Russia"),
        OpmlFeed('Quotes "and" <tags> & more', "https://example.org/rss?a=1&b=2"),
    ]
    text = to_opml(feeds, title="tjwatch feeds", created=datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert "<dateCreated>Mon, 23 Nov 2026 12:00:00 GMT</dateCreated>" in text
    assert parse_opml(text.encode("utf-8")) == feeds


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<opml><body><outline", "not well-formed XML"),
        (b"<rss version='2.0'/>", "the root element is <rss>, not <opml>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><opml><body/></opml>', "DTD"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data: bytes, problem: str) -> None:
    with pytest.raises(OpmlError, match=problem):
        parse_opml(data)
