"""The feeds' pure rendering: hostile headlines and links from feeds never break or reach a
reader as markup or as a script link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser

from bot.digest.story import StoryEntry
from bot.render.story_feeds import FeedLinks, render_atom, render_json_feed

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
LINKS = FeedLinks(
    home="https://a.example/",
    feed="https://a.example/feed.atom",
    story=lambda key: f"https://a.example/stories/{key}?token=t",
    story_id=lambda key: f"https://a.example/stories/{key}",
)


def entry(headline: str, url: str | None) -> StoryEntry:
    return StoryEntry(
        key="7",
        headline=headline,
        url=url,
        summary="Talks in \x0bMoscow & <b>Dushanbe</b>",
        sources=("Outlet <1>",),
        langs=("ru",),
        reports=2,
        score=0.8,
        kind="new_development",
        whats_new="A new plant",
        first_seen=NOW - timedelta(days=1),
        last_seen=NOW,
        item_ids=("a", "b"),
    )


def test_atom_keeps_hostile_text_as_text_and_drops_script_links() -> None:
    title = "Putin\x00 & Rahmon <script>alert(1)</script>"
    atom = render_atom([entry(title, "javascript:alert(1)")], LINKS, title="t", now=NOW)
    parsed = feedparser.parse(atom)
    assert not parsed.bozo
    [item] = parsed.entries
    assert item.title == "Putin & Rahmon <script>alert(1)</script>"
    assert item.id == "https://a.example/stories/7"  # the permanent id has no token
    assert [link.rel for link in item.links] == ["alternate"]
    assert b"javascript" not in atom and b"<script>" not in atom


def test_json_feed_ids_have_no_token_and_no_script_links() -> None:
    feed = json.loads(render_json_feed([entry("x", "javascript:x")], LINKS, title="t", now=NOW))
    [item] = feed["items"]
    assert item["id"] == "https://a.example/stories/7"
    assert item["url"] == "https://a.example/stories/7?token=t"
    assert "external_url" not in item
    assert item["tags"] == ["new development", "ru"]
