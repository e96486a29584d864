"""``tjwatch db backup PATH``, ``check``, ``stats`` and ``prune``: safe while the service runs."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import load
from bot.clock import SystemClock
from bot.maintenance import (
    DatabaseStats,
    PruneReport,
    RetentionPolicy,
    backup_database,
    check_database,
    database_stats,
    prune_database,
)
from bot.service_lock import service_lock


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database maintenance: backup PATH, check, stats, prune")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    backup = actions.add_parser(
        "backup", help="write a consistent copy of the database to PATH (safe while tjwatch runs)"
    )
    backup.add_argument("path", type=Path, metavar="PATH")
    backup.set_defaults(handler=handle_backup)
    check = actions.add_parser(
        "check",
        help="run SQLite's integrity and foreign-key checks; exit 1 when they find problems",
    )
    check.set_defaults(handler=handle_check)
    stats = actions.add_parser(
        "stats",
        help="items by kind and age, the file's size and free pages, and what the next pruning"
        " deletes",
    )
    stats.set_defaults(handler=handle_stats)
    prune = actions.add_parser(
        "prune",
        help="delete what [retention] says is too old now, in short transactions, and give the"
        " free pages back",
    )
    prune.set_defaults(handler=handle_prune)


def handle_backup(args: argparse.Namespace) -> int:
    settings = load(args)
    result = backup_database(settings.database_path, args.path)
    print(
        f"backed up {str(settings.database_path)!r} to {str(result.path)!r} "
        f"({result.pages} pages, {result.bytes} bytes)"
    )
    return 0


def handle_check(args: argparse.Namespace) -> int:
    settings = load(args)
    result = check_database(settings.database_path)
    if result.ok:
        print(f"ok: {str(settings.database_path)!r} passed the integrity and foreign-key checks")
        return 0
    print(f"damaged: {str(settings.database_path)!r}:")
    for problem in result.problems:
        print(f"  - {problem}")
    print("restore the latest `tjwatch db backup` copy, or start afresh with a new TJWATCH_DB")
    return 1


def handle_stats(args: argparse.Namespace) -> int:
    settings = load(args)
    policy = RetentionPolicy.from_settings(settings.file.retention)
    stats = database_stats(settings.database_path, policy, now=SystemClock().now())
    print(format_stats(stats, policy))
    return 0


def handle_prune(args: argparse.Namespace) -> int:
    settings = load(args)
    policy = RetentionPolicy.from_settings(settings.file.retention)
    every = settings.file.retention.interval_minutes
    refused = (
        f"`tjwatch run` is running on the database {str(settings.database_path)!r} and prunes it"
        f" itself every {every} minutes, between its poll cycles; pruning from another process"
        " could delete an item under a running cycle. Stop the service to prune now, or let it"
        " prune"
    )
    with service_lock(settings.database_path, refused=refused):
        now = SystemClock().now()
        report = asyncio.run(prune_database(settings.database_path, policy, now=now))
    print(format_prune(report))
    return 0


def format_stats(stats: DatabaseStats, policy: RetentionPolicy) -> str:
    mb = 1024 * 1024
    width = max(len(b.label) for b in stats.buckets)
    lines = [f"{'age':<{width}}  {'matched':>9}  {'unmatched':>9}"]
    lines += [f"{b.label:<{width}}  {b.matched:>9}  {b.unmatched:>9}" for b in stats.buckets]
    lines.append(f"{'all':<{width}}  {stats.matched:>9}  {stats.unmatched:>9}")
    free = stats.free_pages * stats.page_size
    lines.append(
        f"file: {stats.file_bytes / mb:.1f} MB, of which {free / mb:.1f} MB in"
        f" {stats.free_pages} free pages"
        + (
            " (given back by the next pruning)"
            if stats.incremental_vacuum
            else " (reused by new items; this file is not in incremental auto-vacuum mode)"
        )
    )
    matched_rule = (
        "matched items are kept forever"
        if policy.matched_days is None
        else f"{stats.due_matched} matched items older than {policy.matched_days} days"
    )
    if policy.keeps_traces:
        lines.append(
            f"traces: {stats.traces} headlines of unmatched items whose text was deleted,"
            f" found by search until {policy.unmatched_days} days"
        )
        unmatched_rule = (
            f"{stats.due_unmatched} unmatched items older than {policy.unmatched_text_days} days"
            f" lose their text; {stats.due_traces} traces older than {policy.unmatched_days}"
            " days are forgotten"
        )
    else:
        unmatched_rule = (
            f"{stats.due_unmatched} unmatched items older than {policy.unmatched_days} days"
        )
    lines.append(
        f"next pruning: {unmatched_rule}; {matched_rule}; {stats.due_tombstones} of"
        f" {stats.tombstones} tombstones not served for {policy.tombstone_days} days"
    )
    return "\n".join(lines)


def format_prune(report: PruneReport) -> str:
    return (
        f"pruned {report.unmatched} unmatched and {report.matched} matched items"
        f" ({report.stories} stories emptied) in {report.batches} batches,"
        f" {report.seconds:.2f} s (longest batch {report.longest_batch_s * 1000:.0f} ms, longest"
        f" step {report.longest_step_s * 1000:.0f} ms);"
        f" {report.traces_kept} traces kept, {report.traces_forgotten} forgotten;"
        f" {report.tombstones_added} tombstones added, {report.tombstones_forgotten} forgotten;"
        f" {report.free_pages_left} free pages left"
    )
