"""Where the bot works: forum topics, channels managed from a private chat; reading commands;
and ``tjwatch run`` itself (run_polling, post_init) against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.jobs import poll_job
from bot.retention import RetentionPolicy, prune
from tests.support.telegram_emulator import forum_chat, make_user
from tests.support.telegram_html_check import assert_telegram_html
from tests.support.tjwatch_bot import ADMIN_ID, BotRig, eventually, rig, texts

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
__all__ = ["rig"]  # the fixture

TOPIC = 77


async def test_subscription_made_in_a_topic_posts_into_that_topic(rig: BotRig) -> None:
    forum = forum_chat()
    member = rig.user.in_chat(forum, message_thread_id=TOPIC)
    rig.emulator.respond_with(
        "getChatMember",
        {"status": "creator", "user": member.user, "is_anonymous": False},
        token=rig.token,
    )
    await poll_job(rig.services)
    async with rig.running():
        member.send_command("/subscribe@tjwatch_test_bot")
        [done] = await member.wait_for_messages_async()
        assert done.text.startswith("✅ Subscribed. Digests will be posted in this topic")
        assert done.message_thread_id == TOPIC
        stored = await rig.db(rig.services.store.chats.get, forum["id"])
        assert stored is not None and stored.thread_id == TOPIC
        await rig.db(
            rig.services.store.chats.update, forum["id"], datetime.now(UTC), frequency="instant"
        )
    async with rig.running(first_poll_s=0.1):  # the scheduled poll delivers to instant chats
        messages = await member.wait_for_messages_async(message_thread_id=TOPIC, timeout=10)
        assert "Russia starts military exercises in Tajikistan" in texts(messages)
        assert all(m.message_thread_id == TOPIC for m in messages)


async def test_channel_is_managed_from_a_private_chat(rig: BotRig) -> None:
    channel = {"id": -1009876543210, "type": "channel", "title": "TJ news channel"}
    poster = rig.user.in_chat(channel)
    poster.send_message("channel exists")  # the emulator learns the channel
    rights = (
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_post_messages",
        "can_edit_messages",
    )
    admin = {
        "status": "administrator",
        "user": rig.user.user,
        "can_be_edited": False,
        "is_anonymous": False,
        "can_promote_members": False,
        **dict.fromkeys(rights, True),
    }
    rig.emulator.respond_with("getChatMember", admin, token=rig.token)
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command(f"/subscribe {channel['id']}")
        [done] = await rig.user.wait_for_messages_async()
        assert done.text.startswith(f"✅ The channel {channel['id']} is subscribed")
        stored = await rig.db(rig.services.store.chats.get, channel["id"])
        assert stored is not None and stored.subscribed
        assert stored.managed_by == rig.user.user["id"]
        rig.user.send_command(f"/settings {channel['id']}")
        [menu] = await rig.user.wait_for_messages_async()
        assert "for TJ news channel" in menu.text
        for data in ("view:freq", "freq:instant"):
            rig.user.press_button(f"st:{channel['id']}:{data}", menu)
            menu = await rig.user.wait_for_edit_async(menu)

        async def instant() -> bool:
            found = await rig.db(rig.services.store.chats.get, channel["id"])
            return found is not None and found.frequency == "instant"

        await eventually(instant)
        # Someone else cannot manage it.
        stranger = rig.emulator.user(rig.token, user=make_user())
        stranger.send_command(f"/settings {channel['id']}")
        [refused] = await stranger.wait_for_messages_async()
        assert refused.text.startswith(f"I do not manage {channel['id']} for you")
    async with rig.running(first_poll_s=0.1):
        posted = await poster.wait_for_messages_async(timeout=10)
        assert "Russia starts military exercises in Tajikistan" in texts(posted)


async def test_latest_search_and_why(rig: BotRig) -> None:
    await poll_job(rig.services)
    async with rig.running():
        rig.user.send_command("/latest 3")
        [latest] = await rig.user.wait_for_messages_async()
        assert latest.text.startswith("<b>Latest 3 relevant items</b>")
        assert_telegram_html(latest.text)
        rig.user.send_command("/search military exercises")
        [found] = await rig.user.wait_for_messages_async()
        assert "Russia starts military exercises in Tajikistan" in found.text
        item_id = found.text.split("ID <code>", 1)[1].split("</code>", 1)[0]
        rig.user.send_command(f"/why {item_id}")
        [why] = await rig.user.wait_for_messages_async()
        assert_telegram_html(why.text)
        assert "Not sent to this chat" in why.text
        assert "Relevant: yes" in why.text and "Matched terms:" in why.text
        [spacex] = await rig.db(rig.services.store.items.search, "SpaceX", 1)
        rig.user.send_command(f"/why {spacex.id}")
        [why_not] = await rig.user.wait_for_messages_async()
        assert "Relevant: no" in why_not.text
        rig.user.send_command("/why nosuchitem")
        [missing] = await rig.user.wait_for_messages_async()
        assert missing.text.startswith("No stored story or item with ID nosuchitem")


async def test_search_finds_an_unmatched_item_past_its_text_days_and_why_says_so(
    rig: BotRig,
) -> None:
    await poll_job(rig.services)
    [spacex] = await rig.db(rig.services.store.items.search, "SpaceX", 1)
    policy = RetentionPolicy.from_settings(rig.services.settings.file.retention)
    report = await prune(rig.services.store, policy, now=spacex.timeline_at + timedelta(days=8))
    assert report.traces_kept >= 1
    async with rig.running():
        rig.user.send_command("/search SpaceX")
        [found] = await rig.user.wait_for_messages_async()
        assert spacex.title in found.text and f"ID <code>{spacex.id}</code>" in found.text
        rig.user.send_command(f"/why {spacex.id}")
        [why] = await rig.user.wait_for_messages_async()
        assert_telegram_html(why.text)
        assert spacex.title in why.text
        assert "Relevant: no. Its text was deleted 7 days after its date" in why.text


async def test_tjwatch_run_serves_the_bot_until_stopped(rig: BotRig, tmp_path: Path) -> None:
    """The real entry point: ``tjwatch run`` with a token answers /start and stops on SIGTERM."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": rig.token,
        "TELEGRAM_API_BASE_URL": rig.emulator.api_root,
        "TJWATCH_ADMIN_IDS": str(ADMIN_ID),
    }
    env.pop("CI", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(rig.settings.config_path), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        # The menu is registered in English and Russian, one call each, in either order.
        while not {
            c["params"].get("language_code")
            for c in rig.emulator.calls("setMyCommands", token=rig.token)
        } >= {None, "ru"}:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the bot did not register its commands"
            time.sleep(0.05)
        rig.user.send_command("/start")
        [welcome] = await rig.user.wait_for_messages_async(timeout=10)
        assert "Subscribe" in welcome.text
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-3000:]
    assert rig.token not in err and rig.token.split(":")[1] not in err  # never logged
