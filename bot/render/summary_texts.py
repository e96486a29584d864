"""The words of summaries, stories and trends in English and Russian (``summary_texts.toml``)."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from importlib import resources
from typing import Any

from bot.digest.period import Period
from bot.render.plural import Plural, is_plural_table, language_name

LANGS = ("en", "ru")


@dataclass(frozen=True, slots=True)
class SummaryTexts:
    lang: str
    title: str
    period_hours: str
    period_days: str
    period_since: str
    counts: str
    items: Plural
    stories: Plural
    empty: str
    empty_plain: str
    empty_earlier: str
    empty_earlier_plain: str
    stored: Plural
    too_long: str
    top_stories: str
    reports: Plural
    sources: str
    languages: str
    same_story: str
    new_development: str
    whats_new: str
    generated: str
    details: str
    themes: str
    no_themes: str
    busiest: str
    part: str
    summary_usage: str
    story_usage: str
    story_not_found: str
    story_header: str
    story_reports: str
    first_seen: str
    trend_usage: str
    trend_caption: str
    trend_empty: str
    trend_title: str
    web_story: str
    web_summary: str
    trend_undated: Plural

    def period(self, period: Period) -> str:
        label = period.label
        if label.startswith("since "):
            return self.period_since.format(date=label.removeprefix("since "))
        n = label[:-1]
        return (self.period_hours if label.endswith("h") else self.period_days).format(n=n)

    def empty_note(self, period: Period, stored: tuple[int, date] | None, *, plain: bool) -> str:
        """Why an empty period is empty: no relevant item at all, or all of them published
        before it (``stored``: how many, and the newest one's day), and where to look."""
        label = self.period(period)
        if stored is None:
            return (self.empty_plain if plain else self.empty).format(period=label)
        count, newest = stored
        return (self.empty_earlier_plain if plain else self.empty_earlier).format(
            period=label,
            stored=self.stored.format(n=count),
            newest=newest.isoformat(),
            since=newest.replace(day=1).isoformat(),
        )

    def chart_title(self, topic: str, period: Period) -> str:
        """The trend chart's title: what it counts, and over which period."""
        return self.trend_title.format(topic=topic, period=self.period(period))

    def n_reports(self, n: int) -> str:
        return self.reports.format(n=n)

    def counts_of(self, items: int, stories: int) -> str:
        return self.counts.format(
            items=self.items.format(n=items), stories=self.stories.format(n=stories)
        )

    def language_names(self, codes: Iterable[str]) -> str:
        return ", ".join(language_name(code, self.lang) for code in codes)

    def kind(self, kind: str | None) -> str:
        return {"same_story": self.same_story, "new_development": self.new_development}.get(
            kind or "", ""
        )


@functools.cache
def _catalog() -> dict[str, dict[str, Any]]:
    raw = resources.files("bot.render").joinpath("summary_texts.toml").read_text("utf-8")
    return tomllib.loads(raw)


@functools.cache
def summary_texts(lang: str | None = "en") -> SummaryTexts:
    """The texts in ``lang`` (English for any other language); missing keys fall back too."""
    catalog = _catalog()
    code = lang if lang in catalog else "en"
    chosen = catalog[code]
    values: dict[str, Any] = {"lang": code}
    for f in fields(SummaryTexts):
        if f.name == "lang":
            continue
        value = chosen.get(f.name, catalog["en"][f.name])
        values[f.name] = Plural.of(code, value) if is_plural_table(value) else value
    return SummaryTexts(**values)
