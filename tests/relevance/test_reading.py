"""Items read by a parse worker are scored exactly as items the scorer reads itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.worker import ParsedItems, parse_and_normalize
from bot.relevance import lexicon as lexicon_module
from bot.relevance import similarity
from bot.relevance.build import lexicon_terms
from bot.relevance.lexicon import load_lexicon
from bot.relevance.reading import LexiconTerms, read
from tests.relevance.support import scorer, shipped_settings

TOPIC = Path(__file__).resolve().parents[1] / "data" / "topic"


def _parsed(name: str, terms: LexiconTerms | None = None) -> ParsedItems:
    return parse_and_normalize(
        (TOPIC / name).read_bytes(),
        {"content-type": "application/rss+xml"},
        feed_id=1,
        feed_name=name,
        feed_url=f"https://example.org/{name}",
        feed_lang=None,
        fetched_at=datetime(2026, 11, 23, 12, tzinfo=UTC),
        terms=terms,
    )


def test_a_workers_reading_gives_the_same_verdicts() -> None:
    terms = lexicon_terms(shipped_settings())
    parsed = [_parsed(name, terms) for name in ("topic-en-rss.xml", "topic-ru-rss.xml")]
    items = [i for p in parsed for i in p.items]
    readings = [r for p in parsed for r in p.readings]
    assert len(readings) == len(items) > 10
    own, given = scorer(), scorer()  # each learns document frequencies as it goes
    verdicts = [own.score(i) for i in items]
    assert verdicts == [given.score(i, r) for i, r in zip(items, readings, strict=True)]
    assert sum(v.relevant for v in verdicts) >= 5  # relevant and not: both kinds compared
    assert any(not v.relevant for v in verdicts)


def test_a_long_running_reader_keeps_its_verdicts_when_its_word_caches_start_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lexicon's and the signature's per-word caches are bounded and start over when full;
    items read after that must read exactly as before."""
    parsed = _parsed("topic-ru-rss.xml")
    lexicon = load_lexicon()
    before = [read(lexicon, i.title, i.summary, i.text) for i in parsed.items]
    monkeypatch.setattr(lexicon_module, "CACHE_TOKENS", 50)
    monkeypatch.setattr(similarity, "WORD_KEYS_MAX", 50)
    fresh = load_lexicon()
    after = [read(fresh, i.title, i.summary, i.text) for i in parsed.items]
    assert after == before
    assert sum(bool(r.features.ru and r.features.tj) for r in after) >= 5
