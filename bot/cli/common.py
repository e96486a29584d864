"""What every verb shares: loading settings, logging, and building services."""

from __future__ import annotations

import argparse

from bot.logs import setup_logging
from bot.services import Services
from bot.settings import Settings, load_settings


def load(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    setup_logging(args.log_level, args.log_format, log_secrets(settings))
    return settings


def log_secrets(settings: Settings) -> list[str]:
    """Every configured secret, for the log filter to redact: tokens, the Slack webhook, and the
    Telegram webhook's URL, secret path and secret token (python-telegram-bot logs setWebhook's
    parameters at DEBUG)."""
    s = settings.secrets
    secrets = [
        v.get_secret_value()
        for v in (
            s.telegram_bot_token,
            s.slack_webhook_url,
            s.slack_bot_token,
            s.slack_signing_secret,
            s.web_token,
        )
        if v is not None
    ]
    if s.telegram_webhook_url is not None:
        secrets += [str(s.telegram_webhook_url), s.telegram_webhook_url.path or ""]
        if s.telegram_bot_token is not None:
            from bot.telegrambot.app import webhook_secret  # only webhook mode needs telegram

            secrets.append(webhook_secret(s.telegram_bot_token.get_secret_value()))
    return [x for x in secrets if x.strip("/")]


def services(args: argparse.Namespace) -> Services:
    return Services.build(load(args))
