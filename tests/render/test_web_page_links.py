"""With ``[web] public_url``, Telegram's /summary and /story answers and Slack digests link to
the web archive's pages (and without it, they do not)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render.slack_blocks import render_digest
from bot.render.summary_telegram import render_story_telegram, render_summary_telegram
from bot.render.web_pages import web_pages
from storage import PeriodItem, StoryReports
from tests.render.test_summary_render import busy_week
from tests.slack.test_slack_blocks import digest, entry
from tests.support.telegram_html_check import assert_telegram_html

BASE = "https://archive.example/tjwatch"
PAGES = web_pages(BASE + "/")


def test_summary_links_each_story_and_itself() -> None:
    messages = render_summary_telegram(busy_week(3), pages=PAGES)
    text = "\n".join(messages)
    for key in ("1", "2", "3"):
        assert f'<a href="{BASE}/stories/{key}">on the web</a>' in text
    assert f'<a href="{BASE}/summary?since=7d">This summary on the web</a>' in messages[-1]
    for message in messages:
        assert_telegram_html(message)
    assert BASE not in "\n".join(render_summary_telegram(busy_week(3)))


def test_story_answer_links_its_page() -> None:
    at = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    item = PeriodItem("a1", "https://o.example/1", "Talks", "", "ru", at, 0.8, None, None, 7, ())
    [message] = render_story_telegram(StoryReports(7, "Talks", (item,)), pages=PAGES)
    assert f'<a href="{BASE}/stories/7">on the web</a>' in message
    assert BASE not in render_story_telegram(StoryReports(7, "Talks", (item,)))[0]


def test_slack_digest_links_story_pages() -> None:
    grouped = digest(entry(1, story_id=12), entry(2))
    [message] = render_digest(grouped, pages=PAGES)
    contexts = [b["elements"][0]["text"] for b in message.blocks if b["type"] == "context"]
    assert f"<{BASE}/stories/12|/story 12>" in contexts[0]
    [plain] = render_digest(grouped)
    assert BASE not in str(plain.blocks)
