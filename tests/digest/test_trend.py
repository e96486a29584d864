"""The trend chart: a real PNG of the expected size, one bar per day, stacked to the day's count."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from PIL import Image

from bot.digest.period import Period, parse_period
from bot.digest.themes import ThemeMatcher
from bot.digest.trend import HEIGHT_PX, WIDTH_PX, build_figure, chart, trend_data
from bot.render.summary_telegram import trend_caption
from bot.render.summary_texts import summary_texts
from storage import Store
from tests.digest.conftest import NOW
from tests.support.summary_data import dev_items, spread, store_item

PER_DAY = [3, 0, 5, 1, 2, 4, 6]  # today, yesterday, … six days ago


def week() -> Period:
    period = parse_period("7d", NOW)
    assert isinstance(period, Period)
    return period


def test_one_bar_per_day_stacked_by_theme(store: Store, matcher: ThemeMatcher) -> None:
    total = spread(store, NOW, PER_DAY)
    items = store.summaries.period_items(week().start, week().end)
    data = trend_data(items, matcher, week())
    assert len(data.days) == 7 and data.total == total
    assert data.per_day() == tuple(reversed(PER_DAY))  # oldest first
    assert len(data.series) >= 2  # several themes in the real items

    fig = build_figure(data)
    ax = fig.axes[0]
    heights: dict[float, float] = defaultdict(float)
    for bar in ax.patches:
        heights[round(bar.get_x() + bar.get_width() / 2, 6)] += bar.get_height()
    assert len(heights) == 7  # one bar (one x position) per day
    assert [heights[x] for x in sorted(heights)] == list(reversed(PER_DAY))


def test_the_chart_is_a_png_of_the_expected_size(store: Store, matcher: ThemeMatcher) -> None:
    spread(store, NOW, PER_DAY)
    month = parse_period("30d", NOW)
    assert isinstance(month, Period)
    data = trend_data(store.summaries.period_items(month.start, month.end), matcher, month)
    assert len(data.days) == 30
    png = chart(data, title="Россия–Таджикистан: релевантные материалы по дням")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)


def test_trend_command_writes_the_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from storage import open_store
    from tests.support.config import write_config

    config = write_config(tmp_path, {})
    store = open_store(tmp_path / "tjwatch.db")
    spread(store, datetime.now(UTC).replace(hour=12), [0, 2, 3])
    store.close()
    out = tmp_path / "chart.png"
    result = cli("--config", str(config), "trend", "--out", str(out), "--since", "7d")
    assert result.code == 0, result.err
    assert "5 in all" in result.out
    assert Image.open(out).size == (WIDTH_PX, HEIGHT_PX)


def test_undated_items_are_counted_apart_not_on_the_day_they_were_fetched(
    store: Store, matcher: ThemeMatcher
) -> None:
    total = spread(store, NOW, PER_DAY)
    rows = [r for r in dev_items().values() if r["label"] == "relevant"][:4]
    for n, row in enumerate(rows):  # fetched today, published: unknown
        at = NOW - timedelta(minutes=n + 1)
        store_item(store, row, at=at, score=0.6, item_id=f"u{n}", dated=False)
    data = trend_data(store.summaries.period_items(week().start, week().end), matcher, week())
    assert data.undated == 4 and data.total == total
    assert data.per_day()[-1] == PER_DAY[0]  # today's bar is today's dated items only
    caption = trend_caption(data, summary_texts("ru"))
    assert caption.endswith("4 материала без даты публикации не показаны.")


def test_the_chart_names_its_period_and_the_year(store: Store, matcher: ThemeMatcher) -> None:
    spread(store, NOW, PER_DAY)
    data = trend_data(store.summaries.period_items(week().start, week().end), matcher, week())
    for lang, title in (
        ("en", "Russia–Tajikistan relations: relevant items per day, last 7 days"),
        ("ru", "российско-таджикские отношения: релевантные материалы по дням, за последние 7 дн."),
    ):
        topic = "Russia–Tajikistan relations" if lang == "en" else "российско-таджикские отношения"
        assert summary_texts(lang).chart_title(topic, week()) == title
    ax = build_figure(data, title=title).axes[0]
    assert ax.get_title() == title
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == data.days[0].strftime("%d.%m.%Y") and ticks[1].count(".") == 1
