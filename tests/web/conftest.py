"""One running ``tjwatch run`` with the web archive (and a token) for the whole web suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.web_archive import Archive, running_archive


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with running_archive(tmp_path_factory.mktemp("archive")) as running:
        yield running
