"""Numbered, append-only schema migrations, applied on every start (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add ``m00N_what`` below it.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tjwatch")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            url TEXT NOT NULL UNIQUE,
            lang TEXT,
            interval_minutes INTEGER,
            origin TEXT NOT NULL DEFAULT 'config',
            active INTEGER NOT NULL DEFAULT 1,
            etag TEXT,
            last_modified TEXT,
            last_polled_at TEXT,
            last_success_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            http_status INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            items_seen INTEGER NOT NULL DEFAULT 0,
            next_poll_at TEXT,
            bozo_reason TEXT,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            guid TEXT,
            url TEXT,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            text TEXT,
            lang TEXT,
            published_at TEXT NOT NULL,
            published_raw TEXT,
            fetched_at TEXT NOT NULL,
            first_feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL
        )
        """
    )
    db.execute("CREATE INDEX items_published_at ON items(published_at)")
    db.execute("CREATE INDEX items_url ON items(url)")
    db.execute(
        """
        CREATE TABLE item_sources (
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (item_id, feed_id)
        )
        """
    )
    db.execute("CREATE INDEX item_sources_feed ON item_sources(feed_id)")
    db.execute(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            headline TEXT NOT NULL,
            lead_item_id TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            item_count INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute(
        """
        CREATE TABLE verdicts (
            item_id TEXT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            relevant INTEGER NOT NULL,
            score REAL NOT NULL,
            matched_terms TEXT NOT NULL DEFAULT '[]',
            nearest_seed TEXT,
            seed_similarity TEXT NOT NULL DEFAULT '{}',
            story TEXT,
            whats_new TEXT,
            reason TEXT NOT NULL DEFAULT '',
            story_id INTEGER REFERENCES stories(id) ON DELETE SET NULL,
            scored_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX verdicts_relevant ON verdicts(relevant, scored_at)")
    db.execute("CREATE INDEX verdicts_story ON verdicts(story_id)")
    db.execute(
        """
        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL DEFAULT 'telegram',
            kind TEXT NOT NULL,
            title TEXT,
            lang TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            subscribed INTEGER NOT NULL DEFAULT 0,
            thread_id INTEGER,
            frequency TEXT NOT NULL DEFAULT 'daily',
            digest_hour INTEGER NOT NULL DEFAULT 8,
            digest_weekday INTEGER NOT NULL DEFAULT 0,
            timezone TEXT NOT NULL DEFAULT 'UTC',
            min_score REAL,
            only_new INTEGER NOT NULL DEFAULT 0,
            managed_by INTEGER,
            last_digest_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE deliveries (
            channel TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'sent',
            queued_at TEXT NOT NULL,
            sent_at TEXT,
            message_id INTEGER,
            PRIMARY KEY (channel, chat_id, item_id)
        )
        """
    )
    db.execute("CREATE INDEX deliveries_pending ON deliveries(status, channel, chat_id)")
    db.execute(
        """
        CREATE TABLE feedback (
            chat_id INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            vote INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (chat_id, item_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """
    )
    db.table("items").enable_fts(
        ["title", "summary", "text"],
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )


@migrations()
def m002_feed_health(db: Database) -> None:
    """Feed identity that survives a permanent redirect, and removals that survive a restart.

    ``config_url`` is the address as written in the config file, so that a configured feed whose
    stored ``url`` moved (HTTP 301/308) is still recognised at the next start; ``removed_at``
    marks a feed an admin removed, so that the config sync does not switch it back on.
    """
    db.execute("ALTER TABLE feeds ADD COLUMN config_url TEXT")
    db.execute("ALTER TABLE feeds ADD COLUMN removed_at TEXT")
    db.execute("UPDATE feeds SET config_url = url WHERE origin = 'config'")
    db.execute("CREATE INDEX feeds_config_url ON feeds(config_url)")


@migrations()
def m003_relevance(db: Database) -> None:
    """Document frequencies the relevance scorer learns from every item, and story signatures.

    ``doc_freq`` survives a restart so that IDF weights keep what was learnt (the number of
    documents is the row with the empty token). ``story_signatures`` holds each grouped item's
    language-independent tokens, so that the story index is rebuilt at start and grouping carries
    on across cycles and restarts.
    """
    db.execute("CREATE TABLE doc_freq (token TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    db.execute(
        """
        CREATE TABLE story_signatures (
            item_id TEXT PRIMARY KEY,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            tokens TEXT NOT NULL,
            published_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX story_signatures_published ON story_signatures(published_at)")


@migrations()
def m005_summary(db: Database) -> None:
    """A covering index for summaries and trends (issue 6): a period's items by date with the
    columns a summary reads, so that 30 days of 10,000 items are read without touching the
    (large, full-text) item rows."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS items_period"
        " ON items(published_at, id, title, summary, url, lang)"
    )


@migrations()
def m006_perf(db: Database) -> None:
    """Indexes for the digest query (issue 8): a chat's undelivered relevant items, best first.

    ``verdicts_digest`` finds the relevant verdicts above a score with their item ids, and
    ``items_id_published`` gives each one's date without reading the (large) item row.
    """
    db.execute("CREATE INDEX IF NOT EXISTS verdicts_digest ON verdicts(relevant, score, item_id)")
    db.execute("CREATE INDEX IF NOT EXISTS items_id_published ON items(id, published_at)")


@migrations()
def m007_fts_by_batch(db: Database) -> None:
    """New items reach the full-text index in one statement per batch (``ItemRepository.add``)
    instead of by the insert trigger, row by row: the trigger was half the cost of storing a poll
    cycle. The update and delete triggers stay (one row at a time is what they see)."""
    db.execute('DROP TRIGGER IF EXISTS "items_ai"')


@migrations()
def m008_no_period_copy(db: Database) -> None:
    """Drop m005's covering index ``items_period``: it copied every item's title and summary
    (half the database's size, nearly a fifth of the cost of storing an item) for the summaries'
    query, which reads only relevant items (a few in a hundred) and now finds them through the
    verdicts' relevance index and ``items_id_published``."""
    db.execute("DROP INDEX IF EXISTS items_period")


@migrations()
def m009_undated_items(db: Database) -> None:
    """Undated items have no ``published_at`` (issue 21).

    Until now an item without a usable date (none, one that does not parse, or one in the future)
    was stored with its fetch time in ``published_at``, NOT NULL, and readers guessed which
    dates were real. That column keeps its values, its NOT NULL and its indexes under the name
    of what it holds, ``timeline_at``: when the item was published, else when it was first
    fetched. The digest, search, summary and trend queries select and order on it, index-only as
    before (the indexes are rebuilt under names that say so). ``published_at`` comes back beside
    it, nullable: the date the feed gave, or NULL for an undated item. Story signatures keep
    their timeline key the same way.

    Which existing items were undated is decided from what is stored: ``published_raw`` is NULL
    (the feed gave no date), or the stored date equals the fetch time (the old fallback for a
    date that did not parse or lay in the future). A real date equal to the fetch time to the
    second would be counted as undated too; its place on the timeline is the same either way.

    The backfill rewrites every row once. The full-text index's update trigger would re-index
    every item's text for a column it does not index, so it is set aside for that statement and
    put back as it was.
    """
    db.execute("ALTER TABLE items RENAME COLUMN published_at TO timeline_at")
    db.execute("ALTER TABLE items ADD COLUMN published_at TEXT")
    trigger = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'items_au'"
    ).fetchone()
    if trigger:
        db.execute('DROP TRIGGER "items_au"')
    db.execute(
        "UPDATE items SET published_at = timeline_at"
        " WHERE published_raw IS NOT NULL AND timeline_at != fetched_at"
    )
    if trigger:
        db.execute(trigger[0])
    db.execute("DROP INDEX IF EXISTS items_published_at")
    db.execute("DROP INDEX IF EXISTS items_id_published")
    db.execute("CREATE INDEX items_timeline ON items(timeline_at)")
    db.execute("CREATE INDEX items_id_timeline ON items(id, timeline_at)")
    db.execute("ALTER TABLE story_signatures RENAME COLUMN published_at TO timeline_at")
    db.execute("DROP INDEX IF EXISTS story_signatures_published")
    db.execute("CREATE INDEX story_signatures_timeline ON story_signatures(timeline_at)")


@migrations()
def m010_aggregated_reports(db: Database) -> None:
    """Aggregators read as the outlets they carry (issue 22).

    A source row names the outlet when the feed's entry did (Google News's ``<source>``):
    ``publisher`` is what readers see as the source, the feed stays for feed health. An item
    keeps ``report_key`` (its headline and outlet, hashed: ``bot.ingest.reports``), indexed with
    its date, so that an aggregator's item and the outlet's own item of one article are found to
    be one report whichever comes first; ``aggregator_link`` says its link is still the
    aggregator's redirect, which the outlet's own link replaces. ``item_aliases`` maps the id of
    an item that joined a report onto the report, so the next poll knows it at once.

    Items stored before have no key: they are not joined to later items this way.
    """
    db.execute("ALTER TABLE item_sources ADD COLUMN publisher TEXT")
    db.execute("ALTER TABLE item_sources ADD COLUMN publisher_url TEXT")
    db.execute("ALTER TABLE items ADD COLUMN report_key TEXT")
    db.execute("ALTER TABLE items ADD COLUMN aggregator_link INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "CREATE INDEX items_report_key ON items(report_key, timeline_at)"
        " WHERE report_key IS NOT NULL"
    )
    db.execute(
        """
        CREATE TABLE item_aliases (
            alias TEXT PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX item_aliases_item ON item_aliases(item_id)")


@migrations()
def m011_story_messages(db: Database) -> None:
    """Stories over time (issue 22): which message of a chat carried each story, and how a chat
    wants later reports of a story it has seen (``follow_ups``: NULL for the configured default).

    ``story_messages`` is written in the transaction that marks the carrying message's items
    ``sent``; a later report of the story is a follow-up, a reply to ``message_ref`` (Telegram's
    message id, Slack's ``ts``; NULL where the channel gives none, as the console). One row per
    story and chat: the first message that carried it, so the table grows with stories times
    chats (a fraction of ``deliveries``, one row per item and chat), and goes with its story.

    Stories delivered before this migration count as seen: each is recorded with its earliest
    delivered item's message (``deliveries.message_id``; NULL where none was kept, and the
    follow-up then comes as a message of its own), so that an upgrade does not send them again
    as new entries.
    """
    db.execute(
        """
        CREATE TABLE story_messages (
            channel TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            message_ref TEXT,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, story_id)
        )
        """
    )
    db.execute(
        "INSERT OR IGNORE INTO story_messages (channel, chat_id, story_id, message_ref, sent_at)"
        " SELECT d.channel, d.chat_id, v.story_id, CAST(d.message_id AS TEXT), d.sent_at"
        " FROM deliveries d JOIN verdicts v ON v.item_id = d.item_id"
        " JOIN stories s ON s.id = v.story_id"
        " WHERE d.status = 'sent' AND d.sent_at IS NOT NULL"
        " ORDER BY d.sent_at, d.message_id"
    )
    db.execute("ALTER TABLE chats ADD COLUMN follow_ups TEXT")


@migrations()
def m012_retention(db: Database) -> None:
    """Retention (issue 23): old items are deleted, and a deleted item must not come back as new.

    ``tombstones`` remembers each deleted item's id and the ids of the copies that had joined it
    (``item_aliases``), as a 64-bit hash in the rowid (``storage.keys.tombstone_key``: some
    15 bytes a row), with when a feed last served it (Unix seconds), until no feed has served it
    for a while. The item id is already the hash of the canonical link (else the guid), so one key
    stands for both.

    The indexes let a deleted item's rows go without scanning a whole table: its deliveries and
    feedback (the foreign-key cascade and the prune look them up by item), and an emptied story's
    signatures and messages (looked up by story).
    """
    db.execute("CREATE TABLE tombstones (key INTEGER PRIMARY KEY, seen_at INTEGER NOT NULL)")
    db.execute("CREATE INDEX IF NOT EXISTS deliveries_item ON deliveries(item_id)")
    db.execute("CREATE INDEX IF NOT EXISTS feedback_item ON feedback(item_id)")
    db.execute("CREATE INDEX IF NOT EXISTS story_signatures_story ON story_signatures(story_id)")
    db.execute("CREATE INDEX IF NOT EXISTS story_messages_story ON story_messages(story_id)")


@migrations(transactional=False)
def m013_incremental_vacuum(db: Database) -> None:
    """Let pruning give free pages back to the file system (``PRAGMA incremental_vacuum``).

    SQLite changes a file's ``auto_vacuum`` mode only by rewriting it (``VACUUM``), which cannot
    run in a transaction. A new database is rewritten while still empty; an existing one is
    rewritten once, at the first start of this version: that takes time in proportion to its
    size and needs free disk as large as the file (README "Upgrading"). When it fails (a full
    disk), nothing is lost and this migration runs again at the next start.
    """
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # 2: INCREMENTAL
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")


@migrations()
def m014_vote_shift(db: Database) -> None:
    """A chat's 👍/👎 adjustment apart from the minimum relevance it chose (issue 24), so that
    the person's choice stands.

    ``vote_shift`` holds what votes add to the chosen ``min_score`` (bounded around it); choosing
    a value again sets it back to 0. A ``min_score`` that votes had already moved before this
    migration stays as it is: nothing tells it from a choice.
    """
    db.execute("ALTER TABLE chats ADD COLUMN vote_shift REAL NOT NULL DEFAULT 0")


@migrations()
def m015_archive_index(db: Database) -> None:
    """The web archive's latest stories (issue 25) walk a period's items newest first until
    they have enough stories; ``items_archive`` holds each item's id and language beside its
    date, so the walk reads no item rows (they hold the article text) and a language filter
    skips other languages without looking up their verdicts."""
    db.execute("CREATE INDEX IF NOT EXISTS items_archive ON items(timeline_at, id, lang)")


@migrations()
def m016_item_traces(db: Database) -> None:
    """Traces: what is kept of an unmatched item once its text is deleted (issue 23).

    An unmatched item is searched for by its headline long after anyone needs its text: a trace
    keeps its id, headline, link, language, date and first source, without the text, the
    verdict and the item's indexes that make up most of what a stored item costs, and is found
    by ``/search`` through a full-text index of the headlines alone (benchmarks/NOTES.md).
    ``key`` is the item id's tombstone key (``storage.keys.tombstone_key``); dates are Unix
    seconds.
    """
    db.execute(
        """
        CREATE TABLE item_traces (
            key INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            url TEXT,
            lang TEXT,
            timeline_at INTEGER NOT NULL,
            dated INTEGER NOT NULL,
            source TEXT
        )
        """
    )
    db.execute("CREATE INDEX item_traces_timeline ON item_traces(timeline_at)")
    db.execute(
        "CREATE VIRTUAL TABLE item_traces_fts USING fts5(title, content='item_traces',"
        " content_rowid='key', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TRIGGER item_traces_ai AFTER INSERT ON item_traces BEGIN"
        " INSERT INTO item_traces_fts (rowid, title) VALUES (new.key, new.title); END"
    )
    db.execute(
        "CREATE TRIGGER item_traces_ad AFTER DELETE ON item_traces BEGIN"
        " INSERT INTO item_traces_fts (item_traces_fts, rowid, title)"
        " VALUES ('delete', old.key, old.title); END"
    )
