"""The topic a tjwatch instance monitors: a bilateral relationship, as values.

The code knows *kinds* of things — two sides, each named by its country, its leaders and its
capitals; sides implied by words together; third parties; venues; the words before a place — and
the topic file (``config/topics/*.toml``, documented in the README) says which ones.
``bot.topic_file`` reads and checks the file and compiles it into a ``Topic``: frozen, hashable
and picklable, so that the parse workers get it as a value. This module has no schema library
in it, so that the processes that only score (the parse workers) do not import one.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Side:
    id: str
    name: str
    country: str
    leaders: tuple[str, ...]
    capitals: tuple[str, ...]
    implied: tuple[str, ...]
    """The ids of the implied-side rules that name this side."""

    @property
    def concepts(self) -> frozenset[str]:
        """Every concept that names the side."""
        return frozenset((self.country, *self.leaders, *self.capitals, *self.implied))


@dataclass(frozen=True, slots=True)
class Near:
    id: str
    concept: str
    near: str
    window: int


@dataclass(frozen=True, slots=True)
class InContext:
    id: str
    concepts: tuple[str, ...]
    context: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    """A compiled topic file: what the scorer and the front ends need of it. Tuples and strings
    only, so that its ``repr`` is the same in every process (``LexiconTerms.key``)."""

    name: str
    subject: str
    time_zones: tuple[str, ...]
    subjects: tuple[tuple[str, str], ...]
    """``subject`` by language code, beside the English one."""
    sides: tuple[Side, Side]
    venue_prepositions: tuple[str, ...]
    implied: tuple[Near | InContext, ...]
    cues: tuple[tuple[str, tuple[str, ...]], ...]
    concepts: tuple[tuple[str, tuple[str, ...]], ...]
    labels: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    """Concept id → (language, name people read) pairs, from the file's ``[labels]``."""

    @property
    def side_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sides)

    def subject_in(self, lang: str) -> str:
        """The subject in a language, in English where the file gives no translation."""
        return dict(self.subjects).get(lang, self.subject)

    def label(self, concept: str, lang: str) -> str | None:
        """The file's name for a concept in ``lang`` (else its English one); None without one."""
        names = dict(dict(self.labels).get(concept, ()))
        return names.get(lang) or names.get("en")

    def side(self, side_id: str) -> Side:
        return next(s for s in self.sides if s.id == side_id)


@functools.cache
def engine_vocabulary() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The engine's concepts and cues (``bot/relevance/lexicon.toml``), which every topic extends
    and whose ids a topic file may use; read once per process."""
    data = tomllib.loads(
        resources.files("bot.relevance").joinpath("lexicon.toml").read_text("utf-8")
    )
    concepts = {k: tuple(v) for k, v in data["concepts"].items()}
    return concepts, {k: tuple(v) for k, v in data["cues"].items()}
