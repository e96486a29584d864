"""Slack test fixtures: a loopback Slack receiver, services on a real SQLite file, items."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.clock import Clock
from bot.services import Services
from bot.settings import load_settings
from storage import NewItem, VerdictRecord
from tests.support.config import write_config
from tests.support.slack_receiver import SlackReceiver

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def receiver() -> Iterator[SlackReceiver]:
    with SlackReceiver() as server:
        yield server


MakeServices = Callable[..., Awaitable[Services]]


@pytest_asyncio.fixture
async def make_services(tmp_path: Path) -> AsyncIterator[MakeServices]:
    """Services from a test config plus the given environment (secrets), on a real SQLite file."""
    built: list[Services] = []

    async def make(env: dict[str, str] | None = None, **overrides: object) -> Services:
        config = write_config(tmp_path, {"Asia-Plus": "http://127.0.0.1:9/feed.xml"}, **overrides)
        settings = load_settings(config, env=env or {}, dotenv=False)
        clock: Clock = FixedClock(NOW)
        services = Services.build(settings, clock=clock)
        built.append(services)
        return services

    yield make
    for services in built:
        await services.aclose()


def add_items(
    services: Services,
    titles: Sequence[str],
    *,
    summary: str = "",
    url: str = "https://example.com/news/{n}",
) -> list[str]:
    """Store relevant, scored items with these titles (newest first); returns their ids."""
    store = services.store
    feed = store.feeds.all()[0]
    items, verdicts = [], []
    for n, title in enumerate(titles):
        item_id = f"item-{n:03d}"
        at = NOW - timedelta(minutes=n + 1)
        items.append(
            NewItem(
                id=item_id,
                guid=item_id,
                url=url.format(n=n),
                title=title,
                summary=summary or f"Summary of {title}.",
                text=None,
                lang="en",
                published_at=at,
                published_raw=None,
                fetched_at=at,
                feed_id=feed.id,
            )
        )
        verdicts.append(
            VerdictRecord(
                item_id=item_id,
                relevant=True,
                score=0.9 - n / 1000,
                matched_terms=("Russia",),
                nearest_seed=None,
                seed_similarity={},
                story="new_development",
                whats_new=None,
                reason="test",
                scored_at=at,
            )
        )
    store.items.add(items)
    store.items.save_verdicts(verdicts)
    return [i.id for i in items]
