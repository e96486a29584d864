"""Pure digest composition: stored, scored items → one entry per story, best first.

A story the chat has already seen (``seen``: its story number → the message that carried it) is
never an entry again: its later reports are follow-ups, in the chat's ``FollowUpMode``. A report
the scorer called a new development is news, and always an entry of its own (issue 22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.digest.lines import summary_line, whats_new_line
from bot.digest.story import lead_of
from bot.models import Digest, DigestEntry, FollowUp, FollowUpMode, Report, StoryVerdict
from storage import StoredItem


def compose_digest(
    items: Iterable[StoredItem],
    *,
    now: datetime,
    title: str = "tjwatch digest",
    min_score: float = 0.0,
    only_new: bool = False,
    limit: int | None = None,
    seen: Mapping[int, str | None] | None = None,
    follow_ups: FollowUpMode = FollowUpMode.THREAD,
) -> Digest:
    seen = seen or {}
    groups: dict[str, list[StoredItem]] = {}
    later: dict[int, list[StoredItem]] = {}
    for item in items:
        if not item.relevant or item.score < min_score:
            continue
        if only_new and item.story == StoryVerdict.SAME_STORY:
            continue
        story_id = item.story_id
        if story_id is not None and story_id in seen:
            if item.story != StoryVerdict.NEW_DEVELOPMENT:
                later.setdefault(story_id, []).append(item)
                continue
            story_id = None  # news about a story the chat has seen: an entry of its own
        key = f"story:{story_id}" if story_id is not None else f"item:{item.id}"
        groups.setdefault(key, []).append(item)
    entries = [entry_for(group) for group in groups.values()]
    entries.sort(key=lambda e: (-e.score, -len(e.sources), -e.timeline_at.timestamp()))
    if limit is not None:
        entries = entries[:limit]
    stories = sorted(later.items(), key=lambda s: min(i.timeline_at for i in s[1]))
    found = tuple(_follow_up(story_id, seen[story_id], group) for story_id, group in stories)
    return Digest(
        title=title,
        entries=tuple(entries),
        generated_at=now,
        updates=found if follow_ups == FollowUpMode.DIGEST else (),
        follow_ups=found if follow_ups == FollowUpMode.THREAD else (),
        quiet_ids=tuple(i for f in found for i in f.item_ids)
        if follow_ups == FollowUpMode.OFF
        else (),
    )


def _follow_up(story_id: int, reply_to: str | None, group: list[StoredItem]) -> FollowUp:
    ordered = sorted(group, key=lambda i: (i.timeline_at, i.id))
    news = next((i.whats_new for i in ordered if i.whats_new), None)
    news = whats_new_line(news, *(i.title for i in ordered))
    return FollowUp(
        story_id=story_id,
        reply_to=reply_to,
        reports=tuple(
            Report(
                headline=i.title,
                url=i.url,
                source=", ".join(i.sources),
                lang=i.lang,
                timeline_at=i.timeline_at,
                dated=i.published_at is not None,
            )
            for i in ordered
        ),
        item_ids=tuple(i.id for i in ordered),
        whats_new=news,
    )


def entry_for(group: list[StoredItem]) -> DigestEntry:
    """One story's entry: its lead report's headline and summary line, every source."""
    lead = lead_of(group)
    first = min(group, key=lambda i: i.timeline_at)
    sources: dict[str, None] = {}
    for item in sorted(group, key=lambda i: i.timeline_at):
        for source in item.sources:
            sources[source] = None
    summary = summary_line(lead.summary, lead.title) or summary_line(lead.text or "", lead.title)
    return DigestEntry(
        headline=lead.title,
        url=lead.url,
        sources=tuple(sources),
        timeline_at=first.timeline_at,
        score=max(i.score for i in group),
        story=lead.story,
        summary=summary,
        item_ids=(lead.id, *(i.id for i in group if i is not lead)),
        whats_new=whats_new_line(lead.whats_new, lead.title, summary),
        story_id=lead.story_id,
        dated=first.published_at is not None,
    )
