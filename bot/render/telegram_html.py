"""Pure rendering of a digest as Telegram HTML messages.

Every feed-provided string (headline, source, summary, URL) goes through ``html.escape``: a feed
title with ``<script>`` or a bare ``&`` must arrive as text, and real Telegram rejects a whole
message whose markup does not parse. Messages are split at entry boundaries so each stays under
Telegram's 4,096-character limit (counted in UTF-16 code units, as the Bot API counts) and under
a sane number of inline buttons; every entry gets a 👍/👎 row.

Follow-ups (later reports of a story the chat has seen, issue 22) are one message per story
(``render_follow_up``) or one line per story in an "updates" section ending the digest; each
entry and follow-up names its ``/story_N`` command, which opens the story's timeline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.models import Digest, DigestEntry, FollowUp, Report
from bot.render.plural import Plural

MESSAGE_LIMIT = 4096
ENTRIES_PER_MESSAGE = 15
HEADLINE_CHARS = 300
SOURCE_CHARS = 80
SUMMARY_CHARS = 400
FEEDBACK_PREFIX = "fb"
FOLLOW_UP_REPORTS = 10
UPDATES_PER_BLOCK = 5
STORY_COMMAND = "/story_{n}"
"""A story's timeline as a command Telegram makes clickable (``/story N`` is the same)."""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One Telegram message: HTML text, inline keyboard rows, and the items it carries."""

    text: str
    keyboard: tuple[tuple[Button, ...], ...] = ()
    item_ids: tuple[str, ...] = ()


_STORIES = Plural.of("en", {"one": "{n} story", "other": "{n} stories"})
_MORE_SOURCES = Plural.of("en", {"one": "+{n} more source", "other": "+{n} more sources"})
_MORE_REPORTS = Plural.of("en", {"one": "+{n} more report", "other": "+{n} more reports"})


@dataclass(frozen=True, slots=True)
class DigestLabels:
    """The renderer's own words, from the bot's catalog in the chat's language."""

    title: str = "tjwatch digest"
    stories: Plural = _STORIES
    part: str = "part {part}/{parts}"
    empty: str = "Nothing new since your last digest."
    relevance: str = "relevance"
    same_story: str = "same story"
    new_development: str = "new development"
    more_sources: Plural = _MORE_SOURCES
    up: str = "👍"
    down: str = "👎"
    update_to_story: str = "🔄 Update to story {n}"
    updates: str = "Updates to stories you have seen"
    more_reports: Plural = _MORE_REPORTS
    whats_new: str = "What is new"
    first_seen: str = "first seen"
    unknown_source: str = "unknown source"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def feedback_data(vote: int, item_id: str) -> str:
    """Callback data of a 👍 (vote 1) or 👎 (vote -1) button; well under Telegram's 64 bytes."""
    return f"{FEEDBACK_PREFIX}:{'+' if vote > 0 else '-'}:{item_id}"


def parse_feedback_data(data: str) -> tuple[int, str] | None:
    parts = data.split(":", 2)
    if len(parts) != 3 or parts[0] != FEEDBACK_PREFIX or parts[1] not in {"+", "-"} or not parts[2]:
        return None
    return (1 if parts[1] == "+" else -1), parts[2]


def safe_href(url: str | None) -> str | None:
    """Only http(s) links become ``<a href>``; anything else (javascript:, data:) is dropped."""
    if not url:
        return None
    lowered = url.strip().lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        return None
    return esc(url.strip())


def render_entry(n: int, entry: DigestEntry, labels: DigestLabels, tz: ZoneInfo) -> str:
    headline = esc(clip(entry.headline, HEADLINE_CHARS)) or "—"
    href = safe_href(entry.url)
    head = f'{n}. <b><a href="{href}">{headline}</a></b>' if href else f"{n}. <b>{headline}</b>"
    source = entry.sources[0] if entry.sources else labels.unknown_source
    meta = [f"<i>{esc(clip(source, SOURCE_CHARS))}</i>"]
    if entry.more_sources:
        meta.append(esc(labels.more_sources.format(n=entry.more_sources)))
    when = esc(_when(entry.timeline_at, tz))
    meta.append(when if entry.dated else f"{esc(labels.first_seen)} {when}")
    meta.append(f"{esc(labels.relevance)} {entry.score:.2f}")
    tags = {"same_story": labels.same_story, "new_development": labels.new_development}
    tag = tags.get(entry.story or "")
    if tag:
        meta.append(f"<b>{esc(tag)}</b>")
    if entry.story_id is not None:
        meta.append(STORY_COMMAND.format(n=entry.story_id))
    lines = [head, " · ".join(m for m in meta if m)]
    if entry.summary:
        lines.append(esc(clip(entry.summary, SUMMARY_CHARS)))
    if entry.whats_new:
        news = esc(clip(entry.whats_new, SUMMARY_CHARS))
        lines.append(f"<b>{esc(labels.whats_new)}:</b> {news}")
    return "\n".join(lines)


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def _header(labels: DigestLabels, count: int, part: int, parts: int) -> str:
    head = f"<b>{esc(labels.title)}</b>"
    if count:  # a digest of updates alone has no stories of its own to count
        head += f" · {esc(labels.stories.format(n=count))}"
    if parts > 1:
        head += f" · <i>{esc(labels.part.format(part=part, parts=parts))}</i>"
    return head


def render_digest(
    digest: Digest,
    labels: DigestLabels | None = None,
    *,
    tz_name: str = "UTC",
    limit: int = MESSAGE_LIMIT,
    per_message: int = ENTRIES_PER_MESSAGE,
) -> list[RenderedMessage]:
    """The digest as one or more messages, entries never cut, each under ``limit``."""
    labels = labels or DigestLabels()
    if digest.is_empty:
        return [RenderedMessage(esc(labels.empty))]
    tz = ZoneInfo(tz_name)
    entries = digest.entries
    blocks = [render_entry(n, e, labels, tz) for n, e in enumerate(entries, 1)]
    # The updates section follows, UPDATES_PER_BLOCK stories a block, so that it splits too.
    chunks = [
        digest.updates[k : k + UPDATES_PER_BLOCK]
        for k in range(0, len(digest.updates), UPDATES_PER_BLOCK)
    ]
    blocks.extend(
        render_updates(chunk, labels, tz, heading=k == 0) for k, chunk in enumerate(chunks)
    )
    # Reserve room for the longest header ("… · part 99/99") so packing never overflows.
    reserve = utf16_len(_header(labels, len(entries), 99, 99)) + 2
    groups: list[list[int]] = [[]]
    size = reserve
    for index, block in enumerate(blocks):
        cost = utf16_len(block) + 2
        current = groups[-1]
        if current and (size + cost > limit or len(current) >= per_message):
            groups.append([])
            size = reserve
        groups[-1].append(index)
        size += cost
    messages = []
    for part, group in enumerate(groups, 1):
        header = _header(labels, len(entries), part, len(groups))
        text = "\n\n".join([header, *(blocks[i] for i in group)])
        shown = [i for i in group if i < len(entries)]
        keyboard = tuple(_feedback_row(i + 1, entries[i], labels) for i in shown)
        ids = tuple(item for i in shown for item in entries[i].item_ids)
        for i in group:
            if i >= len(entries):
                ids += tuple(item for u in chunks[i - len(entries)] for item in u.item_ids)
        messages.append(RenderedMessage(text, keyboard, ids))
    return messages


def _report_line(report: Report, labels: DigestLabels, tz: ZoneInfo) -> str:
    headline = esc(clip(report.headline, HEADLINE_CHARS)) or "—"
    href = safe_href(report.url)
    head = f'<a href="{href}">{headline}</a>' if href else headline
    meta = [f"<i>{esc(clip(report.source or labels.unknown_source, SOURCE_CHARS))}</i>"]
    if report.lang:
        meta.append(esc(report.lang))
    when = esc(_when(report.timeline_at, tz))
    meta.append(when if report.dated else f"{esc(labels.first_seen)} {when}")
    return f"• {head} — {' · '.join(meta)}"


def render_follow_up(
    follow_up: FollowUp, labels: DigestLabels | None = None, *, tz_name: str = "UTC"
) -> RenderedMessage:
    """One story's later reports as one message (a reply to the message that carried it, or on
    its own: it says which story it updates either way)."""
    labels = labels or DigestLabels()
    tz = ZoneInfo(tz_name)
    story = STORY_COMMAND.format(n=follow_up.story_id)
    lines = [f"<b>{esc(labels.update_to_story.format(n=follow_up.story_id))}</b> · {story}"]
    shown = follow_up.reports[:FOLLOW_UP_REPORTS]
    lines.extend(_report_line(r, labels, tz) for r in shown)
    if len(follow_up.reports) > len(shown):
        more = labels.more_reports.format(n=len(follow_up.reports) - len(shown))
        lines.append(f"{esc(more)} · {story}")
    if follow_up.whats_new:
        news = esc(clip(follow_up.whats_new, SUMMARY_CHARS))
        lines.append(f"<b>{esc(labels.whats_new)}:</b> {news}")
    return RenderedMessage("\n".join(lines), (), follow_up.item_ids)


def render_updates(
    updates: tuple[FollowUp, ...], labels: DigestLabels, tz: ZoneInfo, *, heading: bool = True
) -> str:
    """The digest's closing section (or a further part of it, without ``heading``): one line
    per story the chat has seen (its newest report, and how many more)."""
    lines = [f"<b>{esc(labels.updates)}</b>"] if heading else []
    for update in updates:
        line = _report_line(update.reports[-1], labels, tz).removeprefix("• ")
        more = len(update.reports) - 1
        if more:
            line += " · " + esc(labels.more_reports.format(n=more))
        lines.append(f"• {STORY_COMMAND.format(n=update.story_id)} {line}")
    return "\n".join(lines)


def _feedback_row(n: int, entry: DigestEntry, labels: DigestLabels) -> tuple[Button, ...]:
    item = entry.item_ids[0]
    return (
        Button(f"{n} {labels.up}", feedback_data(1, item)),
        Button(f"{n} {labels.down}", feedback_data(-1, item)),
    )


def render_items(lines: list[str], header: str, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Already-escaped lines under an already-escaped header, split under ``limit``."""
    out: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n\n{line}"
        if utf16_len(candidate) > limit and current != header:
            out.append(current)
            current = line
        else:
            current = candidate
    out.append(current)
    return out


def render_item_line(
    *,
    title: str,
    url: str | None,
    sources: tuple[str, ...],
    timeline_at: datetime,
    score: float,
    item_id: str,
    tz_name: str = "UTC",
    relevance: str = "relevance",
) -> str:
    """One stored item in a list (/latest, /search): linked title, source, time, score, ID."""
    name = esc(clip(title, HEADLINE_CHARS)) or "—"
    href = safe_href(url)
    head = f'<a href="{href}">{name}</a>' if href else name
    source = esc(clip(sources[0], SOURCE_CHARS)) if sources else ""
    when = esc(_when(timeline_at, ZoneInfo(tz_name)))
    parts = (
        f"<i>{source}</i>" if source else "",
        when,
        f"{esc(relevance)} {score:.2f}",
        f"ID <code>{esc(item_id)}</code>",
    )
    meta = " · ".join(x for x in parts if x)
    return f"{head}\n{meta}"
