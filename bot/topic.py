"""The topic a tjwatch instance monitors: a bilateral relationship, described by a topic file.

The code knows *kinds* of things — two sides, each named by its country, its leaders and its
capitals; sides implied by words together; third parties; venues; the words before a place — and
the topic file (``config/topics/*.toml``, documented in the README) says which ones. ``TopicFile``
is exactly what the file may contain (pydantic, ``extra="forbid"``); ``bot.settings`` reads and
validates it, checks its concept ids against the engine's vocabulary and compiles it into a
``Topic``: frozen, hashable and picklable, so that the parse workers get it as a value.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

ConceptId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Words = list[Annotated[str, Field(min_length=1)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicInfo(_Strict):
    name: Annotated[str, Field(min_length=1)]
    """Short display name ("Russia–Kyrgyzstan"), used in messages about the configuration."""
    subject: Annotated[str, Field(min_length=1)]
    """What the analysts follow ("Russia–Kyrgyzstan relations"): the summaries' LLM prompt, the
    bot's greeting."""
    subject_translations: dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], str] = {}
    """``subject`` in the bot's other languages, by language code (``ru = "..."``)."""
    time_zones: list[str] = []
    """Offered in the chat settings after UTC; the first is the example in config errors."""

    @field_validator("time_zones")
    @classmethod
    def _known_zones(cls, value: list[str]) -> list[str]:
        for zone in value:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {zone!r}") from exc
        return value


class SideFile(_Strict):
    id: ConceptId
    """The side's key in the config's ``[rules]`` (``russia = [...]``)."""
    name: Annotated[str, Field(min_length=1)]
    country: ConceptId
    """The concept naming the country; the config's ``[rules]`` words for the side join it."""
    leaders: list[ConceptId] = []
    """People and institutions acting for the side (never a place, even after "in")."""
    capitals: list[ConceptId] = []
    """Cities that name the side, but only its place after a venue preposition."""


class NearRule(_Strict):
    """The side is named where ``concept`` stands at most ``window`` words from ``near``."""

    rule: Literal["near"]
    id: ConceptId
    side: ConceptId
    concept: ConceptId
    near: ConceptId
    window: Annotated[int, Field(ge=1, le=20)]


class ContextRule(_Strict):
    """The side is named by ``concepts`` in a sentence that also names one of ``context``."""

    rule: Literal["in_sentence_with"]
    id: ConceptId
    side: ConceptId
    concepts: list[ConceptId] = Field(min_length=1)
    context: list[ConceptId] = Field(min_length=1)


class PlacesFile(_Strict):
    prepositions: Words = []
    """Words after which a capital is a place ("in Moscow", "в Москве")."""


class TopicCues(_Strict):
    relationship_topics: list[ConceptId] = []
    """Subjects that count as the relationship when both sides are named."""
    other_countries: list[ConceptId] = []
    """Third countries: several beside both sides suggest a list, not the pair."""
    third_parties: list[ConceptId] = []
    """Another party to a meeting (a country or its leader): with a side only as the venue, the
    item is about that pair."""
    venues: list[ConceptId] = []
    """Places the sides meet: an item set where the seeds' ledes are not reports another event."""
    extra_events: list[ConceptId] = []
    """Kinds of event that are not the seeds' event when the seeds do not name them."""


class TopicFile(_Strict):
    """Exactly what a topic file may contain."""

    topic: TopicInfo
    sides: list[SideFile] = Field(min_length=2, max_length=2)
    places: PlacesFile = PlacesFile()
    implied: list[Annotated[NearRule | ContextRule, Field(discriminator="rule")]] = []
    cues: TopicCues = TopicCues()
    concepts: dict[ConceptId, Words] = {}
    """Concepts of this topic, and words it adds to the engine's concepts of the same id."""


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

    @property
    def side_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sides)

    def subject_in(self, lang: str) -> str:
        """The subject in a language, in English where the file gives no translation."""
        return dict(self.subjects).get(lang, self.subject)

    def side(self, side_id: str) -> Side:
        return next(s for s in self.sides if s.id == side_id)


def compile_topic(data: TopicFile) -> Topic:
    """The validated file as values (``bot.settings`` checks ids against the vocabulary first)."""
    implied: list[Near | InContext] = []
    for rule in data.implied:
        if isinstance(rule, NearRule):
            implied.append(Near(rule.id, rule.concept, rule.near, rule.window))
        else:
            implied.append(InContext(rule.id, tuple(rule.concepts), tuple(rule.context)))
    sides = tuple(
        Side(
            s.id,
            s.name,
            s.country,
            tuple(s.leaders),
            tuple(s.capitals),
            tuple(r.id for r in data.implied if r.side == s.id),
        )
        for s in data.sides
    )
    return Topic(
        name=data.topic.name,
        subject=data.topic.subject,
        time_zones=tuple(data.topic.time_zones),
        subjects=tuple(data.topic.subject_translations.items()),
        sides=(sides[0], sides[1]),
        venue_prepositions=tuple(dict.fromkeys(w.lower() for w in data.places.prepositions)),
        implied=tuple(implied),
        cues=tuple((k, tuple(v)) for k, v in data.cues.model_dump().items()),
        concepts=tuple((k, tuple(v)) for k, v in data.concepts.items()),
    )


@functools.cache
def engine_vocabulary() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The engine's concepts and cues (``bot/relevance/lexicon.toml``), which every topic extends
    and whose ids a topic file may use; read once per process."""
    data = tomllib.loads(
        resources.files("bot.relevance").joinpath("lexicon.toml").read_text("utf-8")
    )
    concepts = {k: tuple(v) for k, v in data["concepts"].items()}
    return concepts, {k: tuple(v) for k, v in data["cues"].items()}
