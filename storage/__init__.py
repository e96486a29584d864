"""The storage layer: the only code that writes SQL. Imports nothing from ``bot``."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlite_utils import Database

from storage.chats import CONSOLE_CHAT_ID, ChatRepository
from storage.database import open_database
from storage.deliveries import DeliveryRepository
from storage.errors import StorageError
from storage.feedback import FeedbackCounts, FeedbackRepository
from storage.feeds import FeedRepository
from storage.items import ItemRepository
from storage.records import (
    ChatRecord,
    FeedState,
    FeedUpdate,
    NewItem,
    ReportProbe,
    StoredItem,
    VerdictRecord,
)
from storage.retention import PrunedBatch, RetentionRepository
from storage.state import StateRepository
from storage.stories import DocFreqRepository, StoryRecord, StoryRepository
from storage.summaries import PeriodItem, StoryReports, SummaryRepository

P = ParamSpec("P")
T = TypeVar("T")

__all__ = [
    "CONSOLE_CHAT_ID",
    "ChatRecord",
    "FeedState",
    "FeedUpdate",
    "FeedbackCounts",
    "NewItem",
    "PeriodItem",
    "PrunedBatch",
    "ReportProbe",
    "StorageError",
    "Store",
    "StoredItem",
    "StoryRecord",
    "StoryReports",
    "VerdictRecord",
    "open_store",
]


# SQLite's primary result codes for an environment problem, and what the operator can do.
_FIXES = {
    sqlite3.SQLITE_FULL: "Free some space on its volume and run again; nothing of the failed "
    "transaction was kept (`tjwatch db check` confirms the file is whole).",
    sqlite3.SQLITE_READONLY: "Make the file and its folder writable by this user, or set "
    "TJWATCH_DB to a writable path.",
    sqlite3.SQLITE_IOERR: "The disk reported an I/O error; check it, then `tjwatch db check`.",
    sqlite3.SQLITE_BUSY: "Another process held a write lock for longer than the busy timeout; "
    "stop it or run again.",
}


class Store:
    """One SQLite file, its repositories, and the one thread that touches the connection."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self.feeds = FeedRepository(db)
        self.items = ItemRepository(db)
        self.chats = ChatRepository(db)
        self.deliveries = DeliveryRepository(db)
        self.feedback = FeedbackRepository(db)
        self.state = StateRepository(db)
        self.stories = StoryRepository(db)
        self.doc_freq = DocFreqRepository(db)
        self.summaries = SummaryRepository(db)
        self.retention = RetentionRepository(db)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tjwatch-db")

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a storage call on the database thread, off the event loop.

        A failure of the file's surroundings (full disk, read-only file, I/O error, a lock held
        too long) becomes a ``StorageError`` that says what to do; bugs stay ``sqlite3`` errors.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._thread, functools.partial(fn, *args, **kwargs))
        except sqlite3.OperationalError as exc:
            fix = _FIXES.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
            if fix is None:
                raise
            raise StorageError(
                f"the database {str(self.path)!r} cannot be written: {exc}. {fix}"
            ) from exc

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.db.close()


def open_store(path: Path) -> Store:
    return Store(open_database(path), path)
