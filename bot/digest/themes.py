"""Pure: which configured themes (``[[themes]]`` name + terms) an item is about, and counts.

Terms match by stem, as the keyword rules do (``bot.relevance.terms``), in the title and summary.
All themes' one-word terms are in one stem index (multi-word terms in one ``TermSet``), so an
item's words are looked up once, whatever the number of themes (10,000 items a month must stay
well under a second).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.relevance.terms import MIN_PREFIX_STEM, TermSet, stem, stems, tokens
from bot.settings import Settings

OTHER = "other"
# Snowball stemmers change endings only: a word and its stem share their first letters, so a
# word whose first two letters start no term's stem is not stemmed at all (most words of a
# month's items: the stemmer was most of a cold summary's time).
HEAD = 2


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ThemeCount:
    name: str
    count: int


class StemIndex:
    """One-word terms by stem, matched by the rule of ``bot.relevance.terms``: a token's stem
    names a term when it equals the term's stem or, for a stem of ``MIN_PREFIX_STEM`` letters or
    more, starts with it. Looking up the token stem's prefixes costs a few dictionary look-ups
    where ``TermSet`` scans every term for each stem it has not seen, and a month of items brings
    tens of thousands of words not seen before."""

    def __init__(self, stems_labels: Iterable[tuple[str, str]]) -> None:
        self._by_stem: dict[str, list[str]] = {}
        for term_stem, label in stems_labels:
            self._by_stem.setdefault(term_stem, []).append(label)

    def heads(self) -> set[str]:
        """The first two letters of every term's stem."""
        return {term_stem[:HEAD] for term_stem in self._by_stem}

    def find(self, token_stem: str) -> list[str]:
        found = list(self._by_stem.get(token_stem, ()))
        for end in range(MIN_PREFIX_STEM, len(token_stem)):
            found.extend(self._by_stem.get(token_stem[:end], ()))
        return found


class ThemeMatcher:
    """Themes of texts. Words repeat across a period's items, so what each distinct word names
    is remembered (``_words``): a text costs one dictionary look-up per word, and the stemmer
    and the term scan run once per new word. Multi-word terms ("Rustam Emomali") are checked on
    the whole text only when one of its words starts such a term (timings in
    benchmarks/NOTES.md)."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self.names = tuple(t.name for t in themes)
        self._owners: dict[str, list[int]] = {}
        for index, theme in enumerate(themes):
            for term in theme.terms:
                if term.strip():
                    self._owners.setdefault(term.strip(), []).append(index)
        multi = [label for label in self._owners if len(tokens(label)) > 1]
        self._single = StemIndex(
            (stem(tokens(label)[0]), label) for label in self._owners if len(tokens(label)) == 1
        )
        self._multi = TermSet(multi)
        self._multi_first = StemIndex((stem(tokens(label)[0]), label) for label in multi)
        self._words: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._heads = frozenset(self._single.heads() | self._multi_first.heads())

    def _labels(self, text: str) -> set[str]:
        found: set[str] = set()
        whole_text = False
        # Split on white space (fast, in C) and remember each chunk ("Putin's," included);
        # the word pattern and the stemmer see a chunk only the first time it occurs.
        for chunk in set(text.split()):
            known = self._words.get(chunk)
            if known is None:
                known = self._learn(chunk)
            if known[0]:
                found.update(known[0])
            whole_text = whole_text or known[1]
        if whole_text:
            found.update(self._multi.find(stems(text)))
        return found

    def _learn(self, chunk: str) -> tuple[tuple[str, ...], bool]:
        labels: dict[str, None] = {}
        starts_multi = False
        for word in tokens(chunk):
            if word.lower().replace("ё", "е")[:HEAD] not in self._heads:
                continue  # a stem keeps its word's first letters: no term can match, no stemming
            word_stem = stem(word)
            labels.update(dict.fromkeys(self._single.find(word_stem)))
            starts_multi = starts_multi or bool(self._multi_first.find(word_stem))
        known = (tuple(labels), starts_multi)
        self._words[chunk] = known
        return known

    def hits(self, text: str) -> list[int]:
        """Per theme (in configured order), how many distinct terms of it ``text`` names."""
        counts = [0] * len(self.names)
        for label in self._labels(text):
            for index in self._owners[label]:
                counts[index] += 1
        return counts

    def themes_of(self, text: str) -> tuple[str, ...]:
        """Every theme the text names, in configured order."""
        return tuple(name for name, n in zip(self.names, self.hits(text), strict=True) if n)

    def primary(self, text: str) -> str:
        """The one theme a text is most about (most distinct terms; the first configured on a
        tie), or ``OTHER``; a stacked chart needs each item in exactly one theme."""
        hits = self.hits(text)
        best = max(range(len(hits)), key=lambda i: (hits[i], -i), default=None)
        return self.names[best] if best is not None and hits[best] else OTHER


def count_themes(matcher: ThemeMatcher, texts: Iterable[str]) -> tuple[ThemeCount, ...]:
    """Items naming each theme (an item may count under several), busiest first; zeros left out."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(matcher.themes_of(text))
    order = {name: n for n, name in enumerate(matcher.names)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    return tuple(ThemeCount(name, n) for name, n in ranked)


def matcher_for(settings: Settings) -> ThemeMatcher:
    return ThemeMatcher([Theme(t.name, tuple(t.terms)) for t in settings.file.themes])
