"""One story, one lead: the web archive, its feeds and exports, /summary, /story and the digests
name a story by the same report, and say the same about what is new in it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import reads
from bot.archive import StoryFilter, latest_stories
from bot.digest.compose import compose_digest
from bot.digest.period import Period, parse_period
from bot.digest.summary import summary_from_store
from bot.digest.themes import ThemeMatcher
from bot.exports import story_rows
from bot.render.story_feeds import FeedLinks, render_json_feed
from storage import Store
from tests.digest.conftest import NOW
from tests.support.summary_data import store_item

FIRST = {
    "id": "lead-first",
    "source": "Asia-Plus",
    "lang": "en",
    "url": "https://asiaplus.example/putin-rahmon",
    "title": "Putin and Rahmon meet in Moscow",
    "summary": "The presidents met.",
}
LATER = {
    "id": "lead-later",
    "source": "TASS",
    "lang": "en",
    "url": "https://tass.example/moscow-talks",
    "title": "Moscow talks: Russia and Tajikistan discuss migration and energy",
    "summary": (
        "The presidents of Russia and Tajikistan discussed labour migration, energy supplies and"
        " a new hydropower plant on the Vakhsh during talks in Moscow on Thursday."
    ),
}
LINKS = FeedLinks(
    home="http://archive.example/",
    feed="http://archive.example/feed.json",
    story=lambda key: f"http://archive.example/stories/{key}",
    story_id=lambda key: f"http://archive.example/stories/{key}",
)


def week() -> Period:
    period = parse_period("7d", NOW)
    assert isinstance(period, Period)
    return period


def two_reports_tied(store: Store, *, later_news: str | None = None) -> int:
    """A story of two reports scored alike: the earlier one short, the later one longer (and a
    new development that says ``later_news``, when given)."""
    first_at, later_at = NOW - timedelta(days=2), NOW - timedelta(days=1)
    story_id = store.stories.create(str(FIRST["title"]), str(FIRST["id"]), first_at)
    store_item(store, FIRST, at=first_at, score=0.8, story="same_story", story_id=story_id)
    store_item(
        store,
        LATER,
        at=later_at,
        score=0.8,
        story="new_development" if later_news else "same_story",
        whats_new=later_news,
        story_id=story_id,
    )
    return story_id


@pytest.mark.asyncio
async def test_every_listing_leads_with_the_same_report(
    store: Store, matcher: ThemeMatcher
) -> None:
    story_id = two_reports_tied(store)
    # On a tie the earlier report leads everywhere, though the later one says more.
    lead = FIRST["title"]

    brief = summary_from_store(store, matcher, week(), now=NOW)
    archive = await latest_stories(store, StoryFilter(week()), matcher=matcher)
    feed = json.loads(render_json_feed(archive, LINKS, title="tjwatch", now=NOW))
    rows = story_rows(store.summaries.period_items(week().start, week().end), None)
    story = await reads.story(store, str(story_id))
    digest = compose_digest(store.items.latest(10), now=NOW)

    assert [s.headline for s in brief.stories] == [lead]  # /summary, the CLI's summary
    assert [e.headline for e in archive] == [lead]  # the web archive
    assert [(i["title"], i["external_url"]) for i in feed["items"]] == [(lead, FIRST["url"])]
    assert [(r["headline"], r["url"]) for r in rows] == [(lead, FIRST["url"])]  # exports
    assert story is not None and story.headline == lead  # /story
    assert [e.headline for e in digest.entries] == [lead]  # Telegram and Slack digests
    assert archive[0].summary == "The presidents met."  # the lead's own summary line


@pytest.mark.asyncio
async def test_news_in_the_seeds_story_is_shown_by_summary_and_archive_alike(
    store: Store, matcher: ThemeMatcher
) -> None:
    two_reports_tied(store, later_news="a Russian-funded school in Khujand")

    brief = summary_from_store(store, matcher, week(), now=NOW)
    archive = await latest_stories(store, StoryFilter(week()), matcher=matcher)

    # The story is the seeds' story, and a report of it is news: both say what is new.
    assert [(s.kind, s.whats_new) for s in brief.stories] == [
        ("same_story", "a Russian-funded school in Khujand")
    ]
    assert [(e.kind, e.whats_new) for e in archive] == [
        ("same_story", "a Russian-funded school in Khujand")
    ]
