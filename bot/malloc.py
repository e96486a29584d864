"""The C allocator of a long-running bot: fewer arenas, and freed memory given back after a cycle.

glibc's malloc gives threads that allocate at the same time arenas of their own (up to eight per
core) and keeps what is freed in each for reuse. The bot's threads (the event loop, the database's,
the scorer's, the parser's) each allocate a poll cycle's bodies, items and rows, so every arena
keeps a cycle's worth of freed memory, and the process grows for several cycles before it levels
off. Two arenas (``limit_arenas``, before the threads start) and trimming the heaps after each
cycle (``give_back``) keep it near one cycle's. Python's own allocator (objects under 512 bytes)
is not concerned. On a C library without these calls (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018  (glibc's; absent elsewhere)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def limit_arenas(arenas: int = ARENAS) -> None:
    """At most ``arenas`` malloc arenas in this process (call before starting threads)."""
    libc = _libc()
    if libc is not None and not libc.mallopt(_M_ARENA_MAX, arenas):
        log.debug("mallopt(M_ARENA_MAX) refused")


def give_back() -> None:
    """Return the free memory at the top and in the middle of the heaps to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
