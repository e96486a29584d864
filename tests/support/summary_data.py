"""Stored periods for summary and trend tests: real items from tests/data/eval/dev.jsonl.

Everything goes in through the storage layer's own write paths (feeds.add, items.add,
save_verdicts, stories.create/add_member), as the poll cycle writes it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from storage import NewItem, Store, VerdictRecord

DEV = Path(__file__).resolve().parents[1] / "data" / "eval" / "dev.jsonl"

# The seeds' story (Rahmon's March 2025 visit to Moscow), reported by six outlets in four languages.
VISIT = ("d002", "d015", "d019", "d026", "d038", "d042")
# Deportations of Tajik migrants: a new development, four reports.
DEPORTATIONS = ("d013", "d022", "d025", "d048")
# Items the grouper did not place (story_id NULL): each is its own story.
LONE = ("d014", "d018", "d031", "d045")
# The full article text fetched for d019 (its summary is shorter): the summary may quote it.
D019_TEXT = (
    "Russian President Vladimir Putin and Tajik President Emomali Rahmon will hold talks in the "
    "Kremlin on Monday, the Kremlin press service said. The leaders will discuss strategic "
    "partnership and alliance between Russia and Tajikistan, including trade, energy and "
    "migration. Rahmon arrived in Moscow on Saturday on an official visit. "
    "A set of intergovernmental documents is expected to be signed after the talks."
)


WHATS_NEW = "mass deportations of Tajik migrants"
"""What is new in the deportations story, as ``fill_week`` stores it."""


def dev_items() -> dict[str, dict[str, str | None]]:
    with DEV.open(encoding="utf-8") as lines:
        return {row["id"]: row for row in map(json.loads, lines)}


@dataclass(frozen=True, slots=True)
class Stored:
    visit_story: int
    deportation_story: int
    ids: tuple[str, ...]


def store_item(
    store: Store,
    row: dict[str, str | None],
    *,
    at: datetime,
    score: float,
    story: str | None = None,
    whats_new: str | None = None,
    story_id: int | None = None,
    text: str | None = None,
    item_id: str | None = None,
    dated: bool = True,
) -> str:
    """``dated=False``: an item its feed gave no date (``at`` is when it was fetched)."""
    source = str(row["source"])
    feed = store.feeds.add(
        source, f"https://feeds.example/{zlib.crc32(source.encode())}.xml", row.get("lang"), at
    )
    item_id = item_id or str(row["id"])
    store.items.add(
        [
            NewItem(
                id=item_id,
                guid=item_id,
                url=row.get("url"),
                title=str(row["title"]),
                summary=str(row["summary"]),
                text=text,
                lang=row.get("lang"),
                published_at=at if dated else None,
                published_raw=None,
                fetched_at=at,
                feed_id=feed.id,
            )
        ]
    )
    store.items.save_verdicts(
        [
            VerdictRecord(
                item_id=item_id,
                relevant=True,
                score=score,
                matched_terms=("Russia", "Tajikistan"),
                nearest_seed=None,
                seed_similarity={},
                story=story,
                whats_new=whats_new,
                reason="",
                scored_at=at,
                story_id=story_id,
            )
        ]
    )
    if story_id is not None:
        store.stories.add_member(story_id, item_id, (), at, at)
    return item_id


def fill_week(store: Store, now: datetime) -> Stored:
    """Fourteen real items over the six days before ``now``, in two stories and four lone ones."""
    rows = dev_items()
    visit = store.stories.create(str(rows["d019"]["title"]), "d019", now - timedelta(days=5))
    deport = store.stories.create(str(rows["d048"]["title"]), "d048", now - timedelta(days=4))
    ids: list[str] = []
    for n, key in enumerate(VISIT):
        ids.append(
            store_item(
                store,
                rows[key],
                at=now - timedelta(days=5, hours=-n),
                score=0.8 - n * 0.02,
                story="same_story",
                story_id=visit,
                text=D019_TEXT if key == "d019" else None,
            )
        )
    for n, key in enumerate(DEPORTATIONS):
        ids.append(
            store_item(
                store,
                rows[key],
                at=now - timedelta(days=4, hours=-n),
                score=0.7,
                story="new_development",
                whats_new=WHATS_NEW,
                story_id=deport,
            )
        )
    for n, key in enumerate(LONE):
        # A minute clear of each day boundary: stored times have whole seconds.
        ids.append(
            store_item(store, rows[key], at=now - timedelta(days=n + 1, minutes=1), score=0.6)
        )
    return Stored(visit, deport, tuple(ids))


def spread(store: Store, now: datetime, per_day: Sequence[int]) -> int:
    """``per_day[k]`` copies of real relevant items published ``k`` days before ``now``."""
    rows = [r for r in dev_items().values() if r["label"] == "relevant"]
    total = 0
    for days_ago, count in enumerate(per_day):
        for n in range(count):
            row = rows[(days_ago * 7 + n) % len(rows)]
            store_item(
                store,
                row,
                at=now - timedelta(days=days_ago, minutes=n + 1),
                score=0.6,
                item_id=f"{row['id']}-{days_ago}-{n}",
            )
            total += 1
    return total
