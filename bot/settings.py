"""Configuration: one TOML file plus the environment, parsed once into a frozen ``Settings``.

The TOML file holds what a user edits (feeds, keyword rules, seeds, schedule, thresholds) and names
the topic file (``bot.topic``: the relationship monitored, its sides and their words); secrets
(tokens, webhook URLs, admin ids) come only from the environment or a ``.env`` file beside the
working directory. Every mistake becomes one ``ConfigError`` naming the file, the key and the fix,
so that ``tjwatch`` exits 2 with a message a user can act on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    Field,
    InstanceOf,
    SecretStr,
    ValidationError,
)

from bot.config_errors import EXAMPLE_ZONE, config_error, fix_for, read_toml
from bot.config_file import (
    FeedSettings,
    FileSettings,
    RetentionSettings,
    SeedSettings,
    Strict,
)
from bot.errors import ConfigError
from bot.topic import Topic
from bot.topic_file import load_topic

DEFAULT_CONFIG = Path("config/tjwatch.toml")


class Secrets(Strict):
    """What comes from the environment only. ``repr`` never shows a secret."""

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: AnyHttpUrl | None = None
    telegram_webhook_url: AnyHttpUrl | None = None
    slack_webhook_url: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_channel: str | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base_url: AnyHttpUrl | None = None
    admin_ids: tuple[int, ...] = ()
    metrics_port: int | None = None
    llm_base_url: AnyHttpUrl | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    web_port: Annotated[int | None, Field(ge=0, le=65535)] = None
    web_token: SecretStr | None = None


class Settings(Strict):
    config_path: Path
    file: FileSettings
    secrets: Secrets
    database_path: Path
    topic: InstanceOf[Topic]

    @property
    def feeds(self) -> list[FeedSettings]:
        return self.file.feeds

    @property
    def admin_ids(self) -> frozenset[int]:
        return frozenset(self.file.telegram.admins) | frozenset(self.secrets.admin_ids)

    @property
    def web_port(self) -> int | None:
        """The web archive's port: ``WEB_PORT``, else ``[web] port``; None when it is off."""
        port = self.secrets.web_port
        return port if port is not None else self.file.web.port

    @property
    def public_url(self) -> str | None:
        """``[web] public_url`` without its trailing slash, for links to the archive's pages."""
        url = self.file.web.public_url
        return str(url).rstrip("/") if url is not None else None

    def seed_path(self, seed: SeedSettings) -> Path:
        return seed.file if seed.file.is_absolute() else self.config_path.parent / seed.file


_ENV_KEYS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
    "TELEGRAM_API_BASE_URL": "telegram_api_base_url",
    "TELEGRAM_WEBHOOK_URL": "telegram_webhook_url",
    "SLACK_WEBHOOK_URL": "slack_webhook_url",
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "SLACK_CHANNEL": "slack_channel",
    "SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SLACK_API_BASE_URL": "slack_api_base_url",
    "METRICS_PORT": "metrics_port",
    "LLM_BASE_URL": "llm_base_url",
    "LLM_MODEL": "llm_model",
    "LLM_API_KEY": "llm_api_key",
    "WEB_PORT": "web_port",
    "WEB_TOKEN": "web_token",
}


def load_settings(
    config: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    dotenv: bool = True,
) -> Settings:
    """Read the config file and the environment; raise ``ConfigError`` on any mistake.

    ``config`` wins over ``TJWATCH_CONFIG``, which wins over ``config/tjwatch.toml``.
    """
    if env is None:
        env = _environment(dotenv)
    path = Path(config or env.get("TJWATCH_CONFIG") or DEFAULT_CONFIG)
    data = read_toml(
        path,
        missing="the configuration file does not exist",
        missing_fix="create it (copy config/tjwatch.toml) or pass --config PATH"
        " / set TJWATCH_CONFIG",
    )
    topic = load_topic(_topic_path(path, data))
    file_settings = _validate(path, data, topic)
    secrets = _read_secrets(env)
    db = Path(env.get("TJWATCH_DB") or file_settings.database.path)
    settings = Settings(
        config_path=path, file=file_settings, secrets=secrets, database_path=db, topic=topic
    )
    _check_seed_files(settings)
    return settings


def _environment(dotenv: bool) -> dict[str, str]:
    merged: dict[str, str] = {}
    if dotenv and Path(".env").is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
    merged.update(os.environ)
    return merged


def _topic_path(config: Path, data: Mapping[str, Any]) -> Path | None:
    """The topic file the config names, relative to its folder (as seeds are); None: the
    shipped topic."""
    table = data.get("topic")
    named = table.get("file") if isinstance(table, dict) else None
    if not isinstance(named, str):  # absent, or wrong: validation names the key
        return None
    path = Path(named)
    return path if path.is_absolute() else config.parent / path


def _validate(path: Path, data: dict[str, Any], topic: Topic) -> FileSettings:
    shown = str(path)
    try:
        settings = FileSettings.model_validate(data)
    except ValidationError as exc:
        zone = topic.time_zones[0] if topic.time_zones else EXAMPLE_ZONE
        raise config_error(shown, exc, data, FileSettings, zone) from None
    _check_retention(shown, settings.retention)
    sides = topic.side_ids
    known = ", ".join(sorted((*sides, "exclude")))
    for key, terms in settings.rules.sides.items():
        if key not in sides:
            raise ConfigError(
                shown,
                f"rules.{key}",
                f"unknown key: the topic {topic.name!r} has the sides {', '.join(sides)}",
                f"remove it or correct its spelling; known keys here: {known}",
            )
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ConfigError(
                shown, f"rules.{key}", "is not a list of words", 'use a list, e.g. ["one", "two"]'
            )
        if not terms:
            raise ConfigError(
                shown,
                f"rules.{key}",
                "List should have at least 1 item",
                f"give at least one value (a word naming {topic.side(key).name})",
            )
    for side in sides:
        if side not in settings.rules.sides:
            raise ConfigError(
                shown,
                f"rules.{side}",
                "Field required",
                f"add this key (a list of words naming {topic.side(side).name})",
            )
    return settings


def _check_retention(shown: str, retention: RetentionSettings) -> None:
    """Matched items are the ones worth keeping: never delete them before unmatched ones."""
    matched = retention.matched_days
    if matched is not None and matched < retention.unmatched_days:
        raise ConfigError(
            shown,
            "retention.matched_days",
            f"{matched} is shorter than unmatched_days ({retention.unmatched_days})",
            "keep matched items at least as long as unmatched ones, or remove the key to keep"
            " them forever",
        )


def _read_secrets(env: Mapping[str, str]) -> Secrets:
    values: dict[str, Any] = {
        field: env[name] for name, field in _ENV_KEYS.items() if env.get(name, "").strip()
    }
    admin_ids = env.get("TJWATCH_ADMIN_IDS", "").strip()
    if admin_ids:
        try:
            values["admin_ids"] = tuple(int(x) for x in re.split(r"[,\s]+", admin_ids) if x)
        except ValueError:
            raise ConfigError(
                "environment",
                "TJWATCH_ADMIN_IDS",
                f"{admin_ids!r} is not a list of user ids",
                "give numeric Telegram user ids separated by commas, e.g. 12345,67890",
            ) from None
    try:
        return Secrets.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0])
        name = next(k for k, v in _ENV_KEYS.items() if v == field)
        # Never echo the value: it may be a secret.
        raise ConfigError("environment", name, error["msg"], fix_for(error, Secrets)) from None


def _check_seed_files(settings: Settings) -> None:
    for index, seed in enumerate(settings.file.seeds):
        path = settings.seed_path(seed)
        if not path.is_file():
            raise ConfigError(
                str(settings.config_path),
                f"seeds[{index}].file",
                f"seed file {str(path)!r} does not exist",
                "put the article text in that file, or correct the path "
                "(relative paths are relative to the config file's folder)",
            )
