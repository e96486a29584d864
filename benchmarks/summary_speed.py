"""How long a summary and a trend chart take over 30 days of a busy topic (issue 6: under 1 s).

Builds a real SQLite file with ``--items`` relevant items (default 10,000) over 30 days: real
titles and ledes from tests/data/eval/dev.jsonl, a fetched full text of ~3 KB on every item,
40 outlets, and stories of 1–12 reports (about a third of the items never grouped), all written
through the storage layer. Then prints the time of each step, best of ``--repeat`` runs.

    /work/venv/bin/python -m benchmarks.summary_speed [--items 10000] [--db PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.digest.period import Period, parse_period
from bot.digest.summary import compose_summary, rank_stories, summary_from_store
from bot.digest.themes import Theme, ThemeMatcher
from bot.digest.trend import chart, trend_data
from bot.render.summary_telegram import render_summary_telegram
from storage import NewItem, Store, VerdictRecord, open_store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)
T = TypeVar("T")


def _themes() -> ThemeMatcher:
    import tomllib

    config = tomllib.loads((ROOT / "config" / "tjwatch.toml").read_text("utf-8"))
    return ThemeMatcher([Theme(t["name"], tuple(t["terms"])) for t in config["themes"]])


def fill(store: Store, n_items: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    rows = [
        json.loads(line) for line in (ROOT / "tests/data/eval/dev.jsonl").open(encoding="utf-8")
    ]
    feeds = [
        store.feeds.add(f"Outlet {k}", f"https://outlet{k}.example/rss", None, NOW).id
        for k in range(40)
    ]
    start = NOW - timedelta(days=30)
    items: list[NewItem] = []
    verdicts: list[VerdictRecord] = []
    members: list[tuple[str, datetime]] = []
    for n in range(n_items):
        row = rows[n % len(rows)]
        at = start + timedelta(seconds=rng.uniform(60, 30 * 86400 - 60))
        body = " ".join(str(rows[(n + k) % len(rows)]["summary"]) for k in range(12))
        item_id = f"b{n:06d}"
        items.append(
            NewItem(
                id=item_id,
                guid=item_id,
                url=f"https://outlet.example/{n}",
                title=str(row["title"]),
                summary=str(row["summary"]),
                text=body,
                lang=row["lang"],
                published_at=at,
                published_raw=None,
                fetched_at=at,
                feed_id=rng.choice(feeds),
            )
        )
        verdicts.append(
            VerdictRecord(
                item_id=item_id,
                relevant=True,
                score=rng.uniform(0.5, 1.0),
                matched_terms=("Russia", "Tajikistan"),
                nearest_seed=None,
                seed_similarity={},
                story=rng.choice(["same_story", "new_development"]),
                whats_new=None,
                reason="",
                scored_at=at,
            )
        )
        members.append((item_id, at))
    store.items.add(items)
    store.items.save_verdicts(verdicts)
    rng.shuffle(members)
    story_of: dict[str, int] = {}
    with store.db.atomic():
        position = 0
        while position < len(members):
            size = rng.choice([1, 1, 1, 2, 3, 4, 6, 8, 12])
            group = members[position : position + size]
            position += size
            if size == 1:
                continue  # never grouped: story_id stays NULL
            story = store.stories.create(f"story {position}", group[0][0], group[0][1])
            for item_id, at in group:
                store.stories.add_member(story, item_id, (), at, at)
                story_of[item_id] = story
    # The grouper writes story_id with the verdict; here it is set after the stories exist.
    store.items.save_verdicts(
        VerdictRecord(
            v.item_id,
            v.relevant,
            v.score,
            v.matched_terms,
            v.nearest_seed,
            v.seed_similarity,
            v.story,
            v.whats_new,
            v.reason,
            v.scored_at,
            story_id=story_of.get(v.item_id),
        )
        for v in verdicts
    )


def best(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    assert result is not None
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="reuse or create this file (default: a temp one)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "summary-bench.db"
    fresh = not path.exists()
    store = open_store(path)
    if fresh:
        began = time.perf_counter()
        fill(store, args.items)
        print(f"built {path} with {args.items:,} items in {time.perf_counter() - began:.1f} s")
    matcher = _themes()
    period = parse_period("30d", NOW)
    assert isinstance(period, Period)

    start, end = period.start, period.end
    t_query, items = best(args.repeat, lambda: store.summaries.period_items(start, end))
    t_rank, ranked = best(args.repeat, lambda: rank_stories(items))
    ids = [i.id for g in ranked[:5] for i in g[:6]]
    t_texts, texts = best(args.repeat, lambda: store.summaries.texts(ids))
    t_compose, summary = best(
        args.repeat, lambda: compose_summary(items, ranked, texts, matcher, period, now=NOW)
    )
    t_render, messages = best(args.repeat, lambda: render_summary_telegram(summary))
    t_total, _ = best(args.repeat, lambda: summary_from_store(store, matcher, period, now=NOW))
    t_trend_data, data = best(args.repeat, lambda: trend_data(items, matcher, period))
    t_png, png = best(args.repeat, lambda: chart(data))

    print(f"period: 30 days, {len(items):,} relevant items, {len(ranked):,} stories")
    print(f"  read the period's items      {t_query * 1000:8.1f} ms")
    print(f"  group and rank stories       {t_rank * 1000:8.1f} ms")
    print(f"  read texts of the top 5      {t_texts * 1000:8.1f} ms")
    print(f"  quote, themes, sources       {t_compose * 1000:8.1f} ms")
    print(f"  render Telegram HTML         {t_render * 1000:8.1f} ms  ({len(messages)} messages)")
    print(f"summary end to end             {t_total * 1000:8.1f} ms  (target < 1000 ms)")
    print(f"  trend: themes per day        {t_trend_data * 1000:8.1f} ms")
    print(f"  trend: PNG ({len(png) // 1024} KB)           {t_png * 1000:8.1f} ms")
    print(f"trend end to end (from items)  {(t_query + t_trend_data + t_png) * 1000:8.1f} ms")
    store.close()


if __name__ == "__main__":
    main()
