"""The archive's search after retention has deleted an unmatched item's text: its headline is
still found, and links to the outlet's page, since the archive has no page of its own for it."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.retention import RetentionPolicy, prune
from bot.services import Services
from bot.settings import load_settings
from bot.web.server import WebServer
from tests.support.web_archive import Archive, copy_database


@pytest.mark.asyncio
async def test_search_shows_a_trace_linking_to_its_outlet(archive: Archive, tmp_path: Path) -> None:
    db = copy_database(archive, tmp_path / "copy.db")
    env = {"TJWATCH_DB": str(db), "WEB_PORT": "0"}
    settings = load_settings(archive.config, env=env, dotenv=False)
    async with Services.build(settings) as services:
        store = services.store
        stored = await store.run(store.items.latest, 500, False)
        item = next(i for i in stored if not i.relevant and i.url and len(i.title) > 20)
        policy = RetentionPolicy.from_settings(settings.file.retention)
        await prune(store, policy, now=item.timeline_at + timedelta(days=8))
        assert await store.run(store.items.get, item.id) is None

        server = WebServer(services, 0)
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                page = (await client.get("/", params={"q": f'"{item.title}"'})).text
        finally:
            await server.stop()
    assert (
        f'<a href="{html.escape(item.url or "")}" rel="noopener">{html.escape(item.title)}</a>'
        in page
    )
    assert "not relevant; only its headline is kept" in page
