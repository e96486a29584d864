"""A synthetic but realistic corpus: N feeds × M items made from the repository's real feeds.

Every entry of the real snapshots in ``tests/data/feeds/`` (and the topical items of
``tests/data/topic/``) goes into a pool per language. Each generated item takes its headline from
one pooled entry and its summary from two others of the same language, with a unique link, so that
all items are distinct (no two share an id, and few share much text) while the words, markup and
lengths stay those of real news. About ``topical_share`` of the items are built only from topical
entries, so they name Russia and Tajikistan. The feeds come out in the shapes the real ones have:
RSS 2.0 in UTF-8, Atom, and RSS 2.0 in windows-1251; most RSS feeds declare their language, as
the real ones do, and Atom feeds do not.

    python -m benchmarks.corpus FOLDER [--feeds 500 --items 50]

writes the corpus into FOLDER. The poll-cycle benchmark builds it that way, in a process of its
own: building holds the pool of real entries and goes through ~45 MB that tjwatch itself never
needs, and the measured process should hold only what tjwatch does (the bot reused most of that
memory later: the peak moved by ~4 MB).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO / "tests" / "data" / "feeds"
TOPIC = REPO / "tests" / "data" / "topic"
# Full-content feeds carry whole articles; most news feeds carry a lede. Entries above this are
# cut to their first paragraphs so one giant blog post does not dominate the corpus.
MAX_SUMMARY_HTML = 3_000
# The feeds' languages: Russian and English sources mostly, as a watch on this topic has.
LANGUAGES = ("ru", "en", "ru", "en", "en", "de", "uk", "ur", "ru", "en")


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    summary_html: str
    lang: str


@dataclass(frozen=True, slots=True)
class Feed:
    name: str
    path: str
    body: bytes
    content_type: str
    items: int


@functools.cache
def load_pool() -> tuple[dict[str, list[Entry]], list[Entry]]:
    """Real entries by language, and the topical ones."""
    pool: dict[str, list[Entry]] = {}
    for path in sorted(FEEDS.iterdir()):
        if path.suffix not in (".xml", ".gz"):
            continue
        body = path.read_bytes()
        if path.suffix == ".gz":
            body = gzip.decompress(body)
        parsed = feedparser.parse(body)
        lang = (parsed.feed.get("language") or "en")[:2].lower()
        for entry in _entries(parsed, lang):
            pool.setdefault(entry.lang, []).append(entry)
    topical: list[Entry] = []
    for path in sorted(TOPIC.glob("*.xml")):
        parsed = feedparser.parse(path.read_bytes())
        topical.extend(_entries(parsed, "ru" if "-ru-" in path.name else "en"))
    return {lang: entries for lang, entries in pool.items() if len(entries) >= 20}, topical


def _entries(parsed: feedparser.FeedParserDict, lang: str) -> list[Entry]:
    out = []
    for e in parsed.entries:
        title = (e.get("title") or "").strip()
        html = ""
        if e.get("content"):
            html = max((c.get("value", "") for c in e["content"]), key=len)
        html = html or e.get("summary") or ""
        if not title or not html:
            continue
        if len(html) > MAX_SUMMARY_HTML:
            cut = html.rfind("</p>", 0, MAX_SUMMARY_HTML)
            html = html[: cut + 4] if cut > 0 else html[:MAX_SUMMARY_HTML]
        out.append(Entry(title, html, lang))
    return out


def build_corpus(
    n_feeds: int, n_items: int, *, topical_share: float = 0.05, seed: int = 8
) -> list[Feed]:
    pool, topical = load_pool()
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    feeds = []
    for f in range(n_feeds):
        lang = LANGUAGES[f % len(LANGUAGES)]
        entries = pool[lang]
        items = []
        for i in range(n_items):
            source = topical if rng.random() < topical_share else entries
            a, b, c = rng.choice(source), rng.choice(entries), rng.choice(source)
            title = a.title if source is topical else mix_title(a.title, rng.choice(entries).title)
            items.append(
                {
                    "title": title,
                    "link": f"https://news{f}.example.org/{lang}/{f}/{i}-{rng.randrange(10**9)}",
                    "summary": c.summary_html + b.summary_html[:400],
                    "published": start + timedelta(minutes=f * 7 + i * 13),
                }
            )
        shape = f % 20
        name = f"feed-{f:05d}"
        if shape < 5:
            body, ctype = _atom(name, items), "application/atom+xml"
        elif lang == "ru" and f % 3 == 0:
            body, ctype = _rss(name, items, "windows-1251", lang), "application/rss+xml"
        else:
            body, ctype = _rss(name, items, "utf-8", lang), "application/rss+xml; charset=utf-8"
        feeds.append(Feed(name, f"/{name}.xml", body, ctype, n_items))
    return feeds


def mix_title(first: str, second: str) -> str:
    a, b = first.split(), second.split()
    return " ".join(a[: max(1, len(a) // 2 + 1)] + b[len(b) // 2 + 1 :])


def _rss(name: str, items: list[dict[str, object]], encoding: str, lang: str) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(name)}</title><link>https://example.org/{name}</link>",
        "<description>benchmark feed</description>",
    ]
    # 22 of the 33 real snapshots declare a language (nearly all RSS ones, no Atom one): so do
    # nine RSS feeds in ten here; the others leave tjwatch to detect it item by item.
    if zlib.crc32(name.encode()) % 10:
        parts.append(f"<language>{lang}</language>")
    for it in items:
        parts.append(
            "<item>"
            f"<title>{escape(str(it['title']))}</title>"
            f"<link>{escape(str(it['link']))}</link>"
            f"<guid>{escape(str(it['link']))}</guid>"
            f"<description>{escape(str(it['summary']))}</description>"
            f"<pubDate>{format_datetime(it['published'])}</pubDate>"  # type: ignore[arg-type]
            "</item>"
        )
    parts.append("</channel></rss>\n")
    return "\n".join(parts).encode(encoding, errors="xmlcharrefreplace")


def _atom(name: str, items: list[dict[str, object]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(name)}</title><id>urn:bench:{name}</id>",
        f'<link href="https://example.org/{name}"/><updated>2026-11-20T00:00:00Z</updated>',
    ]
    for it in items:
        when = it["published"].isoformat()  # type: ignore[attr-defined]
        parts.append(
            "<entry>"
            f"<title>{escape(str(it['title']))}</title>"
            f'<link href="{escape(str(it["link"]))}"/>'
            f"<id>{escape(str(it['link']))}</id>"
            f"<updated>{when}</updated><published>{when}</published>"
            f'<summary type="html">{escape(str(it["summary"]))}</summary>'
            "</entry>"
        )
    parts.append("</feed>\n")
    return "\n".join(parts).encode("utf-8")


def write_corpus(feeds: list[Feed], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for feed in feeds:
        (folder / feed.path.lstrip("/")).write_bytes(feed.body)
        (folder / (feed.path.lstrip("/") + ".type")).write_text(feed.content_type)


def read_corpus(folder: Path) -> list[bytes]:
    """The bodies of the feeds ``write_corpus`` wrote into ``folder``, in name order."""
    return [path.read_bytes() for path in sorted(folder.glob("*.xml"))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    args = parser.parse_args(argv)
    write_corpus(build_corpus(args.feeds, args.items), args.folder)


if __name__ == "__main__":
    main()
