"""The soak benchmark's news: a month of publishing by 36 simulated outlets, 15 minutes at a time.

The outlets have the shipped deployment's shape (``config/tjwatch.toml``: Russian, English and
Tajik feeds, news wires among them, two Google News searches) at the scale the issue gives: 36
feeds, about 3,000 new items a day, about 1 % of them about the topic. The text is real:

* off-topic items mix the headlines and ledes of the real feed snapshots in ``tests/data/feeds``
  (as the poll-cycle benchmark's corpus does), so that every item is distinct;
* topic items are the labelled relevant items of ``tests/data/eval`` (headline and lede as
  written), dealt from a shuffled deck per language so a headline comes back only after the
  whole deck has been used;
* the Google News searches carry, as their real counterparts do, the topic items of the polled
  outlets under a ``news.google.com`` link with a ``<source>``, a few from outlets that are not
  polled, and items naming both countries in passing (the labelled hard negatives).

Some outlets repeat a wire's item under the wire's own link; one wire re-serves, every six hours,
an item it published two to four weeks before (as feeds that republish old articles do); two slow
outlets keep items in their feed for about twenty days. One feed a day fails for a few hours (HTTP
500, a timeout, a truncated body or 503 with Retry-After) and then comes back, and one is down for
two days mid-month.

Everything is a pure function of the seed and the cycle number: the feed server and a re-run see
the same month.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from benchmarks.corpus import Entry, load_pool, mix_title

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "tests" / "data" / "eval"
START = datetime(2026, 11, 2, tzinfo=UTC)
CYCLE = timedelta(minutes=15)
CYCLES_PER_DAY = 96
TOPIC_SHARE = 0.01
WIRE_REPEAT_SHARE = 0.03  # of an outlet's items: a wire's item under the wire's link
RESURFACE_EVERY = 24  # cycles: the republishing wire re-serves an old item this often
FAILURE_MODES = ("500", "timeout", "broken", "retry")
AGGREGATOR_DELAY = 4  # cycles: a news search lists an outlet's item up to an hour later


@dataclass(frozen=True, slots=True)
class Outlet:
    """One simulated feed: ``role`` is wire, outlet, slow or aggregator."""

    n: int
    lang: str
    role: str
    per_day: float
    window: int
    shape: str  # rss, rss-1251 or atom

    @property
    def name(self) -> str:
        return f"outlet-{self.n:02d}"

    @property
    def path(self) -> str:
        return f"/{self.name}.xml"

    @property
    def title(self) -> str:
        return f"Outlet {self.n:02d}"

    @property
    def site(self) -> str:
        return f"https://{self.name}.example.org"


@dataclass(frozen=True, slots=True)
class Published:
    """An item as its feed carries it."""

    feed: int
    link: str
    guid: str
    title: str
    summary: str
    at: datetime
    topic: bool
    source: tuple[str, str] | None = None  # an aggregator's publisher: name, site


def outlets(count: int = 36) -> list[Outlet]:
    """The feeds: languages as in the shipped config (ru 8 : en 4 : tg 1). Fewer than 36 (a
    quick run) leaves out the wires first, then outlets."""
    plan: list[tuple[str, str, float, int]] = [
        ("ru", "aggregator", 0, 60),
        ("en", "aggregator", 0, 60),
        ("ru", "slow", 2, 40),
        ("tg", "slow", 2, 40),
    ]
    langs = ["ru"] * 17 + ["en"] * 9 + ["tg"] * 2
    random.Random(36).shuffle(langs)
    for n, lang in enumerate(langs):
        plan.append((lang, "outlet", (15, 30, 45, 60, 75, 90)[n % 6], (20, 30)[n % 2]))
    plan += [("ru", "wire", 420, 50)] * 3 + [("en", "wire", 250, 50)]
    plan = plan[:count]
    out = []
    for n, (lang, role, per_day, window) in enumerate(plan):
        shape = "atom" if lang == "en" and n % 3 == 0 else "rss"
        if lang == "ru" and role != "aggregator" and n % 4 == 1:
            shape = "rss-1251"
        out.append(Outlet(n, lang, role, per_day, window, shape))
    return out


def failure(feed: int, cycle: int, n_feeds: int) -> str | None:
    """How feed ``feed`` fails at ``cycle``, if it does: one episode a day on a rotating feed,
    2–8 hours from a varying hour, and one feed down for days 12–13."""
    day, at = divmod(cycle, CYCLES_PER_DAY)
    if feed == 14 % n_feeds and 11 * CYCLES_PER_DAY <= cycle < 13 * CYCLES_PER_DAY:
        return "500"
    if feed != (day * 7 + 3) % n_feeds:
        return None
    start = (2 + (day * 5) % 16) * 4
    length = (2 + (day * 3) % 7) * 4
    return FAILURE_MODES[day % 4] if start <= at < start + length else None


@dataclass(frozen=True, slots=True)
class Texts:
    """Real texts by language: the snapshots' entries (off-topic), the labelled relevant items
    (topic) and the labelled irrelevant ones (hard negatives)."""

    plain: dict[str, list[Entry]]
    topic: dict[str, list[Entry]]
    negative: dict[str, list[Entry]]

    @staticmethod
    def load() -> Texts:
        pool, _ = load_pool()
        topic: dict[str, list[Entry]] = {}
        negative: dict[str, list[Entry]] = {}
        for path in sorted(EVAL.glob("*.jsonl")):
            for line in path.read_text("utf-8").splitlines():
                row = json.loads(line)
                if row["lang"] not in ("en", "ru", "tg"):
                    continue
                entry = Entry(row["title"], escape(row["summary"]), row["lang"])
                kind = topic if row["label"] == "relevant" else negative
                kind.setdefault(row["lang"], []).append(entry)
        # Tajik outlets' everyday news in the snapshots' Russian (there is no Tajik snapshot).
        plain = {"en": pool["en"], "ru": pool["ru"], "tg": pool["ru"]}
        return Texts(plain, topic, negative)


@dataclass
class World:
    """The outlets' feeds as they stand after each cycle."""

    texts: Texts
    feeds: list[Outlet] = field(default_factory=outlets)
    topic_share: float = TOPIC_SHARE
    seed: int = 23
    cycle: int = 0
    windows: list[deque[Published]] = field(init=False)
    archive: list[Published] = field(init=False, default_factory=list)  # the republishing wire
    republisher: int | None = field(init=False)
    _decks: dict[str, list[Entry]] = field(init=False, default_factory=dict)
    _listed: list[tuple[int, int, Published]] = field(init=False, default_factory=list)
    _rng: random.Random = field(init=False)
    _serial: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.windows = [deque(maxlen=f.window) for f in self.feeds]
        self._rng = random.Random(self.seed)
        self.republisher = next((f.n for f in self.feeds if f.role == "wire"), None)

    def advance(self) -> list[Published]:
        """The next cycle's publishing: what each feed added since the last cycle, oldest
        first. A republished item is listed again."""
        self.cycle += 1
        rng, now = self._rng, START + CYCLE * self.cycle
        added: list[Published] = []
        for feed in self.feeds:
            if feed.role == "aggregator":
                continue
            for _ in range(_poisson(rng, feed.per_day / CYCLES_PER_DAY)):
                at = now - timedelta(seconds=rng.uniform(0, CYCLE.total_seconds()))
                added.append(self._item(feed, at))
        wires = [p for p in added if self.feeds[p.feed].role == "wire"]
        for k, p in enumerate(added):
            feed = self.feeds[p.feed]
            if feed.role == "outlet" and wires and rng.random() < WIRE_REPEAT_SHARE:
                wire = rng.choice(wires)
                added[k] = Published(p.feed, wire.link, wire.guid, wire.title, wire.summary,
                                     wire.at, wire.topic)  # fmt: skip
        for agg in (f for f in self.feeds if f.role == "aggregator"):
            added.extend(self._aggregate(agg, added, now))
        if self.cycle % RESURFACE_EVERY == 0:
            old = [p for p in self.archive if timedelta(days=15) <= now - p.at <= timedelta(28)]
            if old:
                added.append(rng.choice(old))
        added.sort(key=lambda p: p.at)
        for p in added:
            self.windows[p.feed].append(p)
            if p.feed == self.republisher and p.at > now - CYCLE:
                self.archive.append(p)
        while self.archive and now - self.archive[0].at > timedelta(days=28):
            self.archive.pop(0)
        return added

    def _item(self, feed: Outlet, at: datetime) -> Published:
        rng = self._rng
        self._serial += 1
        topic = rng.random() < self.topic_share
        if topic:
            entry = self._deal(feed.lang)
            title, summary = entry.title, entry.summary_html
        else:
            plain = self.texts.plain[feed.lang]
            a, b = rng.choice(plain), rng.choice(plain)
            title = mix_title(a.title, rng.choice(plain).title)
            summary = a.summary_html + b.summary_html[:400]
        link = f"{feed.site}/{feed.lang}/{at:%Y/%m/%d}/{self._serial}"
        return Published(feed.n, link, link, title, summary, at, topic)

    def _deal(self, lang: str) -> Entry:
        deck = self._decks.setdefault(lang, [])
        if not deck:
            deck.extend(self.texts.topic[lang])
            self._rng.shuffle(deck)
        return deck.pop()

    def _aggregate(self, agg: Outlet, added: list[Published], now: datetime) -> list[Published]:
        """A news search: every topic item of its language, and a few from elsewhere."""
        rng = self._rng
        for p in added:
            if p.topic and self.feeds[p.feed].lang == agg.lang and p.source is None:
                due = self.cycle + rng.randrange(AGGREGATOR_DELAY + 1)
                self._listed.append((due, agg.n, p))
        out = []
        for due, n, p in list(self._listed):
            if n == agg.n and due <= self.cycle:
                self._listed.remove((due, n, p))
                outlet = self.feeds[p.feed]
                out.append(self._via(agg, p.title, outlet.title, outlet.site, p.at))
        if rng.random() < 6 / CYCLES_PER_DAY:  # some six a day from outlets not polled
            pool = self.texts.topic if rng.random() < 0.5 else self.texts.negative
            entry = rng.choice(pool.get(agg.lang) or pool["ru"])
            k = rng.randrange(40)
            out.append(self._via(agg, entry.title, f"Other {k}", f"https://other{k}.example.com",
                                 now - timedelta(minutes=rng.uniform(0, 15))))  # fmt: skip
        return out

    def _via(self, agg: Outlet, title: str, publisher: str, site: str, at: datetime) -> Published:
        self._serial += 1
        token = f"CBMi{self.seed:02d}{self._serial:09d}"
        link = f"https://news.google.com/rss/articles/{token}?oc=5"
        summary = (
            f'<a href="{link}" target="_blank">{escape(title)}</a>&nbsp;&nbsp;'
            f'<font color="#6f6f6f">{escape(publisher)}</font>'
        )
        return Published(agg.n, link, token, f"{title} - {publisher}", summary, at, True,
                         (publisher, site))  # fmt: skip


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: the means here are small (a wire publishes ~4 items a cycle).
    limit, k, p = pow(2.718281828459045, -mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def render(feed: Outlet, items: list[Published], cache: dict[str, str]) -> tuple[bytes, str]:
    """The feed's body and content type: its items newest first. ``cache`` keeps each item's
    markup (an item stays in its feed for many cycles)."""
    newest_first = reversed(items)
    if feed.shape == "atom":
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
            f"<title>{feed.title}</title><id>urn:soak:{feed.name}</id>",
            f'<link href="{feed.site}/"/>',
            *(_cached(cache, p, _atom_entry) for p in newest_first),
            "</feed>\n",
        ]
        return "\n".join(parts).encode(), "application/atom+xml"
    encoding = "windows-1251" if feed.shape == "rss-1251" else "utf-8"
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>',
        f"<title>{feed.title}</title><link>{feed.site}/</link><description>soak</description>",
        f"<language>{feed.lang}</language>",
        *(_cached(cache, p, _rss_item) for p in newest_first),
        "</channel></rss>\n",
    ]
    body = "\n".join(parts).encode(encoding, errors="xmlcharrefreplace")
    return body, f"application/rss+xml; charset={encoding}"


def _cached(cache: dict[str, str], p: Published, make: Callable[[Published], str]) -> str:
    found = cache.get(p.link)
    if found is None:
        found = cache[p.link] = make(p)
    return found


def _rss_item(p: Published) -> str:
    source = ""
    if p.source is not None:
        source = f"<source url={quoteattr(p.source[1])}>{escape(p.source[0])}</source>"
    permalink = "false" if p.source is not None else "true"
    return (
        f"<item><title>{escape(p.title)}</title><link>{escape(p.link)}</link>"
        f'<guid isPermaLink="{permalink}">{escape(p.guid)}</guid>'
        f"<description>{escape(p.summary)}</description>"
        f"<pubDate>{format_datetime(p.at.replace(microsecond=0))}</pubDate>{source}</item>"
    )


def _atom_entry(p: Published) -> str:
    when = p.at.replace(microsecond=0).isoformat()
    return (
        f"<entry><title>{escape(p.title)}</title><link href={quoteattr(p.link)}/>"
        f"<id>{escape(p.guid)}</id><updated>{when}</updated><published>{when}</published>"
        f'<summary type="html">{escape(p.summary)}</summary></entry>'
    )
