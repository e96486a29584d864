"""Items for offline scoring and evaluation: JSON Lines or an RSS/Atom file, no network, no DB.

Expected failures are values: a bad line becomes a ``BadLine`` naming its line number, and the
other lines are still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.ingest.normalize import normalize_entry
from bot.ingest.parse import parse_feed
from bot.models import Item

# Items without a date were first seen at this time (they need one; no item is compared with it).
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LabelledItem:
    item: Item
    label: str | None
    story: str | None


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    error: str


def read_items(path: Path) -> Iterator[LabelledItem | BadLine]:
    """A feed when the file starts with "<" (after a byte-order mark and blank space), else JSON
    Lines: a broken first line is reported like any other, not taken for a feed."""
    content = path.read_bytes()
    if content.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<":
        yield from _feed(content, path)
    else:
        yield from _json_lines(content.decode("utf-8-sig", errors="replace"))


def _json_lines(text: str) -> Iterator[LabelledItem | BadLine]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            yield _from_json(data)
        except (ValueError, TypeError, KeyError) as exc:
            yield BadLine(number, _describe(exc))


def _describe(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)


def _from_json(data: Any) -> LabelledItem:
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    for key in ("id", "title", "summary"):
        if not isinstance(data[key], str):
            raise TypeError(f"field {key!r} must be a string")
    published_raw = data.get("published")
    published = _parse_date(published_raw) if published_raw else None
    item = Item(
        id=data["id"],
        guid=None,
        url=data.get("url"),
        title=data["title"],
        summary=data["summary"],
        published_at=published,
        published_raw=published_raw if published else None,
        fetched_at=published or UNDATED,
        lang=data.get("lang"),
        feed_id=0,
        feed_name=str(data.get("source") or ""),
        text=data.get("text") or None,
    )
    return LabelledItem(item, data.get("label"), data.get("story"))


def _parse_date(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise TypeError("field 'published' must be a string")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        parsed = datetime.combine(date.fromisoformat(raw[:10]), datetime.min.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _feed(content: bytes, path: Path) -> Iterator[LabelledItem | BadLine]:
    """Items of a feed file, as if fetched now: a date after "now" leaves an item undated."""
    fetched_at = SystemClock().now()
    parsed = parse_feed(content, {})
    if parsed.fatal:
        yield BadLine(0, f"{path.name}: not a feed ({parsed.bozo_reason})")
        return
    for entry in parsed.entries:
        item = normalize_entry(
            entry,
            feed_id=0,
            feed_name=parsed.title or path.name,
            feed_url=path.resolve().as_uri(),
            feed_lang=parsed.lang,
            fetched_at=fetched_at,
        )
        if item is not None:
            yield LabelledItem(item, None, None)
