"""The topic file: what it may contain, how it is checked, and its compiled form.

``TopicFile`` is the file as pydantic reads it (``extra="forbid"``); ``load_topic`` reads a
topic file (``bot.settings`` names which), checks its concept ids against the engine's
vocabulary and compiles it (``compile_topic``) into the ``bot.topic.Topic`` the scorer and the
front ends use. Every mistake is one ``ConfigError`` naming the file, the key and the fix.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.config_errors import config_error, read_toml
from bot.errors import ConfigError
from bot.topic import InContext, Near, Side, Topic, engine_vocabulary

# The topic of a config that names none: the shipped one, installed with the package (the file
# itself is config/topics/, which bot/topics/ links to).
DEFAULT_TOPIC = "default.toml"

ConceptId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Words = list[Annotated[str, Field(min_length=1)]]
LangCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Text = Annotated[str, Field(min_length=1)]
Label = Text | dict[LangCode, Text]
"""A name people read: one string (every language), or one per language code with ``en``."""


def label_table(value: Label) -> dict[str, str]:
    """A label as {language: text}; a plain string is the English (and every language's) text."""
    return {"en": value} if isinstance(value, str) else dict(value)


def check_label(value: Label) -> Label:
    if isinstance(value, dict) and "en" not in value:
        raise ValueError('a label by language needs an English one: en = "..."')
    return value


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
    labels: dict[ConceptId, Label] = {}
    """How the bots name a concept when they explain a verdict (/why): ``crocus = {en = "the
    Crocus attack", ru = "теракт в «Крокусе»"}``; a concept without one is named by the message
    catalog's ``concept.<id>``, else by its id."""

    @field_validator("labels")
    @classmethod
    def _labels_have_english(cls, value: dict[str, Label]) -> dict[str, Label]:
        for label in value.values():
            check_label(label)
        return value


def compile_topic(data: TopicFile) -> Topic:
    """The validated file as values (``load_topic`` checks ids against the vocabulary first)."""
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
        labels=tuple((k, tuple(sorted(label_table(v).items()))) for k, v in data.labels.items()),
    )


def load_topic(path: Path | None = None) -> Topic:
    """Read and check a topic file (the shipped one when ``path`` is None).

    Besides the file's shape, every concept id it uses (in sides, rules and cues) must be one it
    defines or one of the engine's (``bot/relevance/lexicon.toml``), and no concept may name both
    sides."""
    if path is None:
        source = resources.files("bot").joinpath("topics", DEFAULT_TOPIC)
        shown = f"(shipped topic) {DEFAULT_TOPIC}"
        data = tomllib.loads(source.read_text("utf-8"))
    else:
        shown = str(path)
        data = read_toml(
            path,
            missing="the topic file does not exist",
            missing_fix="correct [topic] file in the config (relative paths are relative to the "
            "config file's folder), or remove it to use the shipped topic",
        )
    try:
        parsed = TopicFile.model_validate(data)
    except ValidationError as exc:
        raise config_error(shown, exc, data, TopicFile) from None
    _check_topic_ids(shown, parsed)
    return compile_topic(parsed)


def _check_topic_ids(shown: str, topic: TopicFile) -> None:
    engine_concepts, _ = engine_vocabulary()
    defined = set(engine_concepts) | set(topic.concepts)
    implied = {rule.id for rule in topic.implied}
    uses: list[tuple[str, str]] = []
    for n, side in enumerate(topic.sides):
        uses.append((f"sides[{n}].country", side.country))
        uses.extend((f"sides[{n}].leaders", c) for c in side.leaders)
        uses.extend((f"sides[{n}].capitals", c) for c in side.capitals)
    for n, rule in enumerate(topic.implied):
        if rule.rule == "near":
            uses.extend((f"implied[{n}].{k}", getattr(rule, k)) for k in ("concept", "near"))
        else:
            uses.extend((f"implied[{n}].concepts", c) for c in rule.concepts)
            uses.extend((f"implied[{n}].context", c) for c in rule.context)
    for name, ids in topic.cues.model_dump().items():
        uses.extend((f"cues.{name}", c) for c in ids)
    uses.extend((f"labels.{c}", c) for c in topic.labels)
    for key, concept in uses:
        if concept not in defined and concept not in implied:
            raise ConfigError(
                shown,
                key,
                f"unknown concept {concept!r}",
                "define it in the topic's [concepts] (a list of words), or use a concept of "
                "bot/relevance/lexicon.toml",
            )
    for n, side in enumerate(topic.sides):
        if not (engine_concepts.get(side.country) or topic.concepts.get(side.country)):
            raise ConfigError(
                shown,
                f"sides[{n}].country",
                f"the concept {side.country!r} has no words, so nothing names {side.name}",
                f"list the words naming {side.name} in [concepts] {side.country} = [...]",
            )
    side_ids = [side.id for side in topic.sides]
    if len(set(side_ids)) != len(side_ids):
        raise ConfigError(shown, "sides[1].id", "both sides have one id", "give each its own id")
    for n, rule in enumerate(topic.implied):
        if rule.side not in side_ids:
            raise ConfigError(
                shown,
                f"implied[{n}].side",
                f"{rule.side!r} is not a side",
                f"use one of: {', '.join(side_ids)}",
            )
        if rule.id in defined:
            raise ConfigError(
                shown,
                f"implied[{n}].id",
                f"{rule.id!r} is a concept already",
                "give the rule an id of its own (the concept it names when it applies)",
            )
    first, second = (
        {side.country, *side.leaders, *side.capitals}
        | {r.id for r in topic.implied if r.side == side.id}
        for side in topic.sides
    )
    if both := sorted(first & second):
        raise ConfigError(
            shown,
            "sides",
            f"{', '.join(both)} would name both sides",
            "give each side concepts of its own",
        )
