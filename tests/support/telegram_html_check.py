"""A small validator of Telegram's HTML parse mode, because the emulator accepts anything.

Real Telegram rejects a message whose markup does not parse ("Bad Request: can't parse
entities"): an unknown tag, an unclosed or misnested tag, or a bare ``<`` / ``&``. This checks
the subset we send against https://core.telegram.org/bots/api#html-style.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"tag <{tag}> is not allowed")
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"entity &{name}; is not supported")


def html_problems(text: str) -> list[str]:
    """What real Telegram would reject in ``text``; empty when it parses."""
    problems: list[str] = []
    for m in re.finditer(r"&", text):
        if not _ENTITY.match(text, m.start()):
            problems.append(f"bare & at {m.start()}: {text[m.start() : m.start() + 12]!r}")
    # A "<" that does not start a tag is a bare "<".
    for m in re.finditer(r"<(?!/?[a-z-]+[\s>])", text):
        problems.append(f"bare < at {m.start()}: {text[m.start() : m.start() + 12]!r}")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems.extend(checker.problems)
    if checker.stack:
        problems.append(f"unclosed tags: {checker.stack}")
    return problems


def assert_telegram_html(text: str) -> None:
    problems = html_problems(text)
    assert not problems, f"invalid Telegram HTML: {problems}\n{text[:500]}"
