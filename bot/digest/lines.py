"""Pure: the line shown under a headline, and the "what is new" line, for every channel.

Feeds often repeat the headline as the first sentence of the summary (or as the whole summary),
and the scorer's "what is new" sentence is taken from the headline and the summary: shown as they
are, a digest entry says its headline twice.
Texts are compared word by word after folding case and dropping punctuation, so "Putin meets
Rahmon." repeats "Putin meets Rahmon" and «Путин встретился с Рахмоном» repeats its quotes.
"""

from __future__ import annotations

import re

SUMMARY_CHARS = 240
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _word(token: str) -> str:
    return "".join(ch for ch in token.casefold() if ch.isalnum())


def words(text: str) -> list[str]:
    """The text's words, folded: what two texts must share to say the same thing."""
    return [w for w in map(_word, text.split()) if w]


def repeats(text: str, shown: str) -> bool:
    """True when ``text`` says nothing ``shown`` does not: its words are a run of ``shown``'s."""
    mine, theirs = words(text), words(shown)
    if not mine:
        return True
    n = len(mine)
    return any(theirs[k : k + n] == mine for k in range(len(theirs) - n + 1))


def _without_headline(flat: str, headline: str) -> str:
    """``flat`` less a leading copy of ``headline`` (and the punctuation after it)."""
    head = words(headline)
    if not head:
        return flat
    tokens = flat.split()
    matched = 0
    for index, token in enumerate(tokens):
        word = _word(token)
        if not word:
            continue
        if word != head[matched]:
            return flat
        matched += 1
        if matched == len(head):
            rest = tokens[index + 1 :]
            while rest and not _word(rest[0]):  # a dash or colon between headline and text
                rest = rest[1:]
            return " ".join(rest)
    return flat


def summary_line(text: str, headline: str = "", limit: int = SUMMARY_CHARS) -> str:
    """The first sentence (or sentences, while they fit) of ``text`` after any copy of the
    headline, cut at a word boundary; empty when the text only repeats the headline."""
    # Only the start of a long text can be shown, so only the start is flattened and split (the
    # text is a full article for some feeds).
    start = 4 * limit + len(headline)
    flat = " ".join(text[:start].split())
    if len(flat) <= limit + 1 + len(headline):
        flat = " ".join(text.split())
    flat = _without_headline(flat, headline)
    if headline and repeats(flat, headline):
        return ""
    if len(flat) <= limit:
        return flat
    out = ""
    for sentence in _SENTENCE_END.split(flat):
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if not out:
        out = flat[:limit].rsplit(" ", 1)[0] + "…"
    return out


def whats_new_line(whats_new: str | None, *shown: str) -> str | None:
    """``whats_new``, unless it only repeats one of the texts ``shown`` beside it (the headline,
    the summary line, a quote)."""
    if not whats_new:
        return None
    # A clipped sentence ends in a cut word: compare the words before it.
    whole = whats_new.rsplit(" ", 1)[0] if whats_new.endswith("…") else whats_new
    if any(repeats(whole, text) for text in shown if text):
        return None
    return whats_new
