"""The message catalogs: every text keeps the lines its author wrote, every reason the scorer
gives is worded in each language, and counts take their number's plural form.

TOML drops a newline that directly follows an opening triple quote, so a section written to start
on a new line loses the line break that separated it from the text before it (issue 24: /help ran
"…summaries<b>Admin</b>: …" together).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.relevance.reasons import CODES, Reason, render_en
from bot.texts import LANGS, keys, reason_text, t
from bot.topic_file import load_topic

BOT = Path(__file__).resolve().parents[1] / "bot"
CATALOGS = sorted(BOT.rglob("*.toml"))
MULTILINE = re.compile(r'^([A-Za-z0-9_]+) = """(.*?)"""', re.M | re.S)
TABLE = re.compile(r"^\[([^\]]+)\]\s*$", re.M)


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[part]
    return data


def multiline_strings(path: Path) -> list[tuple[str, str, str]]:
    """(dotted key, the text as written between the quotes, the value TOML reads) for each
    multi-line string of ``path``."""
    raw = path.read_text("utf-8")
    parsed = tomllib.loads(raw)
    tables = [(m.start(), m.group(1).strip()) for m in TABLE.finditer(raw)]
    out = []
    for m in MULTILINE.finditer(raw):
        table = next((name for start, name in reversed(tables) if start < m.start()), "")
        key = f"{table}.{m.group(1)}" if table else m.group(1)
        out.append((key, m.group(2), _lookup(parsed, key)))
    return out


def test_the_catalogs_have_multiline_texts_to_check() -> None:
    found = {p.name for p in CATALOGS if multiline_strings(p)}
    assert {"en.toml", "ru.toml"} <= found


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(BOT)))
def test_every_multiline_text_keeps_its_line_structure(path: Path) -> None:
    for key, written, value in multiline_strings(path):
        assert value.split("\n") == written.split("\n"), (
            f"{path.name} {key}: TOML reads other lines than were written "
            "(a newline right after the opening triple quote is dropped; use a plain string)"
        )


def test_every_reason_code_is_worded_in_each_language_with_its_concepts_named() -> None:
    topic = load_topic()
    for lang in LANGS:
        assert {f"reason.{code}" for code in CODES} <= keys(lang)
    multilateral = Reason("multilateral", ("sco", "summit"))
    assert reason_text("ru", multilateral, topic) == "многосторонний формат: ШОС, саммит"
    assert reason_text("en", multilateral, topic) == "multilateral setting: the SCO, summit"
    side = Reason("missing_side", ("russia",))
    assert reason_text("ru", side, topic) == "не упомянута сторона: Россия"
    # A concept neither the topic nor the catalogs name shows its id as words.
    assert reason_text("ru", Reason("topics", ("gold_mines",)), topic) == "темы: gold mines"
    # The stored and printed English is the scorer's own, with ids (tjwatch score, explain).
    assert render_en(multilateral) == "multilateral setting: sco, summit"
    assert render_en(side, {"russia": "Russia"}) == "does not name Russia"


def test_plural_forms_follow_each_languages_rules() -> None:
    stories = {n: t("ru", "digest.stories", n=n) for n in (1, 2, 5, 11, 21, 22)}
    assert stories == {
        1: "1 сюжет",
        2: "2 сюжета",
        5: "5 сюжетов",
        11: "11 сюжетов",
        21: "21 сюжет",
        22: "22 сюжета",
    }
    assert [t("en", "digest.stories", n=n) for n in (1, 2)] == ["1 story", "2 stories"]
