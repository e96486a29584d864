"""SQL helpers the repositories share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

# ``WHERE id IN_JSON_LIST``: the values of one ``json_rows`` parameter, however many (no limit on
# a statement's parameters to chunk around).
IN_JSON_LIST = "IN (SELECT value FROM json_each(?))"


def json_rows(rows: Sequence[Any]) -> str:
    """Many rows (or values) as one parameter, for a statement that reads them with
    ``rows_from_json`` (or ``json_each``).

    Why not ``executemany``: the sqlite3 module lets go of the GIL for every row and must win it
    back before the next one; while another thread runs Python (a poll cycle scores items while
    the database thread writes the previous batch) each win waits up to the interpreter's switch
    interval, 5 ms. 1,000 rows then took seconds where one statement takes milliseconds.

    Values are str, int, float or None. A text's NUL character would end it in SQLite's JSON, so
    none may hold one (``bot.ingest.parse`` drops them from feeds).
    """
    return json.dumps(rows, ensure_ascii=False)


def rows_from_json(*columns: str) -> str:
    """``SELECT … FROM json_each(?) WHERE true``: the rows of one ``json_rows`` parameter, in
    order, as the named columns (``WHERE true`` lets an ``ON CONFLICT`` clause follow)."""
    values = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(columns))
    return f"SELECT {values} FROM json_each(?) WHERE true"
