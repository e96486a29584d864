"""The HTTP endpoint Slack posts slash commands to: bolt's aiohttp app on a configurable port.

It runs inside the service's event loop (beside the scheduler), only when
``SLACK_SIGNING_SECRET`` is set; ``[slack] commands_host``, ``commands_port`` and
``commands_path`` in the config say where it listens (port 0 picks a free one, for tests).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.services import Services
from bot.slackbot.commands import Commands, build_app

log = logging.getLogger(__name__)


class SlackCommandServer:
    def __init__(self, services: Services) -> None:
        self._settings = services.settings.file.slack
        self._commands = Commands(services)
        self._app = build_app(services, self._commands)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def path(self) -> str:
        return self._settings.commands_path

    async def start(self) -> int:
        web_app = self._app.web_app(path=self.path, port=self._settings.commands_port)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._settings.commands_host, self._settings.commands_port)
        await site.start()
        addresses = self._runner.addresses  # the real port when 0 asked for any free one
        self.port = int(addresses[0][1]) if addresses else self._settings.commands_port
        log.info(
            "Slack commands: listening on %s:%s%s",
            self._settings.commands_host,
            self.port,
            self.path,
        )
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._commands.drain()


async def start_if_configured(services: Services) -> SlackCommandServer | None:
    """Start the command server when SLACK_SIGNING_SECRET is set; None (off) otherwise."""
    if services.settings.secrets.slack_signing_secret is None:
        return None
    server = SlackCommandServer(services)
    await server.start()
    return server
