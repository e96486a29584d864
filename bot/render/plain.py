"""Pure rendering of a digest, and of a story's follow-up, as console text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.models import Digest, DigestEntry, FollowUp, Report

UNKNOWN_SOURCE = "unknown source"
_STORY_TAGS = {"same_story": "same story", "new_development": "new development"}


def render_plain(digest: Digest, *, tz_name: str = "UTC") -> str:
    if digest.is_empty:
        return f"{digest.title}: nothing new."
    lines = [
        f"{digest.title} — {len(digest.entries)} stor{'y' if len(digest.entries) == 1 else 'ies'}",
        "",
    ]
    for n, entry in enumerate(digest.entries, 1):
        lines.extend(_entry(n, entry, tz_name))
        lines.append("")
    if digest.updates:
        lines.append("Updates to stories you have seen")
        for update in digest.updates:
            more = len(update.reports) - 1
            lines.append(
                f"  story {update.story_id}: {_report(update.reports[-1], tz_name)}"
                + (f" +{more} more" if more else "")
            )
    return "\n".join(lines).rstrip() + "\n"


def render_follow_up_plain(follow_up: FollowUp, *, tz_name: str = "UTC") -> str:
    """Later reports of a story, under "update to story N"."""
    lines = [f"update to story {follow_up.story_id}"]
    for report in follow_up.reports:
        lines.append(f"  - {_report(report, tz_name)}")
        if report.url:
            lines.append(f"    {report.url}")
    if follow_up.whats_new:
        lines.append(f"  what is new: {follow_up.whats_new}")
    return "\n".join(lines) + "\n"


def _when(at: datetime, tz_name: str) -> str:
    return at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")


def _report(report: Report, tz_name: str) -> str:
    when = _when(report.timeline_at, tz_name)
    when = when if report.dated else f"first seen {when}"
    lang = f" ({report.lang})" if report.lang else ""
    return f"{report.headline} — {report.source or UNKNOWN_SOURCE}{lang} · {when}"


def _entry(n: int, entry: DigestEntry, tz_name: str) -> list[str]:
    when = _when(entry.timeline_at, tz_name)
    when = when if entry.dated else f"first seen {when}"
    tag = _STORY_TAGS.get(entry.story or "", "")
    more = f" +{entry.more_sources} more" if entry.more_sources else ""
    head = f"{n}. {entry.headline}"
    source = entry.sources[0] if entry.sources else UNKNOWN_SOURCE
    meta = f"   {source}{more} · {when} · relevance {entry.score:.2f}" + (
        f" · {tag}" if tag else ""
    )
    if entry.story_id is not None:
        meta += f" · story {entry.story_id}"
    if entry.item_ids:  # what ``tjwatch explain`` takes: the report shown
        meta += f" · item {entry.item_ids[0]}"
    out = [head, meta]
    if entry.summary:
        out.append(f"   {entry.summary}")
    if entry.whats_new:
        out.append(f"   what is new: {entry.whats_new}")
    if entry.url:
        out.append(f"   {entry.url}")
    return out
