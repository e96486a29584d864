"""The brief of a period: top stories with quoted summaries, themes with counts, busiest sources.

Built only from what is stored: the period's relevant items (with verdicts and story numbers)
are grouped by story (an item the grouper never placed is its own story), ranked by relevance and
coverage, and the top few quoted from their own text. ``compose_summary`` is pure; ``summarize``
is the service the CLI and the bots call, handed the store, the themes' matcher and the LLM
client (reads on the database thread, CPU work off the loop, then optional abstractive summaries
through ``bot.digest.llm``).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.digest.extractive import Document, extract
from bot.digest.llm import LlmClient
from bot.digest.period import Period
from bot.digest.story import StoryEntry, best_first, story_entry, story_key
from bot.digest.themes import ThemeCount, ThemeMatcher, count_themes
from storage import PeriodItem, Store

TOP_STORIES = 5
BUSIEST_SOURCES = 5
# Reports of one story read for its summary (best scored first): enough to find the centre.
REPORTS_QUOTED = 6


@dataclass(frozen=True, slots=True)
class SourceCount:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class StoredRelevant:
    """What an empty period's summary says is stored outside it, so that the reader is sent to
    where the items are rather than to a longer period that may still be empty."""

    count: int
    newest: datetime
    """The newest relevant item's place on the timeline (published, else first seen)."""


@dataclass(frozen=True, slots=True)
class Summary:
    period: Period
    generated_at: datetime
    items: int
    story_count: int
    stories: tuple[StoryEntry, ...]
    themes: tuple[ThemeCount, ...]
    sources: tuple[SourceCount, ...]
    stored: StoredRelevant | None = None
    """For an empty period: the relevant items stored at all (None when there are none)."""

    @property
    def empty(self) -> bool:
        return self.items == 0


def rank_stories(items: Sequence[PeriodItem]) -> list[list[PeriodItem]]:
    """Items grouped by story, best first; each group best scored first.

    Rank = best score × (1 + ½·log2 coverage), coverage being the larger of the number of
    reports and of distinct outlets: a story four outlets carried at 0.7 (1.4) outranks a lone
    report at 0.9, and ten reports do not drown relevance (0.7 → 1.86).
    """
    groups: dict[str, list[PeriodItem]] = {}
    for item in items:
        groups.setdefault(story_key(item), []).append(item)

    def rank(group: list[PeriodItem]) -> tuple[float, float, int]:
        outlets = len({s for i in group for s in i.sources})
        coverage = max(len(group), outlets, 1)
        best = max(i.score for i in group)
        latest = max(i.timeline_at for i in group)
        return (-best * (1 + 0.5 * math.log2(coverage)), -latest.timestamp(), len(group))

    ranked = sorted(groups.values(), key=rank)
    return [sorted(g, key=best_first) for g in ranked]


def documents(group: Sequence[PeriodItem], texts: Mapping[str, str]) -> list[Document]:
    return [Document(i.title, texts.get(i.id) or i.summary, i.lang) for i in group[:REPORTS_QUOTED]]


def summarize_story(group: Sequence[PeriodItem], texts: Mapping[str, str]) -> StoryEntry:
    """One story of a brief (``group``: its reports best first): its entry, with a quote drawn
    from its best reports as the summary."""
    return story_entry(group, summary=extract(documents(group, texts)))


def compose_summary(
    items: Sequence[PeriodItem],
    ranked: Sequence[Sequence[PeriodItem]],
    texts: Mapping[str, str],
    matcher: ThemeMatcher,
    period: Period,
    *,
    now: datetime,
    limit: int = TOP_STORIES,
) -> Summary:
    sources: Counter[str] = Counter(s for i in items for s in i.sources)
    return Summary(
        period=period,
        generated_at=now,
        items=len(items),
        story_count=len(ranked),
        stories=tuple(summarize_story(g, texts) for g in ranked[:limit]),
        themes=count_themes(matcher, (f"{i.title}\n{i.summary}" for i in items)),
        sources=tuple(
            SourceCount(n, c)
            for n, c in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))[:BUSIEST_SOURCES]
        ),
    )


def _quoted_ids(ranked: Sequence[Sequence[PeriodItem]], limit: int) -> list[str]:
    return [i.id for g in ranked[:limit] for i in g[:REPORTS_QUOTED]]


def summary_from_store(
    store: Store,
    matcher: ThemeMatcher,
    period: Period,
    *,
    now: datetime,
    limit: int = TOP_STORIES,
) -> Summary:
    """The whole summary in one thread (the benchmark's path; no LLM)."""
    items = store.summaries.period_items(period.start, period.end)
    ranked = rank_stories(items)
    texts = store.summaries.texts(_quoted_ids(ranked, limit))
    summary = compose_summary(items, ranked, texts, matcher, period, now=now, limit=limit)
    return _with_stored(summary, store) if summary.empty else summary


def _with_stored(summary: Summary, store: Store) -> Summary:
    count, newest = store.summaries.relevant_stored()
    return replace(summary, stored=StoredRelevant(count, newest) if newest else None)


async def summarize(
    store: Store,
    period: Period,
    *,
    matcher: ThemeMatcher,
    llm: LlmClient | None,
    now: datetime,
    limit: int = TOP_STORIES,
    lang: str = "en",
) -> Summary:
    """The period's summary; abstractive story summaries when ``llm`` is given (an LLM endpoint
    is configured: ``LlmClient.from_settings``)."""
    items = await store.run(store.summaries.period_items, period.start, period.end)
    ranked = await asyncio.to_thread(rank_stories, items)
    texts = await store.run(store.summaries.texts, _quoted_ids(ranked, limit))
    summary = await asyncio.to_thread(
        compose_summary,
        items,
        ranked,
        texts,
        matcher,
        period,
        now=now,
        limit=limit,
    )
    if summary.empty:
        return await store.run(_with_stored, summary, store)
    if llm is None or not summary.stories:
        return summary
    docs = [documents(g, texts) for g in ranked[:limit]]
    pairs = zip(summary.stories, docs, strict=True)
    abstracts = await asyncio.gather(*(llm.summarize(s.headline, d, lang=lang) for s, d in pairs))
    stories = tuple(
        replace(s, summary=a, abstractive=True) if a else s
        for s, a in zip(summary.stories, abstracts, strict=True)
    )
    return replace(summary, stories=stories)
