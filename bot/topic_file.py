"""The topic file's schema: exactly what a topic file may contain, and its compiled form.

``TopicFile`` is the file as pydantic reads it (``extra="forbid"``); ``bot.settings`` validates
it, checks its concept ids against the engine's vocabulary and compiles it (``compile_topic``)
into the ``bot.topic.Topic`` the scorer and the front ends use.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.topic import InContext, Near, Side, Topic

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
