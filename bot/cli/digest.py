"""``tjwatch digest``: print the console chat's digest and mark its items delivered; with Slack
(or another channel) configured, deliver to it too, each channel's deliveries recorded apart."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import services
from bot.delivery.channel import Sent
from bot.delivery.console_channel import ConsoleChannel
from bot.delivery.outbox import DeliveryReport
from bot.render.plain import render_follow_up_plain, render_plain
from bot.subscriptions import console_chat


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "digest",
        help="print the digest of matched items not yet delivered to the console "
        "(and send it to Slack when configured)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print it but leave the items undelivered"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    asyncio.run(_digest(args))
    return 0


async def _digest(args: argparse.Namespace) -> None:
    async with services(args) as svc:
        chat = await console_chat(svc.store, now=svc.clock.now())
        tz = svc.settings.file.schedule.timezone
        report = await svc.outbox.deliver(ConsoleChannel(tz_name=tz), chat, dry_run=args.dry_run)
        if report.outcome is None:
            print(render_plain(report.digest, tz_name=tz), end="")
            for follow_up in report.digest.follow_ups if args.dry_run else ():
                print(render_follow_up_plain(follow_up, tz_name=tz), end="")
        if not args.dry_run:
            # Slack's SDK (and aiohttp) load only when a digest goes out, not at every start.
            from bot.channels import configured_channels

            others = await configured_channels(svc.settings, svc.store, now=svc.clock.now())
            for target in others:
                _say(target.channel.name, await svc.outbox.deliver(target.channel, target.chat))


def _say(channel: str, report: DeliveryReport) -> None:
    """One status line per extra channel, on stderr (stdout is the console digest)."""
    stories = len(report.digest.entries)
    if report.outcome is None:
        print(f"tjwatch: {channel}: nothing new", file=sys.stderr)
    elif isinstance(report.outcome, Sent):
        follow_ups = len(report.digest.follow_ups)
        print(
            f"tjwatch: {channel}: sent {stories} stories"
            + (f" and {follow_ups} follow-ups" if follow_ups else ""),
            file=sys.stderr,
        )
    else:
        print(
            f"tjwatch: {channel}: not sent ({report.outcome}); "
            "the items stay queued for the next digest",
            file=sys.stderr,
        )
