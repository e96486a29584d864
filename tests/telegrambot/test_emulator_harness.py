"""Self-test of the Telegram emulator harness with the real python-telegram-bot 22.

Each test uses its own bot token; the emulator process is shared by the session.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import zlib

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, CallbackQueryHandler, CommandHandler, ContextTypes

import tests.support.telegram_emulator as harness
from tests.support.telegram_emulator import (
    DEFAULT_BOT_USERNAME,
    TelegramEmulator,
    TelegramUser,
    ensure_installed,
    forum_chat,
    group_chat,
    polling,
    ptb_builder,
)

START_HTML = "<b>Welcome</b> to <i>tjwatch</i> &amp; friends"
START_PLAIN = "Welcome to tjwatch & friends"


def make_app(emu: TelegramEmulator, token: str, *, rate_limiter: bool = False):
    builder = ptb_builder(emu, token)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data["errors"] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("More", callback_data="more"),
                    InlineKeyboardButton("Docs", url="https://example.org/docs"),
                ]
            ]
        )
        args = " ".join(context.args or [])
        text = START_HTML + (f" [{args}]" if args else "")
        await update.effective_message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("ok")
        edited = await query.edit_message_text("<b>Edited</b> by button", parse_mode=ParseMode.HTML)
        context.bot_data["edited"] = edited

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        context.bot_data["errors"].append(context.error)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(more, pattern="^more$"))
    app.add_error_handler(on_error)
    return app


def telegram_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("telegram") and r.levelno >= logging.WARNING
    ]


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_start_reply_then_button_edits_message(
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    tg_user: TelegramUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="telegram")
    app = make_app(telegram_emulator, bot_token)
    async with polling(app):
        me = app.bot.bot
        assert me.is_bot and me.username == DEFAULT_BOT_USERNAME

        t0 = time.monotonic()
        tg_user.send_command("/start")
        [reply] = await tg_user.wait_for_messages_async(timeout=5)
        round_trip = time.monotonic() - t0
        assert reply.text == START_HTML
        assert reply.plain_text == START_PLAIN
        assert reply.parse_mode == "HTML"
        assert [e["type"] for e in reply.entities] == ["bold", "italic"]
        assert reply.callback_data == ["more"]
        assert reply.button("Docs")["url"] == "https://example.org/docs"
        assert reply.chat_id == tg_user.chat["id"]

        tg_user.press_button("more", reply)
        edited = await tg_user.wait_for_edit_async(reply, timeout=5)
        assert edited.plain_text == "Edited by button"
        assert edited.text == "<b>Edited</b> by button"
        assert edited.reply_markup is None  # editMessageText without markup drops the keyboard
        assert edited.message_id == reply.message_id

        # the bot got the edited Message back (4.2.1 answered result: null)
        for _ in range(100):
            if "edited" in app.bot_data:
                break
            await asyncio.sleep(0.01)
        assert app.bot_data["edited"].text == "Edited by button"
        assert app.bot_data["edited"].edit_date is not None

        answers = tg_user.calls("answerCallbackQuery")
        assert [c["status"] for c in answers] == [200]
        assert answers[0]["params"]["text"] == "ok"

        await tg_user.wait_for_messages_async(at_least=0, timeout=0)  # nothing left over
        tg_user.assert_no_messages(within=0.1)

    assert app.bot_data["errors"] == []
    assert telegram_errors(caplog) == []
    assert round_trip < 3


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_commands_menu_and_misc_methods(
    telegram_emulator: TelegramEmulator, bot_token: str
) -> None:
    bot = Bot(bot_token, base_url=telegram_emulator.base_url_for_ptb)
    async with bot:
        commands = [BotCommand("start", "Start"), BotCommand("digest", "Today's digest")]
        assert await bot.set_my_commands(commands) is True
        assert list(await bot.get_my_commands()) == commands
        assert await bot.get_my_commands(language_code="de") == ()
        assert await bot.delete_my_commands() is True
        assert await bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])

        assert await bot.send_chat_action(42, "typing") is True
        assert await bot.set_chat_menu_button() is True
        assert await bot.set_my_description("news") is True
        assert (await bot.get_my_description()).description == "news"
        chat = await bot.get_chat(-100555)
        assert chat.id == -100555
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(42, 987654)

        sent = await bot.send_message(42, "to delete")
        assert sent.from_user.id == bot.id and sent.from_user.is_bot
        assert abs(sent.date.timestamp() - time.time()) < 60  # seconds, not milliseconds
        assert await bot.delete_message(42, sent.message_id) is True


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_rate_limit_429_is_waited_out(
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    tg_user: TelegramUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PTB 22.2+ warns (an error under filterwarnings=error) when RetryAfter.retry_after is an int
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    app = make_app(telegram_emulator, bot_token, rate_limiter=True)
    tg_user.fail_next("sendMessage", 429, parameters={"retry_after": 1})
    async with polling(app):
        tg_user.send_command("/start")
        [reply] = await tg_user.wait_for_messages_async(timeout=8)
        assert reply.plain_text == START_PLAIN

    sends = tg_user.calls("sendMessage")
    assert [(c["status"], c["injected"]) for c in sends] == [(429, True), (200, False)]
    assert sends[1]["time"] - sends[0]["time"] >= 0.95
    assert sends[0]["chat_id"] == tg_user.chat["id"]
    assert app.bot_data["errors"] == []


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_injected_errors_raise_the_right_ptb_exceptions(
    telegram_emulator: TelegramEmulator, bot_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    emu = telegram_emulator
    bot = Bot(bot_token, base_url=emu.base_url_for_ptb)
    async with bot:
        emu.fail_next(
            "sendMessage",
            403,
            "Forbidden: bot was blocked by the user",
            chat_id=42,
            token=bot_token,
        )
        # another chat is not affected, and the rule waits for chat 42
        assert (await bot.send_message(43, "fine")).chat.id == 43
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(42, "hello")
        assert (await bot.send_message(42, "again")).text == "again"  # times=1 consumed

        emu.fail_next(
            "sendMessage",
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            parameters={"migrate_to_chat_id": -100123},
            token=bot_token,
        )
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-555, "hi group")
        assert migrated.value.new_chat_id == -100123

        emu.fail_next("sendMessage", 429, parameters={"retry_after": 7}, token=bot_token)
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(42, "x")
        assert limited.value.retry_after.total_seconds() == 7

        emu.fail_next(
            "sendMessage",
            400,
            "Bad Request: can't parse entities: Unsupported start tag",
            token=bot_token,
            times=2,
        )
        for _ in range(2):
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(42, "x")

        emu.drop_next("sendMessage", token=bot_token)
        with pytest.raises(NetworkError):
            await bot.send_message(42, "dropped")

    calls = emu.calls("sendMessage", token=bot_token)
    assert [c["error_code"] for c in calls] == [None, 403, None, 400, 429, 400, 400, "dropped"]


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_telegram_validation_html_length_not_modified(
    telegram_emulator: TelegramEmulator, bot_token: str
) -> None:
    bot = Bot(bot_token, base_url=telegram_emulator.base_url_for_ptb)
    async with bot:
        with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "br"'):
            await bot.send_message(42, "a<br>b", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)Can't find end tag"):
            await bot.send_message(42, "<b>open", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(42, "1 < 2", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(42, "x" * 4097)
        # 4096 characters after entity parsing are fine, even with markup around them
        ok = await bot.send_message(42, "<b>" + "y" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        assert len(ok.text) == 4096
        link = await bot.send_message(
            42,
            '<a href="https://e.org/?a=1&amp;b=2">link</a> <code>x</code>',
            parse_mode=ParseMode.HTML,
        )
        assert link.entities[0].url == "https://e.org/?a=1&b=2"
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                link.text_html, 42, link.message_id, parse_mode=ParseMode.HTML
            )
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", 42, 999999)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                42,
                "k",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="x" * 65)]]
                ),
            )
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
        edited = await bot.edit_message_reply_markup(42, link.message_id, reply_markup=markup)
        assert edited.reply_markup == markup


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_group_command_with_botname_and_forum_topic(
    telegram_emulator: TelegramEmulator, bot_token: str, tg_user: TelegramUser
) -> None:
    app = make_app(telegram_emulator, bot_token)
    group = tg_user.in_chat(group_chat())
    topic = tg_user.in_chat(forum_chat(), message_thread_id=77)
    async with polling(app):
        group.send_command(f"/start@{DEFAULT_BOT_USERNAME} hello world")
        [reply] = await group.wait_for_messages_async(timeout=5)
        assert reply.chat_id == group.chat["id"] < 0
        assert reply.sent["chat"]["type"] == "group"
        assert reply.plain_text == START_PLAIN + " [hello world]"

        group.send_command("/start@some_other_bot")  # addressed to another bot: ignored
        topic.send_command("/start")
        [in_topic] = await topic.wait_for_messages_async(timeout=5)
        assert in_topic.message_thread_id == 77
        assert in_topic.sent["is_topic_message"] is True
        assert in_topic.sent["chat"]["type"] == "supergroup"
        group.assert_no_messages(within=0.2)
    assert app.bot_data["errors"] == []


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_send_photo_multipart_and_get_file(
    telegram_emulator: TelegramEmulator, bot_token: str, tg_user: TelegramUser
) -> None:
    png = tiny_png(3, 2)
    bot = Bot(
        bot_token,
        base_url=telegram_emulator.base_url_for_ptb,
        base_file_url=telegram_emulator.base_file_url_for_ptb,
    )
    async with bot:
        sent = await bot.send_photo(
            tg_user.chat["id"], photo=png, caption="<b>Trend</b> chart", parse_mode=ParseMode.HTML
        )
        assert sent.caption == "Trend chart"
        assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
        file = await bot.get_file(sent.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == png
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(tg_user.chat["id"], photo=png, caption="c" * 1025)

    [msg] = tg_user.wait_for_messages(timeout=5)
    assert msg.photo is not None and msg.photo["file_size"] == len(png)
    assert msg.caption == "<b>Trend</b> chart" and msg.plain_caption == "Trend chart"
    assert telegram_emulator.file_bytes(msg.photo["file_id"]) == png
    [call] = [c for c in tg_user.calls("sendPhoto") if c["status"] == 200]
    assert call["params"]["photo"]["size"] == len(png)


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_long_polling_does_not_busy_loop(
    telegram_emulator: TelegramEmulator, bot_token: str, tg_user: TelegramUser
) -> None:
    app = make_app(telegram_emulator, bot_token)
    async with polling(app, poll_interval=0.0):
        await asyncio.sleep(0.6)
        idle_polls = len(tg_user.calls("getUpdates"))
        t0 = time.monotonic()
        tg_user.send_command("/start")
        await tg_user.wait_for_messages_async(timeout=5)
        assert time.monotonic() - t0 < 1.0  # a waiting long poll is woken at once
    # 4.2.1 answered at once: thousands of requests per second at poll_interval=0
    assert idle_polls <= 3


@pytest.mark.e2e
def test_emulator_survives_broken_client_requests(telegram_emulator: TelegramEmulator) -> None:
    client = telegram_emulator.client
    r = client.post("/sendCommand", json={"text": "/start"})
    assert r.status_code == 400 and r.json()["ok"] is False
    r = client.post(
        "/sendCallback", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error_code"] == 400
    r = client.post("/botX:Y/noSuchMethod")
    assert r.status_code == 404 and r.json()["description"].startswith("Not Found")
    assert client.get("/_control/health").json()["ok"] is True
    assert telegram_emulator.running


@pytest.mark.e2e
def test_sync_user_against_a_bot_in_another_thread(
    telegram_emulator: TelegramEmulator, bot_token: str, tg_user: TelegramUser
) -> None:
    """The sync API, with the bot running elsewhere (here: a thread; in tests: a subprocess)."""
    import threading

    app = make_app(telegram_emulator, bot_token)
    stop = threading.Event()
    ready = threading.Event()

    async def run() -> None:
        async with polling(app):
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=asyncio.run, args=(run(),))
    thread.start()
    try:
        assert ready.wait(10)
        info = tg_user.send_command("/start now")
        [reply] = tg_user.wait_for_messages(lambda m: "[now]" in (m.plain_text or ""), timeout=5)
        assert reply.message_id > info["message_id"]
        history = tg_user.history()
        assert [h["role"] for h in history] == ["user", "bot"]
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_missing_node_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    assert harness.node_available() is False
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"(?i)node not installed"):
        harness.require_node()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"(?i)node not installed"):
        harness.require_node()


@pytest.mark.e2e
def test_ensure_installed_is_a_no_op_when_up_to_date(telegram_emulator: TelegramEmulator) -> None:
    t0 = time.monotonic()
    node_modules = ensure_installed()
    assert time.monotonic() - t0 < 1.0
    assert (node_modules / "telegram-test-api" / "package.json").is_file()


@pytest.mark.e2e
def test_emulator_stop_kills_the_process() -> None:
    harness.require_node()
    emu = TelegramEmulator()
    with emu:
        pid = emu.pid
        assert httpx.get(f"{emu.api_root}/_control/health").json()["ok"]
    assert not emu.running
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(pid, 0)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_webhook_mode_with_secret_token(
    telegram_emulator: TelegramEmulator, bot_token: str, tg_user: TelegramUser
) -> None:
    app = make_app(telegram_emulator, bot_token)
    port = _free_port()
    async with app:
        await app.start()
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cr3t-token",
        )
        try:
            info = await app.bot.get_webhook_info()
            assert info.url == f"http://127.0.0.1:{port}/hook"
            with pytest.raises(Exception, match=r"(?i)conflict|webhook is active"):
                await app.bot.get_updates()
            tg_user.send_command("/start")  # does not wait for the webhook: no deadlock
            [reply] = await tg_user.wait_for_messages_async(timeout=5)
            assert reply.plain_text == START_PLAIN
        finally:
            await app.updater.stop()
            await app.stop()
    [delivery] = telegram_emulator.webhook_deliveries(bot_token)
    assert delivery["status"] == 200 and delivery["error"] is None
    assert app.bot_data["errors"] == []
