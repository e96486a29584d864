"""``tjwatch db backup PATH`` and ``tjwatch db check``: safe while the service is running."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import load
from bot.maintenance import backup_database, check_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database maintenance: backup PATH, check")
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
