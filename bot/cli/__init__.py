"""The ``tjwatch`` command line: parse arguments, call a service, print. Errors → exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import db, digest, feeds, health, poll, relevance, run, summary
from bot.errors import TjwatchError
from storage import StorageError

VERBS = (poll, digest, run, feeds, health, relevance, summary, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tjwatch",
        description="Monitor news feeds for Russia–Tajikistan relations and deliver digests.",
    )
    parser.add_argument("--version", action="version", version=f"tjwatch {__version__}")
    parser.add_argument("--config", metavar="PATH", help="configuration file (default: $TJWATCH_CONFIG or config/tjwatch.toml)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--log-format", default="text", choices=["text", "json"], help="json: one JSON object per line")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in VERBS:
        verb.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
        return result
    except (TjwatchError, StorageError) as exc:
        print(f"tjwatch: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
