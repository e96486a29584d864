"""Storage's own error: the storage layer depends on nothing in ``bot``."""


class StorageError(Exception):
    """The database cannot be opened, read or written; the message says what to do."""

    exit_code = 3
