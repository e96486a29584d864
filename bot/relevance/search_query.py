"""Pure: the words a person searches for (``/search``) → an SQLite FTS5 query that finds their
other forms, as the relevance matcher does ("Рахмона" finds what "Рахмон" finds).

The full-text index holds the words as written (``unicode61``: lower case, Latin diacritics
dropped; "ё" kept). Snowball's stems are prefixes of the words they come from (Russian always;
English but for a few endings it rewrites), so a word is looked up as its stem's prefix: "Рахмона"
as ``"рахмон"*``, which finds Рахмон, Рахмона, Рахмону. Where the stem is not a prefix of the
word ("policy" → "polici"), the word's own prefix is an alternative, and English's "i" for a
final "y" is tried both ways. A stem shorter than ``MIN_STEM`` is too broad a prefix ("визит"
→ "виз", which "виза" shares): the word is looked up by its own prefix, as before. A word
written with "ё" is also looked up with "е", as most outlets write it.

Words in double quotes are a phrase: each word by the prefix its form and its stem share, next
to each other in that order (``"визит"* + "в"* + "москв"*``). The stems and the index cost nothing
at ingest and no space: only the query changes.
"""

from __future__ import annotations

import re

from bot.relevance.lexicon import stem, tokenize

MIN_STEM = 4
_PHRASE = re.compile(r'"([^"]*)"?')


def fts_query(text: str) -> str | None:
    """The FTS5 query for ``text`` (every word or phrase must match); None when it has no word."""
    parts: list[str] = []
    at = 0
    for phrase in _PHRASE.finditer(text):
        parts.extend(_word(w) for w in tokenize(text[at : phrase.start()]))
        words = tokenize(phrase.group(1))
        if len(words) == 1:
            parts.append(_word(words[0]))
        elif words:
            parts.append(" + ".join(_quoted(_shared_prefix(w)) for w in words))
        at = phrase.end()
    parts.extend(_word(w) for w in tokenize(text[at:]))
    return " AND ".join(parts) or None


def _word(word: str) -> str:
    keys = [_quoted(k) for k in _prefixes(word)]
    return keys[0] if len(keys) == 1 else f"({' OR '.join(keys)})"


def _prefixes(word: str) -> list[str]:
    lower = word.lower()
    stemmed = stem(lower)  # read with "е" for "ё"
    if len(stemmed) < MIN_STEM:
        keys = [lower]
    elif lower.replace("ё", "е").startswith(stemmed):
        keys = [lower[: len(stemmed)]]  # the stem as the word spells it, "ё" and all
    else:
        keys = [stemmed, lower]
    if stemmed.isascii() and stemmed.endswith("i") and len(stemmed) > MIN_STEM:
        keys.append(stemmed[:-1] + "y")  # Porter's "policy" → "polici": "policies" finds "policy"
    keys += [k.replace("ё", "е") for k in keys if "ё" in k]
    return list(dict.fromkeys(keys))


def _shared_prefix(word: str) -> str:
    lower = word.lower()
    stemmed = stem(lower)
    if len(stemmed) < MIN_STEM:
        return lower
    plain = lower.replace("ё", "е")
    shared = next(
        (n for n, (a, b) in enumerate(zip(plain, stemmed, strict=False)) if a != b), len(stemmed)
    )
    return lower[: max(min(shared, len(plain)), 1)]


def _quoted(key: str) -> str:
    return f'"{key}"*'
