"""``/search`` over 100,000 stored items: the query with every form of each word (stems,
``bot.relevance.search_query``) beside the words' own prefixes alone (the query before issue 24),
on one database, alternating, so that a busy machine slows both alike.

Fills a real SQLite file through the storage layer (``benchmarks.dataset.fill``: the benchmark
``poll_cycle`` searches the same data), then runs each query ``--repeat`` times both ways and
prints, per query, the median milliseconds and the number of items each way finds (all of them,
not the 10 shown).

    .venv/bin/python -m benchmarks.search_speed [--items 100000] [--repeat 21] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.dataset import fill
from bot.relevance.lexicon import tokenize
from bot.relevance.search_query import fts_query
from storage import Store, open_store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# poll_cycle's five, then inflected forms whose base form the first ones use.
QUERIES = (
    "Таджикистан",
    "Russia Tajikistan",
    "мигранты",
    "Dushanbe energy",
    "Путин Рахмон",
    "Таджикистана",
    "мигрантов",
    "Рахмона",
    '"Путин и Рахмон"',
    "talks",
)


def prefix_query(text: str) -> str | None:
    """The query before issue 24: each word as written, as a prefix."""
    words = tokenize(text)
    return " ".join(f'"{w}"*' for w in words) or None


def _time(store: Store, match: str) -> float:
    started = time.perf_counter()
    store.items.search(match, 10)
    return (time.perf_counter() - started) * 1000


def _count(store: Store, match: str) -> int:
    sql = "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?"
    return int(store.db.execute(sql, [match]).fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "tjwatch.db")
        feed = store.feeds.add("bench", "http://127.0.0.1:9/bench.xml", None, NOW)
        fill(store, NOW, items=args.items, chats=0, feed_ids=[feed.id])
        rows = []
        for query in QUERIES:
            ways = {"prefix": prefix_query(query), "stems": fts_query(query)}
            times: dict[str, list[float]] = {way: [] for way in ways}
            for _ in range(args.repeat):
                for way, match in ways.items():
                    assert match is not None
                    times[way].append(_time(store, match))
            rows.append(
                {
                    "query": query,
                    **{f"{w}_ms": round(statistics.median(t), 2) for w, t in times.items()},
                    **{f"{w}_found": _count(store, m or "") for w, m in ways.items()},
                }
            )
        store.close()
    medians = {
        way: round(statistics.median(r[f"{way}_ms"] for r in rows[:5]), 2)
        for way in ("prefix", "stems")
    }
    if args.json:
        print(json.dumps({"queries": rows, "median_of_first_five_ms": medians}))
        return
    print(f"{'query':24}{'prefix ms':>10}{'stems ms':>10}{'prefix found':>14}{'stems found':>13}")
    for r in rows:
        print(
            f"{r['query']:24}{r['prefix_ms']:>10}{r['stems_ms']:>10}"
            f"{r['prefix_found']:>14}{r['stems_found']:>13}"
        )
    print(f"median of poll_cycle's five queries: {medians} ms")


if __name__ == "__main__":
    main()
