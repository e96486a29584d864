"""Retention on a real SQLite file with a fixed clock: what a pruning pass deletes, what it keeps,
and what it leaves behind so a deleted item is recognised (issue 23)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.retention import RetentionPolicy, prune
from storage import NewItem, Store, VerdictRecord, open_store
from storage.retention import CHUNK_ITEMS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _item(item_id: str, feed_id: int, age_days: float, word: str) -> NewItem:
    at = NOW - timedelta(days=age_days)
    return NewItem(
        id=item_id,
        guid=None,
        url=f"https://news.example.org/{item_id}",
        title=f"{word} headline {item_id}",
        summary=f"The {word} summary.",
        text=None,
        lang="en",
        published_at=at,
        published_raw=None,
        fetched_at=at,
        feed_id=feed_id,
    )


def _verdict(item_id: str, *, relevant: bool, story_id: int | None = None) -> VerdictRecord:
    return VerdictRecord(
        item_id=item_id,
        relevant=relevant,
        score=0.8 if relevant else 0.1,
        matched_terms=(),
        nearest_seed=None,
        seed_similarity={},
        story=None,
        whats_new=None,
        reason="test",
        scored_at=NOW,
        story_id=story_id,
    )


def _count(store: Store, sql: str, *params: object) -> int:
    return int(store.db.execute(sql, list(params)).fetchone()[0])


def _fts_hits(store: Store, word: str) -> int:
    return _count(store, "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", word)


def _many(path: Path, n: int, age_days: float, words: Callable[[int], str]) -> Store:
    """A store of ``n`` unmatched items of one feed, all ``age_days`` old, item k saying
    ``words(k)``."""
    store = open_store(path)
    feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
    store.items.add([_item(f"i{k:04d}", feed, age_days, words(k)) for k in range(n)])
    return store


def _fill(path: Path) -> Store:
    """Old and recent, matched and unmatched items: a story of two matched items (one old, one
    recent) delivered to a chat with a vote, a story of one old matched item, and an old
    unmatched item that an aggregator's copy joined."""
    store = open_store(path)
    feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
    other = store.feeds.add("Other", "https://other.example.org/rss", None, NOW).id
    store.items.add(
        [
            _item("old-unmatched", feed, 20, "ancient"),
            _item("recent-unmatched", feed, 3, "fresh"),
            _item("old-matched", feed, 100, "treaty"),
            _item("recent-matched", feed, 2, "treaty"),
            _item("lone-matched", feed, 60, "visit"),
        ]
    )
    copy = _item("aggregator-copy", other, 20, "ancient")
    store.items.add([replace(copy, report_id="old-unmatched")])
    both = store.stories.create("Treaty", "old-matched", NOW)
    lone = store.stories.create("Visit", "lone-matched", NOW)
    for item_id, story in (("old-matched", both), ("recent-matched", both), ("lone-matched", lone)):
        store.stories.add_member(story, item_id, ["t"], NOW, NOW)
    store.items.save_verdicts(
        [
            _verdict("old-unmatched", relevant=False),
            _verdict("recent-unmatched", relevant=False),
            _verdict("old-matched", relevant=True, story_id=both),
            _verdict("recent-matched", relevant=True, story_id=both),
            _verdict("lone-matched", relevant=True, story_id=lone),
        ]
    )
    store.chats.ensure(7, channel="telegram", kind="private", now=NOW)
    store.deliveries.mark_sent(
        "telegram", 7, ["old-matched", "lone-matched"], NOW, 1, stories=[both, lone]
    )
    store.feedback.record(7, "lone-matched", 42, 1, NOW)
    return store


def test_unmatched_items_past_the_limit_go_with_their_rows_and_matched_ones_stay(
    tmp_path: Path,
) -> None:
    store = _fill(tmp_path / "tj.db")
    clock = FixedClock(NOW)
    assert _fts_hits(store, "ancient") == 1

    report = asyncio.run(prune(store, RetentionPolicy(unmatched_days=14), now=clock.now()))

    assert (report.unmatched, report.matched, report.stories) == (1, 0, 0)
    assert store.items.get("old-unmatched") is None
    assert _count(store, "SELECT count(*) FROM item_sources WHERE item_id = 'old-unmatched'") == 0
    assert _count(store, "SELECT count(*) FROM verdicts WHERE item_id = 'old-unmatched'") == 0
    assert _count(store, "SELECT count(*) FROM item_aliases") == 0
    assert _fts_hits(store, "ancient") == 0
    assert store.items.search("ancient") == []
    # What is kept: the recent unmatched item, every matched one with its story and delivery.
    kept = {"recent-unmatched", "old-matched", "recent-matched", "lone-matched"}
    assert {i for i in kept if store.items.get(i) is not None} == kept
    assert _fts_hits(store, "treaty") == 2
    assert store.stories.ids_of(["old-matched"]) != []
    assert _count(store, "SELECT count(*) FROM deliveries") == 2
    # The item and the copy that had joined it are remembered; nothing else is.
    assert store.retention.pruned(["old-unmatched", "aggregator-copy", "recent-unmatched"]) == {
        "old-unmatched",
        "aggregator-copy",
    }
    store.close()


def test_an_unmatched_item_past_its_text_days_is_found_by_its_headline_until_unmatched_days(
    tmp_path: Path,
) -> None:
    store = _fill(tmp_path / "tj.db")
    feed = store.feeds.add("Asia Wire", "https://wire.example.org/rss", None, NOW).id
    store.items.add([_item("middle-unmatched", feed, 10, "caravan")])
    store.items.save_verdicts([_verdict("middle-unmatched", relevant=False)])
    policy = RetentionPolicy(unmatched_days=14, unmatched_text_days=7)

    report = asyncio.run(prune(store, policy, now=NOW))

    # Its text and every row of its own are gone; what a search shows of it stays.
    assert (report.unmatched, report.traces_kept) == (2, 1)  # the 20-day-old item leaves none
    assert store.items.get("middle-unmatched") is None
    assert _fts_hits(store, "caravan") == 0
    assert _count(store, "SELECT count(*) FROM verdicts WHERE item_id = 'middle-unmatched'") == 0
    (found,) = store.items.search("caravan")
    assert (found.id, found.title, found.url) == (
        "middle-unmatched",
        "caravan headline middle-unmatched",
        "https://news.example.org/middle-unmatched",
    )
    assert found.sources == ("Asia Wire",) and found.summary == "" and not found.relevant
    assert found.published_at == NOW - timedelta(days=10)
    assert store.items.search("ancient") == []
    # Stored items come first, relevant ones first: a trace fills what is left.
    headline = [i.id for i in store.items.search("headline")]
    assert set(headline[:3]) == {"old-matched", "recent-matched", "lone-matched"}
    assert headline[3:] == ["recent-unmatched", "middle-unmatched"]
    assert store.retention.pruned(["middle-unmatched"]) == {"middle-unmatched"}

    # Five days on, the item is 15 days old: its trace is forgotten too.
    later = asyncio.run(prune(store, policy, now=NOW + timedelta(days=5)))
    assert later.traces_forgotten == 1
    assert store.items.search("caravan") == []
    traces = "SELECT count(*) FROM item_traces_fts WHERE item_traces_fts MATCH 'caravan'"
    assert _count(store, traces) == 0
    assert store.retention.pruned(["middle-unmatched"]) == {"middle-unmatched"}
    store.close()


def test_without_text_days_shorter_than_unmatched_days_no_trace_is_kept(tmp_path: Path) -> None:
    store = _fill(tmp_path / "tj.db")
    policy = RetentionPolicy(unmatched_days=5, unmatched_text_days=7)
    report = asyncio.run(prune(store, policy, now=NOW))
    assert report.traces_kept == 0 and report.unmatched == 1
    assert store.items.search("ancient") == [] and store.items.get("recent-unmatched")
    store.close()


def test_matched_items_go_after_matched_days_with_deliveries_feedback_and_emptied_stories(
    tmp_path: Path,
) -> None:
    store = _fill(tmp_path / "tj.db")
    policy = RetentionPolicy(unmatched_days=14, matched_days=30)

    report = asyncio.run(prune(store, policy, now=NOW))

    assert (report.unmatched, report.matched, report.stories) == (1, 2, 1)
    assert store.items.get("old-matched") is None and store.items.get("lone-matched") is None
    assert _count(store, "SELECT count(*) FROM deliveries") == 0
    assert _count(store, "SELECT count(*) FROM feedback") == 0
    # The story left with no item is gone, with its message; the other keeps its recent item.
    assert _count(store, "SELECT count(*) FROM stories") == 1
    assert _count(store, "SELECT count(*) FROM story_messages") == 1
    (kept,) = store.stories.ids_of(["recent-matched"])
    story = store.stories.get(kept)
    assert story is not None
    assert (story.item_ids, story.item_count, story.lead_item_id) == (
        ("recent-matched",),
        1,
        "recent-matched",
    )
    assert sqlite3.connect(tmp_path / "tj.db").execute("PRAGMA foreign_key_check").fetchall() == []
    store.close()


def test_tombstones_are_forgotten_once_no_feed_served_them_for_tombstone_days(
    tmp_path: Path,
) -> None:
    store = _fill(tmp_path / "tj.db")
    policy = RetentionPolicy(unmatched_days=14, tombstone_days=30)
    asyncio.run(prune(store, policy, now=NOW))
    # A feed still carries the item 20 days later: its tombstone is kept from then on.
    store.retention.seen_again(["old-unmatched"], NOW + timedelta(days=20))

    report = asyncio.run(prune(store, policy, now=NOW + timedelta(days=31)))

    assert report.tombstones_forgotten == 1  # the copy nobody served again
    assert store.retention.pruned(["old-unmatched", "aggregator-copy"]) == {"old-unmatched"}
    store.close()


def test_pruning_shrinks_the_search_index_and_gives_free_pages_back(tmp_path: Path) -> None:
    store = _many(tmp_path / "tj.db", 2_000, 30, lambda n: "bulk " * 200)
    pages = _count(store, "PRAGMA page_count")
    index = _count(store, "SELECT sum(length(block)) FROM items_fts_data")

    report = asyncio.run(prune(store, RetentionPolicy(batch_items=500), now=NOW))

    assert report.unmatched == 2_000 and report.batches >= 4  # a batch may stop early
    # The full-text index shrinks with the items (merged, not left with delete markers).
    assert _count(store, "SELECT sum(length(block)) FROM items_fts_data") < index / 10
    assert report.free_pages_left == 0
    assert _count(store, "PRAGMA page_count") < pages / 2
    store.close()


def test_a_database_of_an_earlier_version_is_switched_to_incremental_vacuum(
    tmp_path: Path,
) -> None:
    from sqlite_utils import Database

    from storage.migrations import migrations

    path = tmp_path / "old.db"
    old = Database(sqlite3.connect(path))
    old.enable_wal()
    migrations.apply(old, stop_before="m012_retention")
    old.execute("INSERT INTO state (key, value) VALUES ('kept', 'yes')")
    old.conn.commit()
    assert old.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    old.close()

    store = open_store(path)  # the upgrade: m012, then m013's one-time VACUUM

    assert _count(store, "PRAGMA auto_vacuum") == 2
    assert store.state.get("kept") == "yes"
    store.close()


def test_a_batch_over_its_time_budget_commits_what_it_has_and_the_pass_goes_on(
    tmp_path: Path,
) -> None:
    store = _many(tmp_path / "tj.db", 40, 30, lambda n: "bulk")
    cutoff = NOW - timedelta(days=14)

    # A budget already spent: the batch stops after its first chunk, and says there is more.
    batch = store.retention.prune_batch(
        unmatched_before=cutoff, matched_before=None, now=NOW, limit=25, budget_s=0.0
    )
    assert (batch.items, batch.finished) == (CHUNK_ITEMS, False)
    assert store.items.count() == 40 - CHUNK_ITEMS
    # The pass carries on batch by batch until every item past its age is gone.
    report = asyncio.run(prune(store, RetentionPolicy(batch_items=25), now=NOW))
    assert report.unmatched == 40 - CHUNK_ITEMS and store.items.count() == 0
    store.close()


def test_forgotten_traces_leave_the_headline_index(tmp_path: Path) -> None:
    store = _many(tmp_path / "tj.db", 2_000, 10, lambda n: f"caravan{n} convoy{n} " * 12)
    policy = RetentionPolicy(unmatched_days=14, unmatched_text_days=7)
    assert asyncio.run(prune(store, policy, now=NOW)).traces_kept == 2_000
    index = _count(store, "SELECT sum(length(block)) FROM item_traces_fts_data")

    report = asyncio.run(prune(store, policy, now=NOW + timedelta(days=5)))

    assert report.traces_forgotten == 2_000
    assert _count(store, "SELECT count(*) FROM item_traces") == 0
    assert _count(store, "SELECT sum(length(block)) FROM item_traces_fts_data") < index / 10
    store.close()
