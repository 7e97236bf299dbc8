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
    >>> with db.transaction() as tx:
    ...     sorted(receipts.record_many(tx, "greenhouse", ["e-1", "e-2", "e-2"]))
    ['e-2']
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.core.chunks import chunks

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
        return bool(self.record_many(tx, connector, [delivery_id]))

    def record_many(self, tx: sa.Connection, connector: str, delivery_ids: Sequence[str]) -> set[str]:
        """Record several deliveries in ``tx`` in two statements (a server's group of webhooks); the
        ids recorded now — not those recorded before, nor a second copy in ``delivery_ids``."""
        r = t.webhook_receipts
        seen: set[str] = set()
        for chunk in chunks(sorted(set(delivery_ids))):
            seen.update(tx.execute(sa.select(r.c.delivery_id).where(r.c.connector == connector,
                                                                    r.c.delivery_id.in_(chunk))).scalars())
        new = set(delivery_ids) - seen
        if new:
            now = self._db.now()
            tx.execute(r.insert(), [{"connector": connector, "delivery_id": delivery_id, "received_at": now}
                                    for delivery_id in sorted(new)])
        return new
