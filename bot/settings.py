"""Configuration: one TOML file plus the environment, parsed once into a frozen ``Settings``.

The TOML file holds what a user edits (feeds, keyword rules, seeds, schedule, thresholds); secrets
(tokens, webhook URLs, admin ids) come only from the environment or a ``.env`` file beside the
working directory. Every mistake becomes one ``ConfigError`` naming the file, the key and the fix,
so that ``tjwatch`` exits 2 with a message a user can act on.
"""

from __future__ import annotations

import os
import re
import tomllib
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
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.errors import ConfigError

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


class FeedSettings(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: AnyHttpUrl
    lang: str | None = None
    interval: Annotated[int | None, Field(ge=1)] = None
    """Minutes between polls of this feed; the schedule's poll interval when absent."""


class RulesSettings(_Strict):
    """Keyword rules: an item matches when it names a Russia term AND a Tajikistan term.

    Terms are readable words in any of English, Russian and Tajik; matching is by stem, so one
    form covers its inflections ("Таджикистан" covers "Таджикистана").
    """

    russia: list[str] = Field(min_length=1)
    tajikistan: list[str] = Field(min_length=1)
    exclude: list[str] = []


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
    fetch: FetchSettings = FetchSettings()
    thresholds: ThresholdSettings = ThresholdSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
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
    file_settings = _read_file(path)
    secrets = _read_secrets(env)
    db = Path(env.get("TJWATCH_DB") or file_settings.database.path)
    settings = Settings(config_path=path, file=file_settings, secrets=secrets, database_path=db)
    _check_seed_files(settings)
    return settings


def _environment(dotenv: bool) -> dict[str, str]:
    merged: dict[str, str] = {}
    if dotenv and Path(".env").is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
    merged.update(os.environ)
    return merged


def _read_file(path: Path) -> FileSettings:
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            shown,
            "(file)",
            "the configuration file does not exist",
            "create it (copy config/tjwatch.toml) or pass --config PATH / set TJWATCH_CONFIG",
        ) from None
    except OSError as exc:
        raise ConfigError(
            shown,
            "(file)",
            f"cannot be read ({exc.strerror})",
            "check the path and its permissions",
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(shown, "(file)", "is not UTF-8 text", "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        key = f"line {where.group(1)}" if where else "(syntax)"
        raise ConfigError(
            shown,
            key,
            f"is not valid TOML ({exc})",
            "check quotes, brackets and '=' on that line (https://toml.io)",
        ) from None
    try:
        return FileSettings.model_validate(data)
    except ValidationError as exc:
        raise _config_error(shown, exc, data) from None


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
        raise ConfigError("environment", name, error["msg"], _fix_for(error)) from None


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


def _config_error(file: str, exc: ValidationError, data: Mapping[str, Any]) -> ConfigError:
    error = exc.errors()[0]
    key = _dotted(error["loc"], data)
    problem = error["msg"]
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    return ConfigError(file, key, problem, _fix_for(error, exc))


def _dotted(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(part)
    key = ".".join(parts) or "(top level)"
    # Name the feed too: "feeds[3].url" is easier to find as "feeds[3] (TASS).url".
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        feeds = data.get("feeds")
        if isinstance(feeds, list) and loc[1] < len(feeds) and isinstance(feeds[loc[1]], dict):
            name = feeds[loc[1]].get("name")
            if isinstance(name, str):
                key = key.replace(f"feeds[{loc[1]}]", f"feeds[{loc[1]}] ({name})", 1)
    return key


def _fix_for(error: Any, exc: ValidationError | None = None) -> str:
    kind = str(error["type"])
    if kind == "extra_forbidden":
        known = _known_keys(error["loc"])
        hint = f"; known keys here: {', '.join(known)}" if known else ""
        return f"remove it or correct its spelling{hint}"
    if kind == "missing":
        return "add this key"
    if kind.startswith("url") or "url" in str(error.get("msg", "")).lower():
        return "use a full http(s) address such as https://example.com/rss.xml"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "use a whole number without quotes"
    if kind in {"float_parsing", "float_type"}:
        return "use a number without quotes"
    if kind in {"bool_parsing", "bool_type"}:
        return "use true or false without quotes"
    if kind in {"string_type"}:
        return "put the value in double quotes"
    if kind in {"list_type"}:
        return 'use a list, e.g. ["one", "two"]'
    if kind.startswith("time"):
        return 'use a 24-hour time such as "08:00"'
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "use a value within the allowed range"
    if "time zone" in str(error.get("msg", "")):
        return 'use an IANA time zone name such as "Asia/Dushanbe" or "UTC"'
    if kind in {"too_short"}:
        return "give at least one value"
    return "see the configuration reference in README.md"


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = FileSettings
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return sorted(model.model_fields)
