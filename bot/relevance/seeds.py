"""The seed articles: the reference story every item is compared with, as configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.relevance.features import SENTENCE, Features, body_of, extract
from bot.relevance.lexicon import Lexicon

# The lede of a seed: long enough to hold the event's particulars (who met where, what was signed).
LEDE_CHARS = 1200
# A title derived from a seed's text: its first line when that is a headline, else the line's
# first sentence, clipped at a word to about this many characters.
TITLE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Seed:
    name: str
    title: str
    """The configured title, else one derived from the text's first line (``seed_title``)."""
    date: date | None
    text: str
    features: Features
    core: Features
    """The headline and lede: what the event is, without the background further down."""


def make_seed(
    lexicon: Lexicon, name: str, text: str, title: str | None = None, when: date | None = None
) -> Seed:
    lines = text.strip().splitlines()
    head = title or (lines[0] if lines else name)
    body = "\n".join(lines[1:]) if lines and lines[0].strip() == head.strip() else text
    return Seed(
        name=name,
        title=title or seed_title(text) or name,
        date=when,
        text=text,
        features=extract(lexicon, head, body_of(body, None)),
        core=extract(lexicon, head, body[:LEDE_CHARS]),
    )


def seed_title(text: str) -> str:
    """Pure: a title for a seed configured without one, for /seeds and ``explain`` (a file's
    name means nothing to a reader). The first line when it is short enough to be a headline;
    else its first sentence; a sentence too long is cut at a word, with "…"."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= TITLE_CHARS:
        return first
    sentence = SENTENCE.split(first, maxsplit=1)[0].strip()
    if len(sentence) <= TITLE_CHARS:
        return sentence
    return sentence[: TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:—– ") + "…"


def load_seed(lexicon: Lexicon, path: Path, title: str | None, when: str | None) -> Seed:
    """A seed from its file; named by the file's stem, which the config lists."""
    return make_seed(
        lexicon,
        path.stem,
        path.read_text(encoding="utf-8"),
        title,
        date.fromisoformat(when) if when else None,
    )
