"""``/tjwatch`` slash commands through slack_bolt's HTTP endpoint, signatures verified."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.slackbot.server import SlackCommandServer, start_if_configured
from tests.slack.conftest import SIGNING_SECRET, MakeServices, add_items
from tests.support.slack_receiver import SlackReceiver

pytestmark = pytest.mark.asyncio


class Slack:
    """Plays Slack's part: signs and posts slash commands to the bot's request URL."""

    def __init__(self, url: str, receiver: SlackReceiver) -> None:
        self.url = url
        self.receiver = receiver

    async def command(
        self,
        text: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        channel: str = "C0NEWS",
    ) -> httpx.Response:
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T000",
                "team_domain": "tj",
                "channel_id": channel,
                "channel_name": "news",
                "user_id": "U0ANNA",
                "user_name": "anna",
                "command": "/tjwatch",
                "text": text,
                "api_app_id": "A0TJ",
                "response_url": self.receiver.response_url(channel),
                "trigger_id": "1.2.3",
            }
        )
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        }
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(self.url, content=body, headers=headers)


@pytest_asyncio.fixture
async def server(make_services: MakeServices) -> AsyncIterator[SlackCommandServer]:
    services = await make_services(
        {"SLACK_SIGNING_SECRET": SIGNING_SECRET}, slack={"commands_port": 0}
    )
    add_items(services, ["Rahmon & Putin <meet>", "Rogun dam loan", "Migrants' patents"])
    found = await start_if_configured(services)
    assert found is not None
    yield found
    await found.stop()


@pytest.fixture
def slack(server: SlackCommandServer, receiver: SlackReceiver) -> Slack:
    return Slack(f"http://127.0.0.1:{server.port}{server.path}", receiver)


async def test_forged_signature_is_refused(slack: Slack) -> None:
    forged = await slack.command("latest", secret="not-the-signing-secret")
    assert forged.status_code == 401
    assert slack.receiver.requests == []


async def test_stale_timestamp_is_refused(slack: Slack) -> None:
    replayed = await slack.command("latest", timestamp=int(time.time()) - 3600)
    assert replayed.status_code == 401


async def test_valid_latest_is_answered_with_block_kit(slack: Slack) -> None:
    answer = await slack.command("latest 2")
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) == 2
    assert sections[0].startswith("*<https://example.com/news/0|Rahmon &amp; Putin &lt;meet&gt;>*")
    assert body["blocks"][0]["text"]["text"].startswith("Latest 2 relevant items")


async def test_search_escapes_the_query_and_says_when_nothing_matches(slack: Slack) -> None:
    found = (await slack.command("search rogun")).json()
    assert "Rogun dam loan" in found["blocks"][1]["text"]["text"]
    none = (await slack.command("search <!channel> zzz")).json()
    assert "&lt;!channel&gt; zzz" in none["text"] and "<!channel>" not in none["text"]


async def test_bad_arguments_get_the_usage_line(slack: Slack) -> None:
    for text in ("", "latest 999", "search", "dance"):
        body = (await slack.command(text)).json()
        assert body["text"].startswith("Usage: `/tjwatch digest`"), text


async def test_summary_counts_the_last_day(slack: Slack) -> None:
    body = (await slack.command("summary")).json()
    assert body["response_type"] == "in_channel"
    header = body["blocks"][0]["text"]["text"]
    # The summaries package words it when installed; the built-in brief otherwise.
    assert header.startswith(("Summary, 24h: 3 relevant items", "Last 24 hours: 3 relevant items"))
    sections = " ".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    for headline in ("Rahmon &amp; Putin &lt;meet&gt;", "Rogun dam loan", "Migrants' patents"):
        assert headline in sections
    usage = (await slack.command("summary next tuesday")).json()
    assert usage["text"].startswith("Usage: `/tjwatch summary")


async def test_digest_goes_to_the_response_url_once(slack: Slack) -> None:
    ack = await slack.command("digest")
    assert ack.status_code == 200 and "Preparing the digest" in ack.text
    [posted] = await asyncio.to_thread(slack.receiver.wait_for, 1, "/commands/")
    assert posted.body["response_type"] == "in_channel"
    assert "Rahmon &amp; Putin" in posted.blocks[1]["text"]["text"]
    # Asked again: what this channel has already seen is not sent again.
    await slack.command("digest")
    _, again = await asyncio.to_thread(slack.receiver.wait_for, 2, "/commands/")
    assert "Nothing new since your last digest." in again.body["text"]
    assert len(again.blocks) == 2


async def test_commands_are_off_without_a_signing_secret(make_services: MakeServices) -> None:
    services = await make_services(slack={"commands_port": 0})
    assert await start_if_configured(services) is None
