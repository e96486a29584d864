"""Why an item got its verdict: a structured explanation for ``tjwatch explain`` and ``/why``.

``explain`` is pure: it rescores the item with the scorer (without learning from it) and returns
values a renderer prints; ``render_text`` is the plain-text rendering the CLI uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Item
from bot.relevance.lexicon import tokenize
from bot.relevance.reasons import Reason, render_en
from bot.relevance.seed_scorer import SeedScorer


@dataclass(frozen=True, slots=True)
class SeedMatch:
    name: str
    title: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Explanation:
    item_id: str
    title: str
    url: str | None
    relevant: bool
    score: float
    relevance_threshold: float
    side_words: tuple[tuple[str, tuple[str, ...]], ...]
    """Each side's name and the words that named it, in the topic's order."""
    seeds: tuple[SeedMatch, ...]
    nearest_seed: str | None
    story: str | None
    story_similarity: float
    same_story_threshold: float
    story_notes: tuple[str, ...]
    whats_new: str | None
    reasons: tuple[Reason, ...]
    """Rendered by each front end in its reader's language (``bot.relevance.reasons``)."""
    side_names: tuple[tuple[str, str], ...] = ()
    """Each side's country concept and display name, for reasons naming a side."""
    story_id: int | None = None


def explain(scorer: SeedScorer, item: Item, story_id: int | None = None) -> Explanation:
    scored = scorer.explain(item, learn=False)
    v = scored.verdict
    seeds = tuple(
        SeedMatch(s.name, s.title, v.seed_similarity.get(s.name, 0.0)) for s in scorer.seeds
    )
    return Explanation(
        item_id=item.id,
        title=item.title,
        url=item.url,
        relevant=v.relevant,
        score=v.score,
        relevance_threshold=scorer.thresholds.relevance,
        side_words=_side_words(scorer, item),
        seeds=tuple(sorted(seeds, key=lambda s: -s.similarity)),
        nearest_seed=v.nearest_seed,
        story=v.story,
        story_similarity=scored.story_similarity,
        same_story_threshold=scorer.thresholds.same_story,
        story_notes=scored.story_notes,
        whats_new=v.whats_new,
        reasons=scored.reasons,
        side_names=tuple((s.country, s.name) for s in scorer.lexicon.sides),
        story_id=story_id,
    )


def _side_words(scorer: SeedScorer, item: Item) -> tuple[tuple[str, tuple[str, ...]], ...]:
    lexicon = scorer.lexicon
    words: dict[str, dict[str, None]] = {side.id: {} for side in lexicon.sides}
    for text in (item.title, item.summary, item.text or ""):
        tokens = tokenize(text)
        for i, concept in lexicon.find(tokens):
            side = lexicon.side_of.get(concept)
            if side is not None:
                words[side][tokens[i]] = None
    return tuple((side.name, tuple(words[side.id])) for side in lexicon.sides)


def render_text(e: Explanation) -> str:
    verdict = "relevant" if e.relevant else "not relevant"
    lines = [
        e.title,
        *([e.url] if e.url else []),
        f"id: {e.item_id}",
        f"verdict: {verdict} (score {e.score:.2f}, threshold {e.relevance_threshold:.2f})",
        *(f"{name} terms: {', '.join(words) or '—'}" for name, words in e.side_words),
        "why: " + "; ".join(render_en(r, dict(e.side_names)) for r in e.reasons),
        "similarity to the seeds:",
        *(f"  {s.similarity:.3f}  {s.name}  {s.title}" for s in e.seeds),
    ]
    if e.story:
        lines.append(
            f"story: {e.story} (event similarity {e.story_similarity:.2f}, "
            f"threshold {e.same_story_threshold:.2f})"
        )
        lines.extend(f"  - {note}" for note in e.story_notes)
    if e.story_id is not None:
        lines.append(f"story group: #{e.story_id}")
    if e.whats_new:
        lines.append(f"what's new: {e.whats_new}")
    return "\n".join(lines)
