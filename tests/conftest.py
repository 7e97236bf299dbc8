"""Shared test fixtures.

Services (PostgreSQL, Redis, RabbitMQ) are used for real. Where one is absent a test skips with the
reason — except under CI (``CI=true``), where a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HUB = Path(sys.executable).with_name("hub")
POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def service_unavailable(name: str, reason: str) -> None:
    """Skip the test on a laptop without the service; fail it under CI."""
    message = f"{name} is not reachable ({reason})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; under CI every service must be running")
    pytest.skip(message)


@pytest.fixture
def hub_cmd() -> list[str]:
    """The installed ``hub`` console script, to run as a subprocess."""
    return [str(HUB)]
