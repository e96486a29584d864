"""The multilingual concept vocabulary (``lexicon.toml``): words in any language → concept ids.

A word and a text token match after folding (lower case, diacritics dropped, Tajik and Serbian
letters mapped to their Russian neighbours) when the token's Snowball stem equals the word's, or,
for a word whose stem has five letters or more, when the token starts with that stem. Five, not
fewer, because shorter stems run into other words ("sign" → "significant", "рус" → "русло").
A word written ``word*`` is a prefix whatever its length; ``word!`` matches by stem only, never as
a prefix ("investment!" → "investments", not "investigation").

This is tjwatch's one matcher: the scorer's concepts, the config's keyword rules
(``bot.relevance.terms``) and the full-text gate all tokenise, fold and stem here, with one cache
per word (``fold``, ``token_key``, ``stem``). ``load_lexicon`` joins the engine's vocabulary
(``lexicon.toml``: kinds of event, blocs, months...) with a topic's (``bot.topic``) and the
config's rule words.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import snowballstemmer

from bot.topic import InContext, Side, Topic, engine_vocabulary

MIN_PREFIX = 5
# Distinct words each per-word cache keeps: stems here, and beside them folded forms, lexicon
# candidates, spelling skeletons and signature keys. Every process that reads items (each parse
# worker, the bot) has its own; together they take ~0.9 KB a distinct word, so this many cost
# ~47 MB a process (benchmarks/NOTES.md has the figures that chose it).
VOCABULARY_CACHE = 50_000
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")
# The concept the config's ``[rules] exclude`` words name: an item naming one is never relevant.
EXCLUDED = "excluded"
# Distinct tokens whose candidate terms a generation of the cache keeps (``Lexicon._candidates``):
# with the generation before it, at most ``VOCABULARY_CACHE``, so a parse worker keeps a whole
# 500-feed cycle's words (~30,000). A bot reading a few feeds itself turns a generation over
# after a cycle once it holds ``CYCLE_TOKENS`` (``forget_words``): about what a day of the
# shipped feeds names, so that its cache is as large on the first day as after a month.
CACHE_TOKENS = VOCABULARY_CACHE // 2
CYCLE_TOKENS = 12_000
# Chinese is written without spaces: each Han character is a token, and a term of several
# characters ("俄罗斯") matches them in a row, as a term of several words does.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_WORD = re.compile(rf"[{_HAN}]|[^\W_{_HAN}]+", re.UNICODE)
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_FOLD = str.maketrans(
    {
        "ҳ": "х",
        "ҷ": "ч",
        "қ": "к",
        "ғ": "г",
        "џ": "дж",
        "ј": "и",
        "ћ": "ч",
        "ђ": "дж",
        "љ": "ль",
        "њ": "нь",
        "і": "и",
        "ї": "и",
        "є": "е",
        "ґ": "г",
        "ә": "а",
        "ө": "о",
        "ү": "у",
        "ң": "н",
    }
)


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
def stem(word: str) -> str:
    """The Snowball stem of a word: Russian's for Cyrillic, English's otherwise."""
    word = word.lower().replace("ё", "е")
    if _CYRILLIC.search(word):
        return str(_RU.stemWord(word))
    return str(_EN.stemWord(word))


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
def fold(word: str) -> str:
    if word.isascii():  # nothing to decompose, drop or map
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(itertools.filterfalse(unicodedata.combining, decomposed)).translate(_FOLD)


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
def token_key(token: str) -> tuple[str, str]:
    """A token's folded form and its stem."""
    folded = fold(token)
    return folded, stem(folded)


def forget_words() -> None:
    """Empty the per-word caches of stems and folded forms, and start a new generation of each
    lexicon's candidate cache that holds ``CYCLE_TOKENS`` (``bot.relevance.reading``)."""
    stem.cache_clear()
    fold.cache_clear()
    token_key.cache_clear()
    for lexicon in _LEXICONS:
        lexicon.turn_over(CYCLE_TOKENS)


def words_cached() -> int:
    """How many words the per-word caches hold (the largest of them)."""
    return max(f.cache_info().currsize for f in (stem, fold, token_key))


def tokenize(text: str) -> list[str]:
    return _WORD.findall(text)


def stems(text: str) -> list[str]:
    """The stems of a text's words, folded as the lexicon folds them (for comparing texts)."""
    return [token_key(token)[1] for token in tokenize(text)]


_DASHES = "-‐‑–—"
_DASH = re.compile(f"[{_DASHES}]")
# A run of dashes with a word after it (spaces between allowed). The pattern starts with the
# dashes, so the regex engine skips ahead to them instead of trying a lookbehind at every character.
_DASH_BEFORE_WORD = re.compile(rf"[{_DASHES}]+(?=\s*[^\W_])")


def dash_joined(text: str) -> frozenset[int]:
    """The positions (in ``tokenize(text)``) of the words joined to the word before by a dash
    alone ("France-Germany", "Париж – Берлин"), not by a comma or a word ("France,
    Germany")."""
    if not _DASH.search(text):  # most sentences: no second scan
        return frozenset()
    joined: set[int] = set()
    counted, before = 0, 0  # words wholly before ``counted`` (no word holds a dash or a space)
    for match in _DASH_BEFORE_WORD.finditer(text):
        start = end = match.start()
        while end and text[end - 1].isspace():
            end -= 1
        if not end or not text[end - 1].isalnum():  # joined to a word, not to a comma or a dash
            continue
        before += len(_WORD.findall(text, counted, start))
        counted = start
        joined.add(before)
    return frozenset(joined)


@dataclass(frozen=True, slots=True)
class _WordSpec:
    keys: tuple[str, ...]
    prefix: bool

    def matches(self, folded: str, stemmed: str) -> bool:
        if self.prefix:
            return folded.startswith(self.keys[0]) or stemmed.startswith(self.keys[0])
        return folded in self.keys or stemmed in self.keys


def _spec(word: str) -> _WordSpec:
    if word.endswith("*"):  # an explicit prefix, for agglutinative Tajik ("Русия*" → "Русияву")
        return _WordSpec((fold(word[:-1]),), True)
    exact = word.endswith("!")  # the word's own forms only ("investment!" is not "investigation")
    folded, stemmed = token_key(word.rstrip("!"))
    if len(stemmed) >= MIN_PREFIX and not exact:
        return _WordSpec((stemmed,), True)
    return _WordSpec(tuple(dict.fromkeys((folded, stemmed))), False)


@dataclass(frozen=True, slots=True)
class _Entry:
    concept: str
    rest: tuple[_WordSpec, ...]
    dashed: bool = False
    """Written with a dash ("France-Germany"): its words must be joined by one in the text."""
    han: bool = False
    """Chinese characters: the longest term wins ("白俄罗斯" Belarus is not "俄罗斯" Russia)."""


# Every lexicon of this process, for ``forget_words``.
_LEXICONS: weakref.WeakSet[Lexicon] = weakref.WeakSet()


class Lexicon:
    """Finds the concepts a token sequence names; one pass, cached per distinct token."""

    def __init__(
        self,
        concepts: Mapping[str, Iterable[str]],
        cues: Mapping[str, Sequence[str]],
        topic: Topic | None = None,
    ) -> None:
        self.cues = {name: frozenset(ids) for name, ids in cues.items()}
        self.topic = topic
        self.sides: tuple[Side, ...] = topic.sides if topic else ()
        self.side_of = {c: side.id for side in self.sides for c in side.concepts}
        """The side each side-naming concept names."""
        self.capitals = frozenset(c for side in self.sides for c in side.capitals)
        self.actors = frozenset(c for side in self.sides for c in side.leaders)
        self.countries = frozenset(side.country for side in self.sides)
        self.venue_prepositions = frozenset(topic.venue_prepositions if topic else ())
        self.side_sets = tuple((side.id, side.concepts) for side in self.sides)
        """Each side's id and the concepts naming it, for set operations in C."""
        implied = topic.implied if topic else ()
        self.implied_triggers = frozenset(
            c
            for rule in implied
            for c in (rule.concepts if isinstance(rule, InContext) else (rule.concept,))
        )
        """The concepts without which no implied-side rule applies."""
        self._exact: dict[str, list[_Entry]] = {}
        self._prefix: dict[str, list[_Entry]] = {}
        self._cache: dict[str, tuple[_Entry, ...]] = {}
        self._older: dict[str, tuple[_Entry, ...]] = {}
        """The cache's previous generation: a token found there moves to ``_cache``."""
        self._naming: set[str] = set()
        """The tokens in the cache that start a term (most words start none)."""
        _LEXICONS.add(self)
        self._shortest_prefix = MIN_PREFIX
        self.concepts = tuple(concepts)
        for concept, words in concepts.items():
            for word in words:
                parts = tokenize(word)
                if not parts:
                    continue
                if word.endswith(("*", "!")):
                    parts[-1] += word[-1]
                first = _spec(parts[0])
                dashed = len(parts) > 1 and any(c in _DASHES for c in word)
                han = len(parts) > 1 and all(_HAN_CHAR.fullmatch(p) for p in parts)
                entry = _Entry(concept, tuple(_spec(p) for p in parts[1:]), dashed, han)
                table = self._prefix if first.prefix else self._exact
                if first.prefix:
                    self._shortest_prefix = min(self._shortest_prefix, len(first.keys[0]))
                for key in first.keys:
                    if entry not in table.setdefault(key, []):
                        table[key].append(entry)

    def _candidates(self, token: str) -> tuple[_Entry, ...]:
        """The terms that may start at ``token``, cached in two generations: when the current one
        is full it becomes the older and a new one starts, so the words the feeds keep using
        stay (each moves over on its next use) and a word not met for two generations is
        dropped. The cache's size then levels off within a day instead of growing with every
        new word form over weeks (or starting over, all at once, when full)."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        result = self._older.get(token)
        if result is None:
            result = self._lookup(token)
        self.turn_over(CACHE_TOKENS)
        self._cache[token] = result
        if result:
            self._naming.add(token)
        return result

    def turn_over(self, full: int) -> None:
        """Start a new generation of the candidate cache if the current one holds ``full``."""
        if len(self._cache) >= full:
            self._older, self._cache = self._cache, {}
            self._naming = {t for t, entries in self._older.items() if entries}

    def words_held(self) -> int:
        """How many distinct tokens the candidate cache holds (both generations)."""
        return len(self._cache) + len(self._older)

    def _lookup(self, token: str) -> tuple[_Entry, ...]:
        folded, stemmed = token_key(token)
        found: list[_Entry] = []
        found.extend(self._exact.get(folded, ()))
        if stemmed != folded:
            found.extend(self._exact.get(stemmed, ()))
        longest = max(len(folded), len(stemmed))
        sources = (folded,) if stemmed == folded else (folded, stemmed)
        # An explicit "word*" may be shorter than MIN_PREFIX ("Руси*" for "Русияро").
        for length in range(self._shortest_prefix, longest + 1):
            for source in sources:
                if len(source) >= length:
                    found.extend(self._prefix.get(source[:length], ()))
        return tuple(dict.fromkeys(found))

    def find(self, tokens: Sequence[str], text: str | None = None) -> list[tuple[int, str]]:
        """(position, concept) for every concept named, in text order.

        ``text``: what ``tokens`` were read from; with it, a dashed term matches only words a
        dash joins there (``dash_joined``, worked out only for a sentence where a dashed term's
        words stand: most hold none, and finding the dashes costs as much as tokenising);
        without it, dashes are not checked.
        """
        distinct = set(tokens)
        for token in distinct.difference(self._cache):
            self._candidates(token)
        naming = self._naming
        if naming.isdisjoint(distinct):  # most sentences: decided without a loop in Python
            return []
        hits: list[tuple[int, str]] = []
        han: list[tuple[int, int, int]] = []  # (start, end, index in hits) of Chinese terms
        cache = self._cache
        joined: frozenset[int] | None = None
        for i, token in enumerate(tokens):
            if token not in naming:
                continue
            entries = cache.get(token)
            if entries is None:  # the cache was cleared since the check above
                entries = self._candidates(token)
            for entry in entries:
                rest = entry.rest
                if rest:
                    if not self._rest_matches(tokens, i + 1, rest):
                        continue
                    if entry.dashed and text is not None:
                        if joined is None:
                            joined = dash_joined(text)
                        if not all(i + 1 + k in joined for k in range(len(rest))):
                            continue
                if entry.han:
                    han.append((i, i + len(rest) + 1, len(hits)))
                hits.append((i, entry.concept))
        if len(han) > 1:
            inside = {
                k
                for start, end, k in han
                for s2, e2, _ in han
                if s2 <= start and end <= e2 and (s2, e2) != (start, end)
            }
            hits = [h for k, h in enumerate(hits) if k not in inside]
        return hits

    @staticmethod
    def _rest_matches(tokens: Sequence[str], start: int, rest: tuple[_WordSpec, ...]) -> bool:
        if start + len(rest) > len(tokens):
            return False
        # A loop, not all() over a generator: most checks fail at the first word.
        for k, spec in enumerate(rest):  # noqa: SIM110
            if not spec.matches(*token_key(tokens[start + k])):
                return False
        return True


def load_lexicon(
    topic: Topic | None = None, extra: Mapping[str, Iterable[str]] | None = None
) -> Lexicon:
    """The engine's vocabulary with the topic's concepts and cues, plus ``extra`` words per
    concept (the config's rules: each side's words join its country concept, ``exclude``'s the
    ``EXCLUDED`` concept)."""
    engine_concepts, engine_cues = engine_vocabulary()
    concepts: dict[str, list[str]] = {k: list(v) for k, v in engine_concepts.items()}
    cues: dict[str, list[str]] = {k: list(v) for k, v in engine_cues.items()}
    if topic is not None:
        for concept, words in topic.concepts:
            concepts.setdefault(concept, []).extend(words)
        for name, ids in topic.cues:
            cues.setdefault(name, []).extend(ids)
    for concept, added in (extra or {}).items():
        concepts.setdefault(concept, []).extend(added)
    return Lexicon(concepts, cues, topic)
