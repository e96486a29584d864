"""``[web]`` and its environment: the port from WEB_PORT over the file, public_url for links,
the token redacted from logs like every secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.common import log_secrets
from bot.errors import ConfigError
from bot.settings import load_settings
from tests.support.config import write_config


def test_port_host_and_public_url(tmp_path: Path) -> None:
    web = {"port": 8080, "host": "0.0.0.0", "public_url": "https://news.example.org/tj/"}
    config = write_config(tmp_path, {}, web=web)
    settings = load_settings(config, env={}, dotenv=False)
    assert (settings.web_port, settings.file.web.host) == (8080, "0.0.0.0")
    assert settings.public_url == "https://news.example.org/tj"
    assert load_settings(config, env={"WEB_PORT": "9090"}, dotenv=False).web_port == 9090


def test_a_bad_port_names_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, web={"port": 70000})
    with pytest.raises(ConfigError, match=r"web\.port"):
        load_settings(config, env={}, dotenv=False)
    with pytest.raises(ConfigError, match="WEB_PORT"):
        load_settings(write_config(tmp_path, {}), env={"WEB_PORT": "http"}, dotenv=False)


def test_the_token_is_a_secret(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, {}), env={"WEB_TOKEN": "s3cr3t-tok"})
    assert "s3cr3t-tok" not in repr(settings)
    assert "s3cr3t-tok" in log_secrets(settings)
