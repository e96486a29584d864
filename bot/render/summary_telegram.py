"""Pure rendering of summaries, stories and trend captions as Telegram HTML.

Every feed-provided string is escaped (``telegram_html.esc``) and clipped; a summary is split
between stories, never inside one, so that each message stays under 4,096 UTF-16 code units.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.digest.story import StoryEntry
from bot.digest.summary import Summary
from bot.digest.trend import TrendData
from bot.render.summary_plain import sources_line, stored
from bot.render.summary_texts import SummaryTexts, summary_texts
from bot.render.telegram_html import (
    HEADLINE_CHARS,
    MESSAGE_LIMIT,
    SOURCE_CHARS,
    clip,
    esc,
    render_items,
    safe_href,
    utf16_len,
)
from bot.render.web_pages import WebPages
from storage import PeriodItem, StoryReports

SUMMARY_CHARS = 600
WHATS_NEW_CHARS = 300
SOURCES_CHARS = 400
CAPTION_LIMIT = 1024


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _link(title: str, url: str | None) -> str:
    name = esc(clip(title, HEADLINE_CHARS)) or "—"
    href = safe_href(url)
    return f'<a href="{href}">{name}</a>' if href else name


def _web_link(url: str, text: str) -> str:
    return f'<a href="{safe_href(url)}">{esc(text)}</a>'


def render_story_block(
    n: int,
    story: StoryEntry,
    texts: SummaryTexts,
    tz: ZoneInfo,
    pages: WebPages | None = None,
) -> str:
    meta = [
        esc(texts.n_reports(story.reports)),
        esc(_when(story.first_seen, tz)),
        f"{story.score:.2f}",
    ]
    kind = texts.kind(story.kind)
    if kind:
        meta.append(f"<b>{esc(kind)}</b>")
    lines = [f"{n}. <b>{_link(story.headline, story.url)}</b>", " · ".join(meta)]
    if story.summary:
        quote = esc(clip(story.summary, SUMMARY_CHARS))
        lines.append(f"<i>{quote}</i>" if story.abstractive else f"«{quote}»")
        if story.abstractive:
            lines.append(esc(texts.generated))
    if story.whats_new:
        lines.append(esc(texts.whats_new.format(text=clip(story.whats_new, WHATS_NEW_CHARS))))
    if story.sources:
        lines.append(f"{esc(texts.sources)}: {esc(clip(sources_line(story), SOURCES_CHARS))}")
    if story.langs:
        lines.append(f"{esc(texts.languages)}: {esc(texts.language_names(story.langs))}")
    details = esc(texts.details.format(key=story.key))
    if pages is not None:
        details += " · " + _web_link(pages.story(story.key), texts.web_story)
    lines.append(details)
    return "\n".join(lines)


def _tail(summary: Summary, texts: SummaryTexts) -> str:
    themes = [f"{esc(t.name)}: {t.count}" for t in summary.themes] or [esc(texts.no_themes)]
    sources = [f"{esc(clip(s.name, SOURCE_CHARS))}: {s.count}" for s in summary.sources]
    return "\n".join(
        [f"<b>{esc(texts.themes)}</b>", *themes, "", f"<b>{esc(texts.busiest)}</b>", *sources]
    )


def _header(summary: Summary, texts: SummaryTexts, part: int, parts: int) -> str:
    head = f"<b>{esc(texts.title)}</b> · {esc(texts.period(summary.period))}"
    if parts > 1:
        head += f" · <i>{esc(texts.part.format(part=part, parts=parts))}</i>"
    return head


def render_summary_telegram(
    summary: Summary,
    texts: SummaryTexts | None = None,
    *,
    tz_name: str = "UTC",
    limit: int = MESSAGE_LIMIT,
    pages: WebPages | None = None,
) -> list[str]:
    """The summary as HTML messages, each under ``limit``, split between stories; with
    ``pages`` (``[web] public_url``) each story and the summary link to the web archive."""
    texts = texts or summary_texts("en")
    tz = ZoneInfo(tz_name)
    if summary.empty:
        return [esc(texts.empty_note(summary.period, stored(summary, tz), plain=False))]
    counts = esc(texts.counts_of(summary.items, summary.story_count))
    blocks = [f"{counts}\n\n<b>{esc(texts.top_stories)}</b>"]
    blocks += [render_story_block(n, s, texts, tz, pages) for n, s in enumerate(summary.stories, 1)]
    blocks.append(_tail(summary, texts))
    if pages is not None:
        blocks.append(_web_link(pages.summary(summary.period), texts.web_summary))
    reserve = utf16_len(_header(summary, texts, 99, 99)) + 2
    groups: list[list[str]] = [[]]
    size = reserve
    for block in blocks:
        cost = utf16_len(block) + 2
        if groups[-1] and size + cost > limit:
            groups.append([])
            size = reserve
        groups[-1].append(block)
        size += cost
    return [
        "\n\n".join([_header(summary, texts, part, len(groups)), *group])
        for part, group in enumerate(groups, 1)
    ]


def render_report_line(item: PeriodItem, tz: ZoneInfo, texts: SummaryTexts | None = None) -> str:
    """One report of a story: time (an undated one's "first seen"), outlets, language, linked
    headline, ID."""
    texts = texts or summary_texts("en")
    sources = esc(clip(", ".join(item.sources), SOURCE_CHARS)) if item.sources else ""
    when = _when(item.timeline_at, tz)
    meta = [esc(when if item.dated else texts.first_seen.format(when=when))]
    if sources:
        meta.append(f"<i>{sources}</i>")
    if item.lang:
        meta.append(esc(texts.language_names([item.lang])))
    meta.append(f"ID <code>{esc(item.id)}</code>")
    return f"{_link(item.title, item.url)}\n{' · '.join(meta)}"


def render_story_telegram(
    reports: StoryReports,
    texts: SummaryTexts | None = None,
    *,
    tz_name: str = "UTC",
    limit: int = MESSAGE_LIMIT,
    pages: WebPages | None = None,
) -> list[str]:
    """Every report of one story by time, as many messages as it needs (the first line links
    to the story's page in the web archive with ``pages``)."""
    texts = texts or summary_texts("en")
    tz = ZoneInfo(tz_name)
    key = str(reports.story_id) if reports.story_id is not None else reports.items[0].id
    header = "\n".join(
        [
            "<b>"
            + esc(
                texts.story_header.format(key=key, headline=clip(reports.headline, HEADLINE_CHARS))
            )
            + "</b>",
            esc(
                texts.story_reports.format(
                    reports=texts.n_reports(len(reports.items)),
                    first=_when(reports.items[0].timeline_at, tz),
                    last=_when(reports.items[-1].timeline_at, tz),
                )
            ),
            *([_web_link(pages.story(key), texts.web_story)] if pages is not None else []),
        ]
    )
    return render_items(
        [render_report_line(i, tz, texts) for i in reports.items], header, limit=limit
    )


def trend_caption(data: TrendData, texts: SummaryTexts | None = None) -> str:
    """One line under the chart, escaped (captions are HTML too; at most 1,024 characters)."""
    texts = texts or summary_texts("en")
    caption = texts.trend_caption.format(period=texts.period(data.period), total=data.total)
    if data.undated:
        caption += " " + texts.trend_undated.format(n=data.undated)
    return esc(caption[:CAPTION_LIMIT])
