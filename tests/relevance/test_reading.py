"""Items read by a parse worker are scored exactly as items the scorer reads itself."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.worker import ParsedItems, parse_and_normalize
from bot.relevance import lexicon as lexicon_module
from bot.relevance import similarity
from bot.relevance.build import lexicon_terms
from bot.relevance.features import extract
from bot.relevance.lexicon import (
    CACHE_TOKENS,
    CYCLE_TOKENS,
    VOCABULARY_CACHE,
    fold,
    load_lexicon,
    stem,
    token_key,
)
from bot.relevance.reading import LexiconTerms, forget_words, read
from bot.relevance.seeds import LEDE_CHARS
from bot.topic_file import load_topic
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


def test_what_is_new_reads_the_same_from_a_workers_sentences() -> None:
    """A worker reads the headline's and summary's sentences of an item naming both countries
    (``Reading.sentences``); a relevant item's "what's new" is the one the scorer finds alone."""
    terms = lexicon_terms(shipped_settings())
    parsed = [_parsed(name, terms) for name in ("topic-en-rss.xml", "topic-ru-rss.xml")]
    pairs = [(i, r) for p in parsed for i, r in zip(p.items, p.readings, strict=True)]
    given, alone = scorer(), scorer()
    verdicts = [given.score(i, r) for i, r in pairs]
    assert verdicts == [alone.score(i, replace(r, events=None, sentences=None)) for i, r in pairs]
    assert sum(v.whats_new is not None for v in verdicts) >= 5


def test_a_workers_items_and_readings_reach_the_bot_whole() -> None:
    """What a parse worker sends (pickled, as a process pool sends it) arrives equal: every
    field of every item, its features and signature (``bot.pickled``)."""
    parsed = _parsed("topic-ru-rss.xml", lexicon_terms(shipped_settings()))
    arrived = pickle.loads(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    assert arrived == parsed
    assert [i.published_at for i in arrived.items] == [i.published_at for i in parsed.items]
    assert sum(r.features.both for r in arrived.readings) >= 5


def test_a_long_running_reader_keeps_its_verdicts_when_its_word_caches_start_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lexicon's and the signature's per-word caches are bounded and start over when full;
    items read after that must read exactly as before."""
    parsed = _parsed("topic-ru-rss.xml")
    lexicon = load_lexicon(load_topic())
    before = [read(lexicon, i.title, i.summary, i.text) for i in parsed.items]
    monkeypatch.setattr(lexicon_module, "CACHE_TOKENS", 50)
    monkeypatch.setattr(similarity, "WORD_KEYS_MAX", 50)
    fresh = load_lexicon(load_topic())
    after = [read(fresh, i.title, i.summary, i.text) for i in parsed.items]
    assert after == before
    assert sum(bool(r.features.both) for r in after) >= 5


def test_a_readers_word_caches_stay_bounded_however_many_new_words_come() -> None:
    """Every process that reads items keeps per-word caches; new word forms keep coming in the
    news, and the caches must not grow with them (~0.9 KB a word in all)."""
    lexicon = load_lexicon(load_topic())
    rng = random.Random(4)
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    for _ in range(VOCABULARY_CACHE * 13 // 10 // 200):  # 1.3 times as many words as kept
        words = ("".join(rng.choices(letters, k=rng.randrange(6, 12))) for _ in range(200))
        text = " ".join(word.capitalize() if n % 3 == 0 else word for n, word in enumerate(words))
        read(lexicon, text[:60], text, None)
    assert fold.cache_info().currsize == VOCABULARY_CACHE  # full: the words did come
    for cache in (token_key, stem, similarity.skeleton):
        assert cache.cache_info().currsize <= VOCABULARY_CACHE
    assert len(similarity._WORD_KEYS) <= VOCABULARY_CACHE
    assert lexicon.words_held() <= 2 * CACHE_TOKENS


def test_the_words_the_news_keeps_using_stay_in_a_full_lexicon_cache() -> None:
    """The lexicon's cache of candidate terms levels off at two generations of words however
    many new forms come, and words that come up again and again are not looked up anew when a
    generation is full (their entries are the ones already found)."""
    lexicon = load_lexicon(load_topic())
    rng = random.Random(5)
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    usual = "Россия и Таджикистан обсудили сотрудничество в Душанбе"
    read(lexicon, usual, usual, None)
    found = {t: lexicon._candidates(t) for t in usual.split()}
    held = []
    for _ in range(CACHE_TOKENS * 3 // 200):  # three generations' worth of new words
        words = " ".join("".join(rng.choices(letters, k=rng.randrange(6, 12))) for _ in range(200))
        read(lexicon, usual, words, None)
        held.append(lexicon.words_held())
    assert max(held) <= 2 * CACHE_TOKENS + len(usual.split())
    assert min(held[len(held) // 2 :]) >= CACHE_TOKENS  # the older generation is kept
    read(lexicon, usual, usual, None)
    assert all(lexicon._candidates(t) is found[t] for t in usual.split())


def test_a_long_items_lede_reads_as_its_first_characters_alone() -> None:
    """A body longer than the lede is read once for both (the lede's sentences are the body's):
    the lede must come out as reading the headline and the first ``LEDE_CHARS`` on their own."""
    lexicon = load_lexicon(load_topic())
    title = "Путин и Рахмон обсудили 201-ю базу"
    body = (
        "В Москве прошли переговоры России и Таджикистана о 201-й российской военной базе. "
        + "Стороны обсудили торговлю, трудовых мигрантов и энергетику в 2025 году. " * 15
        + "Позже в Душанбе министры Казахстана, Узбекистана и Киргизии говорили о воде. " * 8
    )
    assert len(body) > LEDE_CHARS + 500  # the third kind of sentence straddles the lede
    reading = read(lexicon, title, body, None)
    alone = extract(lexicon, title, body[:LEDE_CHARS])
    assert reading.lede == replace(alone, tokens=())
    assert reading.features == replace(extract(lexicon, title, body), tokens=())
    assert reading.lede != reading.features  # the later sentences name other countries
    assert "russian_base" in reading.lede.concepts


def test_a_bot_reading_its_own_few_feeds_keeps_a_day_of_words_between_cycles() -> None:
    """The bot of a small deployment reads items itself and forgets per-word caches after each
    cycle (``forget_words``): its lexicon's candidate cache then keeps two generations of
    ``CYCLE_TOKENS`` words at most, plus the cycle's own, instead of filling for weeks."""
    lexicon = load_lexicon(load_topic())
    rng = random.Random(6)
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    cycle_words = 2_000
    held = []
    for _ in range(4 * CYCLE_TOKENS // cycle_words):
        for _ in range(cycle_words // 200):
            words = " ".join(
                "".join(rng.choices(letters, k=rng.randrange(6, 12))) for _ in range(200)
            )
            read(lexicon, "Россия и Таджикистан", words, None)
        forget_words()  # as the bot does after a cycle it parsed itself
        held.append(lexicon.words_held())
    assert max(held) <= 2 * CYCLE_TOKENS + cycle_words
    assert held[-1] >= CYCLE_TOKENS  # the last generation's words are kept
