"""Seeds added at run time (admin ``/addseed``): an article's URL or its pasted text.

Pure: the seed a text makes (``pasted_seed``), whether it may join the others (``refusal``), the
stored form (``parse_added``, ``encode_added``), and the scorer that knows them (``with_seeds``).
Fetching the page and keeping the list (in the database) is ``bot.seed_admin``'s; the configured
seeds (``[[seeds]]`` in tjwatch.toml) stay where they are, these come after them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.seeds import make_seed

# Shorter than this is a headline, not an article: nothing to compare reports with.
MIN_TEXT_CHARS = 200
MAX_TEXT_CHARS = 20_000
MAX_ADDED = 50
TITLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class AddedSeed:
    name: str
    title: str
    text: str
    url: str | None
    added_at: str
    """ISO date and time (UTC) it was added."""

    @property
    def day(self) -> date:
        return datetime.fromisoformat(self.added_at).date()


@dataclass(frozen=True, slots=True)
class SeedRefused:
    """Why a text or page cannot become a seed (the bot words it in the admin's language)."""

    code: str
    """too_short, fetch_failed, no_text, already or limit."""
    detail: str = ""
    """The particulars: the text's length, the fetch error."""


@dataclass(frozen=True, slots=True)
class AddSeedResult:
    seed: AddedSeed | None = None
    refused: SeedRefused | None = None

    @property
    def ok(self) -> bool:
        return self.refused is None and self.seed is not None


def parse_added(raw: str | None) -> list[AddedSeed]:
    if not raw:
        return []
    return [AddedSeed(**entry) for entry in json.loads(raw)]


def encode_added(seeds: Sequence[AddedSeed]) -> str:
    return json.dumps([asdict(s) for s in seeds], ensure_ascii=False)


def with_seeds(scorer: SeedScorer, added: Sequence[AddedSeed]) -> SeedScorer:
    """The same scorer (lexicon, thresholds, learnt frequencies) comparing with ``added`` too."""
    if not added:
        return scorer
    extra = [make_seed(scorer.lexicon, s.name, s.text, s.title, s.day) for s in added]
    return SeedScorer(
        scorer.lexicon, (*scorer.seeds, *extra), scorer.thresholds, df=scorer.df, learn=scorer.learn
    )


def pasted_seed(
    text: str, *, now: datetime, url: str | None = None, title: str | None = None
) -> AddedSeed | SeedRefused:
    """Pure: the seed a text makes (its first line the title unless given), or why it cannot."""
    body = text.strip()[:MAX_TEXT_CHARS]
    if len(body) < MIN_TEXT_CHARS:
        return SeedRefused("too_short", str(len(body)))
    head = " ".join((title or body.splitlines()[0]).split())[:TITLE_CHARS]
    digest = hashlib.sha256(" ".join(body.split()).encode()).hexdigest()[:10]
    return AddedSeed(f"added-{digest}", head, body, url, now.isoformat(timespec="seconds"))


def refusal(made: AddedSeed, added: Sequence[AddedSeed], known: set[str]) -> SeedRefused | None:
    """Why ``made`` cannot join the seeds (``known``: every seed's name), or None when it can."""
    if made.name in known or any(s.url and s.url == made.url for s in added):
        return SeedRefused("already")
    if len(added) >= MAX_ADDED:
        return SeedRefused("limit", str(MAX_ADDED))
    return None


def is_url(source: str) -> bool:
    return len(source.split()) == 1 and source.lower().startswith(("http://", "https://"))
