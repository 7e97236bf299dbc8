"""Walking the canonical pydantic model at compile time, so a mapping is checked before it runs.

A :class:`Slot` describes what sits at one place in the model: a nested model, a list, a dict or a
plain value. :func:`walk` follows a path through slots and says, in plain words, where a path leaves
the model; :func:`unfilled_required` lists the required fields a set of targets never fills. Nothing
here runs per record.

Example:
    >>> from hub.core.models import Application
    >>> walk(Slot.of(Application), ("candidate", "external_id"), writing=True).kind
    'scalar'
    >>> walk(Slot.of(Application), ("candidat",), writing=True)
    Traceback (most recent call last):
    ...
    ValueError: Application has no field 'candidat'
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel

from hub.core.mapping.paths import SPREAD, Segment, format_path

__all__ = ["Slot", "walk", "unfilled_required", "HUB_OWNED"]

#: Top-level fields the hub sets itself; mappings may not write them.
HUB_OWNED = frozenset({"id", "provenance", "remote_data"})


@dataclass(frozen=True)
class Slot:
    """One place in the canonical model.

    Example:
        >>> from hub.core.models import Assessment
        >>> slot = Slot.of(Assessment).field("dimensions")
        >>> slot.kind, slot.item.model.__name__
        ('list', 'DimensionScore')
    """

    kind: Literal["model", "list", "dict", "scalar", "any"]
    model: type[BaseModel] | None = None
    item: Slot | None = None

    @classmethod
    def of(cls, annotation: Any) -> Slot:
        """The slot for a type annotation (``Annotated`` and ``X | None`` are looked through)."""
        annotation = _strip(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return cls("model", model=annotation)
        if origin in (list, tuple, set, frozenset):
            args = typing.get_args(annotation)
            return cls("list", item=cls.of(args[0] if args else Any))
        if origin is dict:
            args = typing.get_args(annotation)
            return cls("dict", item=cls.of(args[1] if args else Any))
        return cls("any" if annotation is Any else "scalar")

    def field(self, name: str, *, reading: bool = False) -> Slot | None:
        """The slot of field ``name`` of this model slot, or None if there is no such field."""
        assert self.model is not None
        if name in self.model.model_fields:
            return Slot.of(self.model.model_fields[name].annotation)
        if reading and name in self.model.model_computed_fields:
            return Slot.of(self.model.model_computed_fields[name].return_type)
        return None


def _strip(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            real = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(real) != 1:
                return Any
            annotation = real[0]
        else:
            return annotation


def walk(slot: Slot, segments: tuple[Segment, ...], *, writing: bool) -> Slot:
    """Follow ``segments`` from ``slot``; ValueError naming the segment that leaves the model.

    Writing paths (mapping targets) may not index lists (lists of records are filled with ``each``)
    and may not write hub-owned fields; reading paths (reverse sources) may index lists and read
    computed fields such as ``Score.normalized``.
    """
    for depth, segment in enumerate(segments):
        here = format_path(segments[:depth]) or "the entity"
        if slot.kind == "any":
            return slot
        if slot.kind == "model":
            assert slot.model is not None
            if not isinstance(segment, str):
                raise ValueError(f"{here} is an object, not a list; {format_path((segment,))} does not apply")
            if writing and depth == 0 and segment in HUB_OWNED:
                raise ValueError(f"{segment!r} is set by the hub, not by mappings")
            found = slot.field(segment, reading=not writing)
            if found is None:
                raise ValueError(f"{slot.model.__name__} has no field {segment!r}")
            slot = found
        elif slot.kind == "dict":
            assert slot.item is not None
            if not isinstance(segment, str):
                raise ValueError(f"{here} is a dict; use a key, not {format_path((segment,))}")
            slot = slot.item
        elif slot.kind == "list":
            assert slot.item is not None
            if writing or not (isinstance(segment, int) or segment is SPREAD):
                raise ValueError(f"{here} is a list; fill it with 'each'" if writing else f"{here} is a list; index it")
            slot = slot.item
        else:
            raise ValueError(f"{here} is a plain value and has no field {segment!r}")
    return slot


def unfilled_required(model: type[BaseModel], targets: list[tuple[Segment, ...]]) -> list[str]:
    """Dotted paths of required fields (no default) that none of ``targets`` fills.

    A nested model counts only when some target reaches into it; then its own required fields
    must be filled too (``overall.value`` without ``overall.scale`` is incomplete).
    """
    missing: list[str] = []
    for name, info in model.model_fields.items():
        below = [target[1:] for target in targets if target and target[0] == name]
        if not below:
            if info.is_required():
                missing.append(name)
            continue
        slot = Slot.of(info.annotation)
        if slot.kind == "model" and all(below):
            assert slot.model is not None
            missing.extend(f"{name}.{path}" for path in unfilled_required(slot.model, below))
    return missing
