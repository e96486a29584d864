"""How a stage runs CPU-bound work off the event loop: a callable handed to it by name.

The composition root owns the worker processes (``Services.run_cpu``) and passes stages its
``run_cpu``; a test passes its own (counting calls, or running in-process).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class RunCpu(Protocol):
    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in a worker process (so both must pickle)."""
        ...
