"""Bad configuration stops tjwatch with one message naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from bot.topic_file import load_topic
from tests.support.config import write_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    return path


MINIMAL_RULES = '[rules]\nrussia = ["Russia"]\ntajikistan = ["Tajikistan"]\n'


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        (
            '[schedule]\npoll_interval_minutes = "often"\n' + MINIMAL_RULES,
            "schedule.poll_interval_minutes",
            "whole number",
        ),
        (
            "[schedule]\npoll_intervall_minutes = 5\n" + MINIMAL_RULES,
            "schedule.poll_intervall_minutes",
            "known keys here: digest_time, poll_interval_minutes",
        ),
        (
            MINIMAL_RULES + '[[feeds]]\nname = "TASS"\nurl = "tass.ru/rss"\n',
            "feeds[0] (TASS).url",
            "https://",
        ),
        (
            MINIMAL_RULES + '[[feeds]]\nname = "X"\nurl = "ftp://example.org/feed"\n',
            "feeds[0] (X).url",
            "http(s)",
        ),
        (
            MINIMAL_RULES + '[[seeds]]\nfile = "seeds/nope.txt"\n',
            "seeds[0].file",
            "put the article text",
        ),
        ('[rules]\nrussia = ["Russia"]\n', "rules.tajikistan", "add this key"),
        ('[rules]\nrussia = ["Russia"]\ntajikistan = []\n', "rules.tajikistan", "at least one"),
        ('colour = "red"\n' + MINIMAL_RULES, "colour", "remove it"),
        (
            MINIMAL_RULES + '[schedule]\ntimezone = "Mars/Olympus"\n',
            "schedule.timezone",
            "Asia/Dushanbe",
        ),
        ('[rules\nrussia = ["Russia"]\n', "line 1", "TOML"),
        (
            MINIMAL_RULES + "[retention]\nunmatched_days = 0\n",
            "retention.unmatched_days",
            "greater than or equal to 1",
        ),
        (
            MINIMAL_RULES + '[retention]\nunmatched_days = "two weeks"\n',
            "retention.unmatched_days",
            "whole number",
        ),
        (
            MINIMAL_RULES + "[retention]\nmatched_days = 7\n",
            "retention.matched_days",
            "shorter than unmatched_days (14)",
        ),
        (
            MINIMAL_RULES + "[retention]\nmatched_days = 0\nunmatched_days = 1\n",
            "retention.matched_days",
            "allowed range",
        ),
        (
            MINIMAL_RULES + "[retention]\nkeep_days = 30\n",
            "retention.keep_days",
            "known keys here: batch_items, interval_minutes, matched_days, tombstone_days,"
            " unmatched_days, unmatched_text_days",
        ),
        (
            MINIMAL_RULES + '[retention]\nunmatched_text_days = "a week"\n',
            "retention.unmatched_text_days",
            "whole number",
        ),
    ],
)
def test_each_mistake_names_file_key_and_fix(
    cli, tmp_path: Path, text: str, key: str, fix: str
) -> None:
    path = _write(tmp_path, text)
    result = cli("--config", str(path), "poll", "--once")
    assert result.code == 2
    message = result.err.strip()
    assert message.count("\n") == 0, "one message, one line"
    assert str(path) in message
    assert f": {key}:" in message
    assert fix in message


def test_missing_config_file_says_how_to_fix(cli, tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "absent.toml"), "digest")
    assert result.code == 2
    assert "does not exist" in result.err and "--config" in result.err


def test_config_is_read_after_the_command_too(cli, tmp_path: Path) -> None:
    """``scripts/run-bot --config my.toml`` becomes ``tjwatch run --config my.toml``."""
    absent = tmp_path / "absent.toml"
    for argv in (
        ("digest", "--config", str(absent)),
        ("feeds", "add", "--config", str(absent), "https://example.org/feed.xml"),
    ):
        result = cli(*argv)
        assert result.code == 2 and str(absent) in result.err
    config = write_config(tmp_path, {"Own feed": "https://example.org/own.xml"})
    listed = cli("feeds", "--config", str(config))
    assert listed.code == 0, listed.err
    assert "Own feed" in listed.out
    # Before the verb still works, and a value given there is not reset by the verb's default.
    assert "Own feed" in cli("--config", str(config), "feeds").out


def test_bad_admin_ids_in_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={"TJWATCH_ADMIN_IDS": "alice,bob"})
    assert info.value.key == "TJWATCH_ADMIN_IDS"


def test_bad_secret_url_is_not_echoed(tmp_path: Path) -> None:
    config = write_config(tmp_path, {})
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={"TELEGRAM_API_BASE_URL": "not a url sekret123"})
    assert "sekret123" not in str(info.value)


def test_environment_overrides(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"A": "https://example.org/a.xml"})
    settings = load_settings(
        None,
        env={
            "TJWATCH_CONFIG": str(config),
            "TJWATCH_DB": str(tmp_path / "other.db"),
            "TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "TJWATCH_ADMIN_IDS": "1, 2",
        },
    )
    assert settings.database_path == tmp_path / "other.db"
    assert settings.admin_ids == {1, 2}
    assert "ABCDEFGHIJ" not in repr(settings)
    assert [f.name for f in settings.feeds] == ["A"]


def test_shipped_config_is_valid_and_names_real_outlets() -> None:
    settings = load_settings(Path("config/tjwatch.toml").resolve(), env={})
    names = " ".join(f.name for f in settings.feeds)
    for outlet in (
        "Asia-Plus",
        "Ozodi",
        "Eurasianet",
        "TASS",
        "RIA",
        "Interfax",
        "Sputnik",
        "Khovar",
        "Google News",
    ):
        assert outlet in names
    assert len(settings.file.seeds) == 2
    for seed in settings.file.seeds:
        assert settings.seed_path(seed).read_text("utf-8").strip()


# --- the topic file -------------------------------------------------------------------------------

SHIPPED_TOPIC = Path(__file__).resolve().parents[1] / "config" / "topics" / "russia-tajikistan.toml"
SECOND_TOPIC = Path(__file__).resolve().parent / "data" / "topics" / "russia-kyrgyzstan.toml"


def test_the_shipped_and_the_second_topic_load() -> None:
    shipped = load_topic(SHIPPED_TOPIC)
    assert shipped.side_ids == ("russia", "tajikistan")
    assert load_topic() == shipped, "a config naming no topic gets the shipped one"
    second = load_topic(SECOND_TOPIC)
    assert second.side_ids == ("russia", "kyrgyzstan")
    assert second.side("kyrgyzstan").capitals == ("bishkek",)


def test_a_config_naming_no_topic_gets_the_shipped_one(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL_RULES)
    assert load_settings(path, env={}, dotenv=False).topic == load_topic(SHIPPED_TOPIC)


def test_rules_keys_are_the_topics_sides(tmp_path: Path) -> None:
    topic = tmp_path / "rk.toml"
    topic.write_text(SECOND_TOPIC.read_text("utf-8"), "utf-8")
    good = '[topic]\nfile = "rk.toml"\n[rules]\nrussia = ["Russia"]\nkyrgyzstan = ["Kyrgyz"]\n'
    assert load_settings(_write(tmp_path, good), env={}, dotenv=False).file.rules.sides == {
        "russia": ["Russia"],
        "kyrgyzstan": ["Kyrgyz"],
    }
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, '[topic]\nfile = "rk.toml"\n' + MINIMAL_RULES), env={})
    assert ": rules.tajikistan: unknown key" in str(error.value)
    assert "known keys here: exclude, kyrgyzstan, russia" in str(error.value)


def _broken(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "key", "fix"),
    [
        (
            'third_parties = ["belarus",',
            'third_parties = ["belarusia",',
            "cues.third_parties",
            "define it in the topic's [concepts]",
        ),
        (
            'capitals = ["dushanbe"]',
            'capitals = ["Dushanbe"]',
            "sides[1].capitals[0]",
            "lower-case",
        ),
        ("window = 4", 'window = "four"', "implied[0].near.window", "whole number"),
        ("window = 4", "window = 0", "implied[0].near.window", "allowed range"),
        ('rule = "near"', 'rule = "nearby"', "implied[0]", '"near" or "in_sentence_with"'),
        ('side = "russia"', 'side = "rusia"', "implied[0].side", "use one of: russia, tajikistan"),
        (
            'country = "tajikistan"',
            'country = "khujand"\ncolour = 1',
            "sides[1].colour",
            "remove it",
        ),
        ("[concepts]\n", "[concepts]\nnobody = []\n", "sides[1].country", None),
    ],
)
def test_each_topic_mistake_names_file_key_and_fix(
    tmp_path: Path, old: str, new: str, key: str, fix: str | None
) -> None:
    text = SHIPPED_TOPIC.read_text("utf-8")
    if key == "sides[1].country":  # a side whose country concept has no words
        text = _broken(text, 'country = "tajikistan"', 'country = "nobody"')
        fix = "list the words naming Tajikistan"
    text = _broken(text, old, new)
    topic = tmp_path / "broken.toml"
    topic.write_text(text, "utf-8")
    config = _write(tmp_path, '[topic]\nfile = "broken.toml"\n' + MINIMAL_RULES)
    with pytest.raises(ConfigError) as error:
        load_settings(config, env={}, dotenv=False)
    message = str(error.value)
    assert message.count("\n") == 0, "one message, one line"
    assert message.startswith(f"{topic}: {key}:"), message
    assert fix is not None and fix in message, message


def test_a_missing_topic_file_says_how_to_fix(tmp_path: Path) -> None:
    config = _write(tmp_path, '[topic]\nfile = "absent.toml"\n' + MINIMAL_RULES)
    with pytest.raises(ConfigError) as error:
        load_settings(config, env={}, dotenv=False)
    assert "the topic file does not exist" in str(error.value)
    assert "[topic] file" in str(error.value)


def test_theme_names_are_one_string_or_one_per_language(tmp_path: Path) -> None:
    themes = [
        {"name": "energy", "terms": ["Rogun"]},
        {"name": {"en": "security", "ru": "безопасность"}, "terms": ["border"]},
    ]
    settings = load_settings(write_config(tmp_path, {}, themes=themes), env={}, dotenv=False)
    names = [(t.label("en"), t.label("ru")) for t in settings.file.themes]
    assert names == [("energy", "energy"), ("security", "безопасность")]
    no_english = [{"name": {"ru": "безопасность"}, "terms": ["border"]}]
    with pytest.raises(ConfigError, match=r"themes\[0\]\.name.*English"):
        load_settings(write_config(tmp_path, {}, themes=no_english), env={}, dotenv=False)


@pytest.mark.parametrize(
    ("label", "error"),
    [
        ('nobody = { en = "Nobody" }', "unknown concept 'nobody'"),
        ('navruz = { ru = "Навруз" }', "English"),
    ],
)
def test_topic_labels_name_known_concepts_with_an_english_label(
    tmp_path: Path, label: str, error: str
) -> None:
    text = SHIPPED_TOPIC.read_text("utf-8").replace("[labels]\n", f"[labels]\n{label}\n")
    topic = tmp_path / "labelled.toml"
    topic.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=error):
        load_topic(topic)
    shipped = load_topic(SHIPPED_TOPIC)
    assert (shipped.label("crocus", "ru"), shipped.label("crocus", "de")) == (
        "теракт в «Крокус Сити Холле»",
        "the Crocus City Hall attack",
    )
