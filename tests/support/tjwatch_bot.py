"""Running tjwatch's real Telegram bot against the emulator, for the end-to-end tests.

``BotRig`` holds one test's bot: its token, settings (a config in tmp_path polling loopback
feeds), Services on a real SQLite file, and the people talking to it. ``async with rig.running():``
starts the real ``build_application`` app with long polling; leaving stops it, so a second
``running()`` is a restart on the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from bot.services import Services
from bot.settings import Settings, load_settings
from bot.telegrambot.app import build_application
from storage import NewItem, VerdictRecord
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.telegram_emulator import TelegramEmulator, TelegramUser, make_user

ADMIN_ID = 424242
T = TypeVar("T")


def hostile_feed() -> str:
    """An RSS feed whose item names Russia and Tajikistan and carries markup-like text."""
    items = [
        "<item><title><![CDATA[Russia & Tajikistan: 5 < 6 as &lt;script&gt;alert(1)&lt;/script&gt; "
        "talks open]]></title><link>https://example.org/a?x=1&amp;y=2</link><guid>hostile-1</guid>"
        "<description><![CDATA[Moscow & Dushanbe agree that a < b; "
        "&lt;script&gt;evil()&lt;/script&gt; stays text.]]></description>"
        "<pubDate>Mon, 17 Mar 2025 06:00:00 +0000</pubDate></item>",
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Hostile &amp; Co</title><link>https://example.org/</link><description>x</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def store_relevant_items(services: Services, n: int, *, feed: str = "long") -> list[str]:
    """``n`` distinct relevant items written straight to the store, each its own story.

    For delivery tests (splitting, partial sends) that must not depend on how the scorer and
    story grouping judge generated text.
    """
    store, now = services.store, datetime.now(UTC)
    feed_id = store.feeds.add(feed, f"https://example.org/{feed}.xml", None, now).id
    items = [
        NewItem(
            id=f"long{k:04d}",
            guid=None,
            url=f"https://example.org/long/{k}",
            title=f"Russia and Tajikistan agreement number {k} on energy and migration",
            summary=f"Moscow and Dushanbe signed document {k}. "
            + " ".join(f"word{k}x{w}" for w in range(60)),
            text=None,
            lang="en",
            published_at=now - timedelta(minutes=k),
            published_raw=None,
            fetched_at=now,
            feed_id=feed_id,
        )
        for k in range(n)
    ]
    store.items.add(items)
    store.items.save_verdicts(
        VerdictRecord(
            item_id=i.id,
            relevant=True,
            score=0.95 - k / 1000,
            matched_terms=("Russia",),
            nearest_seed=None,
            seed_similarity={},
            story=None,
            whats_new=None,
            reason="test",
            scored_at=now,
        )
        for k, i in enumerate(items)
    )
    return [i.id for i in items]


def bot_settings(
    folder: Path, emulator: TelegramEmulator, token: str, feeds: dict[str, str], **overrides: Any
) -> Settings:
    config = write_config(folder, feeds, **overrides)
    env = {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": emulator.api_root,
        "TJWATCH_ADMIN_IDS": str(ADMIN_ID),
    }
    return load_settings(config, env, dotenv=False)


@dataclass
class BotRig:
    emulator: TelegramEmulator
    token: str
    settings: Settings
    services: Services
    user: TelegramUser
    admin: TelegramUser
    apps: list[Any] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        folder: Path,
        emulator: TelegramEmulator,
        token: str,
        feeds: dict[str, str],
        **overrides: Any,
    ) -> BotRig:
        settings = bot_settings(folder, emulator, token, feeds, **overrides)
        return cls(
            emulator=emulator,
            token=token,
            settings=settings,
            services=Services.build(settings),
            user=emulator.user(token, first_name="Alice"),
            admin=emulator.user(token, user=make_user(ADMIN_ID, first_name="Admin")),
        )

    @contextlib.asynccontextmanager
    async def running(self, *, first_poll_s: float = 3600.0) -> AsyncIterator[Any]:
        app = build_application(self.settings, self.services, first_poll_s=first_poll_s)
        self.apps.append(app)
        # The order of Application.run_polling, which tests cannot use (it owns the event loop).
        async with app:
            if app.post_init is not None:
                await app.post_init(app)
            await app.updater.start_polling(poll_interval=0.05, timeout=1)
            await app.start()
            try:
                yield app
            finally:
                await app.updater.stop()
                await app.stop()

    async def restart_services(self) -> None:
        """A new process opens the database afresh: close the old Services, build new ones."""
        await self.services.aclose()
        self.services = Services.build(self.settings)

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A storage call on the store's own thread: the running bot shares its connection, so
        a test must never call the store from another thread while the bot is up."""
        return await self.services.store.run(fn, *args, **kwargs)

    async def aclose(self) -> None:
        await self.services.aclose()


@pytest_asyncio.fixture
async def rig(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as run_telegram does
    rig = BotRig.create(
        tmp_path, telegram_emulator, bot_token, {"topic-en": feed_server.url("topic-en-rss.xml")}
    )
    yield rig
    await rig.aclose()
    # A user-side test can pass while the bot logs errors (see docs): none may be logged.
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until ``await check()`` holds: the bot records after Telegram acknowledged a send."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def texts(messages: list) -> str:
    return "\n".join(m.text or "" for m in messages)
