"""The Connector base class: what every system adapter declares.

A connector is a class of attributes: its ``name`` (the key used in hub.yaml), its ``category``
(which mirrors its path: ``plugins/<category>/<name>``, ``mapping/<category>/<name>/``,
``tests/cassettes/<category>/<name>/``), the canonical entities it can read and write, and the
documentation it follows. Connector-wide defaults live on the class so streams declare only what
differs.

Example:
    >>> class Acme(Connector):
    ...     name = "acme"
    ...     category = Category.HR_SUITES
    ...     reads = ("candidate", "application")
    >>> Acme.capabilities()
    ['read:candidate', 'read:application']
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

__all__ = ["Category", "Connector", "MAPPING_ROOT"]

MAPPING_ROOT = Path(__file__).resolve().parents[2] / "mapping"


class Category(StrEnum):
    INTERVIEW_VENDORS = "interview_vendors"
    HR_SUITES = "hr_suites"
    PAYROLL = "payroll"
    ERP = "erp"
    FILES = "files"


class Connector:
    """Base of every connector. Subclasses set the class attributes; ``settings`` come from hub.yaml."""

    name: ClassVar[str]
    category: ClassVar[Category]
    title: ClassVar[str] = ""
    documentation: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    receives_webhooks: ClassVar[bool] = False

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})

    @classmethod
    def capabilities(cls) -> list[str]:
        """What the connector can do, as ``read:<entity>``, ``write:<entity>`` and ``webhooks``."""
        caps = [f"read:{kind}" for kind in cls.reads] + [f"write:{kind}" for kind in cls.writes]
        return caps + (["webhooks"] if cls.receives_webhooks else [])

    @classmethod
    def mapping_dir(cls) -> Path:
        """``mapping/<category>/<name>/``: where this connector's mapping files live."""
        return MAPPING_ROOT / str(cls.category) / cls.name
