"""tjwatch's parse workers parse with its copies of feedparser's ``pop`` and ``push_content``
and its shortcut for ``_urljoin`` (``bot.ingest.feedparser_fast``), installed by the workers'
initializer and by nothing else, giving the same result as the installed feedparser's own code
on every feed in the test data."""

from __future__ import annotations

import gzip
import inspect
import multiprocessing
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import feedparser
import feedparser.mixin
import pytest

from bot.ingest import feedparser_fast
from bot.ingest.parse import parse_feed
from bot.ingest.worker import init_worker

DATA = Path(__file__).parents[1] / "data"
FEEDS = sorted(
    p
    for folder in ("feeds", "topic", "hostile")
    for p in (DATA / folder).iterdir()
    if p.suffix in {".xml", ".gz", ".rss", ".atom"}
)
# Each copy's changes, as written in it.
CHANGES = {
    "pop": (
        (
            "output = output.translate(_cp1252)",
            "output = output.translate(_cp1252) if _C1.search(output) else output",
        ),
        ("copy.deepcopy(self.contentparams)", "FeedParserDict(self.contentparams)"),
    ),
    "push_content": (("self.contentparams = FeedParserDict({", "self.contentparams = dict({"),),
}
OURS = feedparser_fast.COPIES


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_copy_is_the_installed_feedparsers_method_with_its_changes(name: str) -> None:
    """Fails after a feedparser upgrade that changed the method: copy it again, then re-apply."""
    theirs = textwrap.dedent(inspect.getsource(feedparser_fast.FEEDPARSER_OWN[name]))
    ours = inspect.getsource(OURS[name])
    for old, new in CHANGES[name]:
        assert old in theirs
        theirs = theirs.replace(old, new)
    # Only the first line (the signature) may differ: the copy's has type annotations.
    assert ours.split("\n", 1)[1] == theirs.split("\n", 1)[1]


# Run in a fresh interpreter: imports every module of the bot (the entry point's ``__main__``
# aside, which would run the CLI), then calls the parse workers' initializer.
_IMPORT_THEN_INIT = """
import importlib, pkgutil, feedparser.mixin
import bot
from bot.ingest import feedparser_fast
def methods():
    own = {n: getattr(feedparser.mixin._FeedParserMixin, n) for n in feedparser_fast.COPIES}
    return own, feedparser.mixin._urljoin
for module in pkgutil.walk_packages(bot.__path__, "bot."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
own, urljoin = methods()
assert own == feedparser_fast.FEEDPARSER_OWN, own
assert urljoin is feedparser_fast.FEEDPARSER_URLJOIN
assert not feedparser_fast.installed()
from bot.ingest.worker import init_worker
init_worker()
own, urljoin = methods()
assert own == feedparser_fast.COPIES, own
assert urljoin is feedparser_fast.urljoin
print("ok")
"""


def test_importing_the_bot_leaves_feedparser_alone_the_worker_initializer_installs() -> None:
    assert feedparser.__version__ == feedparser_fast.COPIED_FROM
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_THEN_INIT], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_parse_worker_parses_with_the_copies() -> None:
    """The process pool as ``bot.ingest.cpu`` builds it: each worker starts with ``init_worker``,
    and starting it changes nothing in this process (which installs the copies only when it
    parses a small poll itself, as an earlier test may have made it do)."""
    here = feedparser_fast.installed()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=init_worker) as pool:
        assert pool.submit(feedparser_fast.installed).result(timeout=120)
    assert feedparser_fast.installed() is here


@pytest.mark.parametrize(
    ("base", "uri"),
    [
        ("", ""),
        ("", "https://a.example//x"),
        ("https://a.example/feed/", "../b"),
        ("https://a.example/", ""),
        ("", "/relative"),
    ],
)
def test_urljoin_answers_as_feedparsers_own(base: Any, uri: Any) -> None:
    assert feedparser_fast.urljoin(base, uri) == feedparser_fast.FEEDPARSER_URLJOIN(base, uri)


def test_another_feedparser_release_keeps_its_own_code(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A feedparser other than the one copied (installed by hand over the pin) parses with its
    own code, and the log says why parsing got slower."""
    monkeypatch.setattr(feedparser, "__version__", "6.0.15")
    for name, method in feedparser_fast.FEEDPARSER_OWN.items():
        monkeypatch.setattr(feedparser.mixin._FeedParserMixin, name, method)
    monkeypatch.setattr(feedparser.mixin, "_urljoin", feedparser_fast.FEEDPARSER_URLJOIN)
    feedparser_fast.install()
    for name, method in feedparser_fast.FEEDPARSER_OWN.items():
        assert getattr(feedparser.mixin._FeedParserMixin, name) is method
    assert feedparser.mixin._urljoin is feedparser_fast.FEEDPARSER_URLJOIN
    assert not feedparser_fast.installed()
    assert "feedparser 6.0.15 is installed, not 6.0.14" in caplog.text


def _parsed(
    body: bytes,
    methods: dict[str, Any],
    urljoin: Any,
    monkeypatch: pytest.MonkeyPatch,
    **flags: bool,
) -> Any:
    for name, method in methods.items():
        monkeypatch.setattr(feedparser.mixin._FeedParserMixin, name, method)
    monkeypatch.setattr(feedparser.mixin, "_urljoin", urljoin)
    result = feedparser.parse(body, **flags)
    exc = result.pop("bozo_exception", None)
    return result, repr(exc)


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
@pytest.mark.parametrize(
    "flags",
    [{}, {"sanitize_html": False, "resolve_relative_uris": False}],
    ids=["default", "as-tjwatch"],
)
def test_the_copy_parses_every_test_feed_as_feedparser_does(
    path: Path, flags: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = path.read_bytes()
    if path.suffix == ".gz":
        body = gzip.decompress(body)
    theirs = _parsed(
        body,
        feedparser_fast.FEEDPARSER_OWN,
        feedparser_fast.FEEDPARSER_URLJOIN,
        monkeypatch,
        **flags,
    )
    ours = _parsed(body, OURS, feedparser_fast.urljoin, monkeypatch, **flags)
    assert ours == theirs


def test_windows_1252_characters_are_still_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the copies in place (as in a parse worker), a feed that carries Windows-1252
    punctuation as C1 control characters (a common mistake: U+0096 for an en dash, U+0093/U+0094
    for quotes) still gets the real characters."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Россия \u0096 Таджикистан</title><link>https://example.org/a</link>"
        "<description>\u0093Договор\u0094 подписан</description></item></channel></rss>"
    ).encode()
    for name, method in OURS.items():
        monkeypatch.setattr(feedparser.mixin._FeedParserMixin, name, method)
    monkeypatch.setattr(feedparser.mixin, "_urljoin", feedparser_fast.urljoin)
    (entry,) = parse_feed(body, {"content-type": "application/rss+xml"}).entries
    assert entry.title == "Россия – Таджикистан"
    assert entry.summary == "“Договор” подписан"
