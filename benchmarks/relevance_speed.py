"""Relevance speed: scoring title + summary on one core, and story grouping up to 100,000 items.

    python -m benchmarks.relevance_speed [--score 20000] [--group 100000]

Items are real: every entry of the test feed snapshots (tests/data/feeds, tests/data/topic) and the
development set, in English, Russian and other languages. Scoring is timed once warm (the token
caches filled by one pass over the pool), with the scorer learning document frequencies as it does
in the bot. Grouping feeds ``StoryIndex`` (MinHash LSH) with items made from the relevant real ones:
each keeps its real concepts and names and gets its own date and numbers, so that most are distinct
while near-duplicates exist, as in news. The time per 10,000 items staying flat as the index grows
is what "near-linear" means here.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.models import Item
from bot.relevance.build import build_seed_scorer
from bot.relevance.inputs import LabelledItem, read_items
from bot.relevance.similarity import event_tokens
from bot.relevance.stories import StoryIndex
from bot.settings import load_settings

REPO = Path(__file__).resolve().parents[1]


def real_items() -> list[Item]:
    paths = [
        *sorted((REPO / "tests" / "data" / "feeds").glob("*.xml")),
        *sorted((REPO / "tests" / "data" / "topic").glob("*.xml")),
        REPO / "tests" / "data" / "eval" / "dev.jsonl",
    ]
    items: list[Item] = []
    for path in paths:
        items.extend(r.item for r in read_items(path) if isinstance(r, LabelledItem))
    # Title + summary only: the speed target is for feed text, not fetched articles.
    return [replace(i, text=None) for i in items]


def bench_scoring(items: list[Item], n: int) -> None:
    settings = load_settings(REPO / "config" / "tjwatch.toml", env={}, dotenv=False)
    scorer = build_seed_scorer(settings)
    for item in items:  # warm: caches of stems and concept lookups
        scorer.score(item)
    batch = [items[k % len(items)] for k in range(n)]
    chars = sum(len(i.title) + len(i.summary) for i in batch) / len(batch)
    started = time.perf_counter()
    relevant = sum(scorer.score(item).relevant for item in batch)
    seconds = time.perf_counter() - started
    print(
        f"scoring: {len(items)} distinct real items, {n} scored, mean {chars:.0f} chars of "
        f"title+summary, {relevant} relevant"
    )
    print(f"scoring: {n / seconds:,.0f} items/s on one core ({seconds * 1e6 / n:.0f} µs/item)")


def bench_grouping(items: list[Item], n: int, threshold: float) -> None:
    settings = load_settings(REPO / "config" / "tjwatch.toml", env={}, dotenv=False)
    scorer = build_seed_scorer(settings, learn=False)
    base = [event_tokens(scorer.features(i)) for i in items if scorer.score(i).relevant]
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    index = StoryIndex(threshold)
    stories = 0
    chunk = 10_000
    started = time.perf_counter()
    last = started
    print(f"grouping: {len(base)} relevant real items as templates, threshold {threshold}")
    for k in range(n):
        tokens = base[k % len(base)] | {f"n:{rng.randrange(10**6)}", f"n:{rng.randrange(10**6)}"}
        published = start + timedelta(minutes=k * 15 + rng.randrange(600))
        hit = index.best(tokens, published)
        if hit is None:
            stories += 1
        index.add(f"i{k}", hit[0] if hit else stories, tokens, published)
        if (k + 1) % chunk == 0:
            now = time.perf_counter()
            print(
                f"grouping: {k + 1:>7,} items indexed, last {chunk:,} in {now - last:5.2f} s "
                f"({chunk / (now - last):,.0f} items/s), {stories:,} stories"
            )
            last = now
    total = time.perf_counter() - started
    print(f"grouping: {n:,} items in {total:.1f} s ({n / total:,.0f} items/s overall)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--score", type=int, default=20_000, help="items to score (default 20000)")
    parser.add_argument(
        "--group", type=int, default=100_000, help="items to group (default 100000)"
    )
    args = parser.parse_args()
    items = real_items()
    bench_scoring(items, args.score)
    settings = load_settings(REPO / "config" / "tjwatch.toml", env={}, dotenv=False)
    bench_grouping(items, args.group, settings.file.thresholds.story_grouping)


if __name__ == "__main__":
    main()
