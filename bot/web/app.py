"""The web archive's aiohttp application: routes, the token check, and safe response headers.

Every answer forbids scripts and framing (``Content-Security-Policy``: the pages need none; a
headline that slipped through escaping still could not run) and sends no referrer, so that a
``?token=`` in the address never reaches an outlet.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.web import feeds, pages
from bot.web.auth import token_middleware
from bot.web.deps import DEPS, WebDeps

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def build_web_app(deps: WebDeps) -> web.Application:
    middlewares: list[Middleware] = [security_headers]
    token = deps.settings.secrets.web_token
    if token is not None:
        middlewares.append(token_middleware(token.get_secret_value()))
    app = web.Application(middlewares=middlewares)
    app[DEPS] = deps
    app.router.add_get("/", pages.index)
    app.router.add_get("/stories/{key}", pages.story)
    app.router.add_get("/summary", pages.summary)
    app.router.add_get("/trend.svg", pages.trend_chart)
    app.router.add_get("/health", pages.health)
    app.router.add_get("/metrics", pages.metrics)
    app.router.add_get("/feed.atom", feeds.atom)
    app.router.add_get("/feed.json", feeds.json_feed)
    return app
