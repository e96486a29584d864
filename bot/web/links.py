"""The addresses a page or a feed shows: its own pages, absolute, with the token carried on.

The base is ``[web] public_url`` when set (the archive behind a proxy), else the address the
request came to. A token that came in the URL (``?token=``) is added to every link, so that a
reader who opened the archive with it can follow them; one sent as a header is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.web.auth import TOKEN_PARAM


@dataclass(frozen=True, slots=True)
class Links:
    base: str
    token: str | None = None

    @classmethod
    def of(cls, request: web.Request, public_url: str | None, token_set: bool) -> Links:
        base = public_url or f"{request.scheme}://{request.host}"
        token = request.query.get(TOKEN_PARAM) if token_set else None
        return cls(base.rstrip("/"), token or None)

    def page(self, path: str, query: Mapping[str, str | int | float | None] | None = None) -> str:
        params = {k: str(v) for k, v in (query or {}).items() if v not in (None, "")}
        if self.token:
            params[TOKEN_PARAM] = self.token
        return f"{self.base}{path}" + (f"?{urlencode(params)}" if params else "")

    def story(self, key: str) -> str:
        return self.page(f"/stories/{quote(key, safe='')}")
