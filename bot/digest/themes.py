"""Pure: which configured themes (``[[themes]]`` name + terms) an item is about, and counts.

Terms are lexicon words (``bot.relevance.lexicon``), matched in the title and summary exactly as
the keyword rules and the scorer match theirs: the same tokeniser, folding, stems and per-word
cache. All themes' terms are one lexicon, so an item's words are looked up once, whatever the
number of themes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.relevance.lexicon import Lexicon, tokenize
from bot.settings import Settings

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ThemeCount:
    name: str
    count: int


class ThemeMatcher:
    """Themes of texts: one lexicon whose concepts are the themes' terms."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self.names = tuple(t.name for t in themes)
        self._owners: dict[str, list[int]] = {}
        for index, theme in enumerate(themes):
            for term in theme.terms:
                if term.strip():
                    self._owners.setdefault(term.strip(), []).append(index)
        self._lexicon = Lexicon({term: [term] for term in self._owners}, {})

    def _labels(self, text: str) -> set[str]:
        return {term for _, term in self._lexicon.find(tokenize(text), text)}

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


def matcher_for(settings: Settings, lang: str = "en") -> ThemeMatcher:
    """The configured themes, named in ``lang`` (the English name where none is given)."""
    return ThemeMatcher([Theme(t.label(lang), tuple(t.terms)) for t in settings.file.themes])
