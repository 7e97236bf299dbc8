"""What a connector implements to be a delivery target.

A target is a connector class that lists the entity kinds it writes in ``writes`` and implements
:meth:`DeliveryTarget.deliver`. The runner hands it one :class:`Delivery` at a time — the entity as
stored now, its payload from the connector's reverse mapping, and the target's own id for it if the
hub knows one — and records the id the target returns, so the next change updates instead of
creating. Targets that write in batches (import files) set ``batched`` and make their writes durable
in :meth:`DeliveryTarget.finish`; the runner marks their entries delivered only after that, linking
the ids ``finish`` returns when the system assigns them only then (a bulk save).

A target must make a repeated delivery harmless, because a crash between the write and the outbox
commit repeats it: use the vendor's idempotency key (:attr:`Delivery.key`) where it has one, its
version guard where it has one, and otherwise look the record up before creating it.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hub.core.errors import HubError, RecordError
from hub.core.http import HttpClient
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.models import Entity
from hub.core.routes import Event, change_event

__all__ = ["Delivery", "DeliveryTarget", "RestDeliveryTarget"]


@dataclass(frozen=True)
class Delivery:
    """One outbox entry, ready for a target.

    Attributes:
        route: the route's name.
        kind: the canonical entity kind.
        entity_id: the hub id.
        version: the entity version the entry was written for.
        payload: the reverse-mapped write payload (references already translated to the target's ids).
        external_id: the target's id for this entity, None if the hub knows none yet (create).
        entity: the canonical entity as stored now (for targets that need more than the payload).
        deleted: the entity is marked deleted (the entry announces its deletion).
        related: the entities the target's :attr:`DeliveryTarget.related` paths reach, keyed by path
            (``"candidate"``, ``"application.job"``); a path through an empty reference is absent.

    Example:
        >>> Delivery(route="offers", kind="offer", entity_id="e1", version=3, payload={"a": 1}, external_id="77").key
        'hub-offers-e1-3'
    """

    route: str
    kind: str
    entity_id: str
    version: int
    payload: dict[str, Any]
    external_id: str | None
    entity: Entity | None = None
    deleted: bool = False
    related: Mapping[str, Entity] = field(default_factory=dict)

    @property
    def event(self) -> Event:
        """What the entry announces: ``created``, ``updated`` or ``deleted`` (:func:`~hub.core.routes.change_event`)."""
        return change_event(self.version, deleted=self.deleted)

    @property
    def key(self) -> str:
        """A stable idempotency key: the same entry always sends the same key, across restarts."""
        return f"hub-{self.route}-{self.entity_id}-{self.version}"


class DeliveryTarget:
    """Mixin for connectors that write: declare ``writes`` and implement :meth:`deliver`.

    Example:
        >>> class Echo(DeliveryTarget):
        ...     writes = ("offer",)
        ...     def deliver(self, item):
        ...         return item.external_id or "new-1"
        >>> Echo().deliver(Delivery(route="r", kind="offer", entity_id="e", version=1, payload={}, external_id=None))
        'new-1'
    """

    writes: ClassVar[tuple[str, ...]] = ()
    #: Writes are queued by :meth:`deliver` and made durable by :meth:`finish`; a class may leave it to
    #: each instance's settings (a bulk mode for migrations).
    batched: bool = False
    #: References to read with each delivery, per kind: dotted paths through reference fields, e.g.
    #: ``{"offer": ("candidate", "application.job")}`` for a target that makes an employee of an offer
    #: (:mod:`hub.core.delivery.related`). Their PII reaches the target, and the audit log says so.
    related: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: The target is sent the person's values for others to read (a webhook consumer granted ``pii``):
    #: the runner records each delivery in the audit log as a PII read by the target, with the delivery.
    discloses_pii: bool = False

    def reverse_mapping(self, kind: str) -> CompiledMapping:
        """The mapping whose ``reverse:`` section builds this target's payload for ``kind``.

        By default the connector's ``<kind>.yaml`` (see ``Connector.mapping_path``: the user's folder, then the built-in).
        """
        return load_mapping(self.mapping_path(f"{kind}.yaml"))  # type: ignore[attr-defined]

    def deliver(self, item: Delivery) -> str | None:
        """Write one entity; return the target's id for it (None if the target has no ids).

        Raise :class:`~hub.core.errors.TransientConnectorError` (incl. ``WriteConflictError``) to be
        retried later, :class:`~hub.core.errors.PermanentConnectorError` or
        :class:`~hub.core.errors.RecordError` for a payload the target will never take (dead letter).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement deliver()")

    def refusal(self, item: Delivery) -> HubError | None:
        """The refusal this target would give ``item``, where it can tell without asking the system
        (an id the payload lacks, a setting not made); None when it would try to send it.

        The runner asks before each delivery, in a dry run too, so ``hub deliver --dry-run`` predicts
        what a real run would send to dead letters; :meth:`deliver` is only called when this is None.
        """
        return None

    def finish(self) -> Mapping[str, str | HubError] | None:
        """Make batched writes durable (batched targets only); called once per delivery pass.

        Return None when :meth:`deliver` already said everything (import files), or, for a target
        whose system assigns its ids only when the batch is written, ``{hub id: outcome}`` for the
        pass's entries: the id the system assigned (linked as :meth:`deliver`'s would be), or the
        :class:`~hub.core.errors.HubError` of that entry alone (retried or a dead letter as if
        :meth:`deliver` had raised it) while the others are delivered. An entry left out keeps what
        :meth:`deliver` returned. Raising fails every entry of the pass.
        """
        return None

    def read_back(self, kind: str) -> Iterator[tuple[str, Entity | RecordError]] | None:
        """The records of ``kind`` this instance delivered, as the target holds them now, read back
        into canonical entities: ``(hub id, entity)``, or ``(hub id, error)`` for one that cannot be
        read. A migration compares them with the store, field by field, so a value the target cut
        or re-encoded is caught (:mod:`hub.core.migrate.connector_target`).

        None, the default, when the target cannot be read back.
        """
        return None

    def close(self) -> None:
        """Release connections; called when the runner is done with the target."""


class RestDeliveryTarget(DeliveryTarget):
    """The write side of a :class:`~hub.core.connector.RestConnector` (mixed into it): one HTTP client
    for a delivery pass, made with the connector's auth, retries and envelope on the first write and
    closed with the target.

    Example:
        >>> RestDeliveryTarget().close()   # nothing written, nothing to close
    """

    _http: HttpClient | None = None

    def writer(self) -> HttpClient:
        if self._http is None:
            self._http = self.client()  # type: ignore[attr-defined]
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
