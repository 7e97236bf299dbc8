"""BambooHR API v1: employees with their job and compensation tables, read from the change feed (issue 35, point 6).

Follows https://documentation.bamboohr.com/docs (facts, sources and open points in
docs/connectors/bamboohr.md). What is declaration:

* HTTP Basic with the API key as the user name and ``x`` as the password, ``Accept: application/json``
  (the default answer is XML): https://documentation.bamboohr.com/docs/getting-started;
* the base URL ``https://api.bamboohr.com/api/gateway.php/{companyDomain}/v1`` (setting
  ``company_domain``);
* one stream, ``employees``, over ``GET /employees/changed?since=<ISO 8601>``
  (https://documentation.bamboohr.com/reference/get-changed-employee-ids): every employee whose record,
  job info or compensation changed since then, as ``{"employees": {"<id>": {id, action, lastChanged}}}``
  — a list keyed by id, answered whole (no paging: :class:`~hub.core.paginators.SinglePagePaginator`).
  The cursor is ``lastChanged``; an entry whose ``action`` is ``Deleted`` marks the employee deleted
  (it is never fetched: BambooHR has nothing left to give). Deletions come from the feed alone: an
  employee a ``--full-refresh`` pass does not list is not marked deleted (one unchanged since
  ``full_pass_since`` is not listed);
* each other entry fetched as ``GET /employees/{id}?fields=...`` (setting ``employee_fields``; it asks
  for ``lastChanged`` too, so the record carries its own cursor value) with its two tables
  ``GET /employees/{id}/tables/jobInfo`` and ``/tables/compensation`` under ``tables`` (an array of
  rows, or ``{"rows": [...]}``: :func:`~plugins.hr_suites.bamboohr_tables.table_rows`): the stored record is all BambooHR said of the
  employee in that pass;
* throttling: ``503 Service Unavailable`` with ``Retry-After`` (https://documentation.bamboohr.com/docs/api-details),
  ``429`` with ``Retry-After`` from 16 September 2026
  (https://documentation.bamboohr.com/docs/planned-changes-to-the-api): both retried by the base policy;
  a refusal names its reason in the ``X-BambooHR-Error-Message`` header, read into the error;
* webhooks signed with the webhook's private key: ``X-BambooHR-Signature`` is the hex HMAC-SHA256 of
  the raw body followed by ``X-BambooHR-Timestamp`` (https://documentation.bamboohr.com/docs/webhooks,
  "Security"). Both payload styles are read: field-based ``{"employees": [{id, action, timestamp, ...}]}``
  and event-based ``{"type": "employee.updated", "timestamp", "data": {"employeeId"}}``
  (https://documentation.bamboohr.com/docs/event-based-webhooks); each names an employee, fetched as a
  listed one is.

What is derived (:meth:`BambooHR.prepare_page`, on a copy): the job info row and the compensation row
in effect today (:func:`~plugins.hr_suites.bamboohr_tables.current_row`) under ``_hub.job`` and ``_hub.compensation``. The mapping
(hub/mappings/hr_suites/bamboohr/employee.yaml) turns ``rate`` ("85000.00 USD", or ``{value,
currency}``) into Decimal money and ``paidPer`` into the pay period.

Settings for what the documents leave open: ``full_pass_since`` — the ``since`` of a pass with no
cursor (the feed needs one; BambooHR records change times since 5 June 2011, so an employee unchanged
since the default is not listed: set an earlier date or run once with ``--full-refresh`` after any
change); ``webhook_tolerance_seconds`` — how far ``X-BambooHR-Timestamp`` may be from now (its format
is not documented: Unix seconds and ISO 8601 are both read, by :class:`~hub.core.webhooks.SignatureScheme`).

hub.yaml::

    connectors:
      bamboohr:
        api_key: ${BAMBOOHR_API_KEY}
        company_domain: examplecorp                 # https://examplecorp.bamboohr.com
        webhook_secret: ${BAMBOOHR_WEBHOOK_PRIVATE_KEY}
        webhook_tolerance_seconds: 300
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import quote

from hub import hookimpl
from hub.core.auth import BasicAuth
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.errors import ConfigError, MalformedPageError, WebhookRefusedError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.paginators import PageRequest, SinglePagePaginator
from hub.core.webhooks import SignatureScheme
from plugins.hr_suites.bamboohr_tables import TABLES, current_row, table_rows
from plugins.hr_suites.bamboohr_write import BambooHRWrites

__all__ = ["DELETED", "EMPLOYEE_FIELDS", "BambooHR"]

#: The change feed's ``action`` of a deleted employee.
DELETED = "Deleted"
#: The fields asked for by default (https://documentation.bamboohr.com/docs/list-of-field-names).
EMPLOYEE_FIELDS = ("firstName", "lastName", "preferredName", "workEmail", "homeEmail", "mobilePhone", "workPhone",
                   "employeeNumber", "hireDate", "status", "employmentHistoryStatus", "department", "jobTitle",
                   "supervisorEId", "lastChanged")  # fmt: skip
#: Event-based webhook types as the change feed's actions.
_EVENT_ACTIONS = {"employee.created": "Inserted", "employee.updated": "Updated", "employee.deleted": DELETED}


class BambooHR(BambooHRWrites, RestConnector):
    """BambooHR API v1 → employees (with their current job info and compensation).

    Example:
        >>> bamboo = BambooHR({"api_key": "k", "company_domain": "examplecorp"})
        >>> bamboo.settings["base_url"]
        'https://api.bamboohr.com/api/gateway.php/examplecorp/v1'
        >>> bamboo.first_request(bamboo.stream("employees"), since="2024-06-05T10:00:00+00:00").params
        {'since': '2024-06-05T10:00:00+00:00'}
    """

    name = "bamboohr"
    category = Category.HR_SUITES
    title = "BambooHR API v1"
    documentation = "https://documentation.bamboohr.com/docs"
    base_url = "https://api.bamboohr.com/api/gateway.php/{company_domain}/v1"
    paginator = SinglePagePaginator
    page_size = 0  # nothing is paged
    receives_webhooks = True
    webhook_signature_header = "X-BambooHR-Signature"
    error_message_header = "X-BambooHR-Error-Message"
    required_settings = ("api_key",)
    optional_settings = ("company_domain", "employee_fields", "full_pass_since", "webhook_tolerance_seconds")
    default_settings = {"full_pass_since": "2011-06-01T00:00:00Z", "webhook_tolerance_seconds": 300}
    streams = (
        Stream(name="employees", entity="employee", path="/employees/changed", record_path="employees.*",
               cursor_field="lastChanged", cursor_param="since", deleted_field="action", deleted_value=DELETED,
               full_refresh_deletes=False, detail=Detail(path="/employees/{id}", id_path="id")),
    )
    today: ClassVar[Callable[[], dt.date]] = staticmethod(lambda: dt.datetime.now(dt.UTC).date())  # tests pin it
    webhook_clock: ClassVar[Callable[[], float]] = staticmethod(time.time)  # the timestamp check's now

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.settings.get("base_url"):
            domain = self.setting("company_domain")
            if not isinstance(domain, str) or not domain.strip() or "/" in domain:
                raise ConfigError(f"connector {self.name!r}: setting 'company_domain' must be the name in "
                                  "https://<name>.bamboohr.com", system=self.name)  # fmt: skip
            self.settings["base_url"] = self.base_url.format(company_domain=quote(domain.strip(), safe=""))

    def authenticator(self) -> BasicAuth:
        return BasicAuth(self.setting("api_key"), "x")

    def employee_fields(self) -> list[str]:
        """The fields asked for (setting ``employee_fields``), ``lastChanged`` always among them: it is the cursor."""
        fields = self.settings.get("employee_fields") or EMPLOYEE_FIELDS
        if isinstance(fields, str) or not all(isinstance(f, str) and f for f in fields):
            raise ConfigError(f"connector {self.name!r}: setting 'employee_fields' must be a list of field names",
                              system=self.name)  # fmt: skip
        return list(dict.fromkeys([*fields, "lastChanged"]))

    # -- pulled pages

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The change feed from the cursor, or from ``full_pass_since`` on a pass without one."""
        return super().first_request(stream, since=since or str(self.setting("full_pass_since")), tombstones=tombstones)

    def details(self, client: HttpClient, stream: Stream, listed: list[Any]) -> list[Any]:
        """Each listed employee fetched (the ``employee_fields``) with its tables under ``tables``; a
        deleted one as listed, which is the deletion itself."""
        assert stream.detail is not None  # the one stream declares it
        fetching = replace(stream, detail=replace(stream.detail, params={"fields": ",".join(self.employee_fields())}))
        records = []
        for item in listed:
            if isinstance(item, dict) and item.get("action") == DELETED:
                records.append(item)
                continue
            for employee in super().details(client, fetching, [item]):  # MalformedPageError for an item with no id
                employee_id = quote(str(stream.detail.id_of(item)), safe="")
                tables = {table: client.get_json(f"/employees/{employee_id}/tables/{table}") for table in TABLES}
                unread = [table for table, body in tables.items() if table_rows(body) is None]
                if unread:
                    raise MalformedPageError(f"the {unread[0]} table of an employee is neither a list of rows nor "
                                             "{rows: [...]}", system=self.name, stream=stream.name)  # fmt: skip
                records.append({**employee, "tables": tables})
        return records

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies with the job info and compensation rows in effect today under ``_hub``."""
        today = type(self).today()

        def current(tables: dict[str, Any], table: str) -> dict[str, Any] | None:
            return current_row(table_rows(tables.get(table)), TABLES[table], today)

        return [{**r, "_hub": {"job": current(r["tables"], "jobInfo"), "compensation": current(r["tables"], "compensation")}}
                if isinstance(r, dict) and isinstance(r.get("tables"), dict) else r for r in records]  # fmt: skip

    # -- webhooks

    def webhook_scheme(self) -> SignatureScheme:
        """BambooHR's signature as a :class:`~hub.core.webhooks.SignatureScheme`: the hex HMAC-SHA256 of
        the raw body followed by ``X-BambooHR-Timestamp``, in ``X-BambooHR-Signature``; the timestamp
        (Unix seconds or ISO 8601) within ``webhook_tolerance_seconds`` of now."""
        tolerance = self.settings.get("webhook_tolerance_seconds")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance <= 0:
            raise ConfigError(f"connector {self.name!r}: setting 'webhook_tolerance_seconds' must be a positive "
                              f"number of seconds, not {tolerance!r}", system=self.name)  # fmt: skip
        return SignatureScheme(header=self.webhook_signature_header, signed_content="{body}{timestamp}",
                               timestamp_header="X-BambooHR-Timestamp", tolerance_seconds=tolerance)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """Check the signature and the timestamp (:meth:`webhook_scheme`). BambooHR sends no delivery
        id: the replay key is the signature, which covers the body and the timestamp.

        Raises:
            WebhookVerificationError: a header is missing, the signature does not match, or the
                timestamp is unreadable or outside ``webhook_tolerance_seconds``.
        """
        try:
            return self.webhook_scheme().verify(self.setting(self.webhook_secret_setting), raw_body, headers,
                                                clock=type(self).webhook_clock)  # fmt: skip
        except WebhookVerificationError as refused:
            raise WebhookVerificationError(refused.reason, system=self.name) from None

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """The employees a delivery names, as change-feed entries ``{id, action, lastChanged}``.

        Field-based deliveries list ``employees`` (``id``, ``action``, ``timestamp``); event-based ones
        name one employee (``data.employeeId``, ``type``, ``timestamp``). Each is fetched as a listed
        employee is (:meth:`details`), so a webhook stores what a pull would.

        Raises:
            WebhookRefusedError: the delivery is of neither style, or an entry names no employee id.
        """
        if isinstance(body, dict) and isinstance(body.get("employees"), list):
            entries = [(e.get("id"), e.get("action"), e.get("timestamp")) if isinstance(e, dict) else (None, None, None)
                       for e in body["employees"]]  # fmt: skip
        elif isinstance(body, dict) and isinstance(body.get("data"), dict):
            entries = [(body["data"].get("employeeId"), _EVENT_ACTIONS.get(str(body.get("type"))), body.get("timestamp"))]
        else:
            raise WebhookRefusedError("the delivery has neither an employees list nor an event's data", system=self.name)
        records = []
        for employee_id, action, stamp in entries:
            if isinstance(employee_id, bool) or not isinstance(employee_id, (str, int)) or not str(employee_id).strip():
                raise WebhookRefusedError("a webhook entry names no employee id", system=self.name)
            records.append(("employees", {"id": str(employee_id).strip(), "action": action, "lastChanged": stamp}))
        return records


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``bamboohr = "plugins.hr_suites.bamboohr"`` registers this module."""
    return [BambooHR]
