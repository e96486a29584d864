"""The rest of the command menu, through the emulator as people use it: the menu itself in both
languages, the digest's format, settings buttons that change what arrives, /unsubscribe, empty
scheduled digests, /lang, /seeds and /addseed, /sources, and the admin's /pause /resume
/removefeed."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.telegrambot.app import MENU
from bot.telegrambot.schedule import POLL_JOB, job_name
from tests.support.feed_server import FeedServer
from tests.support.summary_data import LONE, VISIT, dev_items, fill_week
from tests.support.telegram_emulator import make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import BotRig, eventually, rig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture

ARTICLE = Path(__file__).resolve().parents[1] / "data/hostile/article-ng-russia-tajikistan.html"
REQUIRED = {
    "start",
    "help",
    "subscribe",
    "unsubscribe",
    "digest",
    "latest",
    "search",
    "seeds",
    "sources",
    "settings",
    "stats",
    "lang",
    "summary",
    "story",
    "trend",
    "why",
}


def title(key: str) -> str:
    return str(dev_items()[key]["title"])


async def test_the_menu_lists_every_command_in_english_and_russian(rig: BotRig) -> None:
    async with rig.running() as app:
        en = await app.bot.get_my_commands()
        ru = await app.bot.get_my_commands(language_code="ru")
    assert [c.command for c in en] == [c.command for c in ru] == list(MENU)
    assert set(MENU) >= REQUIRED
    by_name = {c.command: c.description for c in en}
    assert by_name["digest"] == "What is new since your last digest"
    for command in ru:
        assert re.search("[а-яё]", command.description, re.I), command
        assert command.description != by_name[command.command]


async def test_digest_entries_are_ordered_tagged_and_sent_without_link_previews(
    rig: BotRig,
) -> None:
    fill_week(rig.services.store, datetime.now(UTC))
    async with rig.running():
        rig.user.send_command("/digest")
        [message] = await rig.user.wait_for_messages_async()
    text = message.plain_text or ""
    assert_telegram_html(message.text)
    # One entry per story: the six-outlet visit (0.80), the deportations (0.70), four lone items.
    assert text.startswith("tjwatch digest · 6 stories")
    visit, deport = text.index(title("d002")), text.index(title("d013"))
    lone = [text.index(title(k)) for k in LONE]
    assert visit < deport < min(lone)
    assert sum(text.count(title(k)) for k in VISIT) == 1  # the story's best report leads
    assert re.search(r"relevance 0\.80 · same story · /story_\d+\n", text)
    assert re.search(r"relevance 0\.70 · new development · /story_\d+\n", text)
    assert "+5 more sources" in text and "+2 more sources" in text
    assert f'<a href="{dev_items()["d002"]["url"]}">' in message.text  # linked headlines
    [call] = rig.user.calls("sendMessage")
    options = call["params"]["link_preview_options"]  # ...without previews
    assert (json.loads(options) if isinstance(options, str) else options)["is_disabled"] is True


async def test_settings_buttons_set_threshold_only_new_and_language(rig: BotRig) -> None:
    fill_week(rig.services.store, datetime.now(UTC))
    chat_id = rig.user.chat["id"]
    async with rig.running():
        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        assert "Minimum relevance: 0.50" in menu.text and "Stories: everything" in menu.text
        for data in ("view:score", "score:0.7"):
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        assert "Minimum relevance: 0.70" in menu.text
        rig.user.press_button(f"st:{chat_id}:new:1", menu)
        menu = await rig.user.wait_for_edit_async(menu)
        assert "Stories: only new developments" in menu.text

        rig.user.send_command("/digest")
        [digest] = await rig.user.wait_for_messages_async()
        # Above 0.70 and not the seeds' own story: the deportations only.
        assert title("d013") in digest.text
        assert title("d002") not in digest.text
        assert not any(title(k) in digest.text for k in LONE)

        for data in ("view:lang", "lang:ru"):
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        assert menu.text.startswith("<b>Настройки</b>")
        assert_telegram_html(menu.text)
        rig.user.send_command("/help")
        [answer] = await rig.user.wait_for_messages_async()
        assert answer.text.startswith("<b>Команды</b>")
    chat = await rig.db(rig.services.store.chats.get, chat_id)
    assert chat is not None
    assert (chat.min_score, chat.only_new, chat.lang) == (0.7, True, "ru")


async def test_unsubscribe_stops_the_digests(rig: BotRig) -> None:
    chat_id = rig.user.chat["id"]
    async with rig.running() as app:
        rig.user.send_command("/subscribe")
        [done] = await rig.user.wait_for_messages_async()
        assert done.text.startswith("✅ Subscribed")
        assert app.job_queue.get_jobs_by_name(job_name(chat_id))
        rig.user.send_command("/unsubscribe")
        [bye] = await rig.user.wait_for_messages_async()
        assert bye.text.startswith("Unsubscribed: no more digests here.")

        async def job_gone() -> bool:
            return not app.job_queue.get_jobs_by_name(job_name(chat_id))

        await eventually(job_gone)
        rig.user.send_command("/unsubscribe")
        [again] = await rig.user.wait_for_messages_async()
        assert again.text == "This chat is not subscribed. /subscribe starts digests."
    chat = await rig.db(rig.services.store.chats.get, chat_id)
    assert chat is not None and not chat.subscribed


async def test_an_empty_scheduled_digest_is_not_sent(rig: BotRig) -> None:
    """Two chats due one after the other: the first has nothing above its threshold, the second
    gets its digest. Storage calls run in order on one thread, so when the second digest has
    arrived the first chat's digest job has finished: it sent nothing."""
    fill_week(rig.services.store, datetime.now(UTC))
    other = rig.emulator.user(rig.token, user=make_user(first_name="Bob"))
    now = datetime.now(UTC)
    for chat_id, min_score in ((rig.user.chat["id"], 0.99), (other.chat["id"], None)):
        await rig.db(
            rig.services.store.chats.ensure, chat_id, channel="telegram", kind="private", now=now
        )
        await rig.db(
            rig.services.store.chats.update,
            chat_id,
            now,
            subscribed=True,
            frequency="daily",
            min_score=min_score,
        )
    async with rig.running() as app:
        soon = datetime.now(UTC) + timedelta(seconds=0.2)
        for n, user in enumerate((rig.user, other)):
            [job] = app.job_queue.get_jobs_by_name(job_name(user.chat["id"]))
            job.job.modify(next_run_time=soon + timedelta(seconds=0.4 * n))
        [digest] = await other.wait_for_messages_async(timeout=10)
        assert title("d002") in digest.text
        assert rig.user.get_messages() == []
        rig.user.send_command("/digest")  # asked for: an empty digest is answered
        [empty] = await rig.user.wait_for_messages_async()
        assert empty.text == "Nothing new since your last digest."
    assert len(rig.user.calls("sendMessage")) == 2  # Bob's digest and the asked-for one


async def test_lang_switches_the_bots_own_language(rig: BotRig) -> None:
    async with rig.running():
        rig.user.send_command("/lang ru")
        [set_ru] = await rig.user.wait_for_messages_async()
        assert set_ru.text == "Язык: русский."
        rig.user.send_command("/subscribe")
        [done] = await rig.user.wait_for_messages_async()
        assert done.text.startswith("✅ Подписка оформлена")
        rig.user.send_command("/lang de")
        [usage] = await rig.user.wait_for_messages_async()
        assert usage.text == "Формат: /lang ru или /lang en"
        rig.user.send_command("/lang en")
        [set_en] = await rig.user.wait_for_messages_async()
        assert set_en.text == "Language set to English."


async def test_addseed_from_text_and_from_a_page_and_seeds_lists_them(
    rig: BotRig, feed_server: FeedServer
) -> None:
    page = feed_server.page("/article.html", ARTICLE.read_bytes())
    pasted = (
        "Dushanbe and Moscow sign a power-line agreement\n"
        + "The governments of Tajikistan and Russia signed an agreement on a new "
        "high-voltage line from the Rogun plant, Energy Minister said in Dushanbe. " * 3
    )
    configured = len(rig.settings.file.seeds)
    async with rig.running():
        rig.user.send_command(f"/addseed {pasted}")
        [refused] = await rig.user.wait_for_messages_async()
        assert refused.text == "Only the bot’s administrators can use /addseed."

        rig.admin.send_command("/addseed Too short to compare with")
        [short] = await rig.admin.wait_for_messages_async()
        assert short.text == (
            "Seed not added: the text has 25 characters; a seed needs "
            "the article’s text (at least 200)"
        )
        rig.admin.send_command(f"/addseed {pasted}")
        [added] = await rig.admin.wait_for_messages_async()
        assert added.text.startswith("✅ Seed added: Dushanbe and Moscow sign a power-line")
        rig.admin.send_command(f"/addseed {page}")
        [from_page] = await rig.admin.wait_for_messages_async(timeout=15)
        assert from_page.text.startswith(
            "✅ Seed added: Russia offers Tajikistan investment projects in energy"
        )
        rig.admin.send_command(f"/addseed {page}")
        [twice] = await rig.admin.wait_for_messages_async(timeout=15)
        assert twice.text == "Seed not added: this article is already a seed"

        rig.user.send_command("/seeds")
        [listed] = await rig.user.wait_for_messages_async()
        assert_telegram_html(listed.text)
        assert listed.text.startswith(f"<b>Reference articles</b> ({configured + 2})")
        assert f"{configured + 1}. Dushanbe and Moscow sign a power-line agreement" in listed.text
        assert f'{configured + 2}. <a href="{page}">Russia offers Tajikistan' in listed.text
        assert listed.text.count("added by an admin on") == 2
    # The scorer compares with them now, and after a restart too.
    names = [s.name for s in rig.services.scorer.seeds]
    assert len(names) == configured + 2 and names[-1].startswith("added-")
    await rig.restart_services()
    assert [s.name for s in rig.services.scorer.seeds] == names
    # One ActiveScorer, swapped by /addseed: the poll's sink scores and groups with it (the
    # story grouper no longer keeps a scorer of its own that had to be kept in step).
    assert rig.services.scoring.scorer is rig.services.scorer


async def test_sources_and_the_admins_pause_resume_removefeed(
    rig: BotRig, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.telegrambot.schedule")
    feed_url = feed_server.url("topic-en-rss.xml")
    feed_path = feed_url.removeprefix(feed_server.base)
    async with rig.running() as app:
        rig.user.send_command("/sources")
        [sources] = await rig.user.wait_for_messages_async()
        assert_telegram_html(sources.text)
        assert sources.text.startswith("<b>Feeds</b> (1, 0 failing)")
        assert "🆕 <b>topic-en</b>" in sources.text and "never polled" in sources.text

        rig.user.send_command("/pause")
        [refused] = await rig.user.wait_for_messages_async()
        assert refused.text == "Only the bot’s administrators can use /pause."
        rig.admin.send_command("/pause")
        [paused] = await rig.admin.wait_for_messages_async()
        assert paused.text == "⏸ Polling paused. /resume restarts it."
        rig.admin.send_command("/stats")
        [stats] = await rig.admin.wait_for_messages_async()
        assert "Polling: paused" in stats.text

        [poll] = app.job_queue.get_jobs_by_name(POLL_JOB)
        poll.job.modify(next_run_time=datetime.now(UTC))

        async def skipped() -> bool:
            return "polling is paused; skipping this cycle" in caplog.text

        await eventually(skipped)
        assert feed_server.hits[feed_path] == 0  # the feed was not fetched

        rig.admin.send_command("/resume")
        [resumed] = await rig.admin.wait_for_messages_async()
        assert resumed.text == "▶️ Polling resumed."
        poll.job.modify(next_run_time=datetime.now(UTC))

        async def polled() -> bool:
            feed = await rig.db(rig.services.store.feeds.by_url, feed_url)
            return feed is not None and feed.last_success_at is not None

        await eventually(polled, timeout=15)
        assert feed_server.hits[feed_path] == 1
        rig.user.send_command("/sources")
        [healthy] = await rig.user.wait_for_messages_async()
        assert "✅ <b>topic-en</b>" in healthy.text and "last success" in healthy.text

        rig.admin.send_command("/removefeed nothing-like-this")
        [unknown] = await rig.admin.wait_for_messages_async()
        assert unknown.text.startswith("No feed matches “nothing-like-this”")
        rig.admin.send_command("/removefeed topic-en")
        [removed] = await rig.admin.wait_for_messages_async()
        assert removed.text == "Feed removed: topic-en"
        rig.user.send_command("/sources")
        [none] = await rig.user.wait_for_messages_async()
        assert none.text.startswith("No feeds configured.")


async def test_an_error_in_a_handler_is_answered_logged_and_the_bot_carries_on(
    rig: BotRig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.user.fail_next("sendMessage", 400, "Bad Request: message is too long")
    async with rig.running():
        rig.user.send_command("/help")  # its answer fails: the handler raises
        [sorry] = await rig.user.wait_for_messages_async()
        assert sorry.text.startswith("Sorry, something went wrong.")
        rig.user.send_command("/help")
        [answer] = await rig.user.wait_for_messages_async()
        assert "/subscribe" in answer.text
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    message = error.getMessage()
    assert "(command /help)" in message and f"in chat {rig.user.chat['id']}" in message
    assert "Message is too long" in message
    assert rig.token not in caplog.text and rig.token.split(":")[-1] not in caplog.text
    caplog.clear()  # the one expected error (the fixture fails on any other)
