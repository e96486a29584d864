"""The database is a real SQLite file: WAL, busy timeout, migrations that run once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import NewItem, StorageError, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_open_creates_schema_in_wal_mode_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "tj.db"
    store = open_store(path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    store.close()
    again = open_store(path)
    applied = again.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert applied == len(list(again.db.query("SELECT name FROM _sqlite_migrations")))
    again.close()
    assert path.is_file()


def test_item_from_two_feeds_is_one_row_with_two_sources(tmp_path: Path) -> None:
    store = open_store(tmp_path / "tj.db")
    a = store.feeds.add("A", "http://a.example/rss", None, NOW)
    b = store.feeds.add("B", "http://b.example/rss", None, NOW)
    item = NewItem(
        id="x1",
        guid=None,
        url="https://news.example/1",
        title="T",
        summary="S",
        text=None,
        lang="en",
        published_at=NOW,
        published_raw=None,
        fetched_at=NOW,
        feed_id=a.id,
    )
    assert store.items.add([item]) == ["x1"]
    assert store.items.add([_with_feed(item, b.id)]) == []
    stored = store.items.get("x1")
    assert stored is not None and sorted(stored.sources) == ["A", "B"]
    store.close()


def _with_feed(item: NewItem, feed_id: int) -> NewItem:
    from dataclasses import replace

    return replace(item, feed_id=feed_id)


def test_a_second_connection_reads_while_the_store_writes(tmp_path: Path) -> None:
    path = tmp_path / "tj.db"
    store = open_store(path)
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    reader = sqlite3.connect(path)
    with store.db.atomic():
        store.items.add(
            [
                NewItem(
                    id="y",
                    guid=None,
                    url=None,
                    title="T",
                    summary="",
                    text=None,
                    lang=None,
                    published_at=NOW,
                    published_raw=None,
                    fetched_at=NOW,
                    feed_id=feed.id,
                )
            ]
        )
        # Mid-transaction, the reader sees the last committed state without blocking.
        assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    reader.close()
    store.close()


def test_unwritable_location_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError) as info:
        open_store(blocker / "tj.db")
    assert "TJWATCH_DB" in str(info.value)
