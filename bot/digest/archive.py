"""Pure: a story's stored reports → the entry the web archive, the feeds and the exports show.

One entry per story (an item the grouper never placed is a story of its own, keyed by its id, as
``/story`` and summaries key it): the best-scored report leads (headline, link, summary line),
sources and languages in the order they reported, "the seeds' story" when any report is, and
what is new from a new development's report. ``last_seen`` is the latest report: feeds show an
entry as updated when a story gains reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.digest.lines import summary_line, whats_new_line
from bot.digest.summary import NEW_DEVELOPMENT, SAME_STORY, story_key
from storage import PeriodItem


@dataclass(frozen=True, slots=True)
class StoryEntry:
    key: str
    """The story's number, or the id of an item never grouped (``/stories/{key}``)."""
    headline: str
    url: str | None
    summary: str
    """The lead report's first sentence(s)."""
    sources: tuple[str, ...]
    langs: tuple[str, ...]
    reports: int
    score: float
    kind: str | None
    """``same_story``, ``new_development`` or None."""
    whats_new: str | None
    first_seen: datetime
    last_seen: datetime
    item_ids: tuple[str, ...]
    """Its reports, oldest first."""


def story_entry(items: Sequence[PeriodItem]) -> StoryEntry:
    """The entry of one story's reports (at least one)."""
    by_time = sorted(items, key=lambda i: (i.timeline_at, i.id))
    lead = max(by_time, key=lambda i: (i.score, len(i.summary)))
    kinds = {i.story for i in by_time}
    kind = next((k for k in (SAME_STORY, NEW_DEVELOPMENT) if k in kinds), None)
    whats_new = next(
        (i.whats_new for i in by_time if i.story == NEW_DEVELOPMENT and i.whats_new), None
    )
    summary = summary_line(lead.summary, lead.title)
    return StoryEntry(
        key=story_key(lead),
        headline=lead.title,
        url=lead.url,
        summary=summary,
        sources=tuple(dict.fromkeys(s for i in by_time for s in i.sources)),
        langs=tuple(dict.fromkeys(i.lang for i in by_time if i.lang)),
        reports=len(by_time),
        score=lead.score,
        kind=kind,
        whats_new=whats_new_line(whats_new, lead.title, summary),
        first_seen=by_time[0].timeline_at,
        last_seen=by_time[-1].timeline_at,
        item_ids=tuple(i.id for i in by_time),
    )


def story_text(items: Sequence[PeriodItem]) -> str:
    """What a theme is looked for in: every report's headline and summary."""
    return "\n".join(f"{i.title}\n{i.summary}" for i in items)
