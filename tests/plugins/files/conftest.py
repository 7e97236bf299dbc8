"""Fixtures for the file-export connector: the shipped example and its generator."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from hub.examples import generate_legacy_export

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_DIR = REPO / "hub" / "examples" / "legacy_ai_interview"


@pytest.fixture(scope="session")
def gen() -> ModuleType:
    """hub/examples/generate_legacy_export.py, the example's generator."""
    return generate_legacy_export
