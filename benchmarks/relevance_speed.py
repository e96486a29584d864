"""Relevance speed: scoring title + summary on one core, and story grouping up to 100,000 items.

    python -m benchmarks.relevance_speed [--score 20000] [--group 100000]

Items are real: every entry of the test feed snapshots (tests/data/feeds, tests/data/topic) and the
development set, in English, Russian and other languages. Scoring is timed once warm (the token
caches filled by one pass over the pool), with the scorer learning document frequencies as it does
in the bot. Grouping feeds ``StoryIndex`` (MinHash LSH) with items made from the real ones: each
takes a real item's concepts and names, drops some of them (a reworded report), gets its own numbers
and a date (about 100 items a day). The time per 10,000 items staying flat as the index grows, and
the cumulative time at 10k, 50k and 100k items growing about 5x and 10x, is what "near-linear" means
here. The machine may be shared: CPU time is printed beside wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.ingest.item_files import LabelledItem, read_items
from bot.models import Item
from bot.relevance.build import build_seed_scorer
from bot.relevance.similarity import event_tokens
from bot.relevance.stories import StoryIndex
from bot.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
# Cumulative grouping time is printed at these counts: linear growth is 5x and 10x the first.
CHECKPOINTS = (10_000, 50_000, 100_000)


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
    started, cpu_started = time.perf_counter(), time.process_time()
    relevant = sum(scorer.score(item).relevant for item in batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"scoring: {len(items)} distinct real items, {n} scored, mean {chars:.0f} chars of "
        f"title+summary, {relevant} relevant"
    )
    print(
        f"scoring: {n / cpu:,.0f} items/s of CPU time on one core ({cpu * 1e6 / n:.0f} µs/item); "
        f"{n / seconds:,.0f} items/s wall clock (load average {os.getloadavg()[0]:.1f})"
    )


def bench_grouping(items: list[Item], n: int, threshold: float) -> None:
    settings = load_settings(REPO / "config" / "tjwatch.toml", env={}, dotenv=False)
    scorer = build_seed_scorer(settings, learn=False)
    base = [
        t
        for t in (event_tokens(scorer.features(i), scorer.lexicon.countries) for i in items)
        if len(t) >= 4
    ]
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    index = StoryIndex(threshold)
    stories = 0
    chunk = 10_000
    started, cpu_started = time.perf_counter(), time.process_time()
    last, cpu_last = started, cpu_started
    print(f"grouping: {len(base)} real items as templates, threshold {threshold}")
    totals: dict[int, float] = {}
    for k in range(n):
        template = base[rng.randrange(len(base))]
        kept = frozenset(t for t in template if rng.random() < 0.85)  # a reworded report
        tokens = kept | {f"n:{rng.randrange(10**6)}", f"n:{rng.randrange(10**6)}"}
        published = start + timedelta(minutes=k * 15 + rng.randrange(600))
        hit = index.best(tokens, published)
        if hit is None:
            stories += 1
        index.add(f"i{k}", hit[0] if hit else stories, tokens, published)
        if (k + 1) % chunk == 0:
            now, cpu_now = time.perf_counter(), time.process_time()
            print(
                f"grouping: {k + 1:>7,} items, last {chunk:,} in {cpu_now - cpu_last:5.2f} s CPU "
                f"({now - last:5.2f} s wall), {stories:,} stories so far"
            )
            last, cpu_last = now, cpu_now
        if k + 1 in CHECKPOINTS:
            totals[k + 1] = time.process_time() - cpu_started
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"grouping: {n:,} items in {cpu:.1f} s CPU ({n / cpu:,.0f} items/s), {total:.1f} s wall")
    first = min(totals, default=n)
    for count, seconds in sorted(totals.items()):
        growth = seconds / totals[first]
        print(
            f"grouping: first {count:>7,} items {seconds:6.1f} s CPU "
            f"({count // first}x the items, {growth:.1f}x the time of the first {first:,})"
        )


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
