"""Tokens and webhook URLs never appear in logs or error messages.

``tjwatch --log-level DEBUG run`` runs as a real child process in both Telegram modes while
things go wrong on purpose, so that the error paths log: Telegram refusing, failing and dropping
calls (403, 400 bad markup, 500, a dropped getUpdates, a failing menu), a handler whose reply
fails (the error handler), Slack's webhook failing, a forged Slack slash command, a feed that is
gone. Every byte the process wrote (stdout and stderr) is grepped for each secret and for the
parts that would give it away (the token's secret half, the webhook's secret path). The test
also checks that each error path did log, so it cannot pass by logging nothing.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from bot.telegrambot.app import WEBHOOK_PORT, webhook_secret
from storage import open_store
from tests.reliability.support import BotProcess, child_env, file_bytes, query, wait_for
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.slack_receiver import SlackReceiver
from tests.support.telegram_emulator import TelegramEmulator, make_user
from tests.support.tjwatch_bot import store_relevant_items

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SIGNING_SECRET = "5ea7c0ffee5ea7c0ffee5ea7c0ffee00"
ADMIN = 3999
GOOD, BLOCKED, BAD_MARKUP, FAILING, ASKER = 3001, 3002, 3003, 3004, 3005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def secrets_in(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


def prepare(
    folder: Path, feed_server: FeedServer, chats: tuple[int, ...], **config: object
) -> Path:
    path = write_config(
        folder,
        {"Topic": feed_server.url("topic-en-rss.xml"), "Gone": feed_server.url("missing.xml")},
        **config,
    )
    store = open_store(folder / "tjwatch.db")
    store_relevant_items(SimpleNamespace(store=store), 3)  # type: ignore[arg-type]
    for chat_id in chats:
        store.chats.ensure(
            chat_id,
            channel="telegram",
            kind="private",
            now=datetime.now(UTC),
            defaults={"subscribed": 1, "frequency": "instant"},
        )
    store.close()
    return path


def test_long_polling_run_with_every_error_path_logs_no_secret(
    tmp_path: Path, feed_server: FeedServer, telegram_emulator: TelegramEmulator, bot_token: str
) -> None:
    emu, token = telegram_emulator, bot_token
    slash_port = free_port()
    config = prepare(
        tmp_path,
        feed_server,
        (GOOD, BLOCKED, BAD_MARKUP, FAILING),
        slack={"commands_port": slash_port},
    )
    with SlackReceiver() as slack:
        for status in (500, 404):  # 5xx is retried once, then the webhook is gone
            slack.script(status, "no_service" if status == 404 else "oops")
        secrets = {
            "token": token,
            "token secret half": token.split(":", 1)[1],
            "Slack webhook URL": slack.webhook_url,
            "Slack webhook path": "XXXXSECRETXXXX",
            "signing secret": SIGNING_SECRET,
            "webhook secret token": webhook_secret(token),
        }
        emu.fail_next("setMyCommands", 500, "Internal Server Error", token=token)
        emu.fail_next("getUpdates", 502, "Bad Gateway", times=2, token=token)
        emu.drop_next("getUpdates", token=token)
        emu.fail_next(
            "sendMessage",
            403,
            "Forbidden: bot was blocked by the user",
            chat_id=BLOCKED,
            token=token,
        )
        emu.fail_next(
            "sendMessage",
            400,
            "Bad Request: can't parse entities: unexpected end tag",
            chat_id=BAD_MARKUP,
            token=token,
        )
        emu.fail_next(
            "sendMessage", 500, "Internal Server Error", times=-1, chat_id=FAILING, token=token
        )
        emu.fail_next("sendMessage", 500, "Internal Server Error", chat_id=ASKER, token=token)
        env = child_env(
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_API_BASE_URL=emu.api_root,
            SLACK_WEBHOOK_URL=slack.webhook_url,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            TJWATCH_ADMIN_IDS=str(ADMIN),
            PTB_TIMEDELTA="true",
        )
        log = tmp_path / "run.log"
        bot = BotProcess(["--config", str(config), "--log-level", "DEBUG", "run"], env, log)
        bot.start()
        try:
            good = emu.user(token, user=make_user(GOOD))
            wait_for(lambda: bool(good.bot_messages()), 60, "the digest of a healthy chat")
            plain = emu.user(token, user=make_user(BAD_MARKUP))
            wait_for(lambda: bool(plain.bot_messages()), 30, "the digest resent as plain text")
            asker = emu.user(token, user=make_user(ASKER))
            asker.send_command("/help")  # its reply fails: the error handler logs
            wait_for(lambda: bool(asker.bot_messages()), 30, "the apology after a failed reply")
            admin = emu.user(token, user=make_user(ADMIN))
            admin.send_command(f"/addfeed http://127.0.0.1:{free_port()}/feed.xml")
            wait_for(lambda: bool(admin.bot_messages()), 30, "the refusal of a dead feed")
            forged = httpx.post(
                f"http://127.0.0.1:{slash_port}/slack/events",
                data={"command": "/tjwatch", "text": "latest"},
                headers={"X-Slack-Signature": "v0=forged", "X-Slack-Request-Timestamp": "1"},
                timeout=10,
            )
            assert forged.status_code == 401
            wait_for(lambda: len(slack.requests) >= 2, 30, "Slack's failing answers")
        finally:
            code = bot.stop()
    text = log.read_text("utf-8", errors="replace")
    assert code == 0, text[-3000:]
    # Each error path ran and logged.
    for evidence in (
        "unreachable",
        "rejected our HTML",
        "error while handling",
        "feed 'Gone' failed",
        "not sent",
        "could not set the",
    ):
        assert evidence in text, f"nothing logged for {evidence!r}"
    assert not secrets_in(text, secrets), secrets_in(text, secrets)
    db = tmp_path / "tjwatch.db"
    assert not secrets_in(file_bytes(db).decode("utf-8", "replace"), secrets)
    # And each person saw what they should: the faults were handled, not just logged.
    [resent] = plain.bot_messages()
    assert resent.parse_mode is None and "agreement number" in (resent.text or "")
    active = dict(query(db, "SELECT id, active FROM chats WHERE id IN (?, ?)", BLOCKED, FAILING))
    assert active == {BLOCKED: 0, FAILING: 1}  # blocked is inactive; failing waits for a retry
    sent = dict(
        query(db, "SELECT chat_id, count(*) FROM deliveries WHERE status = 'sent' GROUP BY chat_id")
    )
    assert sent[GOOD] == sent[BAD_MARKUP] >= 3 and FAILING not in sent
    print(
        f"\nlong polling, DEBUG: {len(text.splitlines())} log lines, "
        f"{text.count('[REDACTED]')} redactions, 0 secrets"
    )


def test_webhook_run_logs_neither_token_nor_webhook_url(
    tmp_path: Path, feed_server: FeedServer, telegram_emulator: TelegramEmulator, bot_token: str
) -> None:
    emu, token = telegram_emulator, bot_token
    path_secret = "hook-9f1c2e7a5b"
    webhook_url = f"http://127.0.0.1:{WEBHOOK_PORT}/{path_secret}"
    config = prepare(tmp_path, feed_server, (GOOD,))
    secrets = {
        "token": token,
        "token secret half": token.split(":", 1)[1],
        "webhook URL": webhook_url,
        "webhook path": path_secret,
        "webhook secret token": webhook_secret(token),
    }
    emu.fail_next("sendMessage", 500, "Internal Server Error", chat_id=ASKER, token=token)
    env = child_env(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=emu.api_root,
        TELEGRAM_WEBHOOK_URL=webhook_url,
        PTB_TIMEDELTA="true",
    )
    log = tmp_path / "run.log"
    bot = BotProcess(["--config", str(config), "--log-level", "DEBUG", "run"], env, log)
    bot.start()
    try:
        good = emu.user(token, user=make_user(GOOD))
        wait_for(lambda: bool(good.bot_messages()), 60, "the digest")
        asker = emu.user(token, user=make_user(ASKER))
        asker.send_command("/help")  # arrives through the webhook; its reply fails
        wait_for(lambda: bool(asker.bot_messages()), 30, "the apology after a failed reply")
        rogue = httpx.post(webhook_url, json={"update_id": 1}, timeout=10)  # no secret token
        assert rogue.status_code == 403
    finally:
        code = bot.stop()
    text = log.read_text("utf-8", errors="replace")
    assert code == 0, text[-3000:]
    assert [d["status"] for d in emu.webhook_deliveries(token)][:1] == [200]
    assert "error while handling" in text
    assert not secrets_in(text, secrets), secrets_in(text, secrets)
    print(
        f"\nwebhook, DEBUG: {len(text.splitlines())} log lines, "
        f"{text.count('[REDACTED]')} redactions, 0 secrets"
    )
