"""The soak's own bookkeeping, kept apart from the bot's tables, in a SQLite file of its own (a
month of links would otherwise grow the measured process's memory).

What it records, each from outside the bot's database:

* ``served``: every link a feed published (the feed server says so at each tick);
* ``stored``: each link the bot stored as a new item, and when: a link stored new a second time
  is a deleted item that came back as new (items without a link, such as the cut-off last entry
  of a truncated body, are only counted);
* ``matched``: the items each poll cycle reported as matching (``CycleReport.matched``);
* ``received``: every link each chat was shown, message by message (the recording channel).

The bot's database is read only to see which rows a cycle added and whether a matched item is
still there; the judgement (seen before? delivered before?) is made here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

SCHEMA = """
CREATE TABLE served (link TEXT PRIMARY KEY, feed INTEGER, cycle INTEGER, topic INTEGER);
CREATE TABLE stored (url TEXT PRIMARY KEY, cycle INTEGER, times INTEGER);
CREATE TABLE matched (item_id TEXT PRIMARY KEY, cycle INTEGER);
CREATE TABLE received (chat INTEGER, url TEXT, message INTEGER, cycle INTEGER);
CREATE INDEX received_chat_url ON received (chat, url);
"""


class Ledger:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;" + SCHEMA)
        self._message = 0
        self.linkless = 0

    def close(self) -> None:
        self._db.close()

    def served(self, cycle: int, items: Iterable[tuple[str, int, bool]]) -> None:
        self._db.executemany(
            "INSERT INTO served VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(link, feed, cycle, int(topic)) for link, feed, topic in items],
        )

    def stored(self, cycle: int, urls: Sequence[str | None]) -> int:
        """The links the bot stored as new in this cycle; returns how many it had stored
        before (deleted items that came back as new). An item without a link (the cut-off
        last entry of a truncated feed) is only counted."""
        rows = [(url, cycle) for url in urls if url is not None]
        self.linkless += len(urls) - len(rows)
        again = 0
        for url, _ in rows:
            found = self._db.execute("SELECT 1 FROM stored WHERE url = ?", [url]).fetchone()
            again += found is not None
        self._db.executemany(
            "INSERT INTO stored VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET times = times + 1",
            rows,
        )
        return again

    def matched(self, cycle: int, item_ids: Iterable[str]) -> None:
        self._db.executemany(
            "INSERT INTO matched VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(item_id, cycle) for item_id in item_ids],
        )

    def received(self, cycle: int, chat: int, urls: Iterable[str]) -> int:
        """One message to ``chat`` showing ``urls``; returns its number."""
        self._message += 1
        self._db.executemany(
            "INSERT INTO received VALUES (?, ?, ?, ?)",
            [(chat, url, self._message, cycle) for url in urls],
        )
        return self._message

    def matched_ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT item_id FROM matched")]

    def returned_as_new(self) -> int:
        (n,) = self._db.execute("SELECT coalesce(sum(times - 1), 0) FROM stored").fetchone()
        return int(n)

    def redelivered(self) -> int:
        """Links a chat was shown in more than one message (each extra showing counts)."""
        sql = (
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(DISTINCT message) AS n"
            " FROM received GROUP BY chat, url)"
        )
        (n,) = self._db.execute(sql).fetchone()
        return int(n)

    def never_served(self) -> int:
        """Links the bot stored that no feed published (a broken harness, not a broken bot)."""
        sql = (
            "SELECT count(*) FROM stored WHERE NOT EXISTS"
            " (SELECT 1 FROM served WHERE served.link = stored.url)"
        )
        (n,) = self._db.execute(sql).fetchone()
        return int(n)

    def counts(self) -> dict[str, int]:
        one = self._db.execute
        return {
            "served": one("SELECT count(*) FROM served").fetchone()[0],
            "served_topic": one("SELECT count(*) FROM served WHERE topic").fetchone()[0],
            "stored": one("SELECT count(*) FROM stored").fetchone()[0],
            "stored_without_link": self.linkless,
            "matched": one("SELECT count(*) FROM matched").fetchone()[0],
            "received": one("SELECT count(DISTINCT chat || ' ' || url) FROM received").fetchone()[
                0
            ],
        }
