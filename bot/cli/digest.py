"""``tjwatch digest``: print the console chat's digest and mark its items delivered."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import services
from bot.delivery.console_channel import ConsoleChannel
from bot.delivery.outbox import deliver_digest
from bot.render.plain import render_plain
from bot.services import Services
from storage import CONSOLE_CHAT_ID, ChatRecord


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("digest", help="print the digest of matched items not yet delivered to the console")
    parser.add_argument("--dry-run", action="store_true", help="print it but leave the items undelivered")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    asyncio.run(_digest(args))
    return 0


async def console_chat(svc: Services) -> ChatRecord:
    return await svc.store.run(
        svc.store.chats.ensure, CONSOLE_CHAT_ID, channel="console", kind="console",
        now=svc.clock.now(), defaults={"subscribed": True, "title": "console"},
    )


async def _digest(args: argparse.Namespace) -> None:
    async with services(args) as svc:
        chat = await console_chat(svc)
        tz = svc.settings.file.schedule.timezone
        report = await deliver_digest(svc, ConsoleChannel(tz_name=tz), chat, dry_run=args.dry_run)
        if report.outcome is None:
            print(render_plain(report.digest, tz_name=tz), end="")
