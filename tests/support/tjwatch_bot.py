"""Running tjwatch's real Telegram bot against the emulator, for the end-to-end tests.

``BotRig`` holds one test's bot: its token, settings (a config in tmp_path polling loopback
feeds), Services on a real SQLite file, and the people talking to it. ``async with rig.running():``
starts the real ``build_application`` app with long polling; leaving stops it, so a second
``running()`` is a restart on the same database.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.services import Services
from bot.settings import Settings, load_settings
from bot.telegrambot.app import build_application
from tests.support.config import write_config
from tests.support.telegram_emulator import TelegramEmulator, TelegramUser, make_user

ADMIN_ID = 424242


def hostile_feed(n_long: int = 0) -> str:
    """An RSS feed whose items name Russia and Tajikistan and carry markup-like text.

    ``n_long`` adds that many long, distinct relevant items (for the 4,096 split).
    """
    items = [
        "<item><title><![CDATA[Russia & Tajikistan: 5 < 6 as &lt;script&gt;alert(1)&lt;/script&gt; "
        "talks open]]></title><link>https://example.org/a?x=1&amp;y=2</link><guid>hostile-1</guid>"
        "<description><![CDATA[Moscow & Dushanbe agree that a < b; "
        "&lt;script&gt;evil()&lt;/script&gt; stays text.]]></description>"
        "<pubDate>Mon, 17 Mar 2025 06:00:00 +0000</pubDate></item>",
    ]
    for n in range(n_long):
        words = " ".join(f"word{n}x{k}" for k in range(60))
        items.append(
            f"<item><title>Russia and Tajikistan agreement number {n} on energy and migration"
            f"</title><link>https://example.org/long/{n}</link><guid>long-{n}</guid>"
            f"<description>Moscow and Dushanbe signed document {n}. {words}.</description>"
            f"<pubDate>Mon, 17 Mar 2025 {n % 24:02d}:00:00 +0000</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Hostile &amp; Co</title><link>https://example.org/</link><description>x</description>"
        + "".join(items) + "</channel></rss>"
    )


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
        cls, folder: Path, emulator: TelegramEmulator, token: str, feeds: dict[str, str],
        **overrides: Any,
    ) -> BotRig:
        settings = bot_settings(folder, emulator, token, feeds, **overrides)
        return cls(
            emulator=emulator, token=token, settings=settings, services=Services.build(settings),
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

    async def aclose(self) -> None:
        await self.services.aclose()
