"""SQL helpers the repositories share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Ids per ``IN (...)`` list: well under SQLite's limit on a statement's parameters.
ID_CHUNK = 500


def id_chunks(ids: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """``ids`` in chunks for ``WHERE id IN (...)``: each chunk with its placeholders ``?,?,…``."""
    for start in range(0, len(ids), ID_CHUNK):
        chunk = list(ids[start : start + ID_CHUNK])
        yield chunk, ",".join("?" * len(chunk))
