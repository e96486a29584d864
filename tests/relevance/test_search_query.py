"""A person's search words as an FTS5 query: every form of each word, phrases in order, on a real
SQLite full-text index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import reads
from bot.relevance.search_query import fts_query
from storage import NewItem, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TITLES = {
    "a": "Рахмон прибыл в Москву",
    "b": "Визит Рахмона в Москву",
    "c": "Королёва встретили в Москве",
    "g": "Королева Великобритании",
    "d": "New migration policy announced",
    "e": "Two policies on migrants",
    "f": "Moscow visit: Rahmon in Moscow for talks",
}


def test_the_query_reads_words_as_their_stems_and_phrases_in_order() -> None:
    assert fts_query("Рахмона") == fts_query("Рахмон") == '"рахмон"*'
    assert fts_query("policies") == '("polici"* OR "policy"*)'
    assert fts_query('Путин "визит в Москву"') == '"путин"* AND "визит"* + "в"* + "москв"*'
    assert fts_query("Королёва") == '("королёв"* OR "королев"*)'
    assert fts_query('"" ,;') is None


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Рахмона", {"a", "b"}),
        ("Рахмону", {"a", "b"}),
        ("policy", {"d", "e"}),
        ("policies", {"d", "e"}),
        ("Королёв", {"c", "g"}),  # written with "ё" or "е"
        ("королевы", {"g"}),
        ('"визит Рахмона"', {"b"}),
        ('"Рахмон в Москву"', {"b"}),  # "a" has the words, but not next to each other
        ('"Москву Рахмон"', set()),  # nor in this order
        ('"Rahmon visit"', set()),
        ('Rahmon "in Moscow"', {"f"}),
    ],
)
async def test_search_finds_the_forms_on_a_real_index(
    tmp_path: Path, query: str, found: set[str]
) -> None:
    store = open_store(tmp_path / "tj.db")
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    store.items.add(
        NewItem(
            id=key,
            guid=None,
            url=None,
            title=title,
            summary="",
            text=None,
            lang=None,
            published_at=NOW,
            published_raw=None,
            fetched_at=NOW,
            feed_id=feed.id,
        )
        for key, title in TITLES.items()
    )
    try:
        assert {i.id for i in await reads.search(store, query)} == found
    finally:
        store.close()
