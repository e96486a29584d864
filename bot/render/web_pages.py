"""Pure: links to the web archive's pages (``[web] public_url``) for answers in chats and Slack.

They never carry ``WEB_TOKEN``: a chat's history is no place for it; readers who need one add it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from bot.digest.period import Period


@dataclass(frozen=True, slots=True)
class WebPages:
    base: str
    """``[web] public_url`` without its trailing slash."""

    def story(self, key: str) -> str:
        return f"{self.base}/stories/{quote(key, safe='')}"

    def summary(self, period: Period) -> str:
        return f"{self.base}/summary?{urlencode({'since': period.label.removeprefix('since ')})}"


def web_pages(public_url: str | None) -> WebPages | None:
    return WebPages(public_url.rstrip("/")) if public_url else None
