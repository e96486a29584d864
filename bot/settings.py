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
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    InstanceOf,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.config_errors import EXAMPLE_ZONE, config_error, fix_for, read_toml
from bot.errors import ConfigError
from bot.topic import Topic
from bot.topic_file import load_topic

DEFAULT_CONFIG = Path("config/tjwatch.toml")
DEFAULT_DB = Path("var/tjwatch.db")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Strict):
    path: Path = DEFAULT_DB


class ScheduleSettings(_Strict):
    poll_interval_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    digest_time: time = time(8, 0)
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class DigestSettings(_Strict):
    # How later reports of a story a chat has already seen reach it, for chats that did not
    # choose in /settings (issue 22): "thread" (a reply to the message that carried the story),
    # "digest" (an updates section of the next digest) or "off" (only /story shows them).
    follow_ups: Literal["thread", "digest", "off"] = "thread"


class FetchSettings(_Strict):
    concurrency: Annotated[int, Field(ge=1, le=256)] = 16
    per_host: Annotated[int, Field(ge=1, le=32)] = 2
    connect_timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    timeout: Annotated[float, Field(gt=0, le=600)] = 30.0
    max_body_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024
    user_agent: str = "tjwatch/0.1 (+https://github.com/tjwatch/tjwatch; news monitor)"
    backoff_base_minutes: Annotated[float, Field(gt=0)] = 5.0
    backoff_max_minutes: Annotated[float, Field(gt=0)] = 24 * 60.0
    allow_private_addresses: bool = False
    fulltext: bool = True
    fulltext_concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    parse_workers: Annotated[int, Field(ge=0, le=64)] = 0
    """Processes for feed parsing; 0 means one per CPU core."""


class ThresholdSettings(_Strict):
    relevance: Annotated[float, Field(ge=0, le=1)] = 0.5
    same_story: Annotated[float, Field(ge=0, le=1)] = 0.5
    story_grouping: Annotated[float, Field(ge=0, le=1)] = 0.5


class RetentionSettings(_Strict):
    """How long items are kept (issue 23): a year of feeds is millions of items no one reads.

    Ages count from an item's place on the timeline (its publication date, else when it was
    first fetched). A deleted item's id is kept as a tombstone so its feed cannot bring it back
    as new, until no feed has served it for ``tombstone_days``.
    """

    unmatched_days: Annotated[int, Field(ge=1, le=36_500)] = 14
    matched_days: Annotated[int | None, Field(ge=1, le=36_500)] = None
    """None (the key absent): matched items are kept forever."""
    tombstone_days: Annotated[int, Field(ge=1, le=36_500)] = 30
    interval_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    batch_items: Annotated[int, Field(ge=1, le=100_000)] = 25
    """Items deleted per transaction: each batch holds the write lock briefly, so the bot's
    replies never wait long behind a prune (``python -m benchmarks.prune`` measures it)."""


class FeedSettings(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: AnyHttpUrl
    lang: str | None = None
    interval: Annotated[int | None, Field(ge=1)] = None
    """Minutes between polls of this feed; the schedule's poll interval when absent."""


class RulesSettings(BaseModel):
    """Keyword rules: an item matches when it names a term of each side AND no ``exclude`` term.

    The keys are the topic's side ids (one ``<side id> = [...]`` per side), checked
    against the topic file once it is read. Terms are readable words in any language, matched as
    the lexicon's words are (folded, by stem, so one form covers its inflections).
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    exclude: list[str] = []

    @property
    def sides(self) -> dict[str, list[str]]:
        """Each side's terms, by side id (every key but ``exclude``; ``load_settings`` checks
        them against the topic's sides)."""
        return dict(self.model_extra or {})

    def terms(self, side: str) -> list[str]:
        return self.sides.get(side, [])


class TopicSettings(_Strict):
    file: Path | None = None
    """The topic file, relative to the config file's folder; the shipped topic when absent."""


class SeedSettings(_Strict):
    file: Path
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: AnyHttpUrl | None = None


class ThemeSettings(_Strict):
    name: Annotated[str, Field(min_length=1)]
    terms: list[str] = Field(min_length=1)


class TelegramSettings(_Strict):
    admins: list[int] = []
    default_lang: Literal["en", "ru"] = "en"


class SlackSettings(_Strict):
    """Where the slash-command server listens (only when SLACK_SIGNING_SECRET is set)."""

    commands_host: str = "127.0.0.1"
    commands_port: Annotated[int, Field(ge=0, le=65535)] = 3000
    commands_path: str = "/slack/events"


class FileSettings(_Strict):
    """Exactly what the TOML file may contain."""

    database: DatabaseSettings = DatabaseSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    digest: DigestSettings = DigestSettings()
    fetch: FetchSettings = FetchSettings()
    thresholds: ThresholdSettings = ThresholdSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    retention: RetentionSettings = RetentionSettings()
    topic: TopicSettings = TopicSettings()
    rules: RulesSettings
    feeds: list[FeedSettings] = []
    seeds: list[SeedSettings] = []
    themes: list[ThemeSettings] = []


class Secrets(_Strict):
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


class Settings(_Strict):
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
