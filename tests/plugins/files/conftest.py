"""Fixtures for the file-export connector: the example generator, loaded from examples/ by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_DIR = REPO / "examples" / "legacy_ai_interview"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_legacy_export", REPO / "examples" / "generate_legacy_export.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def gen() -> ModuleType:
    """examples/generate_legacy_export.py as a module."""
    return _load_generator()
