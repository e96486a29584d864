"""The archive's pages: ``/`` (latest stories, filters, search), ``/stories/{key}``,
``/summary``, the trend chart and ``/health``. Parse the query, call a service, render."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from bot import reads
from bot.archive import latest_stories, story_page
from bot.digest.summary import summarize
from bot.digest.trend import trend_svg
from bot.health import check_health
from bot.relevance.reasons import render_en
from bot.render.summary_texts import summary_texts
from bot.texts import concept_name
from bot.web.deps import WebDeps, deps_of
from bot.web.links import Links
from bot.web.params import BadParameter, period_of, story_filter
from bot.web.templating import render

PERIODS = (("24h", "last 24 h"), ("7d", "last 7 days"), ("30d", "last 30 days"))
SEARCH_RESULTS = 30
HTML = "text/html"


def links_for(request: web.Request, deps: WebDeps) -> Links:
    return Links.of(request, deps.settings.public_url, deps.settings.secrets.web_token is not None)


def page(
    request: web.Request, template: str, *, status: int = 200, **values: object
) -> web.Response:
    deps = deps_of(request)
    body = render(
        deps.tz_name,
        template,
        site=deps.settings.topic.name,
        links=links_for(request, deps),
        tz_name=deps.tz_name,
        **values,
    )
    return web.Response(text=body, content_type=HTML, charset="utf-8", status=status)


def bad_request(request: web.Request, problem: BadParameter) -> web.Response:
    return page(request, "error.html", status=400, heading="Bad address", message=str(problem))


async def index(request: web.Request) -> web.Response:
    deps = deps_of(request)
    query = request.query.get("q", "").strip()
    wanted = story_filter(
        request.query,
        deps.now(),
        tz_name=deps.tz_name,
        themes=deps.matcher.names,
        default_since="7d",
    )
    if isinstance(wanted, BadParameter):
        return bad_request(request, wanted)
    results = await reads.search(deps.store, query, SEARCH_RESULTS) if query else []
    stories = [] if query else await latest_stories(deps.store, wanted, matcher=deps.matcher)
    since = request.query.get("since", "").strip() or "7d"
    return page(
        request,
        "index.html",
        query=query,
        results=results,
        stories=stories,
        periods=PERIODS,
        period_values=[p for p, _ in PERIODS],
        since=since,
        themes=deps.matcher.names,
        theme=wanted.theme or "",
        lang=wanted.lang or "",
        only_new=wanted.only_new,
    )


async def story(request: web.Request) -> web.Response:
    deps = deps_of(request)
    key = request.match_info["key"]
    found = await story_page(deps.store, key, scorer=deps.scoring.scorer)
    if found is None:
        message = f"No story or item {key} is stored. The latest stories list their pages."
        return page(request, "error.html", status=404, heading="Not found", message=message)
    topic = deps.settings.topic
    reasons = [
        render_en(r, {c: concept_name("en", c, topic) for c in r.concepts})
        for r in (found.why.reasons if found.why else ())
    ]
    return page(
        request,
        "story.html",
        entry=found.entry,
        reports=found.reports,
        why=found.why,
        reasons=reasons,
    )


async def summary(request: web.Request) -> web.Response:
    deps = deps_of(request)
    period = period_of(request.query, deps.now(), tz_name=deps.tz_name, default="7d")
    if isinstance(period, BadParameter):
        return bad_request(request, period)
    brief = await summarize(deps.store, period, matcher=deps.matcher, llm=deps.llm, now=deps.now())
    return page(
        request,
        "summary.html",
        summary=brief,
        period_label=summary_texts("en").period(period),
        periods=PERIODS,
        since=request.query.get("since", "").strip() or "7d",
    )


async def trend_chart(request: web.Request) -> web.Response:
    deps = deps_of(request)
    period = period_of(request.query, deps.now(), tz_name=deps.tz_name, default="30d")
    if isinstance(period, BadParameter):
        return bad_request(request, period)
    title = summary_texts("en").trend_title
    svg = await trend_svg(deps.store, period, matcher=deps.matcher, title=title)
    return web.Response(body=svg, content_type="image/svg+xml")


async def health(request: web.Request) -> web.Response:
    deps = deps_of(request)
    state = await asyncio.to_thread(check_health, deps.settings, deps.now())
    last = state.last_cycle_finished_at
    body = {
        "healthy": state.healthy,
        "reasons": list(state.reasons),
        "last_cycle_finished_at": last.isoformat() if last else None,
        "limit_seconds": int(state.limit.total_seconds()),
        "paused": state.paused,
    }
    return web.json_response(body, status=200 if state.healthy else 503, dumps=json.dumps)


async def metrics(request: web.Request) -> web.Response:
    deps = deps_of(request)
    if deps.metrics is None:
        raise web.HTTPNotFound()
    return web.Response(body=deps.metrics(), content_type="text/plain", charset="utf-8")
