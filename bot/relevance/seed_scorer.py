"""The real scorer: keyword gate + main-subject features + similarity to the seed articles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Item, StoryVerdict, Verdict
from bot.relevance import verdict as decide
from bot.relevance.features import Features, body_of, extract
from bot.relevance.lexicon import Lexicon
from bot.relevance.reading import Reading, read, sentence_events
from bot.relevance.reasons import Reason, render_en
from bot.relevance.seeds import Seed
from bot.relevance.similarity import (
    DocumentFrequencies,
    cosine,
    event_tokens,
    norm,
    signature,
    weighted,
)

WHATS_NEW_CHARS = 240
MAX_TERMS = 12
# An irrelevant item's story evidence when ``score`` does not weigh it (its verdict has no story).
_NO_EVIDENCE = decide.StoryEvidence(0.0, False, ())
# Seed vectors are reweighted after this many more documents: IDF moves slowly.
SEED_REFRESH_DOCS = 64


@dataclass(frozen=True, slots=True)
class Thresholds:
    relevance: float = 0.5
    same_story: float = 0.5


@dataclass(frozen=True, slots=True)
class Scored:
    """A verdict with the facts behind it (for ``explain``)."""

    verdict: Verdict
    features: Features
    story_similarity: float
    story_notes: tuple[str, ...]
    reasons: tuple[Reason, ...]


class SeedScorer:
    """Implements the ``Scorer`` protocol. Learns document frequencies from every item it scores."""

    def __init__(
        self,
        lexicon: Lexicon,
        seeds: Sequence[Seed],
        thresholds: Thresholds = Thresholds(),
        df: DocumentFrequencies | None = None,
        learn: bool = True,
    ) -> None:
        self.lexicon = lexicon
        self.seeds = tuple(seeds)
        self.thresholds = thresholds
        self.df = df or DocumentFrequencies()
        self.learn = learn
        self._seed_sigs = [signature(s.features) for s in self.seeds]
        self._event = decide.SeedEvent(
            dates=tuple(s.date for s in self.seeds if s.date),
            concepts=frozenset(c for s in self.seeds for c in s.core.concepts),
            years=frozenset(y for s in self.seeds for y in s.core.years)
            | frozenset(s.date.year for s in self.seeds if s.date),
            months=frozenset(m for s in self.seeds for m in s.core.months),
            venues=frozenset(c for s in self.seeds for c in s.core.named(lexicon.cues["venues"])),
        )
        self._seed_tokens = frozenset(
            t for s in self.seeds for t in event_tokens(s.features, lexicon.countries)
        )
        self._cues = dict(lexicon.cues)
        self._side_names = {side.country: side.name for side in lexicon.sides}
        self._vectors: list[tuple[dict[str, float], float]] | None = None
        self._vectors_at = 0
        if self.df.docs == 0:
            for sig in self._seed_sigs:
                self.df.observe(sig)

    def observe(self, items: Iterable[Item]) -> None:
        """Learn document frequencies from items without scoring them (e.g. a whole file first)."""
        for item in items:
            self.df.observe(signature(self.features(item)))

    def features(self, item: Item) -> Features:
        return extract(self.lexicon, item.title, body_of(item.summary, item.text))

    def read(self, item: Item) -> Reading:
        return read(self.lexicon, item.title, item.summary, item.text)

    def score(self, item: Item, reading: Reading | None = None) -> Verdict:
        return self.explain(item, reading=reading, story_facts=False).verdict

    def explain(
        self,
        item: Item,
        learn: bool | None = None,
        reading: Reading | None = None,
        story_facts: bool = True,
    ) -> Scored:
        """Score ``item`` and keep the facts; ``learn=False`` leaves the frequencies untouched.

        ``reading`` is the item as a parse worker read it (``bot.relevance.reading``), with this
        scorer's vocabulary; without one the item is read here. ``story_facts=False`` weighs the
        evidence for the seeds' story only where the verdict uses it, for a relevant item.
        """
        reading = reading or self.read(item)
        f = reading.features
        sig = reading.signature
        if self.learn if learn is None else learn:
            self.df.observe(sig)
        vec = weighted(sig, self.df)
        vec_norm = norm(vec)
        sims = {
            seed.name: round(cosine(vec, seed_vec, vec_norm, seed_norm), 3)
            for seed, (seed_vec, seed_norm) in zip(self.seeds, self._seed_vectors(), strict=True)
        }
        nearest = max(sims, key=lambda k: sims[k]) if sims else None
        score, why = decide.relevance(f, self._cues, self.lexicon.sides)
        relevant = score >= self.thresholds.relevance
        published = item.published_at.date() if item.published_at else None
        lede = reading.lede
        nearest_sim = sims[nearest] if nearest else 0.0
        evidence = (
            decide.story(lede, published, self._event, self._cues, nearest_sim, self.lexicon.sides)
            if relevant or story_facts
            else _NO_EVIDENCE
        )
        story: StoryVerdict | None = None
        if relevant:  # with no seeds configured there is no seed story to be the same as
            story = (
                StoryVerdict.SAME_STORY
                if self.seeds and evidence.similarity >= self.thresholds.same_story
                else StoryVerdict.NEW_DEVELOPMENT
            )
        terms = f.side_words[:MAX_TERMS]
        verdict = Verdict(
            relevant=relevant,
            score=round(score, 3),
            matched_terms=terms,
            nearest_seed=nearest,
            seed_similarity=sims,
            story=story,
            whats_new=self._whats_new(item, reading.sentences) if relevant else None,
            reason="; ".join(
                [render_en(r, self._side_names) for r in why]
                + ([f"{story}: " + "; ".join(evidence.notes)] if story else [])
            ),
        )
        return Scored(verdict, f, round(evidence.similarity, 3), evidence.notes, tuple(why))

    def _seed_vectors(self) -> list[tuple[dict[str, float], float]]:
        """The seeds' weighted vectors and norms, recomputed as the frequencies drift."""
        if self._vectors is None or abs(self.df.docs - self._vectors_at) >= SEED_REFRESH_DOCS:
            vectors = [weighted(s, self.df) for s in self._seed_sigs]
            self._vectors = [(v, norm(v)) for v in vectors]
            self._vectors_at = self.df.docs
        return self._vectors

    def _whats_new(
        self, item: Item, sentences: tuple[tuple[str, frozenset[str]], ...] | None = None
    ) -> str | None:
        """The sentence of title and summary whose concepts, names and numbers the seeds lack.

        ``sentences``: ``sentence_events`` of the item, when a parse worker read them already."""
        if sentences is None:
            sentences = sentence_events(self.lexicon, item.title, item.summary)
        best, best_novelty = None, 0.0
        for sentence, words in sentences:
            novelty = sum(1 for t in words if t not in self._seed_tokens) / len(words)
            if novelty > best_novelty:
                best, best_novelty = sentence, novelty
        if best is None:
            return None
        return best if len(best) <= WHATS_NEW_CHARS else best[: WHATS_NEW_CHARS - 1] + "…"
