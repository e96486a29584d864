"""Why an item got its relevance score, as values: a reason code and the concepts it names.

The scorer says *why* with these, never with prose, so that each front end words them in its
reader's language: the bots through their message catalogs (``reason.<code>`` in
``bot/locales``, the concepts through their labels), the CLI and the stored verdict in English
with ``render_en``. The English words here are the stored ``reason`` of a verdict and the
``reason`` field of ``tjwatch score``: changing one changes what those print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    concepts: tuple[str, ...] = ()
    """Concept ids (sorted where there are several): a side's country, topics, countries."""


# code → English template; {concepts} is the concepts joined with ", ".
ENGLISH: dict[str, str] = {
    "excluded": "names a word of the config's rules.exclude",
    "missing_side": "does not name {concepts}",
    "both_countries": "names both countries",
    "headline_both": "headline names both",
    "lede_both": "lede names both",
    "topics": "topics: {concepts}",
    "bilateral_word": "called bilateral",
    "multilateral": "multilateral setting: {concepts}",
    "other_countries": "also names {concepts}",
    "headline_third_country": "headline is about a third country",
    "headline_lists": "headline lists other countries",
    "listed": "one country only in lists",
    "venue_only": "{concepts} only the venue of a meeting with a third party",
    "sport": "sport",
    "lifestyle": "food or leisure",
}
CODES = frozenset(ENGLISH)


def reason(code: str, concepts: Iterable[str] = ()) -> Reason:
    assert code in CODES, code
    return Reason(code, tuple(concepts))


def render_en(r: Reason, names: Mapping[str, str] | None = None) -> str:
    """The reason in English; ``names``: display names of concepts (the sides' countries) where
    the id is not what to print."""
    names = names or {}
    return ENGLISH[r.code].format(concepts=", ".join(names.get(c, c) for c in r.concepts))
