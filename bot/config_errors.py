"""A configuration mistake, said for people: one ``ConfigError`` naming the file, the key and
the fix, from a TOML file that cannot be read or from what pydantic found wrong in it. Used by
both files a user edits, the config (``bot.settings``) and the topic (``bot.topic_file``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError

# The time zone an error message gives as an example where the topic names none.
EXAMPLE_ZONE = "Europe/Berlin"


def read_toml(path: Path, *, missing: str, missing_fix: str) -> dict[str, Any]:
    """The TOML file at ``path``; ``missing`` and ``missing_fix`` say what a file that does not
    exist is and what to do (a config file and a topic file are found differently)."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            shown,
            "(file)",
            missing,
            missing_fix,
        ) from None
    except OSError as exc:
        raise ConfigError(
            shown,
            "(file)",
            f"cannot be read ({exc.strerror})",
            "check the path and its permissions",
        ) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(shown, "(file)", "is not UTF-8 text", "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        key = f"line {where.group(1)}" if where else "(syntax)"
        raise ConfigError(
            shown,
            key,
            f"is not valid TOML ({exc})",
            "check quotes, brackets and '=' on that line (https://toml.io)",
        ) from None


def config_error(
    file: str,
    exc: ValidationError,
    data: Mapping[str, Any],
    model: type[BaseModel],
    example_zone: str = EXAMPLE_ZONE,
) -> ConfigError:
    """The first of pydantic's errors as one ``ConfigError``: the key (dotted, a feed named by
    its name), the problem and what to do; ``model`` is what was validated."""
    error = exc.errors()[0]
    key = dotted(error["loc"], data)
    problem = error["msg"]
    if error["type"] == "extra_forbidden":
        problem = "unknown key"
    return ConfigError(file, key, problem, fix_for(error, model, example_zone))


def dotted(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(part)
    key = ".".join(parts) or "(top level)"
    # Name the feed too: "feeds[3].url" is easier to find as "feeds[3] (TASS).url".
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        feeds = data.get("feeds")
        if isinstance(feeds, list) and loc[1] < len(feeds) and isinstance(feeds[loc[1]], dict):
            name = feeds[loc[1]].get("name")
            if isinstance(name, str):
                key = key.replace(f"feeds[{loc[1]}]", f"feeds[{loc[1]}] ({name})", 1)
    return key


def fix_for(error: Any, model: type[BaseModel], example_zone: str = EXAMPLE_ZONE) -> str:
    """What to do about one pydantic error, for people."""
    kind = str(error["type"])
    if kind == "extra_forbidden":
        known = known_keys(error["loc"], model)
        hint = f"; known keys here: {', '.join(known)}" if known else ""
        return f"remove it or correct its spelling{hint}"
    if kind == "missing":
        return "add this key"
    if kind.startswith("url") or "url" in str(error.get("msg", "")).lower():
        return "use a full http(s) address such as https://example.com/rss.xml"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "use a whole number without quotes"
    if kind in {"float_parsing", "float_type"}:
        return "use a number without quotes"
    if kind in {"bool_parsing", "bool_type"}:
        return "use true or false without quotes"
    if kind in {"string_type"}:
        return "put the value in double quotes"
    if kind in {"list_type"}:
        return 'use a list, e.g. ["one", "two"]'
    if kind.startswith("time"):
        return 'use a 24-hour time such as "08:00"'
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "use a value within the allowed range"
    if "time zone" in str(error.get("msg", "")):
        return f'use an IANA time zone name such as "{example_zone}" or "UTC"'
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and _ (a concept id such as new_concept)"
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        return 'set rule to "near" or "in_sentence_with"'
    if kind in {"too_short"}:
        return "give at least one value"
    return "see the configuration reference in README.md"


def known_keys(loc: tuple[int | str, ...], model: type[BaseModel]) -> list[str]:
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return sorted(model.model_fields)
