"""BambooHR write side: an employee made from an accepted offer, with its compensation row (issue 35, point 6).

Endpoints (docs/connectors/bamboohr.md, "Writes"):

* ``POST /employees`` (https://documentation.bamboohr.com/reference/create-employee) — a JSON object
  of employee fields, ``firstName`` and ``lastName`` required; ``201 Created`` whose ``Location``
  header is the new employee's URL, ``.../v1/employees/{id}``: the id is its last segment;
* ``POST /employees/{id}/tables/compensation`` — one row of the compensation table: ``startDate``,
  ``rate`` ``{value, currency}``, ``type`` (``Salary`` or ``Hourly``) and ``paidPer``, the columns the
  table is read with;
* reads: ``GET /employees/directory`` (``workEmail`` of every employee) and
  ``GET /employees/{id}/tables/compensation``.

BambooHR has no idempotency key, so a delivery is made safe to repeat by reading first: the employee
is looked up in the directory by the work email the offer's candidate gives before one is created, and
the compensation row is added only when the employee has no row starting that day. A delivery
repeated after a crash finds its own earlier writes; one whose offer BambooHR already holds (the
runner's external id) only makes sure of the compensation row.

The payload comes from the ``reverse:`` section of hub/mappings/hr_suites/bamboohr/offer.yaml: the
candidate's name split into ``firstName``/``lastName`` and its ``workEmail``, ``jobTitle`` of the
application's job, ``hireDate`` (the offer's start day), and ``rate``/``currency``/``paidPer`` from
the offer's compensation (Decimal text, never a float).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import PermanentConnectorError, TransientConnectorError
from hub.core.http import HttpClient
from plugins.hr_suites.bamboohr_tables import table_rows

__all__ = ["EMPLOYEE_KEYS", "BambooHRWrites", "employee_id_from_location"]

#: The payload keys sent as the new employee's fields (those present).
EMPLOYEE_KEYS = ("firstName", "lastName", "workEmail", "hireDate", "jobTitle")


def employee_id_from_location(location: str | None) -> str | None:
    """The employee id in a ``Location`` header, ``https://.../v1/employees/{id}``; None if it names none.

    Example:
        >>> employee_id_from_location("https://api.bamboohr.com/api/gateway.php/examplecorp/v1/employees/4120")
        '4120'
        >>> employee_id_from_location("https://api.bamboohr.com/api/gateway.php/examplecorp/v1/meta") is None
        True
    """
    parts = urlsplit(location or "").path.rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] == "employees" and parts[-1] else None


class BambooHRWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.bamboohr.BambooHR` (mixed into it).

    Example:
        >>> BambooHRWrites.writes, BambooHRWrites.related
        (('offer',), {'offer': ('candidate', 'application', 'application.job')})
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[dict[str, tuple[str, ...]]] = {"offer": ("candidate", "application", "application.job")}
    settings: dict[str, Any]
    name: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """What BambooHR could never take: a new employee without a first and last name, or without the
        work email it is looked up by; a compensation without a BambooHR pay period or currency; an
        offer deleted in the hub (the hub does not remove an employee: that is BambooHR's termination)."""
        payload = item.payload
        if item.deleted:
            return self._refused(item, "the offer was deleted; the hub removes no BambooHR employee: terminate the "
                                       "employee in BambooHR if the hire is off")  # fmt: skip
        if item.external_id is None:
            for key, why in (("firstName", "first name"), ("lastName", "last name"),
                             ("workEmail", "work email (the key a repeated delivery finds the employee by)")):
                if not payload.get(key):
                    return self._refused(item, f"the offer's candidate gives no {why}; BambooHR needs it")
        if payload.get("rate") is not None:
            if not payload.get("paidPer") or not payload.get("currency"):
                return self._refused(item, "the offer's compensation has no pay period BambooHR names (paidPer) "
                                           "or no currency")  # fmt: skip
            try:
                Decimal(str(payload["rate"]))
            except InvalidOperation:
                return self._refused(item, "the offer's compensation amount is not a number")
            if not payload.get("hireDate"):
                return self._refused(item, "the offer has no start date, the compensation row's startDate")
        return None

    def deliver(self, item: Delivery) -> str:
        """The employee (found by work email, else created) and its compensation row; BambooHR's employee id."""
        client = self.writer()
        employee_id = item.external_id or self._find(client, item) or self._create(client, item)
        self._ensure_compensation(client, item, employee_id)
        return employee_id

    # -- reads

    def _find(self, client: HttpClient, item: Delivery) -> str | None:
        """The id of the directory's employee with the payload's work email (compared case-blind)."""
        wanted = str(item.payload["workEmail"]).strip().casefold()
        directory = client.get_json("/employees/directory")
        employees = directory.get("employees") if isinstance(directory, dict) else None
        for employee in employees if isinstance(employees, list) else ():
            if isinstance(employee, dict) and str(employee.get("workEmail") or "").strip().casefold() == wanted:
                return str(employee["id"])
        return None

    # -- writes

    def _create(self, client: HttpClient, item: Delivery) -> str:
        fields = {key: item.payload[key] for key in EMPLOYEE_KEYS if item.payload.get(key) not in (None, "")}
        created = employee_id_from_location(client.post("/employees", json=fields).headers.get("Location"))
        created = created or self._find(client, item)  # no Location: the directory names it
        if created is None:  # read again on the next attempt, which then finds it instead of creating it twice
            raise TransientConnectorError("BambooHR created the employee but named no id, and the directory does not "
                                          "list it yet", system=self.name, entity=item.kind, record_id=item.entity_id)
        return created

    def _ensure_compensation(self, client: HttpClient, item: Delivery, employee_id: str) -> None:
        """Add the offer's compensation row unless the employee has one starting that day."""
        payload = item.payload
        if payload.get("rate") is None:
            return
        path = f"/employees/{quote(employee_id, safe='')}/tables/compensation"
        rows = table_rows(client.get_json(path))
        if rows is None:
            raise PermanentConnectorError("BambooHR answered the compensation table with neither a list of rows nor "
                                          "{rows: [...]}", system=self.name, entity=item.kind, record_id=item.entity_id)
        if any(isinstance(row, dict) and row.get("startDate") == payload["hireDate"] for row in rows):
            return
        client.post(path, json={"startDate": payload["hireDate"],
                                "rate": {"value": str(Decimal(str(payload["rate"]))), "currency": payload["currency"]},
                                "type": "Hourly" if payload["paidPer"] == "Hour" else "Salary",
                                "paidPer": payload["paidPer"]})  # fmt: skip

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
