"""``/feed.atom`` and ``/feed.json``: the latest relevant stories as feeds, with the archive's
filters (``min``, ``only_new``, ``lang``, ``theme``, ``limit``, ``since``: 30 days by default)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aiohttp import web

from bot.archive import latest_stories
from bot.digest.story import StoryEntry
from bot.render.story_feeds import (
    ATOM_TYPE,
    JSON_FEED_TYPE,
    FeedLinks,
    render_atom,
    render_json_feed,
)
from bot.web.auth import TOKEN_PARAM
from bot.web.deps import deps_of
from bot.web.links import Links
from bot.web.pages import bad_request, links_for
from bot.web.params import BadParameter, story_filter

FEED_SINCE = "30d"
Render = Callable[[Sequence[StoryEntry], FeedLinks], bytes]


async def _feed(request: web.Request, render: Render, content_type: str) -> web.Response:
    deps = deps_of(request)
    wanted = story_filter(
        request.query,
        deps.now(),
        tz_name=deps.tz_name,
        themes=deps.matcher.names,
        default_since=FEED_SINCE,
    )
    if isinstance(wanted, BadParameter):
        return bad_request(request, wanted)
    entries = await latest_stories(deps.store, wanted, matcher=deps.matcher)
    links = links_for(request, deps)
    query = {k: v for k, v in request.query.items() if k != TOKEN_PARAM}
    feed_links = FeedLinks(
        home=links.page("/"),
        feed=links.page(request.path, query),
        story=links.story,
        story_id=Links(links.base).story,
    )
    body = render(entries, feed_links)
    return web.Response(body=body, headers={"Content-Type": content_type})


def _title(request: web.Request) -> str:
    return f"tjwatch: {deps_of(request).settings.topic.name}"


async def atom(request: web.Request) -> web.Response:
    now: datetime = deps_of(request).now()
    title = _title(request)
    return await _feed(
        request, lambda e, links: render_atom(e, links, title=title, now=now), ATOM_TYPE
    )


async def json_feed(request: web.Request) -> web.Response:
    now: datetime = deps_of(request).now()
    title = _title(request)

    def render(entries: Sequence[StoryEntry], links: FeedLinks) -> bytes:
        return render_json_feed(entries, links, title=title, now=now).encode()

    return await _feed(request, render, JSON_FEED_TYPE)
