"""Pure rendering of a period summary as console text."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.digest.story import StoryEntry
from bot.digest.summary import Summary
from bot.render.summary_texts import SummaryTexts, summary_texts

SOURCES_SHOWN = 8


def render_summary_plain(
    summary: Summary, texts: SummaryTexts | None = None, *, tz_name: str = "UTC"
) -> str:
    texts = texts or summary_texts("en")
    period = texts.period(summary.period)
    tz = ZoneInfo(tz_name)
    if summary.empty:
        return texts.empty_note(summary.period, stored(summary, tz), plain=True) + "\n"
    lines = [
        f"{texts.title} — {period}",
        texts.counts_of(summary.items, summary.story_count),
        "",
        texts.top_stories,
    ]
    for n, story in enumerate(summary.stories, 1):
        lines.extend(_story(n, story, texts, tz))
    lines += ["", texts.themes]
    if summary.themes:
        lines.extend(f"  {t.name}: {t.count}" for t in summary.themes)
    else:
        lines.append(f"  {texts.no_themes}")
    lines += ["", texts.busiest]
    lines.extend(f"  {s.name}: {s.count}" for s in summary.sources)
    return "\n".join(lines) + "\n"


def stored(summary: Summary, tz: ZoneInfo) -> tuple[int, date] | None:
    """What an empty summary says is stored: how many relevant items, the newest one's day."""
    if summary.stored is None:
        return None
    return summary.stored.count, summary.stored.newest.astimezone(tz).date()


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def sources_line(story: StoryEntry, limit: int = SOURCES_SHOWN) -> str:
    shown = ", ".join(story.sources[:limit])
    more = len(story.sources) - limit
    return shown + (f" +{more}" if more > 0 else "")


def _story(n: int, story: StoryEntry, texts: SummaryTexts, tz: ZoneInfo) -> list[str]:
    meta = [
        f"ID {story.key}",
        texts.n_reports(story.reports),
        _when(story.first_seen, tz),
        f"{story.score:.2f}",
    ]
    kind = texts.kind(story.kind)
    if kind:
        meta.append(kind)
    out = ["", f"{n}. {story.headline}", "   " + " · ".join(meta)]
    if story.summary:
        out.append(f"   {story.summary}")
        if story.abstractive:
            out.append(f"   {texts.generated}")
    if story.whats_new:
        out.append("   " + texts.whats_new.format(text=story.whats_new))
    if story.sources:
        out.append(f"   {texts.sources}: {sources_line(story)}")
    if story.langs:
        out.append(f"   {texts.languages}: {texts.language_names(story.langs)}")
    if story.url:
        out.append(f"   {story.url}")
    return out
