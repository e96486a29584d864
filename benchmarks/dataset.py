"""A database with a month of history: 100,000 items with verdicts, 1,000 subscribed chats.

Everything goes in through the storage layer's own write paths (``items.add``,
``items.save_verdicts``, ``deliveries.mark_sent``), in batches. The history: items spread over
30 days, ``relevant_share`` of them relevant (topical text, score 0.5–1.0), the rest scored below
the threshold; each chat subscribed 1–3 days ago, got its last digest a day ago, and so has every
relevant item of the days between marked sent.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmarks.corpus import load_pool
from bot.ingest.text import html_to_text
from storage import NewItem, Store, VerdictRecord

BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Dataset:
    items: int
    relevant: int
    chats: int
    deliveries: int


def fill(
    store: Store,
    now: datetime,
    *,
    items: int = 100_000,
    chats: int = 1_000,
    relevant_share: float = 0.05,
    feed_ids: list[int],
    seed: int = 4,
) -> Dataset:
    pool, topical = load_pool()
    plain = [e for entries in pool.values() for e in entries]
    rng = random.Random(seed)
    relevant: list[tuple[str, datetime]] = []
    for start in range(0, items, BATCH):
        new_items, verdicts = [], []
        for n in range(start, min(start + BATCH, items)):
            is_relevant = rng.random() < relevant_share
            a = rng.choice(topical if is_relevant else plain)
            b = rng.choice(plain)
            at = now - timedelta(seconds=rng.uniform(0, 30 * 86_400))
            item_id = f"bench{n:015d}"
            new_items.append(
                NewItem(
                    id=item_id,
                    guid=None,
                    url=f"https://news.example.org/{n}",
                    title=f"{a.title} {b.title.split()[0]}",
                    summary=_text(a.summary_html)[:600],
                    text=None,
                    lang=a.lang,
                    published_at=at,
                    published_raw=None,
                    fetched_at=at,
                    feed_id=rng.choice(feed_ids),
                )
            )
            score = rng.uniform(0.5, 1.0) if is_relevant else rng.uniform(0.0, 0.45)
            verdicts.append(
                VerdictRecord(
                    item_id=item_id,
                    relevant=is_relevant,
                    score=round(score, 3),
                    matched_terms=("Russia", "Tajikistan") if is_relevant else (),
                    nearest_seed="000_2d1f3eca5ebde82f" if is_relevant else None,
                    seed_similarity={"000_2d1f3eca5ebde82f": round(score, 3)},
                    story="new_development" if is_relevant else None,
                    whats_new=None,
                    reason="benchmark",
                    scored_at=at,
                )
            )
            if is_relevant:
                relevant.append((item_id, at))
        with store.db.atomic():
            store.items.add(new_items)
            store.items.save_verdicts(verdicts)
    deliveries = 0
    for chat_id in range(1, chats + 1):
        store.chats.ensure(chat_id, channel="telegram", kind="private", now=now)
        store.chats.update(chat_id, now, subscribed=True)
        store.chats.mark_digest(chat_id, now - timedelta(days=1))
        since = now - timedelta(days=1 + chat_id % 3)
        sent = [i for i, at in relevant if since <= at < now - timedelta(days=1)]
        store.deliveries.mark_sent("telegram", chat_id, sent, now - timedelta(days=1), 1)
        deliveries += len(sent)
    return Dataset(items, len(relevant), chats, deliveries)


@functools.cache
def _text(html: str) -> str:
    return html_to_text(html)
