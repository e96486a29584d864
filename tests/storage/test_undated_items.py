"""Undated items: ``published_at`` is None (no date, or one in the future), they stand on the
timeline where they were first seen, and a database of the previous schema migrates to that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.digest.compose import compose_digest
from bot.ingest.normalize import normalize_entry
from bot.models import Item, RawEntry
from storage import NewItem, Store, VerdictRecord, open_store
from storage.migrations import migrations

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FUTURE = NOW + timedelta(days=3)


def _item(name: str, published: datetime | None, fetched_at: datetime, raw: str | None) -> Item:
    entry = RawEntry(
        guid=None,
        link=f"https://news.example/{name}",
        title=f"Item {name}",
        summary=f"Summary of {name}",
        content="",
        published=published.timetuple()[:6] if published else None,
        published_raw=raw,
    )
    item = normalize_entry(
        entry,
        feed_id=1,
        feed_name="A",
        feed_url="https://news.example/rss",
        feed_lang="en",
        fetched_at=fetched_at,
    )
    assert item is not None
    return item


def _store_items(store: Store, items: list[Item]) -> None:
    store.items.add(
        NewItem(
            id=i.id,
            guid=i.guid,
            url=i.url,
            title=i.title,
            summary=i.summary,
            text=i.text,
            lang=i.lang,
            published_at=i.published_at,
            published_raw=i.published_raw,
            fetched_at=i.fetched_at,
            feed_id=i.feed_id,
        )
        for i in items
    )
    store.items.save_verdicts(_verdict(i.id) for i in items)


def _verdict(item_id: str) -> VerdictRecord:
    return VerdictRecord(
        item_id=item_id,
        relevant=True,
        score=0.9,
        matched_terms=(),
        nearest_seed=None,
        seed_similarity={},
        story=None,
        whats_new=None,
        reason="",
        scored_at=NOW,
    )


def test_undated_and_future_dated_items_are_stored_undated_and_ordered_by_first_seen(
    tmp_path: Path,
) -> None:
    dated = _item("dated", NOW - timedelta(hours=3), NOW, "Mon, 23 Nov 2026 06:00:00 GMT")
    undated = _item("undated", None, NOW - timedelta(hours=2), None)
    future = _item("future", FUTURE, NOW - timedelta(hours=1), "Thu, 26 Nov 2026 09:00:00 GMT")
    assert dated.published_at == NOW - timedelta(hours=3)
    assert undated.published_at is None and undated.timeline_at == NOW - timedelta(hours=2)
    assert future.published_at is None and future.timeline_at == NOW - timedelta(hours=1)
    assert future.published_raw == "Thu, 26 Nov 2026 09:00:00 GMT"

    store = open_store(tmp_path / "tj.db")
    store.feeds.add("A", "https://news.example/rss", None, NOW)
    _store_items(store, [dated, undated, future])

    by_id = {i.id: i for i in store.items.by_ids([dated.id, undated.id, future.id])}
    assert by_id[dated.id].published_at == NOW - timedelta(hours=3)
    assert by_id[undated.id].published_at is None
    assert by_id[future.id].published_at is None
    newest_first = [dated.id, undated.id, future.id][::-1]
    assert [i.id for i in store.items.latest(3)] == newest_first
    oldest_first = [dated.id, undated.id, future.id]
    period = (NOW - timedelta(days=1), NOW)
    assert [i.id for i in store.summaries.period_items(*period)] == oldest_first
    assert [i.timeline_at for i in store.summaries.period_items(*period)] == [
        NOW - timedelta(hours=3),
        NOW - timedelta(hours=2),
        NOW - timedelta(hours=1),
    ]
    # The digest shows each item at its place on the timeline: the undated one where first seen.
    digest = compose_digest(store.items.latest(3), now=NOW)
    shown = {e.item_ids[0]: e.timeline_at for e in digest.entries}
    assert shown[undated.id] == NOW - timedelta(hours=2)
    assert shown[future.id] == NOW - timedelta(hours=1)
    store.close()


def _old_item(item_id: str, published_at: str, published_raw: str | None, fetched_at: str) -> dict:
    return {
        "id": item_id,
        "url": f"https://news.example/{item_id}",
        "title": f"Visit {item_id}",
        "summary": "Talks in the capital",
        "published_at": published_at,
        "published_raw": published_raw,
        "fetched_at": fetched_at,
        "first_feed_id": 1,
    }


def test_a_database_of_the_previous_schema_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m009_undated_items")
    old["feeds"].insert(
        {"id": 1, "name": "A", "url": "https://news.example/rss", "created_at": "x"}
    )
    rows = [
        # A real date: kept.
        _old_item("dated", "2026-11-23T06:00:00+00:00", "Mon, 23 Nov 2026 06:00:00 GMT",
                  "2026-11-23T09:00:00+00:00"),
        # No date in the feed: the fetch time stood in.
        _old_item("nodate", "2026-11-23T07:00:00+00:00", None, "2026-11-23T07:00:00+00:00"),
        # A date that did not parse (or lay in the future): the fetch time stood in, text kept.
        _old_item("odd", "2026-11-23T08:00:00+00:00", "08/02/2013 12:00:00",
                  "2026-11-23T08:00:00+00:00"),
    ]  # fmt: skip
    old["items"].insert_all(rows)
    old.execute(
        "INSERT INTO items_fts (rowid, title, summary, text)"
        " SELECT rowid, title, summary, text FROM items"
    )
    old["item_sources"].insert_all(
        {"item_id": r["id"], "feed_id": 1, "seen_at": r["fetched_at"]} for r in rows
    )
    old["stories"].insert(
        {"id": 1, "headline": "Visit", "first_seen": "x", "last_seen": "x", "item_count": 1}
    )
    old["story_signatures"].insert(
        {"item_id": "odd", "story_id": 1, "tokens": "[]", "published_at": rows[2]["published_at"]}
    )
    old.conn.commit()
    old.close()

    store = open_store(path)
    got = {i.id: i for i in store.items.by_ids(["dated", "nodate", "odd"])}
    assert got["dated"].published_at == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert got["nodate"].published_at is None
    assert got["odd"].published_at is None
    assert [i.id for i in store.items.latest(3, relevant_only=False)] == ["odd", "nodate", "dated"]
    (sig,) = store.stories.signatures_since(NOW - timedelta(days=1))
    assert sig.timeline_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    # The full-text index and its update trigger came through the backfill.
    assert sorted(i.id for i in store.items.search("capital")) == ["dated", "nodate", "odd"]
    store.items.set_text("dated", "A treaty on labour migrants")
    assert [i.id for i in store.items.search("treaty")] == ["dated"]
    # The period and digest queries read the timeline indexes.
    indexes = {
        r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    assert {"items_timeline", "items_id_timeline", "story_signatures_timeline"} <= indexes
    assert not {"items_published_at", "items_id_published"} & indexes
    store.items.save_verdicts([_verdict("dated")])
    assert store.items.undelivered_ids("telegram", 1, 0.5) == ["dated"]
    store.close()
