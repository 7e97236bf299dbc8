"""Webhook receipts: the delivery ids the hub has stored, so a delivery received again is refused.

A vendor delivers at least once (Greenhouse retries a delivery for ~15 hours), and anyone holding a
captured request can send it again: its signature still verifies. The id the vendor gives each
delivery (Greenhouse-Event-ID, Standard Webhooks ``webhook-id``) is recorded in the transaction that
stores the delivery's records, so a receipt exists exactly when its records were committed. The ids
are the vendor's opaque keys, never PII.

Example:
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade(); receipts = WebhookReceipts(db)
    >>> with db.transaction() as tx:
    ...     receipts.record(tx, "greenhouse", "e-1"), receipts.record(tx, "greenhouse", "e-1")
    (True, False)
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.store import schema as t
from hub.core.store.database import Database

__all__ = ["WebhookReceipts"]


class WebhookReceipts:
    """The delivery ids received per connector (table ``webhook_receipts``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, tx: sa.Connection, connector: str, delivery_id: str) -> bool:
        """Record a delivery in ``tx``; False (and nothing written) if it was recorded before.

        On SQLite writers queue (``BEGIN IMMEDIATE``), so two copies arriving together are decided
        one after the other; on PostgreSQL the later of two concurrent copies fails on the primary key.
        """
        r = t.webhook_receipts
        seen = tx.execute(
            sa.select(r.c.delivery_id).where(r.c.connector == connector, r.c.delivery_id == delivery_id)
        ).first()
        if seen is not None:
            return False
        tx.execute(r.insert().values(connector=connector, delivery_id=delivery_id, received_at=self._db.now()))
        return True
