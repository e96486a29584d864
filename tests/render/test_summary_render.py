"""Summaries and stories as Telegram HTML: escaped, and split under the limits for a busy week."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.digest.period import Period, parse_period
from bot.digest.story import StoryEntry
from bot.digest.summary import SourceCount, Summary
from bot.digest.themes import ThemeCount
from bot.render.summary_telegram import render_story_telegram, render_summary_telegram
from bot.render.summary_texts import summary_texts
from bot.render.telegram_html import MESSAGE_LIMIT, utf16_len
from storage import PeriodItem, StoryReports
from tests.support.telegram_html_check import assert_telegram_html

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
HOSTILE = "Russia & Tajikistan <script>alert(1)</script> 🇷🇺🇹🇯 «кавычки» "


def week() -> Period:
    period = parse_period("7d", NOW)
    assert isinstance(period, Period)
    return period


def busy_story(n: int) -> StoryEntry:
    return StoryEntry(
        key=str(n),
        headline=f"{n}: {HOSTILE * 12}",
        url=f"https://example.org/{n}?a=1&b=2",
        summary=(HOSTILE * 40),
        sources=tuple(f"Outlet {k} & Co" for k in range(40)),
        langs=("ru", "en", "tg"),
        reports=40,
        score=0.9,
        kind="new_development",
        whats_new=HOSTILE * 20,
        first_seen=NOW - timedelta(days=3),
        last_seen=NOW,
        item_ids=tuple(f"{n}-{k}" for k in range(40)),
        abstractive=n % 2 == 0,
    )


def busy_week(stories: int) -> Summary:
    return Summary(
        period=week(),
        generated_at=NOW,
        items=10_000,
        story_count=3_000,
        stories=tuple(busy_story(n) for n in range(1, stories + 1)),
        themes=tuple(ThemeCount(f"theme <{k}>", 100 - k) for k in range(12)),
        sources=tuple(SourceCount(f"Outlet {k} & Co", 50 - k) for k in range(5)),
    )


def test_a_busy_week_is_split_under_the_limit_between_stories() -> None:
    for lang in ("en", "ru"):
        messages = render_summary_telegram(busy_week(30), summary_texts(lang))
        assert len(messages) > 1
        for text in messages:
            assert utf16_len(text) <= MESSAGE_LIMIT
            assert_telegram_html(text)
            assert "<script>" not in text
        joined = "\n\n".join(messages)
        # Every story is whole in one message: its number line and its /story line together.
        for n in range(1, 31):
            holder = [m for m in messages if re.search(rf"^{n}\. <b>", m, re.M)]
            assert len(holder) == 1 and f"/story {n}" in holder[0]
        assert "theme &lt;0&gt;: 100" in joined  # themes at the end
        if lang == "en":
            assert "part 2/" in messages[1]


def test_an_empty_week_is_one_plain_message() -> None:
    empty = Summary(week(), NOW, 0, 0, (), (), ())
    [text] = render_summary_telegram(empty)
    assert text.startswith("Nothing relevant was stored in this period (last 7 days), nor before")
    [ru] = render_summary_telegram(empty, summary_texts("ru"))
    assert ru.startswith("За этот период (за последние 7 дн.) ничего релевантного не сохранено,")


def test_every_report_of_a_big_story_by_time() -> None:
    items = tuple(
        PeriodItem(
            id=f"item-{k}",
            url=f"https://example.org/{k}?x=1&y=2",
            title=f"{k} {HOSTILE * 5}",
            summary="",
            lang="ru",
            timeline_at=NOW - timedelta(hours=500 - k),
            score=0.7,
            story="same_story",
            whats_new=None,
            story_id=7,
            sources=(f"Outlet <{k}>",),
        )
        for k in range(300)
    )
    messages = render_story_telegram(StoryReports(7, HOSTILE, items))
    assert len(messages) > 1
    assert messages[0].startswith("<b>Story 7: Russia &amp; Tajikistan &lt;script&gt;")
    for text in messages:
        assert utf16_len(text) <= MESSAGE_LIMIT
        assert_telegram_html(text)
    order = [int(m) for m in re.findall(r"item-(\d+)</code>", "".join(messages))]
    assert order == list(range(300))
