"""`tjwatch score FEED.xml` judges a feed's items with their own dates, as a poll would."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_feed_file_keeps_its_dates_so_the_seed_visit_is_the_same_story(cli, monkeypatch) -> None:
    # A relative path, as people type it.
    monkeypatch.chdir(DATA)
    result = cli(
        "--config",
        str(DATA.parents[1] / "config" / "tjwatch.toml"),
        "score",
        "topic/topic-ru-rss.xml",
    )
    assert result.code == 0, result.err
    # One verdict per item, in the feed's order; the feed's guids are the dev set's ids.
    feed = feedparser.parse((DATA / "topic" / "topic-ru-rss.xml").read_bytes())
    guids = [e.id for e in feed.entries]
    by_guid = dict(zip(guids, map(json.loads, result.out.splitlines()), strict=True))
    # d015: the 17 March 2025 Kremlin talks (the seeds' event); published that day.
    kremlin = by_guid["d015"]
    assert kremlin["relevant"] and kremlin["story"] == "same_story"
    # d045 (TASS, 9 October 2025): Putin in Dushanbe gives the opening date: another event.
    dushanbe = by_guid["d045"]
    assert dushanbe["relevant"] and dushanbe["story"] == "new_development"


def test_without_seeds_nothing_is_called_the_same_story(cli, tmp_path: Path) -> None:
    """The README's offline example names no seeds: relevant items are all new developments."""
    config = tmp_path / "local.toml"
    config.write_text(
        '[rules]\nrussia = ["Russia", "Россия", "Москва", "Путин"]\n'
        'tajikistan = ["Tajikistan", "Таджикистан", "Душанбе", "Рахмон"]\n',
        encoding="utf-8",
    )
    result = cli("--config", str(config), "score", str(DATA / "topic" / "topic-ru-rss.xml"))
    assert result.code == 0, result.err
    verdicts = [json.loads(line) for line in result.out.splitlines()]
    assert any(v["relevant"] for v in verdicts)
    assert {v["story"] for v in verdicts if v["relevant"]} == {"new_development"}
    assert {v["nearest_seed"] for v in verdicts} == {None}
