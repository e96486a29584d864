"""/feed.atom and /feed.json of the running archive, parsed back: one entry per relevant story,
nothing else, newest first, and the filters (min, only_new, lang, limit) choose the stories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest

from bot.digest.themes import matcher_for
from bot.settings import load_settings
from tests.support.fresh_feeds import HOSTILE_TITLE
from tests.support.web_archive import Archive, story_keys

JSON_FEED_1_1 = "https://jsonfeed.org/version/1.1"


def _atom(archive: Archive, **query: str) -> feedparser.FeedParserDict:
    response = httpx.get(archive.url("/feed.atom", **query))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def _json_feed(archive: Archive, **query: str) -> dict[str, object]:
    response = httpx.get(archive.url("/feed.json", **query))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/feed+json")
    feed: dict[str, object] = response.json()
    return feed


def _key(archive: Archive, story_url: str) -> str:
    prefix = f"{archive.base}/stories/"
    assert story_url.startswith(prefix), story_url
    return story_url.removeprefix(prefix).split("?", 1)[0]


def test_atom_has_one_entry_per_relevant_story_and_nothing_else(archive: Archive) -> None:
    feed = _atom(archive)
    keys = [_key(archive, e.id) for e in feed.entries]
    assert len(keys) == len(set(keys))
    assert set(keys) == story_keys(archive)
    irrelevant = archive.rows(
        "SELECT i.title FROM items i JOIN verdicts v ON v.item_id = i.id WHERE v.relevant = 0"
    )
    titles = {e.title for e in feed.entries}
    assert irrelevant and not titles & {str(r[0]) for r in irrelevant}
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)  # newest report first
    for entry in feed.entries:
        page = next(link.href for link in entry.links if link.rel == "alternate")
        assert page.startswith(f"{archive.base}/stories/")  # each entry links to its page
        assert "relevance" in entry.content[0].value and "Sources: " in entry.content[0].value


def test_a_headline_with_markup_is_text_in_both_feeds(archive: Archive) -> None:
    raw = httpx.get(archive.url("/feed.atom")).text
    assert "<script>" not in raw
    [atom] = [e for e in _atom(archive).entries if "alert(1)" in e.title]
    assert atom.title == HOSTILE_TITLE
    items = _json_feed(archive)["items"]
    assert isinstance(items, list)
    assert [i["title"] for i in items if "alert(1)" in i["title"]] == [HOSTILE_TITLE]


def test_json_feed_1_1_required_fields(archive: Archive) -> None:
    feed = _json_feed(archive)
    assert feed["version"] == JSON_FEED_1_1
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == archive.url("/feed.json").split("?token=")[0] + (
        f"?token={archive.token}" if archive.token else ""
    )
    items = feed["items"]
    assert isinstance(items, list)
    assert {_key(archive, i["id"]) for i in items} == story_keys(archive)
    for item in items:
        assert isinstance(item["id"], str)
        assert item.get("content_text") or item.get("content_html")
        datetime.fromisoformat(item["date_published"])
        datetime.fromisoformat(item["date_modified"])
        extension = item["_tjwatch"]
        assert 0 <= extension["relevance"] <= 1 and extension["sources"]
    modified = [i["date_modified"] for i in items]
    assert modified == sorted(modified, reverse=True)
    json.dumps(feed)


@pytest.mark.parametrize(
    ("query", "where", "params"),
    [
        ({"min": "0.9"}, "v.score >= ?", (0.9,)),
        ({"only_new": "1"}, "v.story = 'new_development'", ()),
        ({"lang": "tg"}, "i.lang = ?", ("tg",)),
        ({"lang": "tg", "only_new": "1"}, "i.lang = ? AND v.story = 'new_development'", ("tg",)),
    ],
)
def test_filters_choose_the_stories(
    archive: Archive, query: dict[str, str], where: str, params: tuple[object, ...]
) -> None:
    expected = story_keys(archive, where, params)
    assert expected and expected != story_keys(archive)  # the filter must leave some out
    atom = {_key(archive, e.id) for e in _atom(archive, **query).entries}
    items = _json_feed(archive, **query)["items"]
    assert isinstance(items, list)
    assert atom == expected
    assert {_key(archive, i["id"]) for i in items} == expected


def test_limit_keeps_the_newest(archive: Archive) -> None:
    every = [_key(archive, e.id) for e in _atom(archive).entries]
    assert [_key(archive, e.id) for e in _atom(archive, limit="3").entries] == every[:3]


@pytest.mark.parametrize(
    "query", [{"min": "2"}, {"only_new": "maybe"}, {"lang": "<b>"}, {"limit": "0"}, {"since": "x"}]
)
def test_a_bad_filter_is_a_400_that_says_why(archive: Archive, query: dict[str, str]) -> None:
    response = httpx.get(archive.url("/feed.json", **query))
    assert response.status_code == 400
    [name] = query
    assert f"{name}=" in response.text and "cannot be read" in response.text
    assert "<b>" not in response.text


def test_since_keeps_the_stories_reported_in_the_period(archive: Archive) -> None:
    day_ago = (datetime.now(UTC) - timedelta(hours=24)).isoformat(timespec="seconds")
    expected = story_keys(archive, "i.timeline_at >= ?", (day_ago,))
    assert expected and expected != story_keys(archive)
    assert {_key(archive, e.id) for e in _atom(archive, since="24h").entries} == expected


def test_theme_keeps_the_stories_that_name_it(archive: Archive) -> None:
    settings = load_settings(archive.config, env={}, dotenv=False)
    matcher = matcher_for(settings)
    rows = archive.rows(
        "SELECT coalesce(CAST(v.story_id AS TEXT), i.id), i.title, i.summary FROM verdicts v"
        " JOIN items i ON i.id = v.item_id WHERE v.relevant = 1"
    )
    texts: dict[str, list[str]] = {}
    for key, title, summary in rows:
        texts.setdefault(str(key), []).append(f"{title}\n{summary}")
    theme = "migration and remittances"
    expected = {k for k, t in texts.items() if theme in matcher.themes_of("\n".join(t))}
    assert expected and expected != set(texts)
    items = _json_feed(archive, theme=theme)["items"]
    assert isinstance(items, list)
    assert {_key(archive, i["id"]) for i in items} == expected
