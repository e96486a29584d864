"""A batch of items, verdicts and feed outcomes is stored exactly as given (many rows a statement,
``storage.sql.execute_rows``: every character and number must survive the trip)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import FeedUpdate, NewItem, VerdictRecord, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AWKWARD = 'Кавычки "так" и «так», \\ обратная черта, 😀, табуляция\t, \u2028, конец'


def _item(n: int, feed_id: int, title: str = "Душанбе") -> NewItem:
    return NewItem(
        id=f"i{n}",
        guid=f"guid-{n}",
        url=f"https://news.example/{n}",
        title=title,
        summary=f"{AWKWARD}\n\nабзац {n}",
        text=None if n % 2 else AWKWARD * 3,
        lang="ru",
        published_at=NOW - timedelta(minutes=n),
        published_raw="Mon, 23 Nov 2026 09:00:00 +0000",
        fetched_at=NOW,
        feed_id=feed_id,
    )


def test_items_and_verdicts_come_back_exactly_as_stored(tmp_path: Path) -> None:
    store = open_store(tmp_path / "tj.db")
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    items = [_item(n, feed.id, title=f"{AWKWARD} {n}") for n in range(3)]
    assert store.items.add(items) == ["i0", "i1", "i2"]
    assert store.items.known_ids(["i2", "nope", "i0"]) == {"i0", "i2"}
    store.items.save_verdicts(
        [
            VerdictRecord(
                item_id=f"i{n}",
                relevant=n == 1,
                score=0.1 + n / 3,
                matched_terms=("Россия", 'Таджикистан "РТ"'),
                nearest_seed="talks",
                seed_similarity={"talks": 0.123, "visit": 1e-05},
                story=None,
                whats_new=AWKWARD if n == 1 else None,
                reason=f"причина {n}",
                scored_at=NOW,
                story_id=None,
            )
            for n in range(3)
        ]
    )
    stored = store.items.by_ids(["i0", "i1", "i2"])
    for item, back in zip(items, stored, strict=True):
        assert (back.title, back.summary, back.text, back.url) == (
            item.title,
            item.summary,
            item.text,
            item.url,
        )
        assert back.published_at == item.published_at and back.sources == ("A",)
    assert [s.relevant for s in stored] == [False, True, False]
    assert [s.score for s in stored] == [0.1, 0.1 + 1 / 3, 0.1 + 2 / 3]
    assert stored[1].matched_terms == ("Россия", 'Таджикистан "РТ"')
    assert stored[1].seed_similarity == {"talks": 0.123, "visit": 1e-05}
    assert stored[1].whats_new == AWKWARD and stored[0].whats_new is None
    assert store.items.search("обратная", limit=10) and len(store.items.search("абзац")) == 3
    store.close()


def test_a_batch_larger_than_one_statement_is_stored_whole_and_in_order(tmp_path: Path) -> None:
    """250 items (11 columns: 90 rows a statement) and their verdicts, in three statements each."""
    store = open_store(tmp_path / "tj.db")
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    items = [_item(n, feed.id, title=f"заголовок{n}") for n in range(250)]
    assert store.items.add(items) == [f"i{n}" for n in range(250)]
    assert store.items.add([*items[:5], _item(250, feed.id, title="заголовок250")]) == ["i250"]
    store.items.save_verdicts(
        [
            VerdictRecord(
                item_id=f"i{n}",
                relevant=n == 249,
                score=n / 1000,
                matched_terms=(),
                nearest_seed=None,
                seed_similarity={"talks": n / 7},
                story=None,
                whats_new=None,
                reason=str(n),
                scored_at=NOW,
            )
            for n in range(250)
        ]
    )
    stored = store.items.by_ids([f"i{n}" for n in range(251)])
    assert [s.title for s in stored] == [f"заголовок{n}" for n in range(251)]
    assert [s.score for s in stored[:250]] == [n / 1000 for n in range(250)]
    assert [s.seed_similarity for s in stored[:250]] == [{"talks": n / 7} for n in range(250)]
    assert [s.relevant for s in stored].count(True) == 1 and stored[249].relevant
    assert all(s.sources == ("A",) for s in stored)
    assert [s.id for s in store.items.search("заголовок0")] == ["i0"]
    assert [s.id for s in store.items.search("заголовок250")] == ["i250"]
    store.close()


def test_a_batch_of_feed_outcomes_updates_each_feed_as_its_own(tmp_path: Path) -> None:
    store = open_store(tmp_path / "tj.db")
    good = store.feeds.add("Good", "http://good.example/rss", None, NOW)
    same = store.feeds.add("Same", "http://same.example/rss", None, NOW)
    bad = store.feeds.add("Bad", "http://bad.example/rss", None, NOW)
    store.items.add([_item(1, good.id), _item(2, good.id)])
    later = NOW + timedelta(minutes=15)
    store.feeds.record(
        [
            FeedUpdate(
                feed_id=good.id,
                polled_at=NOW,
                ok=True,
                http_status=200,
                etag='"e1"',
                last_modified="Mon, 23 Nov 2026 08:59:00 GMT",
                bozo_reason="recovered: no encoding declared; detected koi8-r",
                next_poll_at=later,
            ),
            FeedUpdate(
                feed_id=same.id, polled_at=NOW, ok=True, http_status=304, next_poll_at=later
            ),
            FeedUpdate(
                feed_id=bad.id,
                polled_at=NOW,
                ok=False,
                http_status=500,
                error="HTTP 500 Internal Server Error",
                next_poll_at=later,
            ),
        ]
    )
    store.feeds.record(
        [
            FeedUpdate(
                feed_id=bad.id,
                polled_at=later,
                ok=False,
                error="timed out after 30 s",
                next_poll_at=later + timedelta(minutes=30),
            )
        ]
    )
    feeds = {f.name: f for f in store.feeds.all()}
    assert feeds["Good"].etag == '"e1"' and feeds["Good"].items_seen == 2
    assert feeds["Good"].last_success_at == NOW and feeds["Good"].http_status == 200
    assert feeds["Good"].bozo_reason == "recovered: no encoding declared; detected koi8-r"
    assert feeds["Same"].http_status == 304 and feeds["Same"].etag is None
    assert feeds["Bad"].consecutive_failures == 2 and feeds["Bad"].last_success_at is None
    assert feeds["Bad"].last_error == "timed out after 30 s"
    assert feeds["Bad"].next_poll_at == later + timedelta(minutes=30)
    store.close()


def test_an_older_database_loses_the_period_copy_and_summaries_still_read(tmp_path: Path) -> None:
    path = tmp_path / "tj.db"
    store = open_store(path)
    feed = store.feeds.add("A", "http://a.example/rss", None, NOW)
    store.items.add([_item(n, feed.id) for n in range(4)])
    store.items.save_verdicts(
        [
            VerdictRecord(
                item_id=f"i{n}",
                relevant=n % 2 == 0,
                score=0.9,
                matched_terms=(),
                nearest_seed=None,
                seed_similarity={},
                story=None,
                whats_new=None,
                reason="",
                scored_at=NOW,
                story_id=None,
            )
            for n in range(4)
        ]
    )
    # As tjwatch before m008 left it: the covering index that copied titles and summaries.
    store.db.execute(
        "CREATE INDEX items_period ON items(timeline_at, id, title, summary, url, lang)"
    )
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_no_period_copy'")
    store.db.conn.commit()
    store.close()
    store = open_store(path)
    indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "items_period" not in indexes
    period = store.summaries.period_items(NOW - timedelta(days=1), NOW + timedelta(minutes=1))
    assert [i.id for i in period] == ["i2", "i0"]  # relevant ones, oldest first
    assert period[0].summary == f"{AWKWARD}\n\nабзац 2" and period[0].sources == ("A",)
    store.close()
