"""The pages' Jinja2 environment: templates from ``bot/web/templates``, every value escaped.

Autoescaping is on for every template whatever its name, so a headline holding ``<script>`` is
shown as text; nothing is marked safe. Dates are shown in the configured time zone.
"""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.digest.lines import whats_new_line
from bot.render.story_feeds import http_url

_KINDS = {"same_story": "the seeds' story", "new_development": "new development"}


@functools.cache
def environment(tz_name: str) -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tz = ZoneInfo(tz_name)
    env.filters["when"] = lambda at: _when(at, tz)
    env.filters["iso"] = lambda at: at.isoformat()
    env.filters["http_url"] = http_url
    env.filters["kind"] = lambda kind: _KINDS.get(kind or "", "")
    env.filters["score"] = lambda score: f"{score:.2f}"
    # "What is new" only where it adds to the headline beside it (bot.digest.lines).
    env.globals["news_beyond"] = whats_new_line
    return env


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def render(zone: str, template: str, **values: object) -> str:
    """``template`` rendered with ``values``, its dates in the time zone ``zone``."""
    return environment(zone).get_template(template).render(**values)
