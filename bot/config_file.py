"""The config file's schema: one pydantic model per TOML table, strict (an unknown key is an
error), each field's bound and default beside it. ``bot.settings`` reads the file into these and
adds the environment."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from bot.topic_file import Label, check_label, label_table

DEFAULT_DB = Path("var/tjwatch.db")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Strict):
    path: Path = DEFAULT_DB


class ScheduleSettings(Strict):
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


class DigestSettings(Strict):
    # How later reports of a story a chat has already seen reach it, for chats that did not
    # choose in /settings (issue 22): "thread" (a reply to the message that carried the story),
    # "digest" (an updates section of the next digest) or "off" (only /story shows them).
    follow_ups: Literal["thread", "digest", "off"] = "thread"


class FetchSettings(Strict):
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
    """Processes for feed parsing; 0: none for a poll of fewer than ``POOL_MIN_FEEDS`` feeds (the
    bot's own process parses them), one per CPU core for a larger one."""


class ThresholdSettings(Strict):
    relevance: Annotated[float, Field(ge=0, le=1)] = 0.5
    same_story: Annotated[float, Field(ge=0, le=1)] = 0.5
    story_grouping: Annotated[float, Field(ge=0, le=1)] = 0.5


class RetentionSettings(Strict):
    """How long items are kept (issue 23): a year of feeds is millions of items no one reads.

    Ages count from an item's place on the timeline (its publication date, else when it was
    first fetched). A deleted item's id is kept as a tombstone so its feed cannot bring it back
    as new, until no feed has served it for ``tombstone_days``.
    """

    unmatched_days: Annotated[int, Field(ge=1, le=36_500)] = 14
    unmatched_text_days: Annotated[int, Field(ge=1, le=36_500)] = 7
    """An unmatched item keeps its text this long (at most ``unmatched_days``); then only its
    headline, link, source and date stay, found by search, until ``unmatched_days``."""
    matched_days: Annotated[int | None, Field(ge=1, le=36_500)] = None
    """None (the key absent): matched items are kept forever."""
    tombstone_days: Annotated[int, Field(ge=1, le=36_500)] = 30
    interval_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 60
    batch_items: Annotated[int, Field(ge=1, le=100_000)] = 25
    """Items deleted per transaction at most (a transaction also ends at
    ``bot.retention.BATCH_BUDGET_S``): each batch holds the write lock briefly, so the bot's
    replies never wait long behind a prune (``python -m benchmarks.prune`` measures it)."""


class FeedSettings(Strict):
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


class TopicSettings(Strict):
    file: Path | None = None
    """The topic file, relative to the config file's folder; the shipped topic when absent."""


class SeedSettings(Strict):
    file: Path
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: AnyHttpUrl | None = None


class ThemeSettings(Strict):
    name: Label
    """What summaries and charts call the theme: one string, or one per language with an English
    one (``name = {en = "energy", ru = "энергетика"}``)."""
    terms: list[str] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name_has_english(cls, value: Label) -> Label:
        return check_label(value)

    def label(self, lang: str = "en") -> str:
        names = label_table(self.name)
        return names.get(lang) or names["en"]


class TelegramSettings(Strict):
    admins: list[int] = []
    default_lang: Literal["en", "ru"] = "en"


class SlackSettings(Strict):
    """Where the slash-command server listens (only when SLACK_SIGNING_SECRET is set)."""

    commands_host: str = "127.0.0.1"
    commands_port: Annotated[int, Field(ge=0, le=65535)] = 3000
    commands_path: str = "/slack/events"


class WebSettings(Strict):
    """The read-only web archive and feeds (``bot.web``): off unless a port is set here or in
    ``WEB_PORT``; on loopback unless ``host`` says otherwise."""

    host: str = "127.0.0.1"
    port: Annotated[int | None, Field(ge=0, le=65535)] = None
    public_url: AnyHttpUrl | None = None
    """Where readers reach the archive (behind a proxy): links in feeds, Telegram and Slack."""


class FileSettings(Strict):
    """Exactly what the TOML file may contain."""

    database: DatabaseSettings = DatabaseSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    digest: DigestSettings = DigestSettings()
    fetch: FetchSettings = FetchSettings()
    thresholds: ThresholdSettings = ThresholdSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    web: WebSettings = WebSettings()
    retention: RetentionSettings = RetentionSettings()
    topic: TopicSettings = TopicSettings()
    rules: RulesSettings
    feeds: list[FeedSettings] = []
    seeds: list[SeedSettings] = []
    themes: list[ThemeSettings] = []
