"""Odoo write side: an ``hr.employee`` created from an accepted offer (issue 35).

Endpoints: ``hr.employee/search_read`` and ``hr.employee/create`` (``hr.department/search_read`` for
the department) on the connector's transport (:mod:`plugins.erp.odoo_rpc`); docs/connectors/odoo.md,
"Writes". The payload is the ``reverse:`` section of hub/mappings/erp/odoo/offer.yaml, which reads the
offer and its related candidate, application and job (``related``): ``name`` and ``work_email`` of
the candidate, ``job_title`` (and Odoo's ``job_id`` when the job came from Odoo), the job's
``department``, the compensation and the start date.

Safe to repeat: Odoo has no idempotency key, so the employee carries a key of the offer in a
documented, searchable, unique field and is looked up by it before anything is created. The field is
the ``employee_key_field`` setting, by default ``barcode`` (the "Badge ID"): it is unique by an SQL
constraint (``_barcode_uniq``), so even two deliveries racing past the lookup cannot make two
employees; it holds no personal data; and its format (letters and digits, at most 18,
``_verify_barcode``) fits ``HUB`` + 15 hex digits of a digest of the offer's hub id
(:func:`employee_key`). A company whose badges are scanned can name another char field. An offer the
hub already links to an employee (``external_id``) is not written again: the employee is Odoo's from
then on, and the offer has nothing to update.

Compensation: in Odoo 19 the pay is ``wage`` on the employee's ``hr.version``, which
``hr.employee`` inherits by delegation (``_inherits = {'hr.version': 'version_id'}``), so ``wage`` and
``contract_date_start`` go in the same ``create``. ``wage`` is the *monthly* gross in the company's
currency (its help text: "Employee's monthly gross wage"; ``currency_id`` is the company's): a
monthly offer is written as it is, an annual one divided by its months per year (the offer's
``months_per_year``, else the ``months_per_year`` setting, 12), to the cent; the currency must be the
``currency`` setting; an hourly, daily or weekly pay has no field to go to and is refused. Odoo 18
and older keep the wage on ``hr.contract``: set ``compensation: none`` there (the employee is
created, no pay is written; docs/connectors/odoo.md).
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, ClassVar

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import PermanentConnectorError, RecordError
from plugins.erp.odoo_rpc import call_method

__all__ = ["OdooWrites", "employee_key"]

_CENT = Decimal("0.01")
_COMPENSATION = ("version", "contract", "none")
#: Odoo's answers to values it will never take: the offer's dead letter, as a record error.
_RECORD_ERRORS = ("odoo.exceptions.ValidationError", "odoo.exceptions.UserError")


def employee_key(offer_id: str) -> str:
    """The key an employee made from offer ``offer_id`` carries: ``HUB`` and 15 upper-case hex digits
    of the id's SHA-256 (a Badge ID is letters and digits, at most 18).

    Example:
        >>> employee_key("hub-offer-1"), len(employee_key("hub-offer-1"))
        ('HUBD2119A338F952CC', 18)
    """
    return "HUB" + hashlib.sha256(offer_id.encode()).hexdigest()[:15].upper()


class OdooWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.erp.odoo.Odoo` (mixed into it).

    Example:
        >>> OdooWrites.writes, OdooWrites.related["offer"]
        (('offer',), ('candidate', 'application', 'application.job'))
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[dict[str, tuple[str, ...]]] = {"offer": ("candidate", "application", "application.job")}
    #: The settings of the write side (declared on the connector with its others).
    write_settings: ClassVar[tuple[str, ...]] = ("employee_key_field", "currency", "months_per_year", "compensation")
    settings: dict[str, Any]
    name: str
    transport: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """What Odoo could never take: an offer not accepted, a person without a name, a pay Odoo's
        monthly ``wage`` cannot say (another currency, an hourly pay, no ``currency`` setting)."""
        if item.external_id is not None:
            return None  # linked already: deliver() sends nothing
        payload = item.payload
        if payload.get("status") != "accepted":
            return self._refused(item, f"only an accepted offer becomes an Odoo employee; this one is "
                                       f"{payload.get('status')!r}")  # fmt: skip
        if not payload.get("name"):
            return self._refused(item, "the offer's candidate has no name (Odoo's employee name is required); "
                                       "sync the candidate first")  # fmt: skip
        try:
            self._wage(item)
        except PermanentConnectorError as refused:
            return refused
        return None

    def deliver(self, item: Delivery) -> str:
        """Odoo's id of the employee made from the offer: found by its key, else created (with its
        pay, or then its ``hr.contract`` when ``compensation: contract``)."""
        if item.external_id is not None:
            return item.external_id
        employee_id = self._employee(item)
        wage = self._wage(item)
        if self._mode(item) == "contract" and wage is not None:
            self._contract(item, employee_id, wage)
        return str(employee_id)

    def _employee(self, item: Delivery) -> int:
        """The employee carrying the offer's key: the one Odoo has (archived too), else a new one."""
        client, key_field, key = self.writer(), self._key_field(), employee_key(item.entity_id)
        context = {"active_test": False}  # an archived employee made from this offer is still this offer's
        found = call_method(client, self.transport, "hr.employee", "search_read",
                            {"domain": [[key_field, "=", key]], "fields": ["id"], "limit": 1, "context": context})
        if found:
            return int(found[0]["id"])
        payload = item.payload
        values: dict[str, Any] = {"name": payload["name"], key_field: key}
        for field in ("work_email", "job_title"):
            if payload.get(field):
                values[field] = payload[field]
        if str(payload.get("job_id") or "").isdigit():
            values["job_id"] = int(payload["job_id"])
        if payload.get("department"):
            values["department_id"] = self._department(item, payload["department"])
        if self._mode(item) == "version":
            if payload.get("start_date"):
                values["contract_date_start"] = payload["start_date"]
            if (wage := self._wage(item)) is not None:
                values["wage"] = wage
        return self._create(item, "hr.employee", values)

    def _contract(self, item: Delivery, employee_id: int, wage: str) -> None:
        """Odoo 18 and older: the employee's ``hr.contract`` with the wage, unless it has one (a
        delivery repeated after the employee was made finds it and makes only the contract)."""
        found = call_method(self.writer(), self.transport, "hr.contract", "search_read",
                            {"domain": [["employee_id", "=", employee_id]], "fields": ["id"], "limit": 1,
                             "context": {"active_test": False}})
        if found:
            return
        values: dict[str, Any] = {"name": f"Offer {employee_key(item.entity_id)}", "employee_id": employee_id,
                                  "wage": wage, "state": "draft"}
        if item.payload.get("start_date"):
            values["date_start"] = item.payload["start_date"]
        self._create(item, "hr.contract", values)

    def _create(self, item: Delivery, model: str, values: dict[str, Any]) -> int:
        """Create one ``model`` record; its id (``create`` answers ``[id]``).

        Raises:
            RecordError: Odoo refused the values (a ``ValidationError`` or ``UserError``: a constraint,
                a required field): this offer's record, not the connection, is wrong.
        """
        try:
            answer = call_method(self.writer(), self.transport, model, "create", {"vals_list": [values]},
                                 positional=("vals_list",))
        except PermanentConnectorError as exc:
            if exc.context.get("vendor_code") not in _RECORD_ERRORS:
                raise
            raise RecordError(f"Odoo refused the {model}: {exc.context.get('vendor_message')}", system=self.name,
                              entity=item.kind, record_id=item.entity_id, vendor_code=exc.context["vendor_code"],
                              status=exc.context.get("status")) from exc
        record_id = answer[0] if isinstance(answer, list) and answer else answer
        if isinstance(record_id, bool) or not isinstance(record_id, int):
            raise self._refused(item, f"Odoo's create answered {type(record_id).__name__}, not a record id")
        return record_id

    def _department(self, item: Delivery, name: str) -> int:
        """Odoo's id of the department named ``name``: its full name as Odoo shows it ("Administration /
        Sales", what a job read from Odoo carries) or its own; refused if Odoo has none (departments
        are the company's structure: the hub does not create them)."""
        found = call_method(self.writer(), self.transport, "hr.department", "search_read",
                            {"domain": ["|", ["complete_name", "=", name], ["name", "=", name]], "fields": ["id"],
                             "limit": 1})
        if not found:
            raise self._refused(item, f"Odoo has no department named {name!r}; create it or map the job's "
                                      "department to one Odoo has")  # fmt: skip
        return int(found[0]["id"])

    def _mode(self, item: Delivery) -> str:
        mode = str(self.settings.get("compensation") or "version")
        if mode not in _COMPENSATION:
            raise self._refused(item, f"setting 'compensation' is one of {', '.join(_COMPENSATION)}, not {mode!r}")
        return mode

    def _wage(self, item: Delivery) -> str | None:
        """Odoo's monthly ``wage`` (company currency, to the cent) from the offer's pay, as decimal
        text; None without pay or with ``compensation: none``."""
        payload = item.payload
        if payload.get("amount") is None or self._mode(item) == "none":
            return None
        try:
            amount = Decimal(str(payload["amount"]))
        except InvalidOperation:
            raise self._refused(item, "the offer's pay is not a number") from None
        currency = self.settings.get("currency")
        if not currency:
            raise self._refused(item, "set 'currency' to the Odoo company's currency: wage carries none")
        if payload.get("currency") != currency:
            raise self._refused(item, f"the pay is in {payload.get('currency')}, not the company's {currency} "
                                      "(setting currency): Odoo's wage is in the company's currency")  # fmt: skip
        period = payload.get("period")
        if period == "annual":
            months = payload.get("months_per_year") or self.settings.get("months_per_year") or 12
            amount = amount / Decimal(int(months))
        elif period != "monthly":
            raise self._refused(item, f"Odoo's wage is monthly and the pay is {period!r}; it is not converted")
        return str(amount.quantize(_CENT, rounding=ROUND_HALF_EVEN))

    def _key_field(self) -> str:
        return str(self.settings.get("employee_key_field") or "barcode")

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
