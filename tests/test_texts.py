"""The message catalogs as files: every text keeps the lines its author wrote.

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
