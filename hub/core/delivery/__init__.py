"""Delivery: canonical changes flow out through routes, the outbox and the targets' write APIs.

The flow of one change::

    store.upsert_many ──change listener (same transaction)──▶ outbox entry per matching route
    hub deliver ──▶ entity read back ──refs translated to the target's ids──▶ reverse mapping
        ──▶ target.deliver (create-or-update, vendor guards, retries) ──▶ external id linked, entry done
                                                       └── exhausted / rejected ──▶ dead letter

Modules: ``target`` (what a writing connector implements), ``outbox`` (the change listener that
fills the queue; the queue's rows and the external-id links deliveries record are the store's:
:class:`hub.core.store.Outbox`, :func:`hub.core.store.link_external_id`), ``runner`` (the delivery loop).

Example:
    >>> from hub.core.delivery import Delivery
    >>> Delivery(route="r", kind="offer", entity_id="e1", version=2, payload={}, external_id=None).key
    'hub-r-e1-2'
"""

from hub.core.delivery.outbox import RouteEnqueuer
from hub.core.delivery.runner import DeliveryReport, DeliveryRunner, attach_routes, targets_from_config
from hub.core.delivery.target import Delivery, DeliveryTarget, RestDeliveryTarget
from hub.core.store import Outbox, OutboxEntry  # the queue's rows live in the store; named here for delivery's users

__all__ = [
    "Delivery",
    "DeliveryReport",
    "DeliveryRunner",
    "DeliveryTarget",
    "Outbox",
    "OutboxEntry",
    "RestDeliveryTarget",
    "RouteEnqueuer",
    "attach_routes",
    "targets_from_config",
]
