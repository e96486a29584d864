"""What the fork server of the parse pool loads once, before it forks any worker.

Imported only by the fork server (``bot.services``), never by the bot itself: importing it loads
the language identifier's model (py3langid, ~86 MB of arrays), so that the parse workers forked
from the server share those pages instead of each loading a private copy, and freezes the
garbage collector's view of it so that a collection in a worker does not copy the pages back.
"""

from __future__ import annotations

import gc

import bot.ingest.worker  # noqa: F401  (the worker's module, feedparser with it)
from bot.ingest.normalize import language_model

language_model()
gc.freeze()
