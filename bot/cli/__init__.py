"""The ``tjwatch`` command line: parse arguments, call a service, print. Errors → exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import db, digest, export, feeds, health, poll, relevance, run, summary
from bot.errors import StorageError, TjwatchError

VERBS = (poll, digest, run, feeds, health, relevance, summary, export, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tjwatch",
        description="Monitor news feeds on the configured topic and deliver digests.",
    )
    parser.add_argument("--version", action="version", version=f"tjwatch {__version__}")
    _add_global_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in VERBS:
        verb.register(sub)
    _accept_global_options_after_verbs(parser)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """``--config``, ``--log-level`` and ``--log-format``; defaults only on the top parser."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default(None),
        help="configuration file (default: $TJWATCH_CONFIG or config/tjwatch.toml)",
    )
    parser.add_argument(
        "--log-level", default=default("INFO"), choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.add_argument(
        "--log-format",
        default=default("text"),
        choices=["text", "json"],
        help="json: one JSON object per line",
    )


def _accept_global_options_after_verbs(parser: argparse.ArgumentParser) -> None:
    """Accept ``tjwatch run --config my.toml`` as well as ``tjwatch --config my.toml run``.

    The verbs' copies have no defaults (``SUPPRESS``), so a value given before the verb survives.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for verb_parser in dict.fromkeys(action.choices.values()):
                _add_global_options(verb_parser, defaults=False)
                _accept_global_options_after_verbs(verb_parser)


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
