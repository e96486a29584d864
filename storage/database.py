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
# SQLite's page cache for the one connection, at most (filled as pages are read). SQLite's own
# default, 2 MB (``SMALL_CACHE_KIB``), holds the item indexes of some 25,000 items: past that, a
# poll cycle's inserts (random ids, urls) read most index pages back from the OS, which costs a
# cycle of tens of thousands of items, and is nothing to one of a few hundred.
CACHE_KIB = 16_000
SMALL_CACHE_KIB = 2_000


def open_database(path: Path, *, cache_kib: int = CACHE_KIB) -> Database:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        db = Database(conn)
        db.enable_wal()
        migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(
            f"cannot open the database {str(path)!r}: {exc}. "
            "Check that the folder exists and is writable, or set TJWATCH_DB to another path."
        ) from exc
    return db
