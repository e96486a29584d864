"""Opening the SQLite file: WAL, a busy timeout, foreign keys, and migrations on open.

One ``sqlite3`` connection serves the whole process. Async code reaches it through
``Store.run``, which hands every call to a single worker thread (datasette's one-writer pattern),
so SQLite never blocks the event loop and two coroutines never share a transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.errors import StorageError
from storage.migrations import migrations

BUSY_TIMEOUT_MS = 10_000
# SQLite's page cache for the one connection, at most (filled as pages are read). The default,
# 2 MB, holds the item indexes of some 25,000 items: past that, a poll cycle's inserts (random
# ids, urls) read most index pages back from the OS.
CACHE_KIB = 16_000


def open_database(path: Path) -> Database:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        db = Database(conn)
        db.enable_wal()
        migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(
            f"cannot open the database {str(path)!r}: {exc}. "
            "Check that the folder exists and is writable, or set TJWATCH_DB to another path."
        ) from exc
    return db
