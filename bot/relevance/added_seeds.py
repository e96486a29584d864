"""Seeds added at run time (admin ``/addseed``): an article's URL or its pasted text.

Kept in the database (``state`` key ``added_seeds``, a JSON list), so they survive a restart and
are in every backup; ``Services.build`` adds them to the configured seeds, and adding one swaps
in a scorer that knows it at once (the next poll compares items with it). The configured seeds
(``[[seeds]]`` in tjwatch.toml) stay where they are; these come after them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborHTMLParser

from bot.ingest.fulltext import extract_main_text
from bot.models import FetchStatus
from bot.relevance.seed_scorer import SeedScorer
from bot.relevance.seeds import make_seed
from storage import Store

if TYPE_CHECKING:
    from bot.services import Services

STATE_KEY = "added_seeds"
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
    """too_short, fetch_failed, no_text, already, limit or no_seed_scorer."""
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


def load_added(store: Store) -> list[AddedSeed]:
    """The added seeds, oldest first (call on the store's thread)."""
    return parse_added(store.state.get(STATE_KEY))


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


def page_title(content: bytes) -> str | None:
    """The page's own headline: og:title, else <title>."""
    tree = LexborHTMLParser(content)
    meta = tree.css_first('meta[property="og:title"]')
    value = meta.attributes.get("content") if meta is not None else None
    if not value:
        node = tree.css_first("title")
        value = node.text() if node is not None else None
    return " ".join(value.split()) if value and value.strip() else None


def _is_url(source: str) -> bool:
    return len(source.split()) == 1 and source.lower().startswith(("http://", "https://"))


async def _from_url(services: Services, url: str) -> AddedSeed | SeedRefused:
    public_only = not services.settings.file.fetch.allow_private_addresses
    result = await services.fetcher.fetch_page(url, public_only=public_only)
    if result.status is not FetchStatus.OK:
        return SeedRefused("fetch_failed", result.error or "no answer")
    final = result.final_url or url
    content_type = result.headers.get("content-type")
    text = await services.run_cpu(extract_main_text, result.content, content_type, final)
    if text is None:
        return SeedRefused("no_text")
    title = await services.run_cpu(page_title, result.content)
    return pasted_seed(text, now=services.clock.now(), url=url, title=title)


async def add_seed(services: Services, source: str) -> AddSeedResult:
    """Add an article (URL, or pasted text whose first line is the headline) as a seed."""
    if not isinstance(services.scorer, SeedScorer):
        return AddSeedResult(refused=SeedRefused("no_seed_scorer"))
    source = source.strip()
    made = (
        await _from_url(services, source)
        if _is_url(source)
        else pasted_seed(source, now=services.clock.now())
    )
    if isinstance(made, SeedRefused):
        return AddSeedResult(refused=made)
    store = services.store
    added = await store.run(load_added, store)
    known = {s.name for s in services.scorer.seeds}
    if made.name in known or any(s.url and s.url == made.url for s in added):
        return AddSeedResult(made, SeedRefused("already"))
    if len(added) >= MAX_ADDED:
        return AddSeedResult(refused=SeedRefused("limit", str(MAX_ADDED)))
    await store.run(
        store.state.set,
        STATE_KEY,
        json.dumps([asdict(s) for s in (*added, made)], ensure_ascii=False),
    )
    scorer = with_seeds(services.scorer, [made])
    services.scorer = scorer
    if services.stories is not None:
        services.stories.scorer = scorer
    return AddSeedResult(made)


async def added_seeds(services: Services) -> list[AddedSeed]:
    return await services.store.run(load_added, services.store)
