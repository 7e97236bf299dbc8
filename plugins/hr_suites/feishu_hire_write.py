"""Feishu Hire write side (placeholder until the writes land)."""

from __future__ import annotations

from typing import ClassVar

from hub.core.delivery import DeliveryTarget

__all__ = ["FeishuHireWrites"]


class FeishuHireWrites(DeliveryTarget):
    writes: ClassVar[tuple[str, ...]] = ()
