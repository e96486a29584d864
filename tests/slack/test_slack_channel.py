"""Slack delivery against a real loopback stand-in for Slack (webhook and Web API)."""

from __future__ import annotations

import io
import sqlite3

import pytest

from bot.channels import Target, configured_channels
from bot.delivery.channel import Blocked, RetryLater, Sent
from bot.delivery.console_channel import ConsoleChannel
from bot.delivery.slack_channel import SlackChannel, WebApiPoster, WebhookPoster
from bot.render.slack_blocks import BLOCKS_PER_MESSAGE
from bot.services import Services
from bot.subscriptions import console_chat
from tests.slack.conftest import MakeServices, add_items
from tests.support.slack_receiver import SlackReceiver

pytestmark = pytest.mark.asyncio


async def targets(services: Services) -> list[Target]:
    return await configured_channels(services.settings, services.store, now=services.clock.now())


def sent_rows(services, channel: str = "slack") -> list[str]:  # type: ignore[no-untyped-def]
    with sqlite3.connect(services.settings.database_path) as db:
        return [
            r[0]
            for r in db.execute(
                "SELECT item_id FROM deliveries WHERE channel = ? AND status = 'sent' "
                "ORDER BY item_id",
                [channel],
            )
        ]


def posted_items(receiver: SlackReceiver, prefix: str = "/services/") -> list[str]:
    """Item links in what Slack accepted, in order (each entry links to /news/<n>)."""
    out = []
    for request in receiver.accepted(prefix):
        for block in request.blocks:
            if block["type"] == "section":
                text = block["text"]["text"]
                if "/news/" in text:
                    out.append(text.split("/news/", 1)[1].split("|", 1)[0])
    return out


async def test_webhook_digest_arrives_as_valid_block_kit(
    receiver: SlackReceiver,
    make_services: MakeServices,
) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    ids = add_items(services, ["Rahmon & Putin <meet> | Moscow", "Migrants: new rules"])
    [target] = await targets(services)
    assert target.channel.name == target.chat.channel == target.chat.kind == "slack"

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, Sent)
    [request] = receiver.accepted()
    assert request.path == "/services/T000/B000/XXXXSECRETXXXX"
    assert request.headers["Content-Type"].startswith("application/json")
    blocks = request.blocks
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "context",
        "divider",
        "section",
        "context",
    ]
    assert blocks[1]["text"]["text"].startswith(
        "*<https://example.com/news/0|Rahmon &amp; Putin &lt;meet&gt; ¦ Moscow>*"
    )
    assert "relevance 0.90" in blocks[2]["elements"][0]["text"]
    assert "Rahmon &amp; Putin" in request.body["text"]
    assert sent_rows(services) == sorted(ids)
    # Nothing new: nothing is posted again.
    again = await services.outbox.deliver(target.channel, target.chat)
    assert again.outcome is None and len(receiver.requests) == 1


async def test_bot_token_posts_to_the_channel_through_the_web_api(receiver, make_services) -> None:
    services = await make_services(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_CHANNEL": "C0TJWATCH",
            "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/not/used",
            "SLACK_API_BASE_URL": receiver.api_url,
        }
    )
    add_items(services, ["Dushanbe and Moscow sign an energy deal"])
    [target] = await targets(services)
    assert target.chat.title == "slack C0TJWATCH"

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, Sent)
    [request] = receiver.accepted("/api/chat.postMessage")
    assert request.headers["Authorization"] == "Bearer xoxb-test-token"
    assert request.body["channel"] == "C0TJWATCH"
    assert request.blocks[1]["text"]["text"].startswith("*<https://example.com/news/0|Dushanbe")


async def test_429_then_success_delivers_once_after_retry_after(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    ids = add_items(services, ["Rogun dam: Russian loan"])
    [target] = await targets(services)
    receiver.rate_limit(retry_after=1)

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, Sent)
    refused, accepted = receiver.requests
    assert not refused.accepted and accepted.accepted
    assert accepted.at - refused.at >= 0.95  # Retry-After: 1 was honoured
    assert accepted.body == refused.body  # the same message, posted once
    assert posted_items(receiver) == ["0"]
    assert sent_rows(services) == ids


async def test_web_api_429_is_honoured_too(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    add_items(services, ["CSTO drills near the Afghan border"])
    [target] = await targets(services)
    channel = SlackChannel(WebApiPoster("xoxb-t", "C1", base_url=receiver.api_url))
    receiver.script(429, '{"ok": false, "error": "ratelimited"}', {"Retry-After": "1"})

    report = await services.outbox.deliver(channel, target.chat)

    assert isinstance(report.outcome, Sent)
    assert len(receiver.accepted("/api/chat.postMessage")) == 1
    assert len(receiver.requests) == 2


async def test_rate_limit_longer_than_we_wait_is_retry_later_and_nothing_is_lost(
    receiver,
    make_services,
) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    ids = add_items(services, ["Migrant workers' patents"])
    [target] = await targets(services)
    receiver.rate_limit(retry_after=120)

    report = await services.outbox.deliver(target.channel, target.chat)

    assert report.outcome == RetryLater(120.0, "Slack rate limit")
    assert sent_rows(services) == []
    later = await services.outbox.deliver(target.channel, target.chat)
    assert isinstance(later.outcome, Sent)
    assert posted_items(receiver) == ["0"] and sent_rows(services) == ids


async def test_long_digest_is_split_and_each_part_recorded(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    ids = add_items(services, [f"Story number {n} on Russia and Tajikistan" for n in range(40)])
    [target] = await targets(services)

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, Sent)
    messages = receiver.accepted()
    assert len(messages) == 3
    for n, message in enumerate(messages, 1):
        assert len(message.blocks) <= BLOCKS_PER_MESSAGE
        assert f"part {n}/3" in message.blocks[0]["text"]["text"]
    assert posted_items(receiver) == [str(n) for n in range(40)]
    assert sent_rows(services) == sorted(ids)


async def test_failure_midway_is_retried_without_resending_acknowledged_parts(
    receiver,
    make_services,
) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    add_items(services, [f"Story {n}" for n in range(40)])
    [target] = await targets(services)
    channel = SlackChannel(WebhookPoster(receiver.webhook_url), server_retry_s=0.01)
    receiver.script(200, "ok")  # part 1 goes out
    receiver.script(500, "internal_error")  # part 2 fails twice: we give up for now
    receiver.script(500, "internal_error")

    first = await services.outbox.deliver(channel, target.chat)

    assert isinstance(first.outcome, RetryLater)
    assert len(sent_rows(services)) == 16  # part 1's items are recorded; the rest wait
    second = await services.outbox.deliver(channel, target.chat)
    assert isinstance(second.outcome, Sent)
    posted = posted_items(receiver)
    assert sorted(posted, key=int) == [str(n) for n in range(40)]  # each item exactly once
    assert len(posted) == len(set(posted))
    assert len(sent_rows(services)) == 40


async def test_rejected_blocks_fall_back_to_text_once(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    add_items(services, ["Border talks"])
    [target] = await targets(services)
    receiver.script(400, "invalid_blocks")

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, Sent)
    [accepted] = receiver.accepted()
    assert "blocks" not in accepted.body and "Border talks" in accepted.body["text"]


async def test_removed_webhook_is_blocked_not_retried(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    add_items(services, ["Border talks"])
    [target] = await targets(services)
    receiver.script(404, "no_service")

    report = await services.outbox.deliver(target.channel, target.chat)

    assert report.outcome == Blocked("no_service")
    assert len(receiver.requests) == 1 and sent_rows(services) == []


async def test_unreachable_slack_is_retry_later_not_a_crash(make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": "http://127.0.0.1:9/services/T/B/X"})
    add_items(services, ["Border talks"])
    [target] = await targets(services)

    report = await services.outbox.deliver(target.channel, target.chat)

    assert isinstance(report.outcome, RetryLater)
    assert sent_rows(services) == []


async def test_slack_and_console_deliveries_are_recorded_apart(receiver, make_services) -> None:
    services = await make_services({"SLACK_WEBHOOK_URL": receiver.webhook_url})
    ids = add_items(services, ["Border talks"])
    [target] = await targets(services)

    console = await console_chat(services.store, now=services.clock.now())
    await services.outbox.deliver(ConsoleChannel(io.StringIO()), console)
    assert sent_rows(services, "console") == ids and sent_rows(services) == []
    await services.outbox.deliver(target.channel, target.chat)
    assert sent_rows(services) == ids
    assert posted_items(receiver) == ["0"]


async def test_no_slack_configured_means_no_extra_channel(make_services) -> None:
    assert await targets(await make_services()) == []
