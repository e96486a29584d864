"""The real bot (build_application) against the Telegram Bot API emulator, acting as people.

Each test has its own bot token, config and SQLite file; the emulator process is shared.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.jobs import poll_job
from bot.render.telegram_html import MESSAGE_LIMIT, utf16_len
from bot.telegrambot.schedule import PRUNE_JOB, job_name
from tests.support.feed_server import FeedServer
from tests.support.telegram_emulator import group_chat, make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import (
    BotRig,
    eventually,
    hostile_feed,
    rig,
    store_relevant_items,
    texts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture


async def test_start_then_subscribe(rig: BotRig) -> None:
    async with rig.running() as app:
        rig.user.send_command("/start")
        [welcome] = await rig.user.wait_for_messages_async()
        assert "Russia–Tajikistan" in welcome.text
        assert_telegram_html(welcome.text)
        rig.user.press_button("sub", welcome)
        [done] = await rig.user.wait_for_messages_async()
        assert done.text.startswith("✅ Subscribed")
        assert "daily at 08:00" in done.text
        chat = await rig.db(rig.services.store.chats.get, rig.user.chat["id"])
        assert chat is not None and chat.subscribed
        assert app.job_queue.get_jobs_by_name(job_name(chat.id))


async def test_digest_after_poll_shows_matching_items_only(rig: BotRig) -> None:
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/digest")
        messages = await rig.user.wait_for_messages_async()
        text = texts(messages)
        assert "Russia starts military exercises in Tajikistan" in text
        assert "SpaceX" not in text and "Myanmar" not in text
        for message in messages:
            assert_telegram_html(message.text)
            assert message.callback_data and all(d.startswith("fb:") for d in message.callback_data)


async def test_empty_digest_is_answered_when_asked(rig: BotRig) -> None:
    async with rig.running():
        rig.user.send_command("/digest")
        [message] = await rig.user.wait_for_messages_async()
        assert message.text == "Nothing new since your last digest."


def subscribe_in_db(rig: BotRig, chat_id: int, **settings: object) -> None:
    store, now = rig.services.store, datetime.now(UTC)
    store.chats.ensure(chat_id, channel="telegram", kind="private", now=now)
    store.chats.update(chat_id, now, subscribed=True, **settings)


async def test_instant_digest_arrives_by_itself_after_the_scheduled_poll(rig: BotRig) -> None:
    subscribe_in_db(rig, rig.user.chat["id"], frequency="instant")
    async with rig.running(first_poll_s=0.2):
        messages = await rig.user.wait_for_messages_async(timeout=15)
        assert "Russia starts military exercises in Tajikistan" in texts(messages)


async def test_daily_digest_job_sends_when_due(rig: BotRig) -> None:
    await poll_job(rig.services)
    chat_id = rig.user.chat["id"]
    subscribe_in_db(rig, chat_id, frequency="daily", digest_hour=8, timezone="Asia/Dushanbe")
    async with rig.running() as app:
        [job] = app.job_queue.get_jobs_by_name(job_name(chat_id))
        due = job.next_t.astimezone(job.next_t.tzinfo)
        assert (due.hour, due.minute) == (8, 0) and str(due.tzinfo) == "Asia/Dushanbe"
        # Bring the 08:00 run forward instead of waiting for it: the scheduler runs it itself.
        job.job.modify(next_run_time=datetime.now(UTC) + timedelta(seconds=0.2))
        messages = await rig.user.wait_for_messages_async(timeout=10)
        assert "Russia starts military exercises in Tajikistan" in texts(messages)

        async def digest_recorded() -> bool:
            chat = await rig.db(rig.services.store.chats.get, chat_id)
            return chat is not None and chat.last_digest_at is not None

        await eventually(digest_recorded)


async def test_settings_buttons_change_the_schedule(rig: BotRig) -> None:
    chat_id = rig.user.chat["id"]
    async with rig.running() as app:
        rig.user.send_command("/subscribe")
        await rig.user.wait_for_messages_async()
        rig.user.send_command("/settings")
        [menu] = await rig.user.wait_for_messages_async()
        assert "daily at 08:00" in menu.text
        for data in (
            "view:freq",
            "freq:weekly",
            "view:day",
            "day:2",
            "view:hour",
            "hour:7",
            "view:tz",
            "tz:Europe/Moscow",
        ):
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        assert "weekly on Wednesday at 07:00 (Europe/Moscow)" in menu.text
        assert_telegram_html(menu.text)
        chat = await rig.db(rig.services.store.chats.get, chat_id)
        assert chat is not None
        assert (chat.frequency, chat.digest_weekday, chat.digest_hour, chat.timezone) == (
            "weekly",
            2,
            7,
            "Europe/Moscow",
        )
        [job] = app.job_queue.get_jobs_by_name(job_name(chat_id))
        due = job.next_t
        assert (due.weekday(), due.hour, str(due.tzinfo)) == (2, 7, "Europe/Moscow")
        for data in ("view:freq", "freq:instant"):
            rig.user.press_button(f"st:{chat_id}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)
        assert not app.job_queue.get_jobs_by_name(job_name(chat_id))  # follows the poll instead


async def test_non_admin_addfeed_is_refused_and_admin_adds(
    rig: BotRig, feed_server: FeedServer
) -> None:
    url = feed_server.url("topic-ru-rss.xml")
    async with rig.running():
        rig.user.send_command(f"/addfeed {url}")
        [refused] = await rig.user.wait_for_messages_async()
        assert refused.text == "Only the bot’s administrators can use /addfeed."
        assert await rig.db(rig.services.store.feeds.by_url, url) is None
        rig.admin.send_command(f"/addfeed {url} Russian topic")
        [added] = await rig.admin.wait_for_messages_async(timeout=10)
        assert added.text.startswith("✅ Feed added: Russian topic")
        assert await rig.db(rig.services.store.feeds.by_url, url) is not None


async def test_same_items_are_not_sent_twice_after_a_restart(rig: BotRig) -> None:
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/digest")
        first = await rig.user.wait_for_messages_async()
        assert "Russia starts military exercises in Tajikistan" in texts(first)
    await rig.restart_services()
    async with rig.running():
        rig.user.send_command("/digest")
        [again] = await rig.user.wait_for_messages_async()
        assert again.text == "Nothing new since your last digest."


async def test_long_digest_arrives_split_under_4096(rig: BotRig) -> None:
    ids = store_relevant_items(rig.services, 40)
    async with rig.running():
        rig.user.send_command("/digest")
        # The last entry (the lowest score, number 39) ends the digest.
        await rig.user.wait_for_messages_async(
            lambda m: "agreement number 39 on" in (m.text or ""), timeout=10
        )
        messages = rig.user.received
        assert len(messages) >= 2
        for message in messages:
            assert utf16_len(message.text) < MESSAGE_LIMIT
            assert_telegram_html(message.text)
        numbers = [
            n for n in range(40) for m in messages if f"agreement number {n} on" in (m.text or "")
        ]
        assert sorted(numbers) == list(range(40))  # each entry exactly once
        assert "part 2/" in messages[1].text
        # The last part is recorded as sent when Telegram's answer reaches the bot, which may be
        # just after the person sees it.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (
            sent := await rig.db(
                rig.services.store.deliveries.sent_ids, "telegram", rig.user.chat["id"]
            )
        ) != set(ids) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert sent == set(ids)


async def test_feed_markup_arrives_escaped(
    rig: BotRig, feed_server: FeedServer, feed_root: Path
) -> None:
    (feed_root / "hostile.xml").write_text(hostile_feed(), "utf-8")
    rig.services.store.feeds.add(
        "Hostile <b>&</b>", feed_server.url("hostile.xml"), None, datetime.now(UTC)
    )
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/digest")
        messages = await rig.user.wait_for_messages_async()
        [message] = [m for m in messages if "alert(1)" in (m.text or "")]
        assert_telegram_html(message.text)
        assert "<script>" not in message.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.text
        assert "Russia &amp; Tajikistan: 5 &lt; 6" in message.text
        # What the person reads is the feed's text, literally.
        assert "Russia & Tajikistan: 5 < 6 as <script>alert(1)</script>" in message.plain_text
        assert 'href="https://example.org/a?x=1&amp;y=2"' in message.text


async def test_feedback_is_counted_in_stats_and_moves_the_threshold(rig: BotRig) -> None:
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/digest")
        [first, *_] = await rig.user.wait_for_messages_async()
        rig.user.press_button(first.callback_data[1], first)  # 👎 on entry 1
        rig.user.send_command("/stats")
        [stats] = await rig.user.wait_for_messages_async(lambda m: "Statistics" in (m.text or ""))
        assert "👍 0 · 👎 1" in stats.text
        assert "threshold: 0.52" in stats.text


async def test_group_settings_only_for_group_admins(rig: BotRig) -> None:
    group = group_chat()
    member = rig.user.in_chat(group)
    async with rig.running():
        member.send_command("/settings@tjwatch_test_bot")
        [refused] = await member.wait_for_messages_async()
        assert refused.text == "In a group, only its administrators can change settings."
        rig.emulator.respond_with(
            "getChatMember",
            {
                "status": "administrator",
                "user": member.user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            },
            token=rig.token,
        )
        member.send_command("/settings@tjwatch_test_bot")
        [menu] = await member.wait_for_messages_async()
        assert menu.text.startswith("<b>Settings</b>")


async def test_unknown_command_and_bad_argument_get_specific_answers(rig: BotRig) -> None:
    ru = rig.emulator.user(rig.token, user=make_user(language_code="ru"))
    async with rig.running():
        rig.user.send_command("/frobnicate")
        [unknown] = await rig.user.wait_for_messages_async()
        assert unknown.text == "I do not know /frobnicate. /help lists the commands."
        ru.send_command("/latest many")
        [usage] = await ru.wait_for_messages_async()
        assert usage.text.startswith("Формат: /latest [n]")


async def test_the_bot_starts_even_when_the_menu_cannot_be_set(rig: BotRig) -> None:
    rig.user.fail_next("setMyCommands", 500, "Internal Server Error", times=2)
    async with rig.running():
        rig.user.send_command("/help")
        [answer] = await rig.user.wait_for_messages_async()
        assert "/subscribe" in answer.text
    assert len(rig.user.calls("setMyCommands")) == 2


async def test_flood_control_is_waited_out(rig: BotRig) -> None:
    rig.emulator.rate_limit_next("sendMessage", retry_after=1, token=rig.token)
    async with rig.running():
        started = asyncio.get_running_loop().time()
        rig.user.send_command("/help")
        [answer] = await rig.user.wait_for_messages_async(timeout=10)
        assert "/subscribe" in answer.text
        assert asyncio.get_running_loop().time() - started >= 1.0
    statuses = [c["error_code"] for c in rig.user.calls("sendMessage")]
    assert statuses[0] == 429 and statuses[-1] is None


async def test_the_bot_prunes_on_its_schedule(
    rig: BotRig, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram mode registers retention's pass with the JobQueue, an interval after the start."""
    caplog.set_level("INFO", logger="bot.jobs")
    async with rig.running() as app:
        [prune] = app.job_queue.get_jobs_by_name(PRUNE_JOB)
        assert prune.next_t is not None
        assert prune.next_t > datetime.now(UTC) + timedelta(minutes=59)
        prune.job.modify(next_run_time=datetime.now(UTC))

        async def pruned() -> bool:
            return "pruned 0 unmatched (0 kept as traces) and 0 matched items" in caplog.text

        await eventually(pruned)
