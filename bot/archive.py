"""The web archive's and the feeds' questions: the latest stories under filters, and one story's
page (its reports by time, its summary, what is new, and why its lead report is relevant).

Reads go through the store's database thread; grouping, themes and summaries are the digest
stage's pure functions. The web handlers call these and never the store.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import reads
from bot.digest.period import Period
from bot.digest.story import StoryEntry, best_first, story_entry, story_text
from bot.digest.summary import REPORTS_QUOTED, summarize_story
from bot.digest.themes import ThemeMatcher
from bot.explaining import explain_stored
from bot.relevance.explain import Explanation
from bot.relevance.seed_scorer import SeedScorer
from storage import PeriodItem, Store, StoryReports

LIMIT_DEFAULT = 50
LIMIT_MAX = 200
# Stories read at a time while a theme filter looks for enough of them.
_THEME_BATCH = 200


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """Which stories a page or a feed lists (every filter optional but the period)."""

    period: Period
    min_score: float = 0.0
    only_new: bool = False
    lang: str | None = None
    theme: str | None = None
    limit: int = LIMIT_DEFAULT


@dataclass(frozen=True, slots=True)
class StoryPage:
    entry: StoryEntry
    """As ``/summary`` shows it: quoted from its best reports."""
    reports: tuple[PeriodItem, ...]
    """Every report, oldest first."""
    why: Explanation | None
    """Why the lead report is relevant (None when the item is gone)."""


async def latest_stories(
    store: Store, wanted: StoryFilter, *, matcher: ThemeMatcher
) -> list[StoryEntry]:
    """The stories with a report in the period that passes the filters, the latest first."""
    period = wanted.period
    keys = await store.run(
        store.summaries.latest_story_keys,
        period.start,
        period.end,
        min_score=wanted.min_score,
        only_new=wanted.only_new,
        lang=wanted.lang,
        limit=None if wanted.theme else wanted.limit,
    )
    batch = _THEME_BATCH if wanted.theme else wanted.limit
    entries: list[StoryEntry] = []
    for start in range(0, len(keys), batch):
        chunk = keys[start : start + batch]
        members = await store.run(store.summaries.story_members, chunk)
        for key in chunk:
            items = members.get(key)
            if not items:
                continue
            if wanted.theme and wanted.theme not in matcher.themes_of(story_text(items)):
                continue
            entries.append(story_entry(items))
            if len(entries) == wanted.limit:
                return entries
    return entries


async def story_page(store: Store, key: str, *, scorer: SeedScorer) -> StoryPage | None:
    """One story by its number (or an item's id); None when no such story or item is stored."""
    found: StoryReports | None = await reads.story(store, key)
    if found is None:
        return None
    ranked = sorted(found.items, key=best_first)
    texts = await store.run(store.summaries.texts, [i.id for i in ranked[:REPORTS_QUOTED]])
    entry = await asyncio.to_thread(summarize_story, ranked, texts)
    why = await explain_stored(ranked[0].id, store=store, scorer=scorer)
    return StoryPage(entry, found.items, why)
