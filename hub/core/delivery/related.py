"""The entities a delivery's references point to, for targets that write more than the entity holds.

An offer names its candidate and application by reference only, yet a payroll system creates an
employee from it with the person's name and email and the job's title. A target says which
references it needs per kind (:attr:`~hub.core.delivery.target.DeliveryTarget.related`: dotted paths
through reference fields, ``"application.job"`` being the job of the offer's application); the runner
reads them from the store with each delivery, hands them to the target as :attr:`Delivery.related`
and to the reverse mapping as a ``related`` object nested the same way, so a rule reads
``related.candidate.name`` or ``related.application.job.title``.

An empty reference reads as nothing (the rules read an absent value); a reference the store cannot
give (an entity erased, or never stored) is the delivery's error, so the entry is a dead letter naming
the path rather than a payload sent without the person's name.

Example:
    >>> from hub.core.models import Candidate
    >>> person = Candidate(id="c1", name="Ada")
    >>> related_json({"candidate": person, "application.job": person})["application"]["job"]["name"]
    'Ada'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hub.core.errors import HubError, PluginError, StoreError
from hub.core.models import Entity
from hub.core.store import kind_info

__all__ = ["read_related", "related_json"]


def read_related(entity: Entity, paths: tuple[str, ...], get: Callable[[str, str], Entity], *,
                 target: str) -> dict[str, Entity]:
    """The entities at ``paths`` from ``entity``, keyed by path; paths through an empty reference are left out.

    ``get(kind, hub id)`` reads one entity (the store's ``get``); each entity is read once however many
    paths pass through it.

    Raises:
        PluginError: a path names a field that is not a reference (the target's declaration is wrong).
        StoreError: a referenced entity cannot be read (the message names the path).
    """
    found: dict[str, Entity] = {}
    for path in paths:
        holder, walked = entity, []
        for name in path.split("."):
            walked.append(name)
            refs = dict(kind_info(holder.kind).refs)
            if name not in refs:
                raise PluginError(f"related path {path!r}: {holder.kind} has no reference {name!r} (known: "
                                  f"{', '.join(refs) or 'none'})", system=target, entity=entity.kind)  # fmt: skip
            ref = getattr(holder, name)
            if ref is None or not ref.id:
                break
            key = ".".join(walked)
            if key not in found:
                try:
                    found[key] = get(refs[name], ref.id)
                except HubError as exc:
                    raise StoreError(f"the {key} of this {entity.kind} cannot be read: {exc.reason}", system=target,
                                     entity=entity.kind, record_id=entity.id) from exc  # fmt: skip
            holder = found[key]
    return {path: found[path] for path in paths if path in found}


def related_json(related: Mapping[str, Entity]) -> dict[str, Any]:
    """The related entities as the reverse mapping reads them: JSON nested by path, a deeper entity in
    place of the reference field it was reached through."""
    nested: dict[str, Any] = {}
    for path in sorted(related, key=lambda p: p.count(".")):
        *parents, last = path.split(".")
        holder = nested
        for name in parents:
            holder = holder.setdefault(name, {})
        holder[last] = related[path].model_dump(mode="json")
    return nested
