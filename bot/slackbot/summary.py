"""``/tjwatch summary [24h|7d|30d|since YYYY-MM-DD]``: the period's brief as a digest to render.

When the summaries package is installed (``bot.digest.summary`` and ``bot.digest.period``, issue
"Summaries") its ``summarize`` service writes the brief: top stories with their quoted summaries,
themes and busiest sources. Without it, the last day's relevant items are grouped into stories by
``compose_digest``. Either way the result is a ``Digest`` plus one line of extra facts, so the
Block Kit renderer is the only place that formats it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.digest.compose import compose_digest
from bot.models import Digest, DigestEntry
from bot.render.slack_blocks import escape
from bot.services import Services
from bot.slackbot.texts import t

FALLBACK_HOURS = 24
TOP_STORIES = 5
FACTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Brief:
    """A summary ready to render; ``digest`` is None when the period had nothing relevant."""

    digest: Digest | None
    facts: str = ""
    note: str = ""


def _summaries() -> tuple[Any, Any] | None:
    """(parse_period, summarize) from the summaries package, or None when it is not installed."""
    try:
        period = importlib.import_module("bot.digest.period")
        summary = importlib.import_module("bot.digest.summary")
    except ImportError:
        return None
    return period, summary


async def brief(services: Services, arg: str, lang: str) -> Brief | None:
    """The period's brief; None when ``arg`` is not a period (the caller shows the usage)."""
    found = _summaries()
    if found is None:
        return await _recent(services, arg, lang)
    period_mod, summary_mod = found
    now = services.clock.now()
    tz = services.settings.file.schedule.timezone
    period = period_mod.parse_period(arg, now, tz_name=tz, default=f"{FALLBACK_HOURS}h")
    if isinstance(period, period_mod.PeriodError):
        return None
    summary = await summary_mod.summarize(services, period, lang=lang)
    if summary.empty:
        return Brief(None, note=t(lang, "summary_none_period", period=period.label))
    entries = tuple(
        DigestEntry(
            headline=s.headline,
            url=s.url,
            sources=tuple(s.sources) or ("—",),
            timeline_at=s.first_seen,
            score=s.score,
            story=s.kind,
            summary=s.summary,
            item_ids=(),
            whats_new=s.whats_new,
        )
        for s in summary.stories
    )
    title = t(lang, "summary_period_title", period=period.label, items=summary.items)
    facts = [f"{escape(c.name)} ({c.count})" for c in summary.themes[:FACTS_SHOWN]]
    sources = [f"{escape(c.name)} ({c.count})" for c in summary.sources[:FACTS_SHOWN]]
    lines = []
    if facts:
        lines.append(t(lang, "summary_themes", themes=", ".join(facts)))
    if sources:
        lines.append(t(lang, "summary_sources", sources=", ".join(sources)))
    return Brief(Digest(title, entries, now), facts=" · ".join(lines))


async def _recent(services: Services, arg: str, lang: str) -> Brief | None:
    if arg:
        return None
    store, now = services.store, services.clock.now()
    items = await store.run(
        store.items.relevant_between, now - timedelta(hours=FALLBACK_HOURS), now
    )
    if not items:
        return Brief(None, note=t(lang, "summary_none", hours=FALLBACK_HOURS))
    sources = {s for i in items for s in i.sources}
    title = t(lang, "summary_title", hours=FALLBACK_HOURS, items=len(items), sources=len(sources))
    return Brief(compose_digest(items, now=now, title=title, limit=TOP_STORIES))
