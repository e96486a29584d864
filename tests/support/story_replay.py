"""Two weeks of real labelled reports, replayed day by day, and what a reader saw of them.

Shared by the story replays (issue 22): ``tests/support/replay_in_process.py`` runs the bot's
services in the test's process on a fixed clock (``tests/telegrambot/test_story_replay_e2e.py``);
``tests/reliability/test_replay_kill.py`` runs ``tjwatch run`` as child processes on the
replayed days and kills them with SIGKILL.

Reports from tests/data/eval with their real dates (the March 2025 state visit runs over several
days, in English, Russian and Tajik outlets; undated reports are first seen on a day of their
own) are served by a loopback feed per outlet whose content grows day by day (``Replay.day``).
``reader_figures`` checks what a reader would notice, from the emulator's and the Slack
receiver's side: no story is ever posted twice as a new entry, every later report of a delivered
story arrives as a reply (a Slack thread) to the message that carried it, and a new development
is posted as an entry of its own.
"""

from __future__ import annotations

import email.utils
import functools
import html
import json
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.render.telegram_html import HEADLINE_CHARS, clip
from tests.support.feed_server import FeedServer
from tests.support.slack_receiver import Received
from tests.support.telegram_emulator import BotMessage

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval"
FIRST_DAY = datetime(2025, 3, 15, tzinfo=UTC)
DAYS = 14
UNDATED_PER_DAY = 2
STORY_LINK = re.compile(r"/story_(\d+)")
UPDATE = re.compile(r"Update to story (\d+)")


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    summary: str
    source: str
    lang: str | None
    published: datetime | None
    day: int  # the replay day it appears in its feed

    @property
    def url(self) -> str:
        return f"https://news.example/{self.id}"


def replay_rows() -> list[Row]:
    """Every labelled report dated within the two weeks, and a few undated ones a day."""
    rows: list[Row] = []
    undated: list[dict[str, Any]] = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for raw in map(json.loads, path.read_text("utf-8").splitlines()):
            if raw["published"] is None:
                undated.append(raw)
                continue
            day = (datetime.fromisoformat(raw["published"]).replace(tzinfo=UTC) - FIRST_DAY).days
            if 0 <= day < DAYS:
                # Dated reports come out before the noon poll, in a stable order.
                at = FIRST_DAY + timedelta(days=day, minutes=zlib.crc32(raw["id"].encode()) % 720)
                rows.append(_row(raw, at, day))
    undated.sort(key=lambda r: zlib.crc32(r["id"].encode()))
    for n, raw in enumerate(undated[: DAYS * UNDATED_PER_DAY]):
        rows.append(_row(raw, None, n // UNDATED_PER_DAY))
    return rows


def _row(raw: dict[str, Any], at: datetime | None, day: int) -> Row:
    return Row(raw["id"], raw["title"], raw["summary"] or "", raw["source"], raw["lang"], at, day)


def feed_name(source: str) -> str:
    return f"replay-{zlib.crc32(source.encode()):08x}.xml"


@dataclass
class Replay:
    """The outlets' feeds on the replay's current day: each carries what it has published so
    far (``day`` moves them on)."""

    rows: list[Row]
    day: int = 0

    def feed(self, source: str) -> bytes:
        shown = [r for r in self.rows if r.source == source and r.day <= self.day]
        body = "".join(_item_xml(r) for r in shown)
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(source)}</title><link>https://news.example/</link>"
            f"<description>replay</description>{body}</channel></rss>"
        ).encode()

    def serve(self, feed_server: FeedServer, prefix: str) -> dict[str, str]:
        """Each outlet's feed on the loopback server under ``/prefix/``: name → URL."""
        return {
            s: feed_server.changing(f"/{prefix}/{feed_name(s)}", functools.partial(self.feed, s))
            for s in sorted({r.source for r in self.rows})
        }


def _item_xml(row: Row) -> str:
    date = (
        f"<pubDate>{email.utils.format_datetime(row.published)}</pubDate>"
        if row.published is not None
        else ""
    )
    return (
        f"<item><title>{html.escape(row.title)}</title><link>{row.url}</link>"
        f"<guid>{row.id}</guid><description>{html.escape(row.summary)}</description>{date}</item>"
    )


@dataclass
class Seen:
    """What the reader saw, day by day, from the emulator's and the receiver's side."""

    days: list[list[BotMessage]] = field(default_factory=list)
    slack_days: list[list[Received]] = field(default_factory=list)


@dataclass(frozen=True)
class Delivered:
    """A report delivered to a chat: its story, the scorer's story verdict, the replay day."""

    item_id: str
    story: int
    kind: str | None
    day: int
    title: str
    lang: str | None


@dataclass
class Outcome:
    seen: Seen
    delivered: dict[str, list[Delivered]]
    story_messages: dict[tuple[str, int], str | None]

    def as_read(self) -> list[list[tuple[bool, str]]]:
        """What the reader saw each day, without message ids: (a reply?, the text)."""
        return [
            [("reply_to_message" in m.sent, m.plain_text or "") for m in messages]
            for messages in self.seen.days
        ]

    def slack_as_read(self) -> list[list[tuple[bool, str]]]:
        """The Slack channel each day: (in a thread?, the text), without the ``ts``."""
        return [
            [(bool(r.body.get("thread_ts")), str(r.body.get("text", ""))) for r in posts]
            for posts in self.seen.slack_days
        ]


@dataclass(frozen=True)
class Figures:
    reports: int
    stories: int
    new_entries: int
    follow_ups: int
    developments: int
    repeats: int
    slack_threads: int

    def line(self, how: str) -> str:
        return (
            f"replay: days={DAYS} reports={self.reports} stories={self.stories}"
            f" new entries={self.new_entries} follow-ups={self.follow_ups}"
            f" new developments of seen stories={self.developments} repeats={self.repeats}"
            f" ({how}); Slack threads={self.slack_threads}"
        )


def title_shown(row_title: str, text: str) -> bool:
    return clip(row_title, HEADLINE_CHARS) in text


def reader_figures(outcome: Outcome) -> Figures:
    """Check what the reader saw (see the module docstring) and count it."""
    seen, delivered, story_messages = outcome.seen, outcome.delivered, outcome.story_messages

    # --- Telegram: entries and replies, as the reader's client shows them -------------------
    first_entry: dict[int, int] = {}  # story → the message that carried it as an entry
    new_entries = repeats = developments = 0
    follow_ups: list[tuple[int, BotMessage]] = []
    for messages in seen.days:
        for message in messages:
            text = message.text or ""
            update = UPDATE.search(text)
            if update:
                follow_ups.append((int(update.group(1)), message))
                continue
            for meta in (
                line
                for line in text.splitlines()
                if "relevance 0." in line or "relevance 1." in line
            ):
                link = STORY_LINK.search(meta)
                new_entries += 1
                if link is None:
                    continue
                story = int(link.group(1))
                if story in first_entry:
                    if "new development" in meta:
                        developments += 1
                    else:
                        repeats += 1
                else:
                    first_entry[story] = message.message_id
    assert repeats == 0
    assert follow_ups, "the replay has no story that runs over several days"
    for story, message in follow_ups:
        reply = message.sent.get("reply_to_message") or {}
        assert reply.get("message_id") == first_entry[story], (story, message.text)
    # Every later report of a delivered story is named in a reply to the story's message.
    entries_text = "".join(
        m.plain_text or "" for ms in seen.days for m in ms if not UPDATE.search(m.text or "")
    )
    replied: dict[int, str] = defaultdict(str)
    for story, message in follow_ups:
        replied[story] += message.plain_text or ""
    later = [
        r
        for r in delivered["telegram"]
        if r.story in first_entry and r.day > delivered_day(delivered["telegram"], r.story)
    ]
    assert later
    for report in later:
        if report.kind == "new_development":  # news: an entry of its own, never a reply
            assert not title_shown(report.title, replied[report.story]), report
            assert title_shown(report.title, entries_text), report
            continue
        assert title_shown(report.title, replied[report.story]), report
    assert developments >= 1
    # The stories' messages in the store are the ones the reader saw them in.
    for story, message_id in first_entry.items():
        assert story_messages[("telegram", story)] == str(message_id)
    # A story that runs over several days, in several languages, is one story.
    spans = _spans(delivered["telegram"])
    longest = max(spans.values(), key=lambda s: (len(s[0]), len(s[1])))
    assert len(longest[0]) >= 3 and len(longest[1]) >= 2, spans

    # --- Slack: the same, as threads under the message that carried the story ----------------
    slack_ts: dict[int, str] = {}
    slack_threads = 0
    for posts in seen.slack_days:
        for post in posts:
            text = json.dumps(post.body.get("blocks", ""), ensure_ascii=False)
            text += str(post.body.get("text", ""))
            update = UPDATE.search(text)
            if update:
                slack_threads += 1
                assert post.body.get("thread_ts") == slack_ts[int(update.group(1))]
                continue
            for story in map(int, re.findall(r"/story (\d+)", text)):
                assert story not in slack_ts or "new development" in text, story
                assert post.ts is not None
                slack_ts.setdefault(story, post.ts)
    assert slack_threads == len(follow_ups)
    return Figures(
        reports=len(delivered["telegram"]),
        stories=len(first_entry),
        new_entries=new_entries,
        follow_ups=len(follow_ups),
        developments=developments,
        repeats=repeats,
        slack_threads=slack_threads,
    )


def print_first_days(seen: Seen, days: int = 3) -> None:
    for n, messages in enumerate(seen.days[:days], 1):
        day = (FIRST_DAY + timedelta(days=n - 1)).date()
        print(f"\n===== day {n} ({day}): {len(messages)} Telegram message(s) =====")
        for message in messages:
            reply = (message.sent.get("reply_to_message") or {}).get("message_id")
            print(f"--- message {message.message_id}" + (f", a reply to {reply}" if reply else ""))
            print(message.plain_text)


def delivered_day(rows: list[Delivered], story: int) -> int:
    return min(r.day for r in rows if r.story == story)


def _spans(rows: list[Delivered]) -> dict[int, tuple[set[int], set[str]]]:
    """Each story's days and languages."""
    spans: dict[int, tuple[set[int], set[str]]] = defaultdict(lambda: (set(), set()))
    for r in rows:
        spans[r.story][0].add(r.day)
        spans[r.story][1].add(r.lang or "?")
    return dict(spans)


def delivered_reports(db: Any, chat_id: int) -> dict[str, list[Delivered]]:
    """Each channel's delivered reports that belong to a story (``db``: a sqlite3 connection
    or a sqlite-utils Database)."""
    out: dict[str, list[Delivered]] = defaultdict(list)
    for channel, item_id, story, kind, sent_at, title, lang in db.execute(
        "SELECT d.channel, d.item_id, v.story_id, v.story, d.sent_at, i.title, i.lang"
        " FROM deliveries d JOIN verdicts v ON v.item_id = d.item_id"
        " JOIN items i ON i.id = d.item_id"
        " WHERE d.status = 'sent' AND v.story_id IS NOT NULL"
        " AND (d.chat_id = ? OR d.channel = 'slack')",
        [chat_id],
    ):
        day = (datetime.fromisoformat(sent_at) - FIRST_DAY).days
        out[channel].append(Delivered(item_id, int(story), kind, day, title, lang))
    return out


def story_messages(db: Any) -> dict[tuple[str, int], str | None]:
    return {
        (channel, int(story)): ref
        for channel, story, ref in db.execute(
            "SELECT channel, story_id, message_ref FROM story_messages"
        )
    }
