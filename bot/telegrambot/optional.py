"""Features other packages may or may not provide yet (run-time seeds, the explainer)."""

from __future__ import annotations

import importlib
from typing import Any


def optional(module: str, name: str) -> Any:
    """``module.name`` when that module exists and defines it, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise
