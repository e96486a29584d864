"""What the web handlers are handed: the parts they call, by name, kept on the application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.digest.llm import LlmClient
from bot.digest.themes import ThemeMatcher
from bot.reads import Store
from bot.relevance.active import ActiveScorer
from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class WebDeps:
    settings: Settings
    store: Store
    scoring: ActiveScorer
    """The scorer in use (``/addseed`` swaps it): explains a story's lead report."""
    matcher: ThemeMatcher
    llm: LlmClient | None
    now: Callable[[], datetime]
    metrics: Callable[[], bytes] | None = None
    """The Prometheus exposition, served on ``/metrics`` beside the pages."""

    @property
    def tz_name(self) -> str:
        return self.settings.file.schedule.timezone


DEPS = web.AppKey("deps", WebDeps)


def deps_of(request: web.Request) -> WebDeps:
    return request.app[DEPS]
