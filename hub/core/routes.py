"""Routes: which canonical changes go to which target connector (the ``routes:`` list of hub.yaml).

A route names one entity kind, one target (a connector configured in hub.yaml) and a declarative
condition — a list of field tests that must all hold. There is no code in a route: a test is
``equals``, ``in`` or ``changed_to`` on a dotted path of the entity's non-PII fields. ``changed_to``
holds when the new version has the value and the previous version did not (a created entity had no
previous version), so "status changed to rejected" fires once, not on every later edit. ``events``
narrows a route to the kinds of change it takes (:func:`change_event`: ``created``, ``updated``,
``deleted``; all three by default): a change of another kind is never queued for it.

Routes are checked twice: their shape when hub.yaml loads (pydantic, :class:`Route`), and against the
connectors by ``hub routes check`` (:func:`check_routes`): the target is configured, its connector
declares ``write:<entity>``, the fields exist on the model and are not PII (the previous version is
read without decrypting anything).

Example hub.yaml::

    routes:
      - name: rejections-to-greenhouse
        entity: application
        target: greenhouse
        when:
          - {field: status, changed_to: rejected}
      - name: accepted-offers-to-payroll
        entity: offer
        target: payroll_import
        when:
          - {field: status, equals: accepted}
      - name: offers-to-payroll-hook
        entity: offer
        target: payroll_hook
        events: [created, updated]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.core.models import ENTITY_TYPES, pii_fields

__all__ = ["EVENTS", "Condition", "Event", "Route", "change_event", "check_routes", "field_value"]

_MISSING = object()

#: The kind of a change, as a subscriber sees it (the ``events`` of a route, a webhook's type suffix).
Event = Literal["created", "updated", "deleted"]
EVENTS: tuple[Event, ...] = get_args(Event)


def change_event(version: int, *, deleted: bool) -> Event:
    """What the change that made ``version`` of an entity is to a subscriber: its deletion, its first
    version (a sync, a migration or an unmerge created it), or any later one (edits, merges, restores).

    Example:
        >>> change_event(1, deleted=False), change_event(4, deleted=False), change_event(5, deleted=True)
        ('created', 'updated', 'deleted')
    """
    if deleted:
        return "deleted"
    return "created" if version == 1 else "updated"


def field_value(data: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted ``path`` of an entity's JSON form, or None when any step is missing.

    Example:
        >>> field_value({"overall": {"normalized": "80"}}, "overall.normalized")
        '80'
        >>> field_value({"status": "hired"}, "job.id") is None
        True
    """
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _same(value: Any, expected: Any) -> bool:
    """Equality that does not care whether YAML wrote ``80`` or the entity holds ``"80"``."""
    return value == expected or (value is not None and str(value) == str(expected))


class Condition(BaseModel):
    """One test on one field: exactly one of ``equals``, ``in`` (``in_``) or ``changed_to``.

    Example:
        >>> c = Condition(field="status", changed_to="rejected")
        >>> c.matches({"status": "rejected"}, {"status": "interviewing"}), c.matches({"status": "rejected"}, {"status": "rejected"})
        (True, False)
        >>> c.holds({"status": "rejected"})
        True
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    field: str = Field(min_length=1)
    equals: Any = _MISSING
    in_: list[Any] | None = Field(default=None, alias="in")
    changed_to: Any = _MISSING

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [name for name in ("equals", "in", "changed_to") if self._given(name)]
        if len(given) != 1:
            raise ValueError(f"condition on {self.field!r} needs exactly one of equals, in, changed_to (got {given or 'none'})")
        return self

    def _given(self, name: str) -> bool:
        if name == "in":
            return self.in_ is not None
        return getattr(self, name) is not _MISSING

    def holds(self, data: Mapping[str, Any]) -> bool:
        """The test on the new version alone (``changed_to`` read as ``equals``)."""
        value = field_value(data, self.field)
        if self.in_ is not None:
            return any(_same(value, option) for option in self.in_)
        expected = self.changed_to if self.changed_to is not _MISSING else self.equals
        return _same(value, expected)

    def matches(self, data: Mapping[str, Any], previous: Mapping[str, Any] | None) -> bool:
        """The test on a change from ``previous`` (None: the entity is new) to ``data``."""
        if not self.holds(data):
            return False
        if self.changed_to is _MISSING:
            return True
        return previous is None or not _same(field_value(previous, self.field), self.changed_to)

    def describe(self) -> str:
        """The test as one line for ``hub routes check`` and ``hub outbox show``."""
        if self.in_ is not None:
            return f"{self.field} in {self.in_}"
        if self.changed_to is not _MISSING:
            return f"{self.field} changed to {self.changed_to!r}"
        return f"{self.field} == {self.equals!r}"


class Route(BaseModel):
    """A canonical change of ``entity`` that satisfies every condition in ``when`` goes to ``target``.

    Example:
        >>> r = Route(name="offers", entity="offer", target="payroll", when=[{"field": "status", "equals": "accepted"}])
        >>> r.matches({"status": "accepted"}, None), r.matches({"status": "sent"}, None)
        (True, False)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    entity: str
    target: str = Field(min_length=1, max_length=64)
    when: list[Condition] = Field(default_factory=list)
    max_attempts: int = Field(5, ge=1, description="delivery attempts (each with the target's retries) before a dead letter")
    events: tuple[Event, ...] = Field(EVENTS, min_length=1, description="the kinds of change the route takes")

    @model_validator(mode="after")
    def _known_entity(self) -> Route:
        if self.entity not in ENTITY_TYPES:
            raise ValueError(f"route {self.name!r}: unknown entity {self.entity!r}; expected one of {', '.join(ENTITY_TYPES)}")
        return self

    def holds(self, data: Mapping[str, Any]) -> bool:
        """Every condition holds on ``data`` alone (used to carry an undelivered change forward)."""
        return all(condition.holds(data) for condition in self.when)

    def matches(self, data: Mapping[str, Any], previous: Mapping[str, Any] | None) -> bool:
        """Every condition matches the change from ``previous`` to ``data``."""
        return all(condition.matches(data, previous) for condition in self.when)


def check_routes(routes: Sequence[Route], targets: Mapping[str, Any]) -> list[str]:
    """Every problem of ``routes`` against the configured targets, [] when all is well.

    Args:
        routes: the routes of hub.yaml.
        targets: hub.yaml connector name → its connector *class* (None if the type is unknown).

    Example:
        >>> check_routes([Route(name="r", entity="offer", target="nowhere")], {})
        ["route 'r': target 'nowhere' is not a connector in hub.yaml"]
    """
    problems: list[str] = []
    seen: set[str] = set()
    for route in routes:
        where = f"route {route.name!r}"
        if route.name in seen:
            problems.append(f"{where}: the name is used twice")
        seen.add(route.name)
        if route.target not in targets:
            problems.append(f"{where}: target {route.target!r} is not a connector in hub.yaml")
        elif targets[route.target] is None:
            problems.append(f"{where}: target {route.target!r} has a connector type no plugin provides")
        elif route.entity not in getattr(targets[route.target], "writes", ()):
            writes = ", ".join(targets[route.target].writes) or "nothing"
            problems.append(f"{where}: connector {route.target!r} cannot write {route.entity!r} (it writes {writes})")
        model = ENTITY_TYPES[route.entity]
        for condition in route.when:
            top = condition.field.split(".", 1)[0]
            if top not in model.model_fields:
                problems.append(f"{where}: {route.entity} has no field {top!r} (condition {condition.describe()})")
            elif top in pii_fields(model):
                problems.append(f"{where}: field {top!r} is PII; routes may only test non-PII fields")
    return problems
