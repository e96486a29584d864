"""Pure: texts with a form per plural category, and language names, from CLDR (Babel).

English has two forms ("1 story", "2 stories"), Russian three ("1 сюжет", "2 сюжета",
"5 сюжетов", and "21 сюжет"): a catalog gives a text as a table of CLDR categories
(``{one = "...", few = "...", many = "...", other = "..."}``) and ``Plural`` picks the one
Babel's rules name for the number.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


@functools.cache
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def category(lang: str, n: int) -> str:
    """The CLDR plural category of ``n`` in ``lang`` ("one", "few", "many", "other"...)."""
    return str(_locale(lang).plural_form(n))


def is_plural_table(value: object) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= CATEGORIES


@dataclass(frozen=True, slots=True)
class Plural:
    """A ``str.format`` template per plural category; ``format(n=...)`` picks by ``n``."""

    lang: str
    forms: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, lang: str, forms: Mapping[str, str] | str) -> Plural:
        return cls(lang, (("other", forms),) if isinstance(forms, str) else tuple(forms.items()))

    def format(self, **values: Any) -> str:
        forms = dict(self.forms)
        template = forms.get(category(self.lang, int(values["n"]))) or forms["other"]
        return template.format(**values)


def language_name(code: str, lang: str) -> str:
    """A language code ("sr") as readers of ``lang`` name it ("сербский", "Serbian"); the code
    itself when CLDR does not know it."""
    return str(_locale(lang).languages.get(code, code))
