"""Example data shipped with the hub: the legacy AI-interview export ``hub demo`` migrates, and samples.

Read with :func:`example`, so an installed wheel finds them from any working directory.

Example:
    >>> example("legacy_ai_interview", "ai_interview_results.csv").is_file()
    True
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["example"]


def example(*parts: str) -> Path:
    """The shipped example file at ``parts`` (e.g. ``"legacy_ai_interview", "ai_interview_results.csv"``)."""
    return Path(str(importlib.resources.files(__name__).joinpath(*parts)))
