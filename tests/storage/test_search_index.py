"""Full-text search sees every stored item once, in whichever batch it arrived."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from storage import NewItem, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _item(n: int, title: str, feed_id: int) -> NewItem:
    return NewItem(
        id=f"i{n}",
        guid=None,
        url=f"https://news.example/{n}",
        title=title,
        summary=f"summary {n}",
        text=None,
        lang="ru",
        published_at=NOW,
        published_raw=None,
        fetched_at=NOW,
        feed_id=feed_id,
    )


def test_items_are_searchable_once_whatever_the_batches(tmp_path: Path) -> None:
    store = open_store(tmp_path / "tj.db")
    a = store.feeds.add("A", "http://a.example/rss", None, NOW)
    b = store.feeds.add("B", "http://b.example/rss", None, NOW)
    first = [_item(n, f"Душанбе новость {n}", a.id) for n in range(1200)]  # a big batch
    store.items.add(first)
    # The same articles again from another feed, with new ones: only the new ones are indexed.
    again = [replace(i, feed_id=b.id) for i in first[:5]]
    store.items.add([*again, _item(5000, "Рогун ГЭС", b.id)])
    found = store.items.search("Душанбе", limit=2000)
    assert len(found) == 1200 and len({i.id for i in found}) == 1200
    assert [i.id for i in store.items.search("Рогун")] == ["i5000"]
    store.items.set_text("i7", "Полный текст о переговорах в Москве")
    assert [i.id for i in store.items.search("переговорах")] == ["i7"]
    store.close()


def test_a_database_from_before_batched_indexing_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "tj.db"
    store = open_store(path)
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    store.items.add([_item(1, "Душанбе до обновления", feed.id)])
    # As an older tjwatch left it: the row-by-row insert trigger, and m007 not yet applied.
    store.db.execute(
        'CREATE TRIGGER "items_ai" AFTER INSERT ON "items" BEGIN INSERT INTO "items_fts" '
        '(rowid, "title", "summary", "text") VALUES (new.rowid, new."title", new."summary", '
        'new."text"); END'
    )
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_fts_by_batch'")
    store.db.conn.commit()
    store.close()
    store = open_store(path)
    store.items.add([_item(2, "Душанбе после обновления", feed.id)])
    # Each item indexed once: the trigger is gone, not indexing alongside the batch.
    hits = "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'Душанбе'"
    assert store.db.execute(hits).fetchone()[0] == 2
    assert sorted(i.id for i in store.items.search("Душанбе")) == ["i1", "i2"]
    store.close()
