"""``tjwatch run``: the scheduled service (Telegram with a token, console without)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import load
from bot.service_lock import service_lock
from bot.services import Services
from bot.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="start the scheduled service: Telegram bot with TELEGRAM_BOT_TOKEN, else console mode",
    )
    parser.add_argument(
        "--cycles", type=int, metavar="N", help="stop after N poll cycles (console mode)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load(args)
    refused = (
        f"another `tjwatch run` is already running on the database {str(settings.database_path)!r}"
        " (two would post every digest twice); stop it first, or give this one another"
        " TJWATCH_DB"
    )
    with service_lock(settings.database_path, refused=refused):
        if settings.secrets.telegram_bot_token is not None:
            from bot.telegrambot.app import run_telegram

            run_telegram(settings)
            return 0
        asyncio.run(_console(settings, args.cycles))
    return 0


async def _console(settings: Settings, cycles: int | None) -> None:
    from bot.console_runner import run_console  # the Slack bot's server: not for other verbs

    async with Services.build(settings) as svc:
        await svc.start_workers()
        await run_console(svc, stop_after_cycles=cycles)
