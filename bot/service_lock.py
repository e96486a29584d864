"""One service per database: ``tjwatch run`` holds a lock on a file beside the database for as
long as it runs, and what must not run beside it (a second service, ``tjwatch db prune``) asks
for the same lock and stops with a clear message instead of waiting.

Two services on one file would each post every digest; a pruning pass from another process
could delete an item between a poll cycle's look-up of what is stored and its write (the
service prunes under its own cycle lock). The lock is the operating system's (``flock``), so a
killed service leaves none behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bot.errors import ServiceRunning


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def service_lock(database: Path, *, refused: str) -> Iterator[None]:
    """Hold the database's service lock, or raise ``ServiceRunning`` with ``refused`` (what
    the caller cannot do, and what to do instead) when another process holds it."""
    lock = FileLock(lock_path(database), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise ServiceRunning(refused) from exc
    try:
        yield
    finally:
        lock.release()
