"""Gusto (US payroll) API v1: a company's employees, their jobs and compensations, and their payslips (issue 35).

Follows https://docs.gusto.com (App Integrations and Embedded Payroll reference; facts, sources and
open points in docs/connectors/gusto.md). What is declaration:

* OAuth 2.0 bearer tokens from the refresh-token grant, ``POST /oauth/token`` with a JSON body
  ``{client_id, client_secret, grant_type: "refresh_token", refresh_token[, redirect_uri]}``
  (:class:`~hub.core.auth.OAuth2RefreshToken`): fetched on first use, again when ``expires_in``
  (two hours) runs out and once on a 401. The answer carries a new ``refresh_token`` and the one
  sent is spent, so the newest one is **kept**: by the connector for as long as it lives (every
  client it makes shares one authenticator) and, when the ``refresh_token_file`` setting names a
  file, in that file (written 0600, read back at start-up in place of the ``refresh_token``
  setting). The hub's store has no per-connector state table, so the file is where it survives a
  restart. No token is ever logged: every one seen is masked in errors;
* ``X-Gusto-API-Version`` pinned on every request (:data:`API_VERSION`; the ``api_version`` setting
  moves it, after the mapping has been checked against that version's shapes);
* ``page`` / ``per`` pagination over bare arrays, stopped by the ``X-Total-Pages`` header (or an
  empty page) (:class:`~hub.core.paginators.PageNumberPaginator`). ``page`` and ``per`` are always
  sent: without them Gusto may return every record at once;
* 429 with ``Retry-After`` (seconds) retried after the wait; 5xx retried by the base policy;
  other 4xx answers (``{"errors": [{"error_key", "category", "message"}]}``) become typed errors;
* webhooks signed with ``X-Gusto-Signature``: the hex HMAC-SHA256 of the raw body keyed with the
  subscription's ``verification_token`` (setting ``webhook_secret``). The event's ``uuid`` is the
  replay key. An employee event names the employee only (``entity_uuid``): it is fetched from
  ``GET /v1/employees/{uuid}`` (stream ``employee_events``) and mapped like a listed one. The first
  POST of a new subscription is the handshake ``{"verification_token": ..., ...}``: it is answered
  (200, nothing stored; see :meth:`Gusto.webhook_answer`) and the operator verifies the subscription
  with that token (``PUT /v1/webhook_subscriptions/{uuid}/verify``) and sets it as ``webhook_secret``.

Jobs and compensations are folded into the employee: ``GET /v1/companies/{company_uuid}/employees``
returns each employee with ``jobs[]`` and each job with its ``compensations[]``, ``rate`` (a decimal
*string*) and ``payment_unit`` of the current one. The mapping (hub/mappings/payroll/gusto/employee.yaml)
takes the primary job's title, hire date, rate and unit; ``Hour``/``Week``/``Month``/``Year`` become the
canonical period. ``Paycheck`` (an owner's pay per paycheck) has no canonical period: the mapping's
lookup refuses it, a typed :class:`~hub.core.errors.MappingError` naming ``jobs`` and the value, and the
employee is a dead letter (an organisation that pays owners per paycheck on one fixed schedule can add
``Paycheck: <period>`` to the ``pay_period`` table in its own mapping folder). Money is always USD
(Gusto pays in US dollars only).

Payrolls (stream ``payrolls``): ``GET /v1/companies/{company_uuid}/payrolls?processing_statuses=processed
&payroll_types=regular,off_cycle`` lists the company's processed pay runs (off-cycle ones too: a bonus
or a correction is pay as well; Gusto's default is regular ones only), each with ``payroll_uuid``,
``pay_period`` ``{start_date, end_date, pay_schedule_uuid}`` and ``check_date``
(https://docs.gusto.com/app-integrations/reference/get-v1-companies-company_id-payrolls). The list
documents no ``employee_compensations``: each listed run is fetched from *Get a single payroll*,
``GET /v1/companies/{company_uuid}/payrolls/{payroll_uuid}``, which "if payroll is calculated or
processed, will return employee_compensations and totals" and pages them, at most 100 a page
(https://docs.gusto.com/embedded-payroll/reference/get-v1-companies-company_id-payrolls-payroll_id;
the v2025-06-15 changelog: default page size 25, page 1). The stream's :class:`Detail` names it, with
the company filled in by :meth:`Gusto.detail_url`; :meth:`Gusto.details` asks for ``per=100`` and
follows ``page`` until ``X-Total-Pages`` (or an empty page), so no employee of a large run is dropped
(unverified: that this endpoint's paging parameters and header are the lists' ``page``/``per`` and
``X-Total-Pages``; the reference names its page size and number only, see docs/connectors/gusto.md).
Each compensation ``{employee_uuid, excluded, gross_pay, net_pay, check_amount, ...}`` (dollar amounts
as decimal strings) is one canonical :class:`~hub.core.models.Payslip` (:meth:`Gusto.detail_records`):
record id ``<payroll uuid>:<employee uuid>``, the run's own fields under ``_payroll``; an employee the
run ``excluded`` was not paid by it and has no payslip; an answer that is not a payroll with a list of
compensations is a typed :class:`~hub.core.errors.MalformedPageError` naming the payroll. Gusto
documents ``start_date``/``end_date`` filters at most a year apart and answers, without them, the past
six months: a pass reads those six months (no cursor: a processed payroll has no "updated at", and the
window is what Gusto answers), so the stream never marks older payslips deleted
(``full_refresh_deletes`` off). The taxes and deductions lists (``include=taxes,deductions``) are not
asked for.

Details the documentation leaves open are settings: the API version (``api_version``), the token
endpoint's base (``base_url``: ``https://api.gusto-demo.com`` for the demo environment), the
redirect URI some apps registered (``redirect_uri``).

hub.yaml::

    connectors:
      gusto:
        company_uuid: ${GUSTO_COMPANY_UUID}
        client_id: ${GUSTO_CLIENT_ID}
        client_secret: ${GUSTO_CLIENT_SECRET}
        refresh_token: ${GUSTO_REFRESH_TOKEN}          # the first one; rotated ones go to the file
        refresh_token_file: /var/lib/hub/gusto.refresh  # keeps the rotated refresh token (0600)
        webhook_secret: ${GUSTO_VERIFICATION_TOKEN}    # the subscription's verification_token
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from hub import hookimpl
from hub.core.auth import OAuth2RefreshToken
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.errors import ConfigError, MalformedPageError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.paginators import PageNumberPaginator, PageRequest
from hub.core.webhooks import webhook_json
from plugins.payroll.gusto_write import GustoWrites

__all__ = ["API_VERSION", "COMPENSATIONS_PER_PAGE", "Gusto", "RefreshTokenFile", "gusto_paginator"]

log = logging.getLogger(__name__)

#: The ``X-Gusto-API-Version`` the mappings and cassettes were written against.
API_VERSION = "2025-06-15"
#: The most employee compensations Gusto answers in one page of a single payroll (asked for as ``per``).
COMPENSATIONS_PER_PAGE = 100
#: The ``entity_type`` of webhook events whose ``entity_uuid`` is an employee.
_EMPLOYEE_ENTITY = "Employee"


def gusto_paginator() -> PageNumberPaginator:
    """Gusto's ``page``/``per``, stopped by ``X-Total-Pages`` (or an empty page).

    Example:
        >>> gusto_paginator().init_request(PageRequest("/v1/companies/c1/employees", {"per": 100})).params
        {'per': 100, 'page': 1}
    """
    return PageNumberPaginator(size_param="per", total_pages_header="X-Total-Pages")


class RefreshTokenFile:
    """Where a rotated refresh token survives a restart: one file, the token its only content, mode 0600.

    Example:
        >>> import tempfile
        >>> kept = RefreshTokenFile(Path(tempfile.mkdtemp()) / "gusto.refresh")
        >>> kept.read() is None
        True
        >>> kept.write("rt-2"); kept.read()
        'rt-2'
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        """The kept token, or None when there is no file yet (the setting's token is the first)."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text or None

    def write(self, token: str) -> None:
        """Replace the kept token atomically (a crash leaves the old file or the new one, never half).

        Raises:
            ConfigError: the file cannot be written (the run stops: a rotated token that is not kept
                is lost, and the next run's token would be one Gusto has revoked).
        """
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            partial.unlink(missing_ok=True)  # a leftover keeps its mode; a new file gets 0600
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(token)
            os.replace(partial, self.path)
        except OSError as exc:
            raise ConfigError(f"cannot keep the rotated refresh token in {self.path} (setting refresh_token_file): "
                              f"{exc.strerror}", system="gusto") from None


class Gusto(GustoWrites, RestConnector):
    """Gusto API v1 → employees (with their primary job's title, hire date and compensation).

    Example:
        >>> gusto = Gusto({"company_uuid": "c-1", "client_id": "i", "client_secret": "s", "refresh_token": "r"})
        >>> request = gusto.first_request(gusto.stream("employees"), since=None)
        >>> request.url, request.params
        ('/v1/companies/c-1/employees', {'per': 100})
    """

    name = "gusto"
    category = Category.PAYROLL
    title = "Gusto API v1"
    documentation = "https://docs.gusto.com/app-integrations/reference"
    base_url = "https://api.gusto.com"
    paginator = gusto_paginator
    record_path = None
    page_size_param = "per"
    receives_webhooks = True
    webhook_signature_header = "X-Gusto-Signature"
    webhook_signature_prefix = ""
    required_settings = ("company_uuid", "client_id", "client_secret", "refresh_token")
    optional_settings = ("refresh_token_file", "redirect_uri", "flsa_status", "self_onboarding", "name_split")
    default_settings: ClassVar[Mapping[str, Any]] = {"api_version": API_VERSION}
    #: Employee compensations asked for per page of a single payroll (``per``): Gusto's most.
    compensations_per_page: ClassVar[int] = COMPENSATIONS_PER_PAGE
    streams = (
        Stream(name="employees", entity="employee", path="/v1/companies/{company_uuid}/employees", primary_key="uuid"),
        Stream(name="payrolls", entity="payslip", path="/v1/companies/{company_uuid}/payrolls", primary_key="id",
               params={"processing_statuses": "processed", "payroll_types": "regular,off_cycle"},
               detail=Detail(path="/v1/companies/{company_uuid}/payrolls/{id}", id_path="payroll_uuid"),
               full_refresh_deletes=False),
        Stream(name="employee_events", entity="employee", path="/v1/employees/{id}", primary_key="uuid",
               pulled=False, detail=Detail(path="/v1/employees/{id}", id_path="entity_uuid")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = {"Accept": "application/json", "X-Gusto-API-Version": str(self.setting("api_version"))}
        self._auth: OAuth2RefreshToken | None = None

    # -- auth: one authenticator per connector, so a rotated refresh token is used by every client

    def authenticator(self) -> OAuth2RefreshToken:
        if self._auth is None:
            kept = self._kept_token()
            self._auth = OAuth2RefreshToken(
                str(self.settings.get("base_url") or self.base_url).rstrip("/") + "/oauth/token",
                self.setting("client_id"), self.setting("client_secret"),
                (kept.read() if kept else None) or self.setting("refresh_token"),
                redirect_uri=self.settings.get("redirect_uri"),
                on_rotate=kept.write if kept else None,
            )
        return self._auth

    def _kept_token(self) -> RefreshTokenFile | None:
        path = self.settings.get("refresh_token_file")
        if path in (None, ""):
            return None
        if not isinstance(path, str):
            raise ConfigError(f"connector {self.name!r}: setting 'refresh_token_file' must be a file path",
                              system=self.name)  # fmt: skip
        return RefreshTokenFile(Path(path))

    # -- the company-scoped list and the single payroll

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The base request with the ``{company_uuid}`` of the setting in its path."""
        request = super().first_request(stream, since=since, tombstones=tombstones)
        return PageRequest(self._in_company(request.url), request.params, request.json)

    def detail_url(self, stream: Stream, record_id: str) -> str:
        """The single payroll's URL: the detail path with the setting's ``{company_uuid}`` and the id."""
        detail = stream.detail
        assert detail is not None, f"stream {stream.name!r} has no detail endpoint"
        return replace(detail, path=self._in_company(detail.path)).url(record_id)

    def _in_company(self, path: str) -> str:
        return path.replace("{company_uuid}", quote(str(self.setting("company_uuid")), safe=""))

    def details(self, client: HttpClient, stream: Stream, listed: list[Any]) -> list[Any]:
        """For ``payrolls``: each listed payroll fetched from *Get a single payroll*, every page of it
        (Gusto pages a payroll's ``employee_compensations``, at most :data:`COMPENSATIONS_PER_PAGE`
        a page, ``page``/``per`` with ``X-Total-Pages`` as its lists), each page read by
        :meth:`detail_records`; any other stream's as the base fetches them.

        Raises:
            MalformedPageError: a listed payroll names no ``payroll_uuid``, or a page is no payroll.
            ConnectorError: a fetch failed (the list page fails, as a failed list request does).
        """
        detail = stream.detail
        if stream.name != "payrolls" or detail is None:
            return super().details(client, stream, listed)
        records = []
        for item in listed:
            run = detail.id_of(item)
            if run is None:
                raise MalformedPageError("a listed payroll names no payroll_uuid", system=self.name,
                                         stream=stream.name, field_path="payroll_uuid")  # fmt: skip
            for page in client.paginate(self.detail_url(stream, run), gusto_paginator(),
                                        params={"per": self.compensations_per_page},
                                        records_path="employee_compensations"):  # fmt: skip
                records += self.detail_records(stream, item, page.response.json())
        return records

    def detail_records(self, stream: Stream, listed: Any, body: Any) -> list[Any]:
        """For ``payrolls``: one record per employee a page of the fetched pay run paid, the
        compensation with ``{"id": "<payroll>:<employee>", "_payroll": <the run without its
        compensations>}`` added (an ``excluded`` employee was not paid: no record); any other stream's
        record as the base reads it. Every page of a payroll carries the run's own fields; its uuid is
        the answer's, else the one ``listed`` names.

        Raises:
            MalformedPageError: the answer is not a payroll with ``employee_compensations[{...}]``
                (naming the payroll).

        Example:
            >>> run = {"payroll_uuid": "p-1", "check_date": "2024-06-14", "employee_compensations": [
            ...     {"employee_uuid": "e-1", "gross_pay": "2500.00"}, {"employee_uuid": "e-2", "excluded": True}]}
            >>> gusto = Gusto({"company_uuid": "c", "client_id": "i", "client_secret": "s", "refresh_token": "r"})
            >>> [(r["id"], r["_payroll"]) for r in gusto.detail_records(gusto.stream("payrolls"), {}, run)]
            [('p-1:e-1', {'payroll_uuid': 'p-1', 'check_date': '2024-06-14'})]
        """
        if stream.name != "payrolls":
            return super().detail_records(stream, listed, body)
        paid = body.get("employee_compensations") if isinstance(body, dict) else None
        named = (body.get("payroll_uuid") or body.get("uuid")) if isinstance(body, dict) else None
        run = named or (stream.detail.id_of(listed) if stream.detail else None)  # the payroll that was asked for
        if not run or not isinstance(paid, list) or not all(isinstance(compensation, dict) for compensation in paid):
            raise MalformedPageError("the answer is not a payroll with employee_compensations[{...}]",
                                     system=self.name, stream=stream.name, record_id=run,
                                     field_path="employee_compensations")  # fmt: skip
        held = {key: value for key, value in body.items() if key != "employee_compensations"}
        return [{**compensation, "id": f"{run}:{compensation.get('employee_uuid')}", "_payroll": held}
                for compensation in paid if not compensation.get("excluded")]

    # -- webhooks

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """Check ``X-Gusto-Signature`` (hex HMAC-SHA256 of the raw body, keyed with the verification
        token) and return the key a redelivery is refused by: the event's ``uuid`` (Embedded Payroll
        events carry one), else ``sha256:<digest of the body>`` (the App Integrations example event has
        none; a redelivery is the same body, byte for byte, and another event differs in its ids or
        ``timestamp``).

        Raises:
            WebhookVerificationError: the header is missing or wrong.
        """
        super().verify_webhook(headers, raw_body)
        body = webhook_json(raw_body, self.name)
        event_id = body.get("uuid") if isinstance(body, dict) else None
        if isinstance(event_id, str) and event_id:
            return event_id
        return "sha256:" + hashlib.sha256(raw_body).hexdigest()

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """An employee event as the employee it names (fetched, see ``employee_events``); any other
        event (payroll, company, contractor ...) names nothing the hub keeps and yields nothing."""
        if not isinstance(body, dict) or body.get("entity_type") != _EMPLOYEE_ENTITY or not body.get("entity_uuid"):
            return []
        return [("employee_events", {"entity_uuid": body["entity_uuid"], "event_type": body.get("event_type")})]

    def webhook_answer(self, headers: Mapping[str, str], raw_body: bytes) -> Mapping[str, Any] | None:
        """The subscription handshake: Gusto's first POST carries the ``verification_token`` the
        subscription must be verified with. It is answered (an empty object) and nothing is stored;
        the log says what to do with it, never the token. Gusto does not sign it (the token is the key),
        so it is not checked; answering it reveals and changes nothing."""
        try:
            peek = webhook_json(raw_body, self.name)
        except WebhookVerificationError:
            return None  # not JSON: the delivery's own check refuses it
        if not isinstance(peek, dict) or "verification_token" not in peek or "event_type" in peek:
            return None
        log.warning("gusto: a webhook subscription sent its verification_token: verify the subscription with it "
                    "(PUT /v1/webhook_subscriptions/{uuid}/verify) and set it as the webhook_secret setting")
        return {}


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``gusto = "plugins.payroll.gusto"`` registers this module."""
    return [Gusto]
