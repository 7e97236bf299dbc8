"""What every connector's tests share: a real store on a SQLite file of the test's own (hub.testing.sqlite_store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.core.store import Store
from hub.testing import sqlite_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:
        yield opened
