"""The web archive's server inside ``tjwatch run``: aiohttp on the service's event loop, beside
the scheduler, the Slack command server and ``/metrics``; off unless ``[web] port`` or
``WEB_PORT`` is set, on ``[web] host`` (127.0.0.1 by default; port 0 picks a free one)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from prometheus_client import generate_latest

from bot.digest.llm import LlmClient
from bot.digest.themes import matcher_for
from bot.services import Services
from bot.web.app import build_web_app
from bot.web.deps import WebDeps

log = logging.getLogger(__name__)


def web_deps(services: Services) -> WebDeps:
    settings = services.settings
    registry = services.metrics.registry
    exposition: Callable[[], bytes] = lambda: generate_latest(registry)  # noqa: E731
    return WebDeps(
        settings=settings,
        store=services.store,
        scoring=services.scoring,
        matcher=matcher_for(settings),
        llm=LlmClient.from_settings(settings),
        now=services.clock.now,
        metrics=exposition,
    )


class WebServer:
    def __init__(self, services: Services, port: int) -> None:
        self._host = services.settings.file.web.host
        self._port = port
        self._app = build_web_app(web_deps(services))
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> int:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        addresses = self._runner.addresses  # the real port when 0 asked for any free one
        self.port = int(addresses[0][1]) if addresses else self._port
        log.info(
            "web archive: serving on %s:%s",
            self._host,
            self.port,
            extra={"fields": {"web_host": self._host, "web_port": self.port}},
        )
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def start_if_configured(services: Services) -> WebServer | None:
    """Start the archive when a port is configured; None (off) otherwise."""
    port = services.settings.web_port
    if port is None:
        return None
    server = WebServer(services, port)
    await server.start()
    return server
