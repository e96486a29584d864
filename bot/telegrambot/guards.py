"""Cross-cutting checks, run once before every handler (a group -1 ``TypeHandler``).

Records the chat (so every chat the bot hears from exists in the database), resolves the
language, and enforces who may do what: admin commands need a configured admin id, settings in
a group need a group administrator. It also refuses what no handler should have to parse: an
argument longer than any command needs, a command word Telegram itself would never send. A
refusal is answered here and stops the update (``ApplicationHandlerStop``), so handlers never
repeat these checks.
"""

from __future__ import annotations

import logging
import re

from telegram import ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.render.telegram_html import clip, esc
from bot.subscriptions import record_chat
from bot.telegrambot.context import BotContext
from bot.telegrambot.replies import answer_callback, command_args, reply
from bot.texts import normalize_lang

log = logging.getLogger(__name__)

ADMIN_COMMANDS = frozenset({"addfeed", "removefeed", "addseed", "pause", "resume"})
GROUP_ADMIN_COMMANDS = frozenset({"settings", "lang", "subscribe", "unsubscribe"})
GROUP_ADMIN_CALLBACKS = ("st:", "sub")
_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
# Our arguments are a URL, an id, a few search words or a period: a few hundred characters at
# most; /addseed takes an article's text, up to what a Telegram message holds. A longer argument
# is refused before a handler parses it (int() of 100,000 digits raises) or echoes it back (over
# Telegram's 4,096 characters the reply itself fails). Issue 9: bad input from people.
MAX_ARGUMENT = 600
MAX_ARGUMENT_FOR = {"addseed": 4096}
_COMMAND_WORD = re.compile(r"[a-z0-9_]{1,32}")  # what Telegram accepts as a bot command


def command_name(text: str | None, bot_username: str | None) -> str | None:
    """ "/Settings@our_bot x" → "settings"; None when not a command or addressed to another bot."""
    if not text or not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    name, _, target = word.partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    return name.lower() or None


async def is_group_admin(update: Update, context: BotContext) -> bool:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None:
        return False
    if chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return True
    if user is not None and user.id in context.settings.admin_ids:
        return True
    sender = message.sender_chat if message is not None else None
    if sender is not None and sender.id == chat.id:
        return True  # an anonymous group administrator
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("cannot check admin rights in chat %s: %s", chat.id, exc)
        return False
    return member.status in _ADMIN_STATUSES


async def guard(update: Update, context: BotContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    if chat.type == ChatType.CHANNEL:
        raise ApplicationHandlerStop  # channels are managed from a private chat
    title = chat.title or chat.full_name or chat.username
    user_lang = normalize_lang(user.language_code) if user and user.language_code else None
    record = await record_chat(
        context.store,
        chat.id,
        kind=chat.type,
        title=title,
        lang=user_lang,
        schedule=context.settings.file.schedule,
        now=context.now(),
    )
    context.chat_record = record
    context.lang = normalize_lang(record.lang or user_lang)

    message = update.message
    command = command_name(message.text if message else None, context.bot.username)
    admins = context.settings.admin_ids
    if command in ADMIN_COMMANDS and (user is None or user.id not in admins):
        log.info("refused /%s from user %s in chat %s", command, user.id if user else None, chat.id)
        await reply(update, context.t("admin.only", command=f"/{command}"))
        raise ApplicationHandlerStop
    if command is not None and message is not None:
        await _refuse_malformed(update, context, message, command)
    data = update.callback_query.data if update.callback_query else None
    wants_admin = command in GROUP_ADMIN_COMMANDS or (
        data is not None and data.startswith(GROUP_ADMIN_CALLBACKS)
    )
    if wants_admin and not await is_group_admin(update, context):
        if update.callback_query is not None:
            await answer_callback(update, context.t("admin.group_only"), alert=True)
        else:
            await reply(update, context.t("admin.group_only"))
        raise ApplicationHandlerStop


def _known_commands(context: BotContext) -> set[str]:
    return {
        c
        for group in context.application.handlers.values()
        for h in group
        if isinstance(h, CommandHandler)
        for c in h.commands
    }


async def _refuse_malformed(
    update: Update, context: BotContext, message: Message, command: str
) -> None:
    """Stop a command whose word or argument no handler could use, with a clear answer."""
    if command not in _known_commands(context):
        if _COMMAND_WORD.fullmatch(command):
            return  # an unknown command: answered by the catch-all handler
        if message.chat.type == ChatType.PRIVATE:
            await reply(
                update, context.t("errors.unknown_command", command=esc(f"/{clip(command, 32)}"))
            )
        raise ApplicationHandlerStop
    length = len(command_args(message.text))
    limit = MAX_ARGUMENT_FOR.get(command, MAX_ARGUMENT)
    if length > limit:
        log.info(
            "refused /%s with a %d-character argument in chat %s", command, length, message.chat.id
        )
        await reply(
            update,
            context.t(
                "errors.too_long", command=f"/{command}", length=f"{length:,}", limit=f"{limit:,}"
            ),
        )
        raise ApplicationHandlerStop
