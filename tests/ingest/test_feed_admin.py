"""Feed management through ``tjwatch feeds`` and its service functions, against loopback feeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.ingest.feed_admin import (
    AddFeedResult,
    RemoveFeedResult,
    add_feed,
    list_feed_health,
    remove_feed,
)
from bot.ingest.opml import parse_opml
from bot.ingest.parse import parse_feed
from bot.jobs import poll
from bot.services import Services
from tests.ingest.conftest import HOSTILE, MakeServices, rows
from tests.support.feed_server import FeedServer


def test_feeds_add_checks_the_feed_then_polls_it(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for({"Topic RU": feed_server.url("topic-ru-rss.xml")})
    added = cli(
        "--config", str(config), "feeds", "add", feed_server.url("meduza-io-2020-10-rss.xml")
    )
    assert added.code == 0, added.err
    assert "'Meduza.io'" in added.out  # the feed's own title
    assert "it lists 30 items" in added.out

    named = cli(
        "--config",
        str(config),
        "feeds",
        "add",
        feed_server.url("lenta-ru-2022-12-rss.xml"),
        "--name",
        "Lenta",
    )
    assert named.code == 0 and "'Lenta'" in named.out
    again = cli(
        "--config", str(config), "feeds", "add", feed_server.url("lenta-ru-2022-12-rss.xml")
    )
    assert again.code == 1 and "already watched as 'Lenta'" in again.err

    poll = cli("--config", str(config), "poll", "--once")
    assert "3 ok" in poll.out
    table = cli("--config", str(config), "feeds")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "STATUS", "LAST"]
    lenta = next(line for line in lines if " Lenta " in line)
    assert " ok " in lenta and " 198 " in lenta


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "ftp://example.org/feed.xml",
            "only http:// and https:// addresses can be fetched (this one has ftp)",
        ),
        (
            "file:///etc/passwd",
            "only http:// and https:// addresses can be fetched (this one has file)",
        ),
        (
            "not a url",
            "only http:// and https:// addresses can be fetched (this one has no scheme)",
        ),
    ],
)
def test_feeds_add_refuses_other_schemes(cli, config_for, url: str, reason: str) -> None:
    config = config_for({})
    result = cli("--config", str(config), "feeds", "add", url)
    assert result.code == 1 and reason in result.err


def test_feeds_table_without_feeds_says_how_to_add_one(cli, config_for) -> None:
    result = cli("--config", str(config_for({})), "feeds")
    assert result.code == 0 and "tjwatch feeds add URL" in result.out


def test_feeds_add_refuses_a_private_address(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for({}, fetch={"allow_private_addresses": False})
    result = cli(
        "--config", str(config), "feeds", "add", feed_server.url("meduza-io-2020-10-rss.xml")
    )
    assert result.code == 1
    assert "127.0.0.1 is a loopback or private network address (127.0.0.1); refused" in result.err
    assert feed_server.hits["/feeds/meduza-io-2020-10-rss.xml"] == 0
    assert rows(tmp_path / "tjwatch.db", "SELECT count(*) FROM feeds")[0][0] == 0


def test_feeds_add_refuses_what_is_not_a_feed(cli, config_for, feed_server: FeedServer) -> None:
    config = config_for({})
    page = feed_server.page(
        "/home", b"<!DOCTYPE html><html><body><p>Welcome to our site</p></body></html>"
    )
    result = cli("--config", str(config), "feeds", "add", page)
    assert result.code == 1 and "an HTML page, not a feed" in result.err
    broken = cli(
        "--config",
        str(config),
        "feeds",
        "add",
        feed_server.url("reuters-mostread-2020-truncated-malformed-rss.xml"),
    )
    assert broken.code == 1 and "not well-formed XML (line 19: no element found)" in broken.err
    gone = cli("--config", str(config), "feeds", "add", feed_server.url("no-such-feed.xml"))
    assert gone.code == 1 and "HTTP 404" in gone.err


def test_feeds_remove_by_name_stays_removed_after_a_restart(
    cli, config_for, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = config_for(
        {
            "Topic RU": feed_server.url("topic-ru-rss.xml"),
            "Meduza": feed_server.url("meduza-io-2020-10-rss.xml"),
        }
    )
    assert cli("--config", str(config), "poll", "--once").code == 0
    removed = cli("--config", str(config), "feeds", "remove", "meduza")
    assert (
        removed.code == 0 and "Removed feed" in removed.out and "its 30 items stay" in removed.out
    )
    poll = cli(
        "--config", str(config), "poll", "--once"
    )  # a new process: the config is synced again
    assert "Polled 1 feeds" in poll.out
    assert rows(tmp_path / "tjwatch.db", "SELECT active FROM feeds WHERE name = 'Meduza'") == [(0,)]
    assert (
        rows(
            tmp_path / "tjwatch.db",
            "SELECT count(*) FROM item_sources s JOIN feeds f ON f.id = s.feed_id "
            "WHERE f.name = 'Meduza'",
        )[0][0]
        == 30
    )
    table = cli("--config", str(config), "feeds")
    assert "inactive" in next(line for line in table.out.splitlines() if "Meduza" in line)
    missing = cli("--config", str(config), "feeds", "remove", "No Such Feed")
    assert missing.code == 1 and "no feed has the id, address or name 'No Such Feed'" in missing.err


def test_opml_import_then_export_round_trips(cli, config_for, tmp_path: Path) -> None:
    config = config_for({})
    imported = cli(
        "--config", str(config), "feeds", "import", str(HOSTILE / "reader-export-nested.opml")
    )
    assert imported.code == 0, imported.err
    assert "Imported 6 feeds" in imported.out and "skipped 1" in imported.out
    assert "skipped gopher://example.org/feed: only http:// and https://" in imported.out

    exported = cli("--config", str(config), "feeds", "export")
    assert exported.code == 0
    assert exported.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    original = {
        (f.title, f.xml_url)
        for f in parse_opml((HOSTILE / "reader-export-nested.opml").read_bytes())
        if f.xml_url.startswith("http")
    }
    assert {(f.title, f.xml_url) for f in parse_opml(exported.out.encode("utf-8"))} == original

    # The export imports cleanly into a fresh database and exports the same again.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    export_file = fresh / "export.opml"
    export_file.write_text(exported.out, "utf-8")
    config2 = config_for({}, database={"path": str(fresh / "tj.db")})
    assert (
        "Imported 6 feeds" in cli("--config", str(config2), "feeds", "import", str(export_file)).out
    )
    assert parse_opml(cli("--config", str(config2), "feeds", "export").out.encode()) == parse_opml(
        exported.out.encode()
    )


def test_opml_import_of_a_bad_file_is_a_usage_error(cli, config_for, tmp_path: Path) -> None:
    config = config_for({})
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", "utf-8")
    result = cli("--config", str(config), "feeds", "import", str(bad))
    assert result.code == 2 and "not well-formed XML" in result.err
    assert cli("--config", str(config), "feeds", "import", str(tmp_path / "none.opml")).code == 2


async def add(svc: Services, url: str, name: str | None = None) -> AddFeedResult:
    """``add_feed`` given what the bot's /addfeed hands it."""
    return await add_feed(
        url,
        name,
        store=svc.store,
        fetcher=svc.fetcher,
        parse=lambda content, headers: svc.run_cpu(parse_feed, content, headers),
        public_only=not svc.settings.file.fetch.allow_private_addresses,
        now=svc.clock.now(),
    )


async def remove(svc: Services, key: str) -> RemoveFeedResult:
    return await remove_feed(svc.store, key, now=svc.clock.now())


@pytest.mark.asyncio
async def test_service_functions_return_values_for_the_bot(
    make_services: MakeServices, feed_server: FeedServer, feed_root: Path
) -> None:
    shutil.copy(HOSTILE / "utf8-bom-rss.xml", feed_root)
    svc = make_services({})
    result = await add(svc, feed_server.url("utf8-bom-rss.xml"), "BOM feed")
    assert (
        result.ok and result.feed is not None and result.feed.status == "new" and result.items == 12
    )
    assert result.feed.origin == "user"
    await poll(svc, force=True)
    (health,) = await list_feed_health(svc.store)
    assert health.name == "BOM feed" and health.status == "ok" and health.items_seen == 12
    refused = await add(svc, "gopher://example.org/")
    assert not refused.ok and refused.code == "bad_url"
    assert (await remove(svc, "bom FEED")).ok  # names match in any case
    removed = await remove(svc, str(health.id))
    assert removed.ok and removed.feed is not None and removed.feed.status == "inactive"
    assert (await remove(svc, "nothing")).code == "not_found"
    readded = await add(svc, feed_server.url("utf8-bom-rss.xml"))
    assert readded.ok and readded.feed is not None and readded.feed.active


@pytest.mark.asyncio
async def test_add_feed_refuses_private_addresses(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services({}, fetch={"allow_private_addresses": False})
    for url in (
        feed_server.url("meduza-io-2020-10-rss.xml"),
        "http://10.0.0.7/rss",
        "http://[::1]:8080/rss",
        "http://localhost/rss",
    ):
        result = await add(svc, url)
        assert not result.ok and result.code == "private_address", url
    assert sum(feed_server.hits.values()) == 0


@pytest.mark.asyncio
async def test_add_feed_stores_the_address_a_permanent_redirect_names(
    make_services: MakeServices, feed_server: FeedServer
) -> None:
    svc = make_services({})
    target = feed_server.url("meduza-io-2020-10-rss.xml")
    result = await add(svc, feed_server.redirect("/old", target, 308))
    assert result.ok and result.feed is not None and result.feed.url == target
