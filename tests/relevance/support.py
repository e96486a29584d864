"""Helpers for the relevance tests: the shipped configuration's scorer and items from dev.jsonl."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.models import Item
from bot.relevance.build import build_seed_scorer
from bot.relevance.seed_scorer import SeedScorer
from bot.settings import Settings, load_settings
from tests.support.config import SHIPPED

DEV = Path(__file__).resolve().parents[1] / "data" / "eval" / "dev.jsonl"
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


def shipped_settings() -> Settings:
    return load_settings(SHIPPED, env={}, dotenv=False)


def scorer() -> SeedScorer:
    return build_seed_scorer(shipped_settings())


def item(
    title: str,
    summary: str = "",
    *,
    id: str = "t1",
    published: str | None = None,
    text: str | None = None,
    url: str | None = None,
) -> Item:
    when = datetime.fromisoformat(published).replace(tzinfo=UTC) if published else UNDATED
    return Item(
        id=id,
        guid=None,
        url=url,
        title=title,
        summary=summary,
        published_at=when if published else None,
        published_raw=published,
        fetched_at=when,
        lang=None,
        feed_id=0,
        feed_name="test",
        text=text,
    )


def dev_items() -> dict[str, dict[str, str | None]]:
    return {d["id"]: d for d in map(json.loads, DEV.read_text("utf-8").splitlines())}


def dev_item(key: str) -> Item:
    d = dev_items()[key]
    return item(str(d["title"]), str(d["summary"]), id=key, published=d["published"], url=d["url"])
