"""Pure rendering of a digest as Slack Block Kit messages.

Every feed-provided string goes through ``escape`` (Slack's mrkdwn treats ``&``, ``<`` and ``>``
as control characters: https://api.slack.com/reference/surfaces/formatting#escaping), and link
text also loses its ``|``, which would otherwise end the link text early. Messages are split at
entry boundaries so that each stays under Slack's limits: 50 blocks per message, 3,000
characters per section text, 40,000 characters of message text. Every message carries a plain
``text`` fallback for notifications and clients that cannot show blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import Digest, DigestEntry, FollowUp, Report
from bot.render.telegram_html import FOLLOW_UP_REPORTS, DigestLabels, clip
from bot.render.web_pages import WebPages

BLOCKS_PER_MESSAGE = 50
SECTION_TEXT_LIMIT = 3000
CONTEXT_TEXT_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
MESSAGE_TEXT_LIMIT = 40_000
HEADLINE_CHARS = 300
SOURCE_CHARS = 80
SUMMARY_CHARS = 500
URL_CHARS = 2000
FALLBACK_HEADLINES = 10

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One Slack message: the fallback text, its blocks, and the items it carries."""

    text: str
    blocks: tuple[Block, ...]
    item_ids: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": list(self.blocks)}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_text(text: str) -> str:
    """Text inside ``<url|text>``: escaped, and without ``|`` (it would end the link text)."""
    return escape(text.replace("|", "¦"))


def link_url(url: str | None) -> str | None:
    """A URL safe inside ``<url|text>``, or None for what must not become a link."""
    if not url or not url.lower().startswith(("http://", "https://")) or len(url) > URL_CHARS:
        return None
    if any(c.isspace() for c in url):
        return None
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")


def slack_date(when: datetime, tz_name: str) -> str:
    """A date Slack shows in each reader's own time zone, with a fallback in the chat's zone."""
    fallback = when.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def story_tag(entry: DigestEntry, labels: DigestLabels) -> str | None:
    return {"same_story": labels.same_story, "new_development": labels.new_development}.get(
        entry.story or ""
    )


def entry_blocks(
    entry: DigestEntry, labels: DigestLabels, tz_name: str, pages: WebPages | None = None
) -> list[Block]:
    """A section (headline link, summary line) and a context line (source, time, relevance, tag;
    ``/story N`` links to the story's page in the web archive with ``pages``)."""
    headline = clip(entry.headline, HEADLINE_CHARS) or "—"
    url = link_url(entry.url)
    head = f"*<{url}|{link_text(headline)}>*" if url else f"*{escape(headline)}*"
    lines = [head]
    if entry.summary:
        lines.append(escape(clip(entry.summary, SUMMARY_CHARS)))
    if entry.whats_new:
        news = escape(clip(entry.whats_new, SUMMARY_CHARS))
        lines.append(f"_{escape(labels.new_development)}:_ {news}")
    section = "\n".join(lines)
    if len(section) > SECTION_TEXT_LIMIT:  # cannot happen with the clips above; never send it
        section = section[: SECTION_TEXT_LIMIT - 1] + "…"
    meta = [
        escape(clip(entry.sources[0] if entry.sources else labels.unknown_source, SOURCE_CHARS))
    ]
    if entry.more_sources:
        meta.append(escape(labels.more_sources.format(n=entry.more_sources)))
    when = slack_date(entry.timeline_at, tz_name)
    meta.append(when if entry.dated else f"{escape(labels.first_seen)} {when}")
    meta.append(f"{escape(labels.relevance)} {entry.score:.2f}")
    if entry.story_id is not None:
        page = link_url(pages.story(str(entry.story_id))) if pages is not None else None
        name = f"/story {entry.story_id}"
        meta.append(f"<{page}|{name}>" if page else name)
    tag = story_tag(entry, labels)
    if tag:
        meta.append(escape(tag))
    context = " · ".join(meta)[:CONTEXT_TEXT_LIMIT]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": section}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, HEADER_TEXT_LIMIT), "emoji": True},
    }


def _stories(labels: DigestLabels, n: int) -> str:
    return labels.stories.format(n=n)


def _fallback(title: str, entries: list[DigestEntry]) -> str:
    """The notification text: the title and the first headlines, escaped, well under the limit."""
    names = "; ".join(clip(e.headline, 120) for e in entries[:FALLBACK_HEADLINES])
    more = len(entries) - FALLBACK_HEADLINES
    text = f"{title}: {names}" + (f" (+{more})" if more > 0 else "")
    return escape(text)[: MESSAGE_TEXT_LIMIT // 10]


def _size(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        if "text" in block:
            total += len(block["text"]["text"])
        for element in block.get("elements", ()):
            total += len(element.get("text", ""))
    return total


def render_digest(
    digest: Digest,
    labels: DigestLabels | None = None,
    *,
    tz_name: str = "UTC",
    pages: WebPages | None = None,
) -> list[SlackMessage]:
    """The digest as one or more messages, split at entry boundaries within Slack's limits."""
    labels = labels or DigestLabels()
    # The composed digest's default title is English; the chat's language has its own.
    name = labels.title if digest.title == DigestLabels().title else digest.title
    title = f"{name} — {_stories(labels, len(digest.entries))}"
    if digest.is_empty:
        empty = [
            _header(name),
            {"type": "section", "text": {"type": "mrkdwn", "text": escape(labels.empty)}},
        ]
        return [SlackMessage(escape(f"{name}: {labels.empty}"), tuple(empty))]
    parts: list[tuple[list[DigestEntry], list[Block]]] = []
    entries: list[DigestEntry] = []
    blocks: list[Block] = []
    for entry in digest.entries:
        own = entry_blocks(entry, labels, tz_name, pages)
        added = [{"type": "divider"}, *own] if entries else own
        # One block and HEADER_TEXT_LIMIT characters are kept for each message's header.
        full = (
            len(blocks) + len(added) + 1 > BLOCKS_PER_MESSAGE
            or _size(blocks) + _size(added) + HEADER_TEXT_LIMIT > MESSAGE_TEXT_LIMIT
        )
        if entries and full:
            parts.append((entries, blocks))
            entries, blocks, added = [], [], own
        entries.append(entry)
        blocks.extend(added)
    if entries:
        parts.append((entries, blocks))
    if digest.updates:  # the closing section, a message of its own
        update_blocks = _updates_blocks(digest.updates, labels, tz_name)
        parts.append(([], update_blocks))
    messages: list[SlackMessage] = []
    for n, (part, part_blocks) in enumerate(parts, 1):
        heading = (
            title
            if len(parts) == 1
            else f"{title} ({labels.part.format(part=n, parts=len(parts))})"
        )
        if not part and digest.updates:
            messages.append(
                SlackMessage(
                    text=escape(labels.updates),
                    blocks=tuple(part_blocks),
                    item_ids=tuple(i for u in digest.updates for i in u.item_ids),
                )
            )
            continue
        messages.append(
            SlackMessage(
                text=_fallback(heading, part),
                blocks=(_header(heading), *part_blocks),
                item_ids=tuple(i for e in part for i in e.item_ids),
            )
        )
    return messages


def _report_line(report: Report, labels: DigestLabels, tz_name: str) -> str:
    headline = clip(report.headline, HEADLINE_CHARS) or "—"
    url = link_url(report.url)
    head = f"<{url}|{link_text(headline)}>" if url else escape(headline)
    meta = [escape(clip(report.source or labels.unknown_source, SOURCE_CHARS))]
    if report.lang:
        meta.append(escape(report.lang))
    when = slack_date(report.timeline_at, tz_name)
    meta.append(when if report.dated else f"{escape(labels.first_seen)} {when}")
    return f"{head} — {' · '.join(meta)}"


def render_follow_up(
    follow_up: FollowUp, labels: DigestLabels | None = None, *, tz_name: str = "UTC"
) -> SlackMessage:
    """One story's later reports: posted in the thread of the message that carried it."""
    labels = labels or DigestLabels()
    heading = labels.update_to_story.format(n=follow_up.story_id)
    shown = follow_up.reports[:FOLLOW_UP_REPORTS]
    lines = [f"*{escape(heading)}* · /story {follow_up.story_id}"]
    lines.extend(f"• {_report_line(r, labels, tz_name)}" for r in shown)
    if len(follow_up.reports) > len(shown):
        lines.append(escape(labels.more_reports.format(n=len(follow_up.reports) - len(shown))))
    if follow_up.whats_new:
        news = escape(clip(follow_up.whats_new, SUMMARY_CHARS))
        lines.append(f"_{escape(labels.whats_new)}:_ {news}")
    section = "\n".join(lines)[:SECTION_TEXT_LIMIT]
    first = clip(follow_up.reports[0].headline, 120) if follow_up.reports else ""
    return SlackMessage(
        text=escape(f"{heading}: {first}"),
        blocks=({"type": "section", "text": {"type": "mrkdwn", "text": section}},),
        item_ids=follow_up.item_ids,
    )


def _updates_blocks(
    updates: tuple[FollowUp, ...], labels: DigestLabels, tz_name: str
) -> list[Block]:
    """The digest's closing section: one line per story the chat has seen."""
    blocks: list[Block] = [_header(labels.updates)]
    lines: list[str] = []
    for update in updates:
        more = len(update.reports) - 1
        line = f"• /story {update.story_id} {_report_line(update.reports[-1], labels, tz_name)}"
        if more:
            line += " · " + escape(labels.more_reports.format(n=more))
        lines.append(line)
    # Sections of a few lines each keep within the section text and the message block limits.
    for k in range(0, len(lines), 5):
        if len(blocks) >= BLOCKS_PER_MESSAGE:
            break
        text = "\n".join(lines[k : k + 5])[:SECTION_TEXT_LIMIT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return blocks
