"""Summaries over stored periods: the top story named and quoted, coverage, kinds, empty periods."""

from __future__ import annotations

from datetime import timedelta

from bot.digest.extractive import sentences
from bot.digest.period import Period, parse_period
from bot.digest.summary import BUSIEST_SOURCES, SourceCount, summary_from_store
from bot.digest.themes import ThemeMatcher
from bot.render.summary_plain import render_summary_plain
from storage import Store
from tests.digest.conftest import NOW
from tests.support.summary_data import D019_TEXT, VISIT, dev_items, fill_week, store_item


def week() -> Period:
    period = parse_period("7d", NOW)
    assert isinstance(period, Period)
    return period


def test_summary_names_the_top_story_and_quotes_its_own_text(
    store: Store, matcher: ThemeMatcher
) -> None:
    stored = fill_week(store, NOW)
    summary = summary_from_store(store, matcher, week(), now=NOW)

    assert summary.items == 14
    assert summary.story_count == 2 + 4
    top = summary.stories[0]
    # Six outlets carried the visit: it outranks the lone items scored almost as high.
    assert top.key == str(stored.visit_story)
    assert top.headline == dev_items()["d002"]["title"]  # the best-scored report leads
    assert top.reports == len(VISIT)
    assert top.kind == "same_story" and top.whats_new is None
    assert set(top.langs) == {"ru", "en", "sr"}
    # Each outlet once, in the order of its first report.
    assert top.sources == (
        "SquareNews",
        "Исполнительный комитет СНГ (cis.minsk.by)",
        "TASS (via usfijitimes.org)",
        "OREANDA-NEWS (citing RIA Novosti)",
        "Asia-Plus",
        "News-Pravda (Serbian edition)",
    )
    # Every sentence of the summary is quoted, as written, from one of the story's reports.
    member_texts = [str(dev_items()[k]["summary"]) for k in VISIT] + [D019_TEXT]
    quoted = sentences(top.summary)
    assert 1 <= len(quoted) <= 2
    for sentence in quoted:
        assert any(sentence in " ".join(text.split()) for text in member_texts), sentence

    second = summary.stories[1]
    assert second.key == str(stored.deportation_story)
    assert second.kind == "new_development"
    assert second.whats_new == "mass deportations of Tajik migrants"

    text = render_summary_plain(summary)
    assert top.headline in text and quoted[0] in text
    assert "14 relevant items in 6 stories" in text


def test_an_ungrouped_item_is_its_own_story(store: Store, matcher: ThemeMatcher) -> None:
    fill_week(store, NOW)
    summary = summary_from_store(store, matcher, week(), now=NOW, limit=10)
    lone = [s for s in summary.stories if s.reports == 1]
    assert {s.key for s in lone} == {"d014", "d018", "d031", "d045"}
    rosatom = next(s for s in lone if s.key == "d018")
    assert rosatom.summary in " ".join(str(dev_items()["d018"]["summary"]).split())


def test_a_shorter_period_leaves_older_items_out(store: Store, matcher: ThemeMatcher) -> None:
    fill_week(store, NOW)
    # The newest item was published a day and a minute before "now": in the last 30 hours,
    # not in the last 24.
    hours30, day = parse_period("30h", NOW), parse_period("24h", NOW)
    assert isinstance(hours30, Period) and isinstance(day, Period)
    assert [s.key for s in summary_from_store(store, matcher, hours30, now=NOW).stories] == ["d014"]
    assert summary_from_store(store, matcher, day, now=NOW).stories == ()


def test_busiest_sources_are_counted(store: Store, matcher: ThemeMatcher) -> None:
    fill_week(store, NOW)
    summary = summary_from_store(store, matcher, week(), now=NOW)
    # Asia-Plus carried one report of the visit and two of the deportations; every other outlet
    # one item (ties by name).
    assert summary.sources[0] == SourceCount("Asia-Plus", 3)
    assert len(summary.sources) == BUSIEST_SOURCES
    assert [s.count for s in summary.sources[1:]] == [1] * (BUSIEST_SOURCES - 1)
    names = [s.name for s in summary.sources[1:]]
    assert names == sorted(names)


def test_the_summary_quotes_the_full_text_where_fetched(
    store: Store, matcher: ThemeMatcher
) -> None:
    row = dev_items()["d018"]
    full = (
        "Rosatom will process the uranium tailings near Istiklol in the Sughd region by 2028, "
        "Tajikistan's industry minister Sherali Kabir said after talks in Moscow. "
        "The Russian state corporation and the Tajik government signed a roadmap for the work. "
        "Weather in Dushanbe was sunny."
    )
    store_item(store, row, at=NOW - timedelta(hours=3), score=0.7, text=full)
    [story] = summary_from_store(store, matcher, week(), now=NOW).stories
    quoted = sentences(story.summary)
    assert quoted and all(sentence in full for sentence in quoted)
    feed_summary = " ".join(str(row["summary"]).split())
    assert any(sentence not in feed_summary for sentence in quoted)


def test_an_empty_period_says_where_the_stored_items_are(
    store: Store, matcher: ThemeMatcher
) -> None:
    nothing = summary_from_store(store, matcher, week(), now=NOW)
    assert render_summary_plain(nothing).startswith(
        "Nothing relevant was stored in this period (last 7 days), nor before it"
    )
    stored = fill_week(store, NOW - timedelta(days=60))
    summary = summary_from_store(store, matcher, week(), now=NOW)
    assert summary.empty and summary.stories == () and summary.themes == ()
    # The newest item: a lone report a day before the week filled 60 days before NOW.
    assert render_summary_plain(summary) == (
        "Nothing relevant was published in this period (last 7 days). "
        f"{len(stored.ids)} relevant items are stored, the newest published 2026-01-18: "
        "try --since 2026-01-01\n"
    )


def test_summary_from_the_command_line(cli, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from tests.support.config import write_config

    fill_week(store, datetime.now(UTC))
    config = write_config(tmp_path, {})
    result = cli("--config", str(config), "summary", "--since", "7d")
    assert result.code == 0, result.err
    assert "Summary — last 7 days" in result.out
    assert "Top stories" in result.out and "Themes" in result.out
    assert dev_items()["d002"]["title"] in result.out

    future = cli("--config", str(config), "summary", "--since", "2099-01-01")
    assert future.code == 2 and "'2099-01-01' is in the future" in future.err
    bad = cli("--config", str(config), "summary", "--since", "fortnight")
    assert bad.code == 2


def test_long_periods_and_dates_as_the_readme_writes_them(cli, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 24: "3650d" was refused, naming no limit, and dates over a year back too."""
    from datetime import UTC, datetime

    from tests.support.config import write_config

    now = datetime.now(UTC)
    fill_week(store, now - timedelta(days=400))
    config = write_config(tmp_path, {})
    title = str(dev_items()["d002"]["title"])
    for since in ("3650d", "since 2016-01-01", "2016-01-01"):
        result = cli("--config", str(config), "summary", "--since", since)
        assert result.code == 0, result.err
        assert title in result.out
    chart = cli(
        "--config", str(config), "trend", "--out", str(tmp_path / "t.png"), "--since", "3650d"
    )
    assert chart.code == 2
    assert "longer than the 366 days a trend chart shows" in chart.err
    week = cli("--config", str(config), "summary", "--since", "7d")
    assert week.code == 0
    assert "Nothing relevant was published in this period (last 7 days)." in week.out
    assert "relevant items are stored, the newest published" in week.out
    assert "try --since" in week.out
