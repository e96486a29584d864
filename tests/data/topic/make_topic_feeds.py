"""Build the topical fixture feeds from the labelled real news in ../eval/dev.jsonl.

The real feed snapshots in ../feeds/ never mention Russia and Tajikistan together, so these two
feeds carry real items (real headlines and ledes, from real outlets) about the topic and around it.
Run it again after changing the selection: python tests/data/topic/make_topic_feeds.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
ROWS = [
    json.loads(line)
    for line in (HERE.parent / "eval" / "dev.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def rss(title: str, rows: list[dict], tracking: str = "") -> str:
    items = []
    for n, row in enumerate(rows):
        day = row.get("published") or "2025-03-17"
        when = datetime.fromisoformat(day).replace(hour=6 + n % 12, tzinfo=UTC)
        link = row["url"] + (tracking.replace("?", "&") if "?" in row["url"] else tracking)
        items.append(
            "<item>"
            f"<title>{escape(row['title'])}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(row["id"])}</guid>'
            f"<description>{escape('<p>' + escape(row['summary']) + '</p>')}</description>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f'<source url="{escape(row["url"])}">{escape(row["source"])}</source>'
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link><description>fixture</description>"
        + "\n".join(items)
        + "</channel></rss>\n"
    )


def main() -> None:
    english = [r for r in ROWS if r["lang"] == "en"][:14]
    russian = [r for r in ROWS if r["lang"] in ("ru", "tg")][:14]
    (HERE / "topic-en-rss.xml").write_text(
        rss("Topic fixture (English, real items)", english), "utf-8"
    )
    # The Russian feed also carries two of the English feed's articles, with tracking
    # parameters on their links: they must be stored once, with both sources.
    shared = english[:2]
    (HERE / "topic-ru-rss.xml").write_text(
        rss(
            "Topic fixture (Russian and Tajik, real items)",
            russian + shared,
            tracking="?utm_source=rss&utm_medium=feed",
        ),
        "utf-8",
    )


if __name__ == "__main__":
    main()
