"""Pure: a story as readers see it in a listing, and which of its reports leads it.

A story is every stored report with one story number; an item the grouper never placed is a
story of its own, keyed by its id (``story_key``: what ``/story`` and ``/stories/{key}`` take).
Its lead report is the best scored, the earlier on a tie (``best_first``): the lead's headline
and link are the story's in the web archive, its feeds and exports, ``/summary``, ``/story`` and
the digests alike, so one story never goes by two headlines.

A ``StoryEntry`` is the same record wherever a story is listed; only its summary text differs
by place: a listing's first sentence(s) of the lead, or a brief's quote drawn from several
reports (``bot.digest.summary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from bot.digest.lines import summary_line, whats_new_line
from storage import PeriodItem

SAME_STORY, NEW_DEVELOPMENT = "same_story", "new_development"


class Scored(Protocol):
    """A report as the lead rule reads it (a ``PeriodItem`` or a ``StoredItem``)."""

    @property
    def id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def timeline_at(self) -> datetime: ...


R = TypeVar("R", bound=Scored)


def best_first(item: Scored) -> tuple[float, datetime, str]:
    """The order of a story's reports: best scored first, the earlier on a tie (then by id, so
    that the order never depends on how the store returned them). The first is the lead."""
    return (-item.score, item.timeline_at, item.id)


def lead_of(items: Sequence[R]) -> R:
    """A story's lead report (``items``: at least one)."""
    return min(items, key=best_first)


def story_key(item: PeriodItem) -> str:
    return str(item.story_id) if item.story_id is not None else item.id


@dataclass(frozen=True, slots=True)
class StoryEntry:
    key: str
    """The story's number, or the id of an item never grouped (``/story``, ``/stories/{key}``)."""
    headline: str
    """The lead report's."""
    url: str | None
    summary: str
    """A listing's: the lead's first sentence(s); a brief's: quoted from the reports."""
    sources: tuple[str, ...]
    langs: tuple[str, ...]
    reports: int
    score: float
    kind: str | None
    """``same_story`` (the seeds' story, whatever else it is), ``new_development`` or None."""
    whats_new: str | None
    first_seen: datetime
    last_seen: datetime
    """The latest report: feeds show an entry as updated when a story gains reports."""
    item_ids: tuple[str, ...]
    """Its reports, oldest first."""
    abstractive: bool = False
    """Whether ``summary`` was written by a language model."""


def story_entry(items: Sequence[PeriodItem], summary: str | None = None) -> StoryEntry:
    """The entry of one story's reports (at least one), with ``summary`` as its text (the lead's
    summary line when None). What is new comes from the best new-development report and is
    left out where it only repeats the headline or the summary."""
    by_time = sorted(items, key=lambda i: (i.timeline_at, i.id))
    by_rank = sorted(items, key=best_first)
    lead = by_rank[0]
    kinds = {i.story for i in by_time}
    kind = next((k for k in (SAME_STORY, NEW_DEVELOPMENT) if k in kinds), None)
    news = next((i.whats_new for i in by_rank if i.story == NEW_DEVELOPMENT and i.whats_new), None)
    text = summary_line(lead.summary, lead.title) if summary is None else summary
    return StoryEntry(
        key=story_key(lead),
        headline=lead.title,
        url=lead.url,
        summary=text,
        sources=tuple(dict.fromkeys(s for i in by_time for s in i.sources)),
        langs=tuple(dict.fromkeys(i.lang for i in by_time if i.lang)),
        reports=len(by_time),
        score=lead.score,
        kind=kind,
        whats_new=whats_new_line(news, lead.title, text),
        first_seen=by_time[0].timeline_at,
        last_seen=by_time[-1].timeline_at,
        item_ids=tuple(i.id for i in by_time),
    )


def story_text(items: Sequence[PeriodItem]) -> str:
    """What a theme is looked for in: every report's headline and summary."""
    return "\n".join(f"{i.title}\n{i.summary}" for i in items)
