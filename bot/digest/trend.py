"""The trend chart: relevant items per day over a period, one bar per day, stacked by theme.

Each item counts once, under the theme it names most (``ThemeMatcher.primary``; "other" when it
names none), so a bar's height is that day's number of items. An undated item is counted apart
(``undated``), not on the day it was fetched: a first poll would pile every undated item of the
feeds onto one day. Drawn with matplotlib's object API
on the Agg canvas (no pyplot, no display, no global figure state: safe in a worker thread).
matplotlib is imported with the first chart, so the bot's process does not hold it until someone
asks for one (its size: benchmarks/NOTES.md).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.digest.period import Period
from bot.digest.themes import OTHER, ThemeMatcher
from storage import PeriodItem, Store

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 100
# A bar a day: a year is as many as a chart this wide can show (summaries have no such limit).
MAX_DAYS = 366
_OTHER_COLOUR = "#9e9e9e"


@dataclass(frozen=True, slots=True)
class TrendData:
    period: Period
    days: tuple[date, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]
    """(theme, count per day) in configured order, "other" last; themes with no items left out."""
    themes: tuple[str, ...] = ()
    """Every configured theme, so that a theme keeps its colour from one chart to the next."""
    undated: int = 0
    """Relevant items of the period without a publication date: not drawn."""

    @property
    def total(self) -> int:
        return sum(sum(counts) for _, counts in self.series)

    def per_day(self) -> tuple[int, ...]:
        return tuple(sum(c[d] for _, c in self.series) for d in range(len(self.days)))


@dataclass(frozen=True, slots=True)
class Trend:
    data: TrendData
    png: bytes


def trend_data(items: Sequence[PeriodItem], matcher: ThemeMatcher, period: Period) -> TrendData:
    days = tuple(period.days())
    index = {day: n for n, day in enumerate(days)}
    names = (*matcher.names, OTHER)
    counts = {name: [0] * len(days) for name in names}
    undated = 0
    for item in items:
        if not item.dated:
            undated += 1
            continue
        slot = index.get(period.day_of(item.timeline_at))
        if slot is not None:
            counts[matcher.primary(f"{item.title}\n{item.summary}")][slot] += 1
    series = tuple((name, tuple(counts[name])) for name in names if any(counts[name]))
    return TrendData(period, days, series, matcher.names, undated)


def build_figure(
    data: TrendData,
    *,
    title: str = "",
    width_px: int = WIDTH_PX,
    height_px: int = HEIGHT_PX,
    dpi: int = DPI,
) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = list(range(len(data.days)))
    bottom = [0] * len(x)
    colours = {name: f"C{n % 10}" for n, name in enumerate(data.themes)}
    for name, counts in data.series:
        colour = colours.get(name, _OTHER_COLOUR)
        ax.bar(x, counts, bottom=bottom, width=0.8, label=name, color=colour)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = max(1, len(x) // 15)
    ax.set_xticks(x[::step], _tick_labels(data.days[::step]))
    ax.set_xlim(-0.6, len(x) - 0.4)
    ax.set_ylabel("items")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        ax.set_title(title)
    if data.series:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    # Fixed margins, room for the legend on the right: tight_layout would draw the figure twice.
    fig.subplots_adjust(left=0.06, right=0.79, bottom=0.09, top=0.92)
    return fig


def _tick_labels(days: Sequence[date]) -> list[str]:
    """Day and month under each tick, and the year under the first one and wherever it turns."""
    return [
        d.strftime("%d.%m.%Y" if n == 0 or d.year != days[n - 1].year else "%d.%m")
        for n, d in enumerate(days)
    ]


def render_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return buffer.getvalue()


def render_svg(fig: Figure) -> bytes:
    """SVG for the web archive: sharp at any width, and its text is XML-escaped by matplotlib."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def chart(data: TrendData, *, title: str = "") -> bytes:
    return render_png(build_figure(data, title=title))


def chart_svg(data: TrendData, *, title: str = "") -> bytes:
    return render_svg(build_figure(data, title=title))


async def _trend_data(store: Store, period: Period, matcher: ThemeMatcher) -> TrendData:
    items = await store.run(store.summaries.period_items, period.start, period.end)
    return await asyncio.to_thread(trend_data, items, matcher, period)


async def trend(store: Store, period: Period, *, matcher: ThemeMatcher, title: str = "") -> Trend:
    """The period's chart: read on the database thread, counted and drawn off the loop."""
    data = await _trend_data(store, period, matcher)
    png = await asyncio.to_thread(chart, data, title=title)
    return Trend(data, png)


async def trend_svg(
    store: Store, period: Period, *, matcher: ThemeMatcher, title: str = ""
) -> bytes:
    """The period's chart as SVG (the web archive's ``/trend.svg``)."""
    data = await _trend_data(store, period, matcher)
    return await asyncio.to_thread(chart_svg, data, title=title)
