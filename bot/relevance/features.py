"""Pure feature extraction: what an item's text says, in language-independent terms.

The features separate "the relationship is the main subject" from "both sides named in passing":
where the words naming a side stand (title or body), how many sentences name both sides, which
bilateral and multilateral cues appear, how many third countries are listed, and which dates are
mentioned. Which concepts name which side, and which sides words imply together, is the topic's
(``Lexicon.sides``, from the topic file); this module knows only the kinds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.pickled import as_values
from bot.relevance.lexicon import Lexicon, tokenize
from bot.topic import Near

# A full stop after a digit is an ordinal or a date ("9. маја"), not a sentence end.
SENTENCE = re.compile(r"(?<=[.!?…])(?<![0-9]\.)\s+|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A year is a number of four digits from 1950 to 2049 (``_years_and_numbers``).
_YEARS = (("195", "199"), ("200", "204"))
# "A capital is a place, not an actor" looks this many words back for a venue preposition ("in
# Paris", "at a Paris meeting"); "a country beside 'capital'" this many either way.
PLACE_WINDOW = 2
# How much of the body to read: the lede says what the article is about (and a feed that puts
# whole articles in its summaries does not slow scoring down).
BODY_CHARS = 3000


@dataclass(frozen=True, slots=True)
class Features:
    title_concepts: frozenset[str]
    concepts: Mapping[str, int]
    """How many sentences (the headline one of them) name each concept."""
    sentences: int
    both_sentences: int
    lede_both: bool
    """The first sentence after the headline names both sides (news puts the subject first)."""
    listed: bool
    """One side is named only beside two or more third countries: a list, not the subject."""
    head_concepts: frozenset[str]
    """Named in the headline or the first sentence: what the item is about, not its background."""
    years: frozenset[int]
    months: frozenset[str]
    numbers: frozenset[str]
    tokens: tuple[str, ...] = field(default=())
    side_words: tuple[str, ...] = field(default=())
    """The words that named a side, as written, first occurrence each."""
    venue_sides: frozenset[str] = frozenset()
    """Sides the headline and first sentence name only as the place of a meeting."""
    sides: frozenset[str] = frozenset()
    """The ids of the sides the item names."""
    title_sides: frozenset[str] = frozenset()
    """The ids of the sides the headline names."""

    @property
    def both(self) -> bool:
        """Both sides of the pair are named."""
        return len(self.sides) >= 2

    @property
    def title_both(self) -> bool:
        return len(self.title_sides) >= 2

    @property
    def both_share(self) -> float:
        return self.both_sentences / self.sentences if self.sentences else 0.0

    def named(self, cue: frozenset[str]) -> frozenset[str]:
        return frozenset(cue & self.concepts.keys())

    def without_tokens(self) -> Features:
        """These features without their word list, built field by field (``dataclasses.replace``
        is slower, and every item a parse worker reads goes through here)."""
        values: list[Any] = [() if name == "tokens" else getattr(self, name) for name in _FIELDS]
        return Features(*values)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        """Parse workers send thousands a cycle (``bot.pickled``)."""
        return as_values(self)


_FIELDS = Features.__slots__


def body_of(summary: str, text: str | None) -> str:
    """What the scorer reads beside the title: the summary, then the start of the full text."""
    if text and len(text) > len(summary):
        return (summary[:BODY_CHARS] + "\n" + text)[:BODY_CHARS]
    return summary[:BODY_CHARS]


# A sentence's words and the concepts they name.
Sentence = tuple[list[str], list[tuple[int, str]]]


def extract(
    lexicon: Lexicon, title: str, body: str, read: dict[str, Sentence] | None = None
) -> Features:
    """``read``: sentences already read, by text, and where to keep those read now (an item's
    lede is read after its whole body, and shares its headline and first sentences)."""
    others = lexicon.cues.get("other_countries", frozenset())
    side_of = lexicon.side_of
    title_tokens, title_hits = _read(lexicon, title, read)
    title_hits = title_hits + _implied(title_hits, lexicon)
    title_concepts = frozenset(c for _, c in title_hits)
    concepts: Counter[str] = Counter(title_concepts)
    words = dict.fromkeys(title_tokens[i] for i, c in title_hits if c in side_of)
    sentences = [s for s in SENTENCE.split(body) if s.strip()]
    side_sets = lexicon.side_sets
    title_sides = frozenset(s for s, ids in side_sets if not ids.isdisjoint(title_concepts))
    sides = set(title_sides)
    both = 1 if len(title_sides) >= 2 else 0
    lede_both = False
    head = set(title_concepts)
    places = _side_places(title_tokens, title_hits, lexicon)
    # Per side: sentences naming it, and those of them that list two or more third countries too.
    named_in = {side.id: 0 for side in lexicon.sides}
    listed_in = dict(named_in)
    _count_sides(title_sides, title_concepts, others, named_in, listed_in)
    tokens = list(title_tokens)
    for number, sentence in enumerate(sentences):
        sentence_tokens, hits = _read(lexicon, sentence, read)
        tokens.extend(sentence_tokens)
        if not hits:
            continue
        hits = hits + _implied(hits, lexicon)
        named = {c for _, c in hits}
        concepts.update(named)
        if number == 0:
            head.update(named)
            lede = _side_places(sentence_tokens, hits, lexicon)
            places = {k: (n + lede[k][0], v + lede[k][1], t) for k, (n, v, t) in places.items()}
        named_sides = [s for s, ids in side_sets if not ids.isdisjoint(named)]
        _count_sides(named_sides, named, others, named_in, listed_in)
        words.update(dict.fromkeys(sentence_tokens[i] for i, c in hits if c in side_of))
        if len(named_sides) >= 2:
            both += 1
            lede_both = lede_both or number == 0
        sides.update(named_sides)
    years, numbers = _years_and_numbers(title + "\n" + body)
    months = lexicon.cues.get("months", frozenset()) & concepts.keys()
    return Features(
        title_concepts=title_concepts,
        concepts=dict(concepts),  # a plain dict: workers send it, and a Counter unpickles slowly
        sentences=len(sentences) + 1,
        both_sentences=both,
        lede_both=lede_both,
        head_concepts=frozenset(head),
        listed=any(named_in[k] and named_in[k] == listed_in[k] for k in named_in),
        years=years,
        months=frozenset(months),
        numbers=numbers,
        tokens=tuple(tokens),
        side_words=tuple(words),
        venue_sides=frozenset(k for k, (n, v, t) in places.items() if t and n == v),
        sides=frozenset(sides),
        title_sides=title_sides,
    )


def _years_and_numbers(text: str) -> tuple[frozenset[int], frozenset[str]]:
    """The years (1950-2049) and the numbers a text names, in one pass over its numbers.

    A year is a number standing alone: not part of a longer one ("12025", "2025.5") and not the
    last part of a dotted date or a decimal ("12.05.2025", "1,2025": the number before it ends
    with a digit and a dot or comma right before it). A decimal comma becomes a point.
    """
    years: list[int] = []
    numbers: list[str] = []
    for match in _NUMBER.finditer(text):
        number = match.group()
        numbers.append(number)
        if (
            len(number) == 4
            and any(low <= number[:3] <= high for low, high in _YEARS)
            and number[3].isdecimal()
            and not (
                (start := match.start()) >= 2
                and text[start - 1] in ".,"
                and text[start - 2].isdecimal()
            )
        ):
            years.append(int(number))
    return frozenset(years), frozenset(n.replace(",", ".") for n in numbers)


def _read(lexicon: Lexicon, sentence: str, read: dict[str, Sentence] | None) -> Sentence:
    if read is not None and (known := read.get(sentence)) is not None:
        return known
    tokens = tokenize(sentence)
    found = tokens, lexicon.find(tokens, sentence)
    if read is not None:
        read[sentence] = found
    return found


def _implied(hits: list[tuple[int, str]], lexicon: Lexicon) -> list[tuple[int, str]]:
    """Sides named by words together (the topic's ``[[implied]]`` rules): a concept near another
    ("201" beside a word for a base), or places in a sentence that names a context (a city in a
    sentence about migrants)."""
    named = {c for _, c in hits}
    if lexicon.implied_triggers.isdisjoint(named) or lexicon.topic is None:  # most sentences
        return []
    found: list[tuple[int, str]] = []
    for rule in lexicon.topic.implied:
        if isinstance(rule, Near):
            if rule.concept in named and rule.near in named:
                near = [i for i, c in hits if c == rule.near]
                found.extend(
                    (i, rule.id)
                    for i, c in hits
                    if c == rule.concept and any(abs(i - j) <= rule.window for j in near)
                )
        elif not (named.isdisjoint(rule.concepts) or named.isdisjoint(rule.context)):
            found.extend((i, rule.id) for i, c in hits if c in rule.concepts)
    return found


def _side_places(
    tokens: list[str], hits: list[tuple[int, str]], lexicon: Lexicon
) -> dict[str, tuple[int, int, bool]]:
    """Per side, in one sentence: (words naming it, those naming only a meeting's place, any)."""
    if not hits:  # most headlines
        return {side.id: (0, 0, False) for side in lexicon.sides}
    gatherings = {i for i, c in hits if c in lexicon.cues.get("gatherings", frozenset())}
    capitals = [i for i, c in hits if c == "capital"]
    found: dict[str, tuple[int, int, bool]] = {}
    side_of = lexicon.side_of
    at: dict[str, dict[int, set[str]]] = {side.id: {} for side in lexicon.sides}
    for i, c in hits:
        if c in side_of:
            at[side_of[c]].setdefault(i, set()).add(c)
    for side, words in at.items():
        place = sum(
            _is_place(lexicon, tokens, i, named, gatherings, capitals) for i, named in words.items()
        )
        found[side] = (len(words), place, bool(words))
    return found


def _is_place(
    lexicon: Lexicon,
    tokens: list[str],
    i: int,
    named: set[str],
    gatherings: set[int],
    capitals: list[int],
) -> bool:
    """Whether the word at ``i``, naming ``named`` (one side's concepts), names a place rather
    than an actor. A leader (the Kremlin too) is an actor even after "in"; a capital is a place
    after a venue preposition or before a gathering ("the Paris summit"); a country is one
    beside "capital" ("in the French capital", "Russia's capital"). A capital written in the
    config's rules names its country too (a rule word joins the side's country concept)."""
    if named & lexicon.actors:
        return False
    if named & lexicon.capitals:
        before = tokens[max(0, i - PLACE_WINDOW) : i]
        return any(t.lower() in lexicon.venue_prepositions for t in before) or i + 1 in gatherings
    if named <= lexicon.countries:
        return any(abs(i - j) <= PLACE_WINDOW for j in capitals)
    return False


def _count_sides(
    sides: Iterable[str],
    named: Iterable[str],
    others: frozenset[str],
    named_in: dict[str, int],
    listed_in: dict[str, int],
) -> None:
    in_list = len(others.intersection(named)) >= 2
    for side in sides:
        named_in[side] += 1
        listed_in[side] += in_list
