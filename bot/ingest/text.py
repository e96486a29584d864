"""Pure text cleaning: HTML fragments from feeds into plain text with paragraphs kept."""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser

_BLOCKS = (
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "blockquote",
    "pre",
    "section",
    "article",
)
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "head")
# What becomes one space: a run of two or more spaces, or any other kind of space. A single
# space is left alone (matching it too made the substitution rebuild every text, word by word).
_SPACES = re.compile(r"[ \t\u00a0\u200b\u2009\u202f]{2,}|[\t\u00a0\u200b\u2009\u202f]")
_BLANKS = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """Entities decoded, scripts and styles dropped, one blank line between paragraphs."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return _tidy(html.unescape(fragment))
    tree = LexborHTMLParser(fragment)
    tree.strip_tags(list(_DROP))
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(",".join(_BLOCKS)):
        if node.tag == "br":
            node.insert_before("\n")
        else:
            node.insert_before("\n\n")
            node.insert_after("\n\n")
    return _tidy(root.text(separator="", strip=False))


def _tidy(text: str) -> str:
    if "\n" not in text and "\r" not in text:  # one line: most titles and summaries
        return _SPACES.sub(" ", text).strip()
    # One substitution for the whole text, not one per line (_SPACES never spans a line break).
    lines = _SPACES.sub(" ", text.replace("\r", "\n")).split("\n")
    return _BLANKS.sub("\n\n", "\n".join(line.strip() for line in lines)).strip()


def one_line(text: str) -> str:
    return " ".join(text.split())
