"""Fixtures for the core tests: a real local HTTP server that injects faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_server import FaultServer


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A started :class:`FaultServer` with five records, two per page; stopped after the test."""
    with FaultServer(records=[{"id": i, "name": f"record {i}"} for i in range(1, 6)], page_size=2) as server:
        yield server
