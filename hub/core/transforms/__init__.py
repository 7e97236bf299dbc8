"""The built-in transform library, registered as the essential plugin ``hub.core.transforms``."""

from __future__ import annotations

from typing import Any, Callable

from hub import hookimpl

__all__ = ["BUILTIN_TRANSFORMS"]

BUILTIN_TRANSFORMS: dict[str, Callable[..., Any]] = {}


@hookimpl
def hub_register_transforms() -> dict[str, Callable[..., Any]]:
    return dict(BUILTIN_TRANSFORMS)
