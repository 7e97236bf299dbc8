"""Moka write side: an offer created from a canonical one (``POST /v1/create-offer``).

Endpoint (https://mokahr.moyincloud.com/d/1687298470920089601.html; docs/connectors/moka.md, "Writes"):
``POST /v1/create-offer`` with ``applicationId`` (required), ``salaryNumber`` (an integer),
``salaryType``, ``checkinDate`` and more, answered with Moka's ``{code, msg}`` envelope. Moka turns
the endpoint on per customer ("需要与您企业对接的客户成功经理协助开启该功能").

Moka documents no idempotency key and no offer update, so a write is made safe to repeat by reading
first: the application is read through ``POST /v2/data/ehrApplications`` (``applicationIds``) and an
application that already carries an offer is not given another — a delivery repeated after a crash
finds its own earlier write; after creating, the application is read again for the new offer's id.
An offer the hub already knows in Moka (an external id) is not written again: there is no update to
send it with, and that is a refusal naming why, not a silent skip.

The payload comes from the ``reverse:`` section of hub/mappings/hr_suites/moka/offer.yaml:
``applicationId`` (Moka's id of the offer's application), ``amount``/``currency``/``period`` (the
canonical compensation) and ``start_date``. ``salaryType`` is the code hub.yaml's ``salary_periods``
gives the period (the codes are undocumented, so no default); the currency must be ``salary_currency``
(``salaryNumber`` carries none); ``checkinDate`` is the start day's Beijing midnight in UTC, as Moka's
example writes it (``2018-08-06T16:00:00.000Z`` for 7 August).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import PermanentConnectorError, TransientConnectorError
from hub.core.http import HttpClient

__all__ = ["MokaWrites", "checkin_date"]

_BEIJING = ZoneInfo("Asia/Shanghai")


def checkin_date(day: str) -> str:
    """A start day (ISO date) as Moka's ``checkinDate``: that day's midnight in Beijing, written in UTC.

    Example:
        >>> checkin_date("2024-07-01")
        '2024-06-30T16:00:00.000Z'
    """
    midnight = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), _BEIJING)
    return midnight.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class MokaWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.moka.Moka` (mixed into it).

    Example:
        >>> MokaWrites.writes
        ('offer',)
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    settings: dict[str, Any]
    name: str


    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """What Moka could never take: an offer it already has (no update is documented), one whose
        application has no Moka id, a salary it cannot say (a fraction, another currency, a period
        ``salary_periods`` gives no code)."""
        if item.external_id is not None:
            return self._refused(item, f"the offer is offer {item.external_id} in Moka already, and Moka documents no "
                                       "offer update")  # fmt: skip
        if item.payload.get("applicationId") is None:
            return self._refused(item, "the offer's application has no Moka id yet; sync or deliver it first")
        try:
            self._salary(item)
        except PermanentConnectorError as refused:
            return refused
        return None

    def deliver(self, item: Delivery) -> str:
        """Create the offer unless its application carries one; Moka's id of the offer."""
        client, application_id = self.writer(), item.payload["applicationId"]
        existing = self._offer_of(client, item, application_id)
        if existing is not None:
            return existing
        body: dict[str, Any] = {"applicationId": application_id, **self._salary(item)}
        if item.payload.get("start_date"):
            body["checkinDate"] = checkin_date(item.payload["start_date"])
        client.post("/v1/create-offer", json=body)
        created = self._offer_of(client, item, application_id)
        if created is None:  # read again on the next attempt, which then finds it instead of creating it twice
            raise TransientConnectorError(f"Moka took the offer but application {application_id} shows none yet",
                                          system=self.name, entity=item.kind, record_id=item.entity_id)
        return created

    def _offer_of(self, client: HttpClient, item: Delivery, application_id: Any) -> str | None:
        """Moka's id of the application's offer, None if it has none; refused if there is no such application."""
        found = client.post("/v2/data/ehrApplications",
                            json={"applicationIds": [application_id], "needAttachment": False}).json().get("data")
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise self._refused(item, f"application {application_id} is not in Moka (archived away or deleted?)")
        offer = found[0].get("offer")
        return str(offer["id"]) if isinstance(offer, dict) and offer.get("id") is not None else None

    def _salary(self, item: Delivery) -> dict[str, Any]:
        """``salaryNumber`` and ``salaryType``, or nothing for an offer without compensation."""
        payload = item.payload
        if payload.get("amount") is None:
            return {}
        try:
            amount = Decimal(str(payload["amount"]))
        except InvalidOperation:
            raise self._refused(item, "the salary is not a number") from None
        if amount != amount.to_integral_value():
            raise self._refused(item, "Moka's salaryNumber is an integer and the salary has a fraction; it is not "
                                      "rounded")  # fmt: skip
        currency = str(self.settings.get("salary_currency"))
        if payload.get("currency") != currency:
            raise self._refused(item, f"the salary is in {payload.get('currency')}, not {currency} (setting "
                                      "salary_currency): Moka's salaryNumber carries no currency")  # fmt: skip
        codes = {period: code for code, period in (self.settings.get("salary_periods") or {}).items()}
        if payload.get("period") not in codes:
            raise self._refused(item, f"no salaryType for the pay period {payload.get('period')!r}: add it to the "
                                      "setting salary_periods")  # fmt: skip
        code = str(codes[payload["period"]])
        if not code.isdigit():
            raise self._refused(item, f"salary_periods gives {payload['period']!r} the code {code!r}; Moka's "
                                      "salaryType is an integer")  # fmt: skip
        return {"salaryNumber": int(amount), "salaryType": int(code)}

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
