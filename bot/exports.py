"""``tjwatch export``: the relevant items (or stories) of a period as CSV or JSON Lines, for
spreadsheets and notebooks.

The columns are fixed and documented (README, "Exports"): ``ITEM_COLUMNS`` and
``STORY_COLUMNS``. Lists (sources, languages) are JSON arrays in JSON Lines and ``; ``-joined
in CSV; times are ISO 8601 in UTC; an absent value is empty in CSV and null in JSON Lines.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from bot.digest.period import Period
from bot.digest.story import story_entry, story_key
from storage import PeriodItem, Store

ITEM_COLUMNS = (
    "id",
    "published",
    "dated",
    "title",
    "url",
    "sources",
    "languages",
    "relevance",
    "story",
    "story_id",
    "whats_new",
    "page",
)
STORY_COLUMNS = (
    "story",
    "headline",
    "url",
    "first_seen",
    "last_seen",
    "reports",
    "sources",
    "languages",
    "relevance",
    "kind",
    "whats_new",
    "summary",
    "item_ids",
    "page",
)
FORMATS = ("csv", "jsonl")
Row = dict[str, Any]


def _page(public_url: str | None, key: str) -> str | None:
    return f"{public_url}/stories/{key}" if public_url else None


def item_row(item: PeriodItem, public_url: str | None) -> Row:
    return {
        "id": item.id,
        "published": item.timeline_at.isoformat(),
        "dated": item.dated,
        "title": item.title,
        "url": item.url,
        "sources": list(item.sources),
        "languages": [item.lang] if item.lang else [],
        "relevance": round(item.score, 3),
        "story": item.story,
        "story_id": item.story_id,
        "whats_new": item.whats_new,
        "page": _page(public_url, story_key(item)),
    }


def story_rows(items: Sequence[PeriodItem], public_url: str | None) -> list[Row]:
    """One row per story with a report in the period, the latest report first."""
    groups: dict[str, list[PeriodItem]] = {}
    for item in items:
        groups.setdefault(story_key(item), []).append(item)
    entries = sorted(
        (story_entry(g) for g in groups.values()), key=lambda e: e.last_seen, reverse=True
    )
    return [
        {
            "story": e.key,
            "headline": e.headline,
            "url": e.url,
            "first_seen": e.first_seen.isoformat(),
            "last_seen": e.last_seen.isoformat(),
            "reports": e.reports,
            "sources": list(e.sources),
            "languages": list(e.langs),
            "relevance": round(e.score, 3),
            "kind": e.kind,
            "whats_new": e.whats_new,
            "summary": e.summary,
            "item_ids": list(e.item_ids),
            "page": _page(public_url, e.key),
        }
        for e in entries
    ]


async def export_rows(
    store: Store, period: Period, *, stories: bool, public_url: str | None
) -> tuple[tuple[str, ...], list[Row]]:
    """The columns and rows of the period's relevant items (newest first) or stories."""
    items = await store.run(store.summaries.period_items, period.start, period.end)
    if stories:
        return STORY_COLUMNS, story_rows(items, public_url)
    rows = [item_row(i, public_url) for i in reversed(items)]
    return ITEM_COLUMNS, rows


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])


def write_jsonl(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps({c: row[c] for c in columns}, ensure_ascii=False) + "\n")
