"""Pure digest composition: stored, scored items → one entry per story, best first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from bot.models import Digest, DigestEntry
from storage import StoredItem

SUMMARY_CHARS = 240
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def compose_digest(
    items: Iterable[StoredItem],
    *,
    now: datetime,
    title: str = "tjwatch digest",
    min_score: float = 0.0,
    only_new: bool = False,
    limit: int | None = None,
) -> Digest:
    groups: dict[str, list[StoredItem]] = {}
    for item in items:
        if not item.relevant or item.score < min_score:
            continue
        if only_new and item.story == "same_story":
            continue
        key = f"story:{item.story_id}" if item.story_id is not None else f"item:{item.id}"
        groups.setdefault(key, []).append(item)
    entries = [_entry(group) for group in groups.values()]
    entries.sort(key=lambda e: (-e.score, -len(e.sources), -e.timeline_at.timestamp()))
    if limit is not None:
        entries = entries[:limit]
    return Digest(title=title, entries=tuple(entries), generated_at=now)


def _entry(group: list[StoredItem]) -> DigestEntry:
    lead = max(group, key=lambda i: (i.score, len(i.summary)))
    sources: dict[str, None] = {}
    for item in sorted(group, key=lambda i: i.timeline_at):
        for source in item.sources:
            sources[source] = None
    return DigestEntry(
        headline=lead.title,
        url=lead.url,
        sources=tuple(sources) or ("unknown source",),
        timeline_at=min(i.timeline_at for i in group),
        score=max(i.score for i in group),
        story=lead.story,
        summary=summary_line(lead.summary or lead.text or ""),
        item_ids=tuple(i.id for i in group),
        whats_new=lead.whats_new,
    )


def summary_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence (or sentences, while they fit), cut at a word boundary."""
    # Only the start of a long text can be shown, so only the start is flattened and split (the
    # text is a full article for some feeds). The start decides alone once it flattens to more
    # than ``limit + 1`` characters.
    flat = " ".join(text[: 4 * limit].split())
    if len(flat) <= limit + 1:
        flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    out = ""
    for sentence in _SENTENCE_END.split(flat):
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if not out:
        out = flat[:limit].rsplit(" ", 1)[0] + "…"
    return out
