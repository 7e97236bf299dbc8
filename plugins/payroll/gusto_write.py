"""Gusto write side: an accepted offer becomes an employee with a job and its compensation.

Endpoints (https://docs.gusto.com/app-integrations/reference; docs/connectors/gusto.md, "Writes"):

* ``POST /v1/companies/{company_uuid}/employees`` — ``first_name``, ``last_name`` (required),
  ``email`` (the personal address; required when ``self_onboarding`` is true);
* ``POST /v1/employees/{employee_uuid}/jobs`` — ``title`` and ``hire_date`` (both required); Gusto
  gives the new job a first compensation (``current_compensation_uuid``, ``compensations[]``);
* ``PUT /v1/compensations/{compensation_uuid}`` — ``version`` (required: Gusto's optimistic lock),
  ``rate`` (a decimal string), ``payment_unit`` (``Hour``/``Week``/``Month``/``Year``/``Paycheck``),
  ``flsa_status``; answered 409 Conflict when ``version`` is not the current one;
* reads: ``GET /v1/employees/{uuid}`` and ``GET /v1/companies/{company_uuid}/employees`` (paged),
  both with ``jobs[].compensations[]``; ``GET /v1/compensations/{uuid}`` for a fresh ``version``.

Gusto has no idempotency key and no external-id field on employees, so a write is made safe to
repeat by reading first: with no Gusto id known for the offer, the company's employees are read and
one whose ``email`` or ``work_email`` is the candidate's is taken instead of creating another; a job
with the offer's title is taken instead of adding one; a compensation that already has the rate, unit
and FLSA status is not written. A delivery repeated after a crash (before the hub kept the id) thus
finds its own employee, and a rerun with the id writes nothing. A 409 on the compensation is
re-read and retried with the fresh ``version`` up to ``conflict_rereads`` times, then a
:class:`~hub.core.errors.WriteConflictError` sends the delivery back to the outbox.

The offer alone has no name, email or job title: ``related`` asks the runner for the offer's
candidate and its application's job, which the ``reverse:`` section of
hub/mappings/payroll/gusto/offer.yaml reads (``related.candidate.name``, ``related.candidate.emails``,
``related.application.job.title``) together with the offer's ``start_date`` (the hire date) and
compensation (``rate``, ``currency``, ``payment_unit`` from the period through the mapping's table:
``daily`` has no Gusto unit and is refused there). Gusto takes a first and a last name; the
canonical name is one text, split by the ``name_split`` setting (:func:`split_name`: by default the
first word is the first name). ``flsa_status`` is a setting
(Gusto's values: ``Exempt``, ``Salaried Nonexempt``, ``Nonexempt``, ``Owner``, ``Commission Only
Exempt``, ``Commission Only Nonexempt``); the offer says nothing of it.

hub.yaml settings for writing (besides the read settings)::

    flsa_status: Exempt        # the FLSA status every new hire's compensation gets
    name_split: first_word     # or last_word: which word of the name is Gusto's first / last name
    self_onboarding: true      # optional: the employee onboards themself (Gusto then needs the email)
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import PermanentConnectorError, WriteConflictError
from hub.core.http import HttpClient

__all__ = ["FLSA_STATUSES", "NAME_SPLITS", "GustoWrites", "split_name"]

#: Gusto's FLSA statuses (the ``flsa_status`` setting must be one).
FLSA_STATUSES = ("Exempt", "Salaried Nonexempt", "Nonexempt", "Owner", "Commission Only Exempt",
                 "Commission Only Nonexempt")
_CENT = Decimal("0.01")


#: How a one-text name is split into Gusto's first and last name (setting ``name_split``).
NAME_SPLITS = ("first_word", "last_word")


def split_name(name: str, how: str = "first_word") -> tuple[str, str] | None:
    """A full name as Gusto's ``(first_name, last_name)``; None for fewer than two words.

    ``first_word``: the first word is the first name, the rest the last name ("Ana García López");
    ``last_word``: the last word is the last name, the rest the first name ("Alex Q. Example").

    Example:
        >>> split_name("  Test  Candidate Three "), split_name("Alex Q. Example", "last_word"), split_name("Alex")
        (('Test', 'Candidate Three'), ('Alex Q.', 'Example'), None)
    """
    words = name.split()
    if len(words) < 2:
        return None
    cut = 1 if how == "first_word" else len(words) - 1
    return " ".join(words[:cut]), " ".join(words[cut:])


class GustoWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.payroll.gusto.Gusto` (mixed into it).

    Example:
        >>> GustoWrites.writes, GustoWrites.related
        (('offer',), {'offer': ('candidate', 'application', 'application.job')})
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[dict[str, tuple[str, ...]]] = {"offer": ("candidate", "application", "application.job")}
    conflict_rereads: ClassVar[int] = 3
    settings: dict[str, Any]
    name: str

    # -- before anything is sent

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """What Gusto could never take: an offer not accepted, a person without a first and last
        name or an email, a job without a title or start date, pay it cannot say (not USD, more than
        cents) or no ``flsa_status`` setting to say it with."""
        payload = item.payload
        if payload.get("status") != "accepted":
            return self._refused(item, f"the offer is {payload.get('status')!r}; only an accepted offer becomes a "
                                       "Gusto employee")  # fmt: skip
        if self.settings.get("name_split", "first_word") not in NAME_SPLITS:
            return self._refused(item, f"set name_split in hub.yaml to one of {', '.join(NAME_SPLITS)}")
        if not isinstance(payload.get("full_name"), str) or split_name(payload["full_name"]) is None:
            return self._refused(item, "the candidate has no first and last name (Gusto requires both)")
        if not payload.get("email"):
            return self._refused(item, "the candidate has no email address to find or create the employee by")
        for field, what in (("job_title", "the application's job has no title"),
                            ("hire_date", "the offer has no start date (the job's hire_date)")):
            if not payload.get(field):
                return self._refused(item, f"{what}; Gusto requires it to create the job")
        if payload.get("rate") is None:
            return None
        if payload.get("currency") != "USD":
            return self._refused(item, f"the salary is in {payload.get('currency')}; Gusto pays in USD only")
        try:
            self._rate(item)
        except PermanentConnectorError as refused:
            return refused
        flsa = self.settings.get("flsa_status")
        if flsa not in FLSA_STATUSES:
            return self._refused(item, f"set flsa_status in hub.yaml to one of {', '.join(FLSA_STATUSES)} "
                                       f"(not {flsa!r}): the offer does not say it")  # fmt: skip
        return None

    # -- the write

    def deliver(self, item: Delivery) -> str:
        """Find or create the employee, its job and its compensation; Gusto's employee uuid."""
        client = self.writer()
        employee = self._employee(client, item)
        job = self._job(client, item, employee)
        if item.payload.get("rate") is not None:
            self._compensate(client, item, job)
        return str(employee["uuid"])

    def _employee(self, client: HttpClient, item: Delivery) -> dict[str, Any]:
        """The employee the hub knows, the one with the candidate's email, or a new one."""
        if item.external_id is not None:
            try:
                return client.get_json(f"/v1/employees/{quote(item.external_id, safe='')}")
            except PermanentConnectorError as exc:
                if exc.status == 404:
                    raise self._refused(item, f"employee {item.external_id} is not in Gusto (deleted there?)") from None
                raise
        email = str(item.payload["email"]).lower()
        for employee in self._company_employees(client):
            if email in {str(employee.get(key) or "").lower() for key in ("email", "work_email")}:
                return employee
        first, last = split_name(item.payload["full_name"], self.settings.get("name_split", "first_word")) or ("", "")
        body: dict[str, Any] = {"first_name": first, "last_name": last, "email": item.payload["email"]}
        if self.settings.get("self_onboarding") is not None:
            body["self_onboarding"] = bool(self.settings["self_onboarding"])
        return client.post(f"/v1/companies/{quote(str(self.settings['company_uuid']), safe='')}/employees",
                           json=body).json()  # fmt: skip

    def _company_employees(self, client: HttpClient) -> Iterator[dict[str, Any]]:
        """Every employee of the company, paged as the ``employees`` stream pages them."""
        stream = self.stream("employees")  # type: ignore[attr-defined]
        request = self.first_request(stream, since=None)  # type: ignore[attr-defined]
        for page in self.pages(client, stream, request):  # type: ignore[attr-defined]
            yield from (record for record in page.records if isinstance(record, dict))

    def _job(self, client: HttpClient, item: Delivery, employee: dict[str, Any]) -> dict[str, Any]:
        """The employee's job with the offer's title, or a new one starting on the offer's start date."""
        title = str(item.payload["job_title"])
        for job in employee.get("jobs") or ():
            if isinstance(job, dict) and str(job.get("title") or "").strip().lower() == title.strip().lower():
                return job
        return client.post(f"/v1/employees/{quote(str(employee['uuid']), safe='')}/jobs",
                           json={"title": title, "hire_date": item.payload["hire_date"]}).json()

    def _compensate(self, client: HttpClient, item: Delivery, job: dict[str, Any]) -> None:
        """Put the offer's pay on the job's current compensation, unless it is there already."""
        compensation_id = job.get("current_compensation_uuid")
        if not compensation_id:
            raise self._refused(item, f"Gusto's job {job.get('uuid')} has no current compensation to set the pay on")
        current = next((c for c in job.get("compensations") or () if isinstance(c, dict)
                        and c.get("uuid") == compensation_id), None)  # fmt: skip
        url = f"/v1/compensations/{quote(str(compensation_id), safe='')}"
        wanted = {"rate": str(self._rate(item)), "payment_unit": item.payload["payment_unit"],
                  "flsa_status": self.settings["flsa_status"]}
        for _ in range(self.conflict_rereads):
            if current is None:
                current = client.get_json(url)
            if _same_pay(current, wanted):
                return
            try:
                client.request("PUT", url, json={"version": current.get("version"), **wanted})
                return
            except PermanentConnectorError as exc:
                if exc.status != 409:
                    raise
                current = None  # stale version: read the compensation again
        raise WriteConflictError(f"Gusto's compensation {compensation_id} kept changing during "
                                 f"{self.conflict_rereads} writes", system=self.name, entity=item.kind,
                                 record_id=item.entity_id)  # fmt: skip

    def _rate(self, item: Delivery) -> Decimal:
        """The offer's amount as Gusto's rate: dollars and cents, never rounded."""
        try:
            rate = Decimal(str(item.payload["rate"]))
        except InvalidOperation:
            raise self._refused(item, "the salary is not a number") from None
        if not rate.is_finite() or rate < 0 or rate != rate.quantize(_CENT):
            raise self._refused(item, "the salary is not an amount in dollars and cents; it is not rounded")
        return rate.quantize(_CENT)

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)


def _same_pay(current: dict[str, Any], wanted: dict[str, str]) -> bool:
    """The compensation already pays what the offer says (rates compared as numbers: "120000.0" is "120000.00")."""
    try:
        same_rate = Decimal(str(current.get("rate"))) == Decimal(wanted["rate"])
    except InvalidOperation:
        return False
    return same_rate and current.get("payment_unit") == wanted["payment_unit"] and \
        current.get("flsa_status") == wanted["flsa_status"]
