"""The story replay (``tests/support/story_replay.py``) on the bot's services in the test's own
process, on a fixed clock: each day the real pipeline polls at noon, and the evening digest goes
to a Telegram emulator chat and to a Slack receiver, as the jobs do."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.channels import configured_channels
from bot.clock import FixedClock
from bot.jobs import digest_job, poll
from bot.services import Services
from bot.settings import Settings, load_settings
from bot.telegrambot.context import make_channel
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.slack_receiver import SlackReceiver
from tests.support.story_replay import (
    DAYS,
    FIRST_DAY,
    Outcome,
    Replay,
    Seen,
    delivered_reports,
    replay_rows,
    story_messages,
)
from tests.support.telegram_emulator import TelegramEmulator
from tests.support.tjwatch_bot import BotRig

DIGEST_HOUR = 20


def replay_settings(
    folder: Path,
    emulator: TelegramEmulator,
    token: str,
    feeds: dict[str, str],
    slack: SlackReceiver,
) -> Settings:
    config = write_config(folder, feeds)
    env = {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": emulator.api_root,
        "SLACK_BOT_TOKEN": "xoxb-replay",
        "SLACK_CHANNEL": "C0REPLAY",
        "SLACK_API_BASE_URL": slack.api_url,
    }
    return load_settings(config, env, dotenv=False)


async def run_day(rig: BotRig, clock: FixedClock, chat_id: int) -> None:
    """Poll at noon and send the evening digest on both channels, as the jobs do."""
    services = rig.services
    await poll(services, force=True)
    clock.advance(hours=DIGEST_HOUR - 12)
    chat = await rig.db(services.store.chats.get, chat_id)
    assert chat is not None
    async with rig.running() as app:
        await digest_job(services, make_channel(app.bot), chat)
        for target in await configured_channels(services.settings, services.store, now=clock.now()):
            await digest_job(services, target.channel, target.chat)


def subscribe(services: Services, chat_id: int, now: datetime) -> None:
    store = services.store
    store.chats.ensure(chat_id, channel="telegram", kind="private", now=now)
    store.chats.update(chat_id, now, subscribed=True, frequency="daily", timezone="UTC")


async def in_process_replay(
    folder: Path,
    emulator: TelegramEmulator,
    token: str,
    feed_server: FeedServer,
    restart_before: int | None,
) -> Outcome:
    """The two weeks, day by day, on the bot's services in this process and a fixed clock (the
    daily digest at ``DIGEST_HOUR``); ``restart_before``: the day the services start afresh on."""
    folder.mkdir()
    replay = Replay(replay_rows())
    feeds = replay.serve(feed_server, folder.name)
    with SlackReceiver() as slack:
        settings = replay_settings(folder, emulator, token, feeds, slack)
        clock = FixedClock(FIRST_DAY + timedelta(hours=12))
        rig = BotRig(
            emulator=emulator,
            token=token,
            settings=settings,
            services=Services.build(settings, clock=clock),
            user=emulator.user(token, first_name="Alice"),
            admin=emulator.user(token, first_name="Admin"),
        )
        chat_id = int(rig.user.chat["id"])
        subscribe(rig.services, chat_id, clock.now())
        seen = Seen()
        telegram_before = 0
        slack_before = 0
        try:
            for day in range(DAYS):
                if day == restart_before:
                    # A new process: nothing in memory survives (story index, digest cache).
                    await rig.services.aclose()
                    rig.services = Services.build(settings, clock=clock)
                replay.day = day
                await run_day(rig, clock, chat_id)
                messages = rig.user.bot_messages()
                seen.days.append(messages[telegram_before:])
                telegram_before = len(messages)
                posts = slack.accepted("/api/chat.postMessage")
                seen.slack_days.append(posts[slack_before:])
                slack_before = len(posts)
                clock.advance(hours=24 - DIGEST_HOUR + 12)
            store = rig.services.store
            delivered = await rig.db(delivered_reports, store.db, chat_id)
            stories = await rig.db(story_messages, store.db)
        finally:
            await rig.aclose()
    return Outcome(seen, delivered, stories)
