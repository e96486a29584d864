"""tjwatch parses with its copy of feedparser's ``pop`` (``bot.ingest.feedparser_pop``): a copy of
the installed feedparser's, giving the same result on every feed in the test data."""

from __future__ import annotations

import gzip
import inspect
import textwrap
from pathlib import Path
from typing import Any

import feedparser
import feedparser.mixin
import pytest

from bot.ingest import feedparser_pop
from bot.ingest.parse import parse_feed

DATA = Path(__file__).parents[1] / "data"
FEEDS = sorted(
    p for folder in ("feeds", "topic", "hostile") for p in (DATA / folder).iterdir()
    if p.suffix in {".xml", ".gz", ".rss", ".atom"}
)
# The copy's two changes, as written in it.
CHANGES = (
    ("output = output.translate(_cp1252)",
     "output = output.translate(_cp1252) if _C1.search(output) else output"),
    ("copy.deepcopy(self.contentparams)", "FeedParserDict(self.contentparams)"),
)


def test_the_copy_is_the_installed_feedparsers_pop_with_its_two_changes() -> None:
    """Fails after a feedparser upgrade that changed ``pop``: copy it again, then re-apply."""
    theirs = textwrap.dedent(inspect.getsource(feedparser_pop.FEEDPARSER_POP))
    ours = inspect.getsource(feedparser_pop.pop)
    for old, new in CHANGES:
        assert old in theirs
        theirs = theirs.replace(old, new)
    # Only the first line (the signature) may differ: the copy's has type annotations.
    assert ours.split("\n", 1)[1] == theirs.split("\n", 1)[1]


def test_tjwatch_parses_with_the_copy() -> None:
    assert feedparser.__version__ == feedparser_pop.COPIED_FROM
    assert feedparser.mixin._FeedParserMixin.pop is feedparser_pop.pop


def test_another_feedparser_release_keeps_its_own_pop(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A feedparser other than the one copied (installed by hand over the pin) parses with its
    own code, and the log says why parsing got slower."""
    monkeypatch.setattr(feedparser, "__version__", "6.0.15")
    monkeypatch.setattr(feedparser.mixin._FeedParserMixin, "pop", feedparser_pop.FEEDPARSER_POP)
    feedparser_pop.install()
    assert feedparser.mixin._FeedParserMixin.pop is feedparser_pop.FEEDPARSER_POP
    assert "feedparser 6.0.15 is installed, not 6.0.14" in caplog.text


def _parsed(body: bytes, pop: Any, monkeypatch: pytest.MonkeyPatch, **flags: bool) -> Any:
    monkeypatch.setattr(feedparser.mixin._FeedParserMixin, "pop", pop)
    result = feedparser.parse(body, **flags)
    exc = result.pop("bozo_exception", None)
    return result, repr(exc)


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
@pytest.mark.parametrize("flags", [{}, {"sanitize_html": False, "resolve_relative_uris": False}],
                         ids=["default", "as-tjwatch"])
def test_the_copy_parses_every_test_feed_as_feedparser_does(
    path: Path, flags: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = path.read_bytes()
    if path.suffix == ".gz":
        body = gzip.decompress(body)
    theirs = _parsed(body, feedparser_pop.FEEDPARSER_POP, monkeypatch, **flags)
    ours = _parsed(body, feedparser_pop.pop, monkeypatch, **flags)
    assert ours == theirs


def test_windows_1252_characters_are_still_mapped() -> None:
    """A feed that carries Windows-1252 punctuation as C1 control characters (a common mistake:
    U+0096 for an en dash, U+0093/U+0094 for quotes) still gets the real characters."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Россия \u0096 Таджикистан</title><link>https://example.org/a</link>"
        "<description>\u0093Договор\u0094 подписан</description></item></channel></rss>"
    ).encode()
    (entry,) = parse_feed(body, {"content-type": "application/rss+xml"}).entries
    assert entry.title == "Россия – Таджикистан"
    assert entry.summary == "“Договор” подписан"
