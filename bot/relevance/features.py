"""Pure feature extraction: what an item's text says, in language-independent terms.

The features separate "the relationship is the main subject" from "both countries named in passing":
where the country terms stand (title or body), how many sentences name both sides, which bilateral
and multilateral cues appear, how many third countries are listed, and which dates are mentioned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.pickled import as_values
from bot.relevance.lexicon import Lexicon, tokenize

# A full stop after a digit is an ordinal or a date ("9. маја"), not a sentence end.
SENTENCE = re.compile(r"(?<=[.!?…])(?<![0-9]\.)\s+|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A year is a number of four digits from 1950 to 2049 (``_years_and_numbers``).
_YEARS = (("195", "199"), ("200", "204"))
# Named by the text's words together, not by one word (see ``_implied``): Russia's 201st base in
# Tajikistan, and a Russian city or region in a sentence about migrants, workers or a diaspora.
RU_BASE = "russian_base"
RU_PLACE = "russian_place"
RU_SIDE = frozenset(
    {"russia", "putin", "moscow", "kremlin", "peskov", "lavrov", "mishustin", RU_BASE, RU_PLACE}
)
TJ_SIDE = frozenset({"tajikistan", "rahmon", "dushanbe", "rustam_emomali"})
_SIDES = (("ru", RU_SIDE), ("tj", TJ_SIDE))
BASE_WINDOW = 4  # "201" and "base" at most this many words apart: "201-я российская военная база"
# A capital is a place, not an actor, after a locative preposition ("в Душанбе", "in Moscow", "дар
# Маскав", "at a Dushanbe meeting": either of the two words before) or before a gathering ("the
# Dushanbe summit"); a country is one beside "capital" ("в таджикской столице", "Russia's capital").
# The Kremlin is an actor even after "в": "в Кремле заявили" is the Russian government speaking.
_CAPITALS = frozenset({"moscow", "dushanbe"})
_AT = frozenset({"в", "во", "in", "at", "дар", "à", "au", "u", "im"})
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
    head_concepts: frozenset[str]
    """Named in the headline or the first sentence: what the item is about, not its background."""
    """One side is named only beside two or more third countries: a list, not the subject."""
    years: frozenset[int]
    months: frozenset[str]
    numbers: frozenset[str]
    tokens: tuple[str, ...] = field(default=())
    side_words: tuple[str, ...] = field(default=())
    """The words that named Russia or Tajikistan, as written, first occurrence each."""
    venue_sides: frozenset[str] = frozenset()
    """Sides ("ru", "tj") the headline and first sentence name only as the place of a meeting."""

    @property
    def ru(self) -> bool:
        return bool(RU_SIDE & self.concepts.keys())

    @property
    def tj(self) -> bool:
        return bool(TJ_SIDE & self.concepts.keys())

    @property
    def title_ru(self) -> bool:
        return bool(RU_SIDE & self.title_concepts)

    @property
    def title_tj(self) -> bool:
        return bool(TJ_SIDE & self.title_concepts)

    @property
    def both_share(self) -> float:
        return self.both_sentences / self.sentences if self.sentences else 0.0

    def named(self, cue: frozenset[str]) -> frozenset[str]:
        return frozenset(cue & self.concepts.keys())

    def without_tokens(self) -> Features:
        """These features without their word list (``dataclasses.replace`` took five times as
        long, for every item a parse worker reads)."""
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
    title_tokens, title_hits = _read(lexicon, title, read)
    title_hits = title_hits + _implied(title_hits, lexicon.cues)
    title_concepts = frozenset(c for _, c in title_hits)
    concepts: Counter[str] = Counter(title_concepts)
    words = dict.fromkeys(title_tokens[i] for i, c in title_hits if c in RU_SIDE or c in TJ_SIDE)
    sentences = [s for s in SENTENCE.split(body) if s.strip()]
    both = 1 if (RU_SIDE & title_concepts and TJ_SIDE & title_concepts) else 0
    lede_both = False
    head = set(title_concepts)
    places = _side_places(title_tokens, title_hits, lexicon.cues)
    # Per side: sentences naming it, and those of them that list two or more third countries too.
    named_in = {"ru": 0, "tj": 0}
    listed_in = {"ru": 0, "tj": 0}
    _count_sides(title_concepts, others, named_in, listed_in)
    tokens = list(title_tokens)
    for number, sentence in enumerate(sentences):
        sentence_tokens, hits = _read(lexicon, sentence, read)
        tokens.extend(sentence_tokens)
        if not hits:
            continue
        hits = hits + _implied(hits, lexicon.cues)
        named = {c for _, c in hits}
        concepts.update(named)
        if number == 0:
            head.update(named)
            lede = _side_places(sentence_tokens, hits, lexicon.cues)
            places = {k: (n + lede[k][0], v + lede[k][1], t) for k, (n, v, t) in places.items()}
        _count_sides(named, others, named_in, listed_in)
        words.update(
            dict.fromkeys(sentence_tokens[i] for i, c in hits if c in RU_SIDE or c in TJ_SIDE)
        )
        if named & RU_SIDE and named & TJ_SIDE:
            both += 1
            lede_both = lede_both or number == 0
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


def _implied(hits: list[tuple[int, str]], cues: dict[str, frozenset[str]]) -> list[tuple[int, str]]:
    """Russia named by words together: "201" beside a word for a base (the 201st base is Russia's:
    "201-й базы", "пойгоҳи 201"), a Russian city in a sentence about migrants ("таджикские рабочие в
    Екатеринбурге")."""
    named = {c for _, c in hits}
    found: list[tuple[int, str]] = []
    if "number_201" in named and "base_word" in named:
        bases = [i for i, c in hits if c == "base_word"]
        found.extend(
            (i, RU_BASE)
            for i, c in hits
            if c == "number_201" and any(abs(i - j) <= BASE_WINDOW for j in bases)
        )
    places = cues.get("russian_places", frozenset())
    if named & places and named & cues.get("people_abroad", frozenset()):
        found.extend((i, RU_PLACE) for i, c in hits if c in places)
    return found


def _side_places(
    tokens: list[str], hits: list[tuple[int, str]], cues: dict[str, frozenset[str]]
) -> dict[str, tuple[int, int, bool]]:
    """Per side, in one sentence: (words naming it, those naming only a meeting's place, any)."""
    if not hits:  # most headlines
        return {"ru": (0, 0, False), "tj": (0, 0, False)}
    gatherings = {i for i, c in hits if c in cues.get("gatherings", frozenset())}
    capitals = [i for i, c in hits if c == "capital"]
    found: dict[str, tuple[int, int, bool]] = {}
    for side, ids in _SIDES:
        at: dict[int, set[str]] = {}
        for i, c in hits:
            if c in ids:
                at.setdefault(i, set()).add(c)
        place = sum(_is_place(tokens, i, named, gatherings, capitals) for i, named in at.items())
        found[side] = (len(at), place, bool(at))
    return found


def _is_place(
    tokens: list[str], i: int, named: set[str], gatherings: set[int], capitals: list[int]
) -> bool:
    """Whether the word at ``i``, naming ``named``, names a place rather than an actor. A capital
    written in the config's rules names its country too ("Душанбе": dushanbe and tajikistan)."""
    if "kremlin" in named:
        return False
    if named & _CAPITALS:
        return any(t.lower() in _AT for t in tokens[max(0, i - 2) : i]) or i + 1 in gatherings
    if named <= {"russia", "tajikistan"}:
        return any(abs(i - j) <= 2 for j in capitals)
    return False


def _count_sides(
    named: Iterable[str],
    others: frozenset[str],
    named_in: dict[str, int],
    listed_in: dict[str, int],
) -> None:
    concepts = frozenset(named)
    in_list = len(concepts & others) >= 2
    for side, ids in (("ru", RU_SIDE), ("tj", TJ_SIDE)):
        if concepts & ids:
            named_in[side] += 1
            listed_in[side] += in_list
