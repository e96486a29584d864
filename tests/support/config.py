"""Writing test configurations: the shipped rules, seeds and themes, with the test's own feeds."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config" / "tjwatch.toml"


def shipped_config() -> dict[str, Any]:
    return tomllib.loads(SHIPPED.read_text("utf-8"))


def write_config(
    folder: Path, feeds: dict[str, str] | list[dict[str, Any]], **overrides: Any
) -> Path:
    """A config in ``folder`` polling ``feeds`` (names and URLs, or whole ``[[feeds]]``
    tables), storing to ``folder/tjwatch.db``.

    ``overrides`` replace top-level tables, e.g. ``fetch={"timeout": 2}`` merges into [fetch].
    """
    data = shipped_config()
    if isinstance(feeds, dict):
        feeds = [{"name": name, "url": url} for name, url in feeds.items()]
    data["feeds"] = feeds
    data["database"] = {"path": str(folder / "tjwatch.db")}
    for seed in data.get("seeds", []):
        seed["file"] = str(SHIPPED.parent / seed["file"])
    if "topic" in data:
        data["topic"]["file"] = str(SHIPPED.parent / data["topic"]["file"])
    data.setdefault("fetch", {})["allow_private_addresses"] = True
    # The fixture feeds link to real outlets; tests reach only loopback, so no article fetches
    # unless a test asks for them (fetch={"fulltext": True}).
    data["fetch"]["fulltext"] = False
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = folder / "tjwatch.toml"
    path.write_text(to_toml(data), "utf-8")
    return path


def to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for the shapes our config uses (tables, arrays of tables, scalars)."""
    lines: list[str] = []
    scalars = {
        k: v
        for k, v in data.items()
        if not isinstance(v, dict | list)
        or (isinstance(v, list) and not (v and isinstance(v[0], dict)))
    }
    for key, value in scalars.items():
        lines.append(f"{key} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            for k, v in value.items():
                lines.append(f"{k} = {_value(v)}")
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                lines.append(f"\n[[{key}]]")
                for k, v in table.items():
                    lines.append(f"{k} = {_value(v)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    import json
    from datetime import time

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, time):
        return f'"{value.strftime("%H:%M")}"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table: a theme's names by language
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)
