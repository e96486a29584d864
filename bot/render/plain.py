"""Pure rendering of a digest as console text."""

from __future__ import annotations

from bot.models import Digest, DigestEntry

_STORY_TAGS = {"same_story": "same story", "new_development": "new development"}


def render_plain(digest: Digest, *, tz_name: str = "UTC") -> str:
    if not digest.entries:
        return f"{digest.title}: nothing new."
    lines = [
        f"{digest.title} — {len(digest.entries)} stor{'y' if len(digest.entries) == 1 else 'ies'}",
        "",
    ]
    for n, entry in enumerate(digest.entries, 1):
        lines.extend(_entry(n, entry, tz_name))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _entry(n: int, entry: DigestEntry, tz_name: str) -> list[str]:
    from zoneinfo import ZoneInfo

    when = entry.timeline_at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")
    tag = _STORY_TAGS.get(entry.story or "", "")
    more = f" +{entry.more_sources} more" if entry.more_sources else ""
    head = f"{n}. {entry.headline}"
    meta = f"   {entry.sources[0]}{more} · {when} · relevance {entry.score:.2f}" + (
        f" · {tag}" if tag else ""
    )
    out = [head, meta]
    if entry.summary:
        out.append(f"   {entry.summary}")
    if entry.url:
        out.append(f"   {entry.url}")
    return out
