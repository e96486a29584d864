"""``WEB_TOKEN``: when set, every request must carry it, as ``?token=`` (what a feed reader can
hold in a URL) or ``Authorization: Bearer``; anything else is answered 401 and reads nothing.

Pages carry the token on to the links they show when it came in the URL (``Links``), and every
answer says ``Referrer-Policy: no-referrer`` so that a token in the address never leaves with a
click on an outlet's link.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

TOKEN_PARAM = "token"


def presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get(TOKEN_PARAM) or None


def token_middleware(token: str) -> Middleware:
    expected = token.encode()

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = presented_token(request)
        if given is None or not hmac.compare_digest(given.encode(), expected):
            raise web.HTTPUnauthorized(
                text="401: this archive needs its token: add ?token=… to the address or send "
                "'Authorization: Bearer …'.\n",
                headers={"WWW-Authenticate": 'Bearer realm="tjwatch"'},
            )
        return await handler(request)

    return require_token
