"""Story grouping: one event from two outlets in two languages is one story, across cycles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.ingest.sink import save_frequencies, store_stories
from bot.models import Item
from bot.relevance.reading import read
from bot.relevance.similarity import event_tokens
from bot.relevance.stories import StoryGrouper, StoryIndex
from storage import open_store
from tests.relevance.support import dev_item, scorer

NOW = datetime(2025, 3, 18, 9, 0, tzinfo=UTC)


def _tokens(item: Item) -> frozenset[str]:
    s = scorer()
    return event_tokens(s.features(item), s.lexicon.countries)


def test_same_event_in_english_and_russian_from_two_outlets_is_grouped() -> None:
    english, russian = (
        dev_item("d026"),
        dev_item("d002"),
    )  # Kremlin/Peskov (en), Interfax-style (ru)
    index = StoryIndex(threshold=0.35)
    index.add(english.id, 1, _tokens(english), english.published_at)
    hit = index.best(_tokens(russian), russian.published_at)
    assert hit is not None and hit[0] == 1


def test_different_events_are_not_grouped() -> None:
    index = StoryIndex(threshold=0.35)
    visit = dev_item("d026")
    index.add(visit.id, 1, _tokens(visit), visit.published_at)
    migrants = dev_item("d048")  # deportations, a month earlier
    later = replace(migrants, published_at=visit.published_at)
    assert index.best(_tokens(later), later.published_at) is None


def test_same_words_weeks_apart_are_not_grouped() -> None:
    index = StoryIndex(threshold=0.35)
    item = dev_item("d002")
    index.add(item.id, 1, _tokens(item), item.published_at)
    assert index.best(_tokens(item), item.published_at + timedelta(days=30)) is None


def test_grouper_assigns_stories_across_cycles_and_restarts(tmp_path: Path) -> None:
    path = tmp_path / "tjwatch.db"
    english, russian, serbian, other = (dev_item(k) for k in ("d026", "d002", "d042", "d048"))

    store = open_store(path)
    s = scorer()
    grouper = StoryGrouper(threshold=0.35)
    verdicts = [s.score(english), s.score(other)]
    first = store_stories(store, grouper, s, [english, other], verdicts, NOW)
    save_frequencies(store, s.df)  # as a poll cycle does at its end
    docs = s.df.docs
    store.close()

    store = open_store(path)  # a restart: the index and the frequencies come back from the file
    s2 = scorer()
    counts, saved_docs = store.doc_freq.load()
    assert saved_docs == docs and counts
    grouper = StoryGrouper(threshold=0.35)
    verdicts = [s2.score(russian), s2.score(serbian)]
    second = store_stories(store, grouper, s2, [russian, serbian], verdicts, NOW)
    assert second[russian.id] == second[serbian.id] == first[english.id]
    assert first[other.id] != first[english.id]
    story = store.stories.get(first[english.id])
    assert story is not None
    assert story.item_count == 3
    assert set(story.item_ids) == {english.id, russian.id, serbian.id}
    assert story.headline == english.title
    store.close()


def test_irrelevant_items_get_no_story(tmp_path: Path) -> None:
    store = open_store(tmp_path / "tjwatch.db")
    s = scorer()
    quake = dev_item("d011")
    assert store_stories(store, StoryGrouper(0.35), s, [quake], [s.score(quake)], NOW) == {}
    store.close()


def test_a_workers_story_tokens_group_as_the_groupers_own_do(tmp_path: Path) -> None:
    """Items a parse worker read carry their story tokens (``Reading.events``); grouping with
    them gives the stories grouping without them gives, in the same order."""
    items = [dev_item(k) for k in ("d026", "d002", "d042", "d048", "d011")]
    s = scorer()
    verdicts = [s.score(i) for i in items]
    readings = [read(s.lexicon, i.title, i.summary, i.text) for i in items]
    assert sum(r.events is not None for r in readings) >= 4  # the quake names one side only
    stories = []
    for n, events in enumerate((None, [r.events for r in readings])):
        store = open_store(tmp_path / f"{n}.db")
        assigned = store_stories(store, StoryGrouper(0.35), s, items, verdicts, NOW, events)
        stories.append([assigned.get(i.id) for i in items])
        store.close()
    assert stories[0] == stories[1]
    assert len(set(stories[0][:3])) == 1 and stories[0][3] != stories[0][0]


def test_the_grouper_places_items_without_a_store() -> None:
    """Grouping is pure: a story is founded through the caller's ``new_story``, the rest join."""
    items = [dev_item(k) for k in ("d026", "d002", "d048", "d011")]
    s = scorer()
    founded: list[str] = []

    def new_story(item: Item) -> int:
        founded.append(item.id)
        return len(founded)

    placed = StoryGrouper(0.35).assign(s, items, [s.score(i) for i in items], new_story)
    assert [(p.item.id, p.story_id) for p in placed] == [
        (items[0].id, 1),
        (items[1].id, 1),
        (items[2].id, 2),
    ]
    assert founded == [items[0].id, items[2].id]


def test_a_story_reported_day_after_day_stays_one_story() -> None:
    """A story with more reports than it keeps representatives, one a day for three weeks: each
    report is within the window of the one before, so every one joins it (issue 22)."""
    index = StoryIndex(threshold=0.35)
    item = dev_item("d002")
    tokens = _tokens(item)
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    index.add("day0", 1, tokens, start)
    for day in range(1, 22):
        at = start + timedelta(days=day)
        hit = index.best(tokens, at)
        assert hit is not None and hit[0] == 1, day
        index.add(f"day{day}", 1, tokens, at)


def test_reports_a_week_apart_in_two_languages_are_one_story() -> None:
    english, russian = dev_item("d026"), dev_item("d002")
    index = StoryIndex(threshold=0.35)
    index.add(english.id, 1, _tokens(english), NOW)
    hit = index.best(_tokens(russian), NOW + timedelta(days=7))
    assert hit is not None and hit[0] == 1
    assert index.best(_tokens(russian), NOW + timedelta(days=8)) is None


def _store_scored(store, grouper: StoryGrouper, s, items: list[Item]) -> dict[str, int]:
    """As a poll cycle's batch: stories, then the items and their verdicts."""
    from bot.ingest.sink import _new_item, _verdict_record

    feed = store.feeds.add("Feed", "https://news.example.org/rss", None, NOW).id
    items = [replace(i, feed_id=feed) for i in items]
    verdicts = [s.score(i) for i in items]
    stories = store_stories(store, grouper, s, items, verdicts, NOW)
    store.items.add([_new_item(i) for i in items])
    pairs = zip(items, verdicts, strict=True)
    store.items.save_verdicts([_verdict_record(i, v, NOW, stories.get(i.id)) for i, v in pairs])
    return stories


def test_an_item_of_a_story_retention_deleted_founds_a_new_one(tmp_path: Path) -> None:
    """Retention deletes a story whose items are all gone; the grouper still knows the story,
    whether it was pruned by the service (which resets the grouper) or from another process."""
    import asyncio

    from bot.retention import RetentionPolicy, prune

    english, russian, serbian = (dev_item(k) for k in ("d026", "d002", "d042"))
    policy = RetentionPolicy(unmatched_days=30, matched_days=30)
    later = NOW + timedelta(days=60)
    for reset in (True, False):
        store = open_store(tmp_path / f"reset-{reset}.db")
        s = scorer()
        grouper = StoryGrouper(threshold=0.35)
        first = _store_scored(store, grouper, s, [english])[english.id]
        hook = {"stories_deleted": grouper.reset} if reset else {}
        report = asyncio.run(prune(store, policy, now=later, **hook))
        assert report.stories == 1 and store.stories.get(first) is None

        second = _store_scored(store, grouper, s, [russian, serbian])
        assert second[russian.id] == second[serbian.id]
        story = store.stories.get(second[russian.id])
        assert story is not None and set(story.item_ids) == {russian.id, serbian.id}
        store.close()
