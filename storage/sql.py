"""SQL helpers the repositories share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

# ``WHERE id IN_JSON_LIST``: the values of one ``json_list`` parameter, however many (no limit on
# a statement's parameters to chunk around).
IN_JSON_LIST = "IN (SELECT value FROM json_each(?))"
# Parameters per statement in ``execute_rows``: SQLite's lowest limit (999, before 3.32). A poll
# cycle's batch of ~1,000 items is a dozen statements a table.
PARAMS_PER_STATEMENT = 999
# An item's sources as readers see them (``i`` is the item): the outlet an aggregator's entry
# named, else the feed's name, separated by U+001F (``source_names`` splits them).
SOURCE_NAMES = (
    "(SELECT group_concat(coalesce(s.publisher, f.name), '\x1f') FROM item_sources s"
    " JOIN feeds f ON f.id = s.feed_id WHERE s.item_id = i.id)"
)


def source_names(value: str | None) -> tuple[str, ...]:
    """``SOURCE_NAMES`` as a tuple, each name once (an outlet's own feed and an aggregator that
    carried the same article may both name it)."""
    return tuple(dict.fromkeys(value.split("\x1f"))) if value else ()


def json_list(values: Sequence[str | int]) -> str:
    """Many values as one parameter, for ``IN_JSON_LIST`` (a poll cycle asks for thousands of
    ids at a time)."""
    return json.dumps(values, ensure_ascii=False)


def execute_rows(
    db: Database, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], sql: str
) -> None:
    """Run ``WITH name(columns) AS (VALUES (?, …), …) sql`` over ``rows``, as many at a time as
    PARAMS_PER_STATEMENT allows: ``sql`` reads them as the table ``name`` (``INSERT … SELECT *
    FROM name WHERE true``, ``UPDATE … FROM name``). Values are str, int, float or None.

    Why not ``executemany``: the sqlite3 module lets go of the GIL for every row and must win it
    back before the next one; while another thread runs Python (a poll cycle scores items while
    the database thread writes the previous batch) each win waits up to the interpreter's switch
    interval. Why not one JSON parameter per statement: SQLite before 3.45 parses a row's JSON
    again for every column read from it.
    """
    one = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"WITH {name}({', '.join(columns)}) AS (VALUES "
    per_statement = PARAMS_PER_STATEMENT // len(columns)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        db.execute(
            head + ", ".join([one] * len(chunk)) + ") " + sql,
            [value for row in chunk for value in row],
        )
