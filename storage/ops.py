"""Operational facts for ``tjwatch health``: when the last poll cycle finished, and whether the
database file can still be written.

The finish time lives in the ``state`` table (key/value, created by m001). The probe opens its own
short-lived connection and never creates the file or runs migrations: a health check must not
change what it checks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

LAST_CYCLE_KEY = "ops.last_cycle_finished_at"
_PROBE_KEY = "ops.health_probe"
_UPSERT = (
    "INSERT INTO state (key, value) VALUES (?, ?) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)


@dataclass(frozen=True, slots=True)
class DatabaseProbe:
    exists: bool
    writable: bool
    last_cycle_finished_at: datetime | None
    problem: str | None
    """Why the database cannot be opened, read or written, in words; None when all is well."""
    state: Mapping[str, str] = field(default_factory=dict)
    """The ``state`` table (small named flags, e.g. whether polling is paused)."""


def record_cycle_finished(db: Database, at: datetime) -> None:
    with db.atomic():
        db.execute(_UPSERT, [LAST_CYCLE_KEY, at.isoformat()])


def probe_database(path: Path, *, timeout_s: float = 10.0) -> DatabaseProbe:
    """Read the last cycle's finish time and try a write that is rolled back.

    ``timeout_s`` waits out a poll cycle's write transaction (the HEALTHCHECK allows 30 s).
    """
    if not path.is_file():
        return DatabaseProbe(False, False, None, f"there is no database at {str(path)!r} yet")
    uri = f"file:{quote(str(path.resolve()))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        return DatabaseProbe(True, False, None, f"cannot open the database {str(path)!r}: {exc}")
    try:
        try:
            state = dict(conn.execute("SELECT key, value FROM state").fetchall())
        except sqlite3.Error as exc:
            return DatabaseProbe(
                True, False, None, f"cannot read the database {str(path)!r}: {exc}"
            )
        stamp = state.get(LAST_CYCLE_KEY)
        last = datetime.fromisoformat(stamp) if stamp else None
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_UPSERT, [_PROBE_KEY, "probe"])
        except sqlite3.Error as exc:
            return DatabaseProbe(
                True, False, last, f"the database {str(path)!r} is not writable: {exc}", state
            )
        finally:
            if conn.in_transaction:
                conn.rollback()
        return DatabaseProbe(True, True, last, None, state)
    finally:
        conn.close()
