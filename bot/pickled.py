"""Pickling frozen, slotted dataclasses as their values.

Parse workers send the bot's process tens of thousands of items and readings a poll cycle. The
generic pickling of a slotted dataclass restores each object through ``__setstate__``, which asks
``dataclasses.fields`` for the field list every time, for every object. As ``(cls, values)`` an
object is rebuilt by one call to its own ``__init__``.
"""

from __future__ import annotations

from typing import Any


def as_values(obj: Any) -> tuple[type, tuple[Any, ...]]:
    """``__reduce__`` for a dataclass with ``slots=True`` whose fields are all ``__init__``
    parameters, in order (what ``__slots__`` lists)."""
    return type(obj), tuple([getattr(obj, name) for name in obj.__slots__])
