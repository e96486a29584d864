"""Nobody let in: admin commands only for the admin ids of the config file, and ``/addfeed``
never made to reach loopback or private addresses (server-side request forgery through the bot).

Both through the emulator to the real bot, with the shipped default
``allow_private_addresses = false``; the loopback feed server counts every request it gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.services import Services
from bot.settings import load_settings
from bot.telegrambot.guards import ADMIN_COMMANDS
from bot.texts import t
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.telegram_emulator import TelegramEmulator, make_user
from tests.support.tjwatch_bot import BotRig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]
CONFIG_ADMIN = 515151


@pytest_asyncio.fixture
async def locked_rig(
    tmp_path: Path, telegram_emulator: TelegramEmulator, bot_token: str, feed_server: FeedServer
) -> AsyncIterator[BotRig]:
    """The bot with its admin named only in the config file, private addresses refused."""
    config = write_config(
        tmp_path,
        {},
        telegram={"admins": [CONFIG_ADMIN]},
        fetch={"allow_private_addresses": False, "timeout": 3},
    )
    env = {"TELEGRAM_BOT_TOKEN": bot_token, "TELEGRAM_API_BASE_URL": telegram_emulator.api_root}
    settings = load_settings(config, env, dotenv=False)
    rig = BotRig(
        emulator=telegram_emulator,
        token=bot_token,
        settings=settings,
        services=Services.build(settings),
        user=telegram_emulator.user(bot_token, first_name="Mallory"),
        admin=telegram_emulator.user(bot_token, user=make_user(CONFIG_ADMIN)),
    )
    yield rig
    await rig.aclose()


async def test_admin_commands_obey_the_admin_ids_of_the_config_file(locked_rig: BotRig) -> None:
    rig = locked_rig
    store = rig.services.store
    async with rig.running():
        for command in sorted(ADMIN_COMMANDS):
            rig.user.send_command(f"/{command}")
            [refused] = await rig.user.wait_for_messages_async()
            assert refused.text == t("en", "admin.only", command=f"/{command}")
        assert await rig.db(store.state.get, "polling_paused") is None  # /pause did nothing
        rig.admin.send_command("/pause")
        [paused] = await rig.admin.wait_for_messages_async()
        assert paused.text == t("en", "admin.paused")
        rig.admin.send_command("/resume")
        await rig.admin.wait_for_messages_async()


def private_urls(feed_server: FeedServer) -> list[str]:
    """Loopback and private addresses, spelled the ways that slip past naive checks."""
    port = feed_server.url("x").split(":")[2].split("/")[0]
    path = "topic-en-rss.xml"
    return [
        feed_server.url(path),
        f"http://localhost:{port}/{path}",
        f"http://[::1]:{port}/{path}",
        f"http://0.0.0.0:{port}/{path}",
        f"http://127.1:{port}/{path}",
        f"http://2130706433:{port}/{path}",  # 127.0.0.1 as one decimal number
        f"http://0x7f.0.0.1:{port}/{path}",
        f"http://017700000001:{port}/{path}",  # octal
        f"http://[::ffff:127.0.0.1]:{port}/{path}",  # IPv4-mapped IPv6
        f"http://[2002:7f00:1::]:{port}/{path}",  # 6to4 carrying 127.0.0.1
        f"HTTP://LOCALHOST:{port}/{path}",
        f"http://user:pass@127.0.0.1:{port}/{path}",
        "http://10.0.0.7/rss",
        "http://172.16.5.4/rss",
        "http://192.168.1.1/rss",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.100.100.200/latest/meta-data/",  # shared address space (a cloud's metadata)
        "http://[fd00::1]/rss",
        "http://[fe80::1]/rss",
    ]


async def test_addfeed_cannot_reach_loopback_or_private_addresses(
    locked_rig: BotRig, feed_server: FeedServer
) -> None:
    rig = locked_rig
    store = rig.services.store
    refused_prefix = t("en", "admin.addfeed_refused", reason="")
    wrong = {}
    async with rig.running():
        for url in private_urls(feed_server):
            rig.admin.send_command(f"/addfeed {url} Intranet")
            [answer] = await rig.admin.wait_for_messages_async(timeout=15)
            if not (
                answer.text.startswith(refused_prefix)
                and "loopback or private network address" in answer.text
            ):
                wrong[url] = answer.text
        feeds = await rig.db(store.feeds.all)
    assert not wrong, wrong
    assert feeds == []
    assert sum(feed_server.hits.values()) == 0, feed_server.hits  # not one request got through
