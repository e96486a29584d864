"""How fast the web archive answers with 100,000 items stored (issue 25: ``/`` and a story page
within 100 ms each).

Builds ``benchmarks.dataset``'s database (100,000 items over 30 days, 5 % relevant, 1,000 chats),
groups the relevant items into stories of 1–12 reports as the poll cycle would record them
(``stories.create`` / ``add_member``, the verdicts' ``story_id``), starts the archive in-process
(``bot.web.server.WebServer`` on a free loopback port) and times real HTTP requests from a client
on the same loop: each URL ``--repeat`` times after one warm-up, median and worst.

    .venv/bin/python -m benchmarks.web_speed [--items 100000] [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import fill
from bot.services import Services
from bot.settings import load_settings
from bot.web.server import WebServer
from storage import Store, VerdictRecord
from tests.support.config import write_config

TARGET_MS = 100


def group_stories(store: Store, now: datetime, seed: int = 25) -> tuple[int, str]:
    """Group the relevant items into stories of 1–12 reports (a third left ungrouped); the
    number of stories and the key of the biggest."""
    rng = random.Random(seed)
    rows = store.db.execute(
        "SELECT i.id, i.title, i.timeline_at FROM verdicts v JOIN items i ON i.id = v.item_id"
        " WHERE v.relevant = 1 ORDER BY i.timeline_at"
    ).fetchall()
    stories, biggest, size_of_biggest = 0, "", 0
    verdicts = {v.id: v for v in store.items.by_ids([r[0] for r in rows])}
    updated = []
    n = 0
    with store.db.atomic():
        while n < len(rows):
            size = rng.randint(1, 12)
            members = rows[n : n + size]
            n += size
            if rng.random() < 1 / 3:
                continue  # never grouped: each its own story
            story_id = store.stories.create(members[0][1], members[0][0], now)
            stories += 1
            for item_id, _title, at in members:
                when = datetime.fromisoformat(at)
                store.stories.add_member(story_id, item_id, ("t",), when, when)
                updated.append((item_id, story_id))
            if len(members) > size_of_biggest:
                biggest, size_of_biggest = str(story_id), len(members)
    records = []
    for item_id, story_id in updated:
        item = verdicts[item_id]
        records.append(
            VerdictRecord(
                item_id=item_id,
                relevant=item.relevant,
                score=item.score,
                matched_terms=item.matched_terms,
                nearest_seed=item.nearest_seed,
                seed_similarity=item.seed_similarity,
                story=item.story,
                whats_new=item.whats_new,
                reason=item.reason,
                scored_at=now,
                story_id=story_id,
            )
        )
    store.items.save_verdicts(records)
    return stories, biggest


async def measure(items: int, repeat: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="tjwatch-web-"))
    config = write_config(folder, {"one": "http://127.0.0.1:9/one.xml"})
    settings = load_settings(config, env={}, dotenv=False)
    out: dict[str, Any] = {"items": items}
    async with Services.build(settings) as services:
        store, now = services.store, services.clock.now()
        feed_ids = [f.id for f in await store.run(store.feeds.active)]
        started = time.perf_counter()
        dataset = await store.run(fill, store, now, items=items, chats=1_000, feed_ids=feed_ids)
        out["relevant"] = dataset.relevant
        out["stories"], story = await store.run(group_stories, store, now)
        out["fill_s"] = round(time.perf_counter() - started, 1)
        lone = await store.run(
            lambda: store.db.execute(
                "SELECT item_id FROM verdicts WHERE relevant = 1 AND story_id IS NULL LIMIT 1"
            ).fetchone()[0]
        )
        server = WebServer(services, 0)
        await server.start()
        urls = {
            "/ (7 days)": "/",
            "/?since=30d": "/?since=30d",
            "/?since=30d&min=0.95": "/?since=30d&min=0.95",
            "/?since=30d&lang=uk (none)": "/?since=30d&lang=uk",
            f"story page ({story}, the biggest)": f"/stories/{story}",
            "story page (an ungrouped item)": f"/stories/{lone}",
            "/feed.atom (30 days)": "/feed.atom",
            "/feed.json?min=0.9": "/feed.json?min=0.9",
            "/summary?since=7d": "/summary?since=7d",
            "/?q=Таджикистан": "/?q=Таджикистан",
        }
        timings: dict[str, dict[str, float]] = {}
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                for name, url in urls.items():
                    (await client.get(url)).raise_for_status()  # warm-up
                    seconds = []
                    for _ in range(repeat):
                        begun = time.perf_counter()
                        response = await client.get(url)
                        seconds.append(time.perf_counter() - begun)
                        response.raise_for_status()
                    timings[name] = {
                        "median_ms": round(statistics.median(seconds) * 1000, 1),
                        "max_ms": round(max(seconds) * 1000, 1),
                    }
        finally:
            await server.stop()
    out["timings"] = timings
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        f"web archive over {result['items']:,} items ({result['relevant']:,} relevant, "
        f"{result['stories']:,} stories; built in {result['fill_s']} s)",
        f"{'request':<40} {'median':>9} {'worst':>9}",
    ]
    for name, t in result["timings"].items():
        lines.append(f"{name:<40} {t['median_ms']:>7} ms {t['max_ms']:>7} ms")
    lines.append(f"target: / and a story page ≤ {TARGET_MS} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.items, args.repeat))
    print(json.dumps(result, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
