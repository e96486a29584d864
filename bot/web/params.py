"""Pure: a page's or a feed's query string → the filter it asks for, or what is wrong with it.

``since`` is a period as ``/summary`` reads it (``24h``, ``7d``, ``30d``, ``YYYY-MM-DD``), in the
configured time zone; ``min`` a relevance from 0 to 1; ``only_new=1`` new developments only;
``lang`` a language code; ``theme`` a configured theme's name; ``limit`` 1 to ``LIMIT_MAX``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.archive import LIMIT_DEFAULT, LIMIT_MAX, StoryFilter
from bot.digest.period import Period, PeriodError, parse_period

_LANG = re.compile(r"^[a-z]{2,3}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
PERIOD_HELP = "24h, 7d, 30d (any Nh or Nd) or a date YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class BadParameter:
    """A query parameter that cannot be read: the page answers 400 with this."""

    name: str
    value: str
    fix: str

    def __str__(self) -> str:
        return f"{self.name}={self.value!r} cannot be read: {self.fix}"


def period_of(
    query: Mapping[str, str], now: datetime, *, tz_name: str, default: str
) -> Period | BadParameter:
    text = query.get("since", "").strip()
    period = parse_period(text, now, tz_name=tz_name, default=default)
    if isinstance(period, PeriodError):
        return BadParameter("since", text, f"use {PERIOD_HELP}")
    return period


def story_filter(
    query: Mapping[str, str],
    now: datetime,
    *,
    tz_name: str,
    themes: Sequence[str],
    default_since: str,
    default_limit: int = LIMIT_DEFAULT,
) -> StoryFilter | BadParameter:
    period = period_of(query, now, tz_name=tz_name, default=default_since)
    if isinstance(period, BadParameter):
        return period
    raw_min = query.get("min", "").strip()
    try:
        min_score = float(raw_min) if raw_min else 0.0
    except ValueError:
        min_score = -1.0
    if not 0.0 <= min_score <= 1.0:
        return BadParameter("min", raw_min, "use a relevance from 0 to 1, e.g. min=0.7")
    raw_new = query.get("only_new", "").strip().lower()
    if raw_new not in _TRUE | _FALSE:
        return BadParameter("only_new", raw_new, "use only_new=1 (or leave it out)")
    lang = query.get("lang", "").strip().lower()
    if lang and not _LANG.match(lang):
        return BadParameter("lang", lang, "use a language code such as en, ru or tg")
    theme = query.get("theme", "").strip()
    if theme and theme not in themes:
        known = ", ".join(themes) or "none are configured"
        return BadParameter("theme", theme, f"use one of the configured themes ({known})")
    raw_limit = query.get("limit", "").strip()
    limit = int(raw_limit) if raw_limit.isdigit() else (default_limit if not raw_limit else 0)
    if not 1 <= limit <= LIMIT_MAX:
        return BadParameter("limit", raw_limit, f"use a number from 1 to {LIMIT_MAX}")
    return StoryFilter(
        period=period,
        min_score=min_score,
        only_new=raw_new in _TRUE,
        lang=lang or None,
        theme=theme or None,
        limit=limit,
    )
