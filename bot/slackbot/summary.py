"""``/tjwatch summary [24h|7d|30d|since YYYY-MM-DD]``: the period's brief as a digest to render.

``bot.digest.summary.summarize`` writes the brief, as it does for ``/summary`` on Telegram and
``tjwatch summary``: top stories with their quoted summaries, themes and busiest sources. Here it
becomes a ``Digest`` plus one line of extra facts, so the Block Kit renderer is the only place
that formats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.digest.llm import LlmClient
from bot.digest.period import PeriodError, parse_period
from bot.digest.summary import summarize
from bot.digest.themes import ThemeMatcher
from bot.models import Digest, DigestEntry
from bot.reads import Store
from bot.render.slack_blocks import escape
from bot.slackbot.texts import t

DEFAULT_PERIOD = "24h"
FACTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Brief:
    """A summary ready to render; ``digest`` is None when the period had nothing relevant."""

    digest: Digest | None
    facts: str = ""
    note: str = ""


async def brief(
    store: Store,
    arg: str,
    lang: str,
    *,
    now: datetime,
    tz_name: str,
    matcher: ThemeMatcher,
    llm: LlmClient | None,
) -> Brief | None:
    """The period's brief; None when ``arg`` is not a period (the caller shows the usage)."""
    period = parse_period(arg, now, tz_name=tz_name, default=DEFAULT_PERIOD)
    if isinstance(period, PeriodError):
        return None
    summary = await summarize(store, period, matcher=matcher, llm=llm, now=now, lang=lang)
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
    title = t(lang, "summary_period_title", period=period.label, n=summary.items)
    facts = [f"{escape(c.name)} ({c.count})" for c in summary.themes[:FACTS_SHOWN]]
    sources = [f"{escape(c.name)} ({c.count})" for c in summary.sources[:FACTS_SHOWN]]
    lines = []
    if facts:
        lines.append(t(lang, "summary_themes", themes=", ".join(facts)))
    if sources:
        lines.append(t(lang, "summary_sources", sources=", ".join(sources)))
    return Brief(Digest(title, entries, now), facts=" · ".join(lines))
