"""Who may read the archive: WEB_TOKEN as ?token= or a bearer header (401 without), loopback
only by default, and no archive at all unless a port is configured."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from bot.services import Services
from bot.settings import load_settings
from bot.web.server import WebServer, start_if_configured
from tests.support.web_archive import Archive, copy_database

PATHS = ("/", "/stories/1", "/summary", "/feed.atom", "/feed.json", "/trend.svg", "/health")


@pytest.mark.parametrize("path", PATHS)
def test_without_the_token_401_with_it_200(archive: Archive, path: str) -> None:
    assert archive.token
    bare = httpx.get(f"{archive.base}{path}")
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in bare.text and "Putin" not in bare.text
    wrong = httpx.get(f"{archive.base}{path}", params={"token": "guess"})
    assert wrong.status_code == 401
    assert httpx.get(archive.url(path)).status_code == 200
    bearer = httpx.get(
        f"{archive.base}{path}", headers={"Authorization": f"Bearer {archive.token}"}
    )
    assert bearer.status_code == 200


def test_pages_carry_the_token_on_to_their_links(archive: Archive) -> None:
    page = httpx.get(archive.url("/")).text
    links = re.findall(r'href="(http://127\.0\.0\.1:\d+/[^"]*)"', page)
    assert links and all(f"token={archive.token}" in link for link in links)
    # Reached with the header instead, the links do not show the token.
    header = {"Authorization": f"Bearer {archive.token}"}
    assert archive.token not in httpx.get(f"{archive.base}/", headers=header).text


def test_bound_to_loopback_only_by_default(archive: Archive) -> None:
    port = int(archive.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), timeout=2):
        pass


def _settings(archive: Archive, tmp_path: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    db = copy_database(archive, tmp_path / "copy.db")
    return load_settings(archive.config, env={"TJWATCH_DB": str(db), **env}, dotenv=False)


@pytest.mark.asyncio
async def test_off_by_default(archive: Archive, tmp_path: Path) -> None:
    settings = _settings(archive, tmp_path, {})
    assert settings.web_port is None and settings.file.web.host == "127.0.0.1"
    async with Services.build(settings) as services:
        assert await start_if_configured(services) is None


@pytest.mark.asyncio
async def test_without_a_token_configured_pages_are_open(archive: Archive, tmp_path: Path) -> None:
    settings = _settings(archive, tmp_path, {"WEB_PORT": "0"})
    assert settings.secrets.web_token is None
    async with Services.build(settings) as services:
        server = WebServer(services, 0)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                for path in PATHS:
                    assert (await client.get(path)).status_code == 200, path
        finally:
            await server.stop()
