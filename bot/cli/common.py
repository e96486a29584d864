"""What every verb shares: loading settings, logging, and building services."""

from __future__ import annotations

import argparse

from bot.logs import setup_logging
from bot.services import Services
from bot.settings import Settings, load_settings


def load(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    secrets = [
        s.get_secret_value()
        for s in (settings.secrets.telegram_bot_token, settings.secrets.slack_webhook_url,
                  settings.secrets.slack_bot_token, settings.secrets.slack_signing_secret)
        if s is not None
    ]
    setup_logging(args.log_level, args.log_format, secrets)
    return settings


def services(args: argparse.Namespace) -> Services:
    return Services.build(load(args))
