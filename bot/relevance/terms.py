"""Multilingual keyword rules matched by stem (Snowball), so one readable term covers its forms.

Terms are written as words in English, Russian or Tajik ("Таджикистан", "Russia", "Раҳмон").
Each text token and each term is lower-cased, ``ё`` folded to ``е``, and stemmed with the Snowball
stemmer of its script (Russian for Cyrillic, English for Latin). A term matches a token whose stem
equals the term's stem, or starts with it when the stem is long enough to be unambiguous (so
"Тоҷикистон" also matches the Tajik case forms "Тоҷикистонро", "Тоҷикистони"). Multi-word terms
match consecutive tokens. Hyphenated compounds ("российско-таджикский") are split into parts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import snowballstemmer

from bot.models import Match

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Prefix matching below this stem length would be too loose ("рус" would match "русло").
MIN_PREFIX_STEM = 5

# Distinct words each per-word cache keeps: stems here, and beside them folded forms, lexicon
# candidates, spelling skeletons and signature keys. Every process that reads items (each parse
# worker, the bot) has its own; together they take ~0.9 KB a distinct word, so this many cost
# ~47 MB a process. At 200,000-500,000 they let a long-running bot's workers grow toward 300 MB
# each as new word forms kept coming; a 500-feed cycle meets ~30,000 distinct words a worker.
VOCABULARY_CACHE = 50_000

_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=VOCABULARY_CACHE)
def stem(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if _CYRILLIC.search(word):
        return str(_RU.stemWord(word))
    return str(_EN.stemWord(word))


def tokens(text: str) -> list[str]:
    return _WORD.findall(text)


def stems(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    parts: tuple[str, ...]

    def matches_at(self, text_stems: Sequence[str], i: int) -> bool:
        for offset, part in enumerate(self.parts):
            j = i + offset
            if j >= len(text_stems) or not _stem_matches(text_stems[j], part):
                return False
        return True


def _stem_matches(token_stem: str, term_stem: str) -> bool:
    if token_stem == term_stem:
        return True
    return len(term_stem) >= MIN_PREFIX_STEM and token_stem.startswith(term_stem)


class TermSet:
    """A named list of terms, compiled once; ``find`` returns the terms a text names."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms: list[_Term] = []
        self._by_first: dict[str, list[_Term]] = {}
        for label in dict.fromkeys(t.strip() for t in terms if t.strip()):
            parts = tuple(stems(label))
            if parts:
                term = _Term(label, parts)
                self._terms.append(term)
                self._by_first.setdefault(parts[0], []).append(term)

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, text_stems: Sequence[str]) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for i, token_stem in enumerate(text_stems):
            candidates = self._by_first.get(token_stem)
            if candidates is None:
                candidates = [t for t in self._terms if _stem_matches(token_stem, t.parts[0])]
                # Cache the miss or the prefix hits for this stem.
                self._by_first[token_stem] = candidates
            for term in candidates:
                if term.label not in found and term.matches_at(text_stems, i):
                    found[term.label] = None
        return tuple(found)


class KeywordRules:
    """Russia terms AND Tajikistan terms, minus exclusions."""

    def __init__(
        self, russia: Iterable[str], tajikistan: Iterable[str], exclude: Iterable[str] = ()
    ) -> None:
        self.russia = TermSet(russia)
        self.tajikistan = TermSet(tajikistan)
        self.exclude = TermSet(exclude)

    def match(self, *texts: str) -> Match:
        text_stems = stems("\n".join(texts))
        return Match(
            russia=self.russia.find(text_stems),
            tajikistan=self.tajikistan.find(text_stems),
            excluded=self.exclude.find(text_stems) if len(self.exclude) else (),
        )
