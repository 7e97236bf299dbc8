"""Beisen iTalent (北森) open platform, v3.0 organization and employee APIs: organizations, employees
and offers, read through Beisen's time-window scroll (issue 34, point 5).

Follows the open platform's document centre, https://open.italent.cn/#/open-document (login-gated
in parts; a public mirror of its API tree is https://apifox.com/apidoc/docs-site/436023). Facts, their
sources and what is still unverified are in docs/connectors/beisen.md. What is declaration:

* the token — a ``client_credentials`` grant whose ``access_token`` goes in ``Authorization: Bearer``
  until ``expires_in`` runs out and is fetched again once on a 401 (:class:`~hub.core.auth.AppTokenAuth`).
  Beisen's clients use two requests, and the documents seen here do not settle which a tenant gets:
  ``POST https://openapi.italent.cn/OAuth/Token`` with ``tenant_id``, ``app_id`` and ``secret``, or
  ``POST https://openapi.italent.cn/token`` with ``app_key`` and ``app_secret``. The credentials given
  in hub.yaml choose (:data:`TOKEN_REQUESTS`); ``token_body`` (``form``, the default, or ``json``) and
  ``token_url`` say how and where;
* the answer envelope ``{"code", "message"}``: ``"200"`` worked, anything else (``"417"`` for a bad
  request) is a typed error carrying the code as ``vendor_code`` although the HTTP status is 200;
* the time-window scroll of ``POST /TenantBaseExternal/api/v5/<Object>/GetByTimeWindow`` —
  ``startTime``/``stopTime`` at most 90 days apart, ``capacity`` at most 300 records a batch, the
  ``scrollId`` of the previous batch, an empty ``data`` ends a window — with the checkpoint, resume
  and expiry rules of :mod:`hub.core.time_windows`;
* 429 (per tenant and endpoint, a daily total too) and 5xx retried by the base retry policy.

What the documents leave open is a setting, never a guess built into the code:

* ``scroll_expired_codes`` — the code Beisen answers an expired scroll with is not documented (a
  scroll expires when calls are more than 10 seconds apart). Default ``["417"]``, the code its
  errors share; it only counts on a *continued* scroll, where it starts that window over (at most
  ``scroll_restarts`` times), never on a window's first batch;
* ``utc_offset`` (default ``+08:00``) — the times in requests and answers carry no offset;
* ``history_start`` — where the first pass starts (Beisen has no "from the beginning");
* ``salary_field``, ``salary_currency``, ``salary_period`` — the offer's salary field is
  tenant-defined (a ``customProperties`` field): without ``salary_field`` no compensation is read.

hub.yaml::

    connectors:
      beisen:
        tenant_id: "100000"             # or app_key / app_secret (the /token request)
        app_id: ${BEISEN_APP_ID}
        secret: ${BEISEN_APP_SECRET}
        salary_field: customProperties.extshiyongqixinzi_100000_1   # the tenant's offer salary field
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.connector import Category, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError
from hub.core.http import HttpClient, Page
from hub.core.paginators import PageRequest, select
from hub.core.time_windows import TimeWindowPaginator, scroll_pages

__all__ = ["Beisen", "offer_salary"]

API = "/TenantBaseExternal/api/v5"
#: The documented limits of every time-window endpoint.
MAX_CAPACITY, MAX_WINDOW_DAYS = 300, 90


def _window_stream(name: str, entity: str, path: str, *, own_id: str, updated: str, deleted: str) -> Stream:
    """A ``GetByTimeWindow`` endpoint: POST, records at ``data``, the window's start as the cursor."""
    return Stream(name=name, entity=entity, path=f"{API}/{path}", method="POST", record_path="data",
                  cursor_field=updated, cursor_param="startTime", primary_key=own_id, deleted_field=deleted)


#: The token requests, each with the settings it sends (besides ``grant_type=client_credentials``); the
#: first whose settings are all given is used.
TOKEN_REQUESTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("tenant_id", "app_id", "secret"), "https://openapi.italent.cn/OAuth/Token"),
    (("app_key", "app_secret"), "https://openapi.italent.cn/token"),
)

#: Each stream's fixed request fields. ``timeWindowQueryType`` 2 (business modification time) for
#: employees and offers: a nightly job refreshes tenure fields and with it the plain modification time
#: of every employee. ``withDisabled`` lists departed employees too; ``isGetLatestRecord`` false takes
#: the employment record in effect today rather than a future one; ``employType`` [0, 2] is internal
#: staff and interns. ``isWithDeleted`` lists deletions, which ``stdIsDeleted`` marks.
BODIES: Mapping[str, Mapping[str, Any]] = {
    "organizations": {"timeWindowQueryType": 1, "isWithDeleted": True},
    "employees": {"timeWindowQueryType": 2, "isWithDeleted": True, "withDisabled": True, "isGetLatestRecord": False,
                  "employType": [0, 2]},
    "offers": {"timeWindowQueryType": 2, "isWithDeleted": True},
}


def offer_salary(record: Mapping[str, Any], field: str | None, currency: str, period: str) -> dict[str, Any] | None:
    """The offer's salary from the tenant's field: ``text`` (as sent), ``amount``, ``currency``, ``period``.

    Example:
        >>> offer_salary({"customProperties": {"salary": 18000}}, "customProperties.salary", "CNY", "monthly")
        {'text': '18000', 'amount': 18000, 'currency': 'CNY', 'period': 'monthly'}
        >>> offer_salary({"customProperties": {}}, "customProperties.salary", "CNY", "monthly") is None
        True
    """
    value = select(record, field) if field else None
    if value is None or value == "":
        return None
    return {"text": str(value), "amount": value, "currency": currency, "period": period}


def _offset(text: str) -> dt.timezone:
    """``+08:00`` as a :class:`datetime.timezone`."""
    try:
        moment = dt.datetime.fromisoformat(f"2000-01-01T00:00:00{text}")
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(f"connector 'beisen': utc_offset must look like +08:00, not {text!r}", system="beisen")
    return dt.timezone(moment.utcoffset() or dt.timedelta(0))


class Beisen(RestConnector):
    """Beisen iTalent → departments (organizations), employees (with the employment record in effect),
    offers. Read only: Beisen's write APIs (entry, transfer, dimission) are not used.

    Example:
        >>> beisen = Beisen({"tenant_id": "100000", "app_id": "app", "secret": "s"})
        >>> request = beisen.first_request(beisen.stream("employees"), since="2024-05-10T09:00:00")
        >>> request.url, request.json["startTime"], request.json["capacity"], request.json["timeWindowQueryType"]
        ('/TenantBaseExternal/api/v5/Employee/GetByTimeWindow', '2024-05-10T09:00:00', 300, 2)
    """

    name = "beisen"
    category = Category.HR_SUITES
    title = "Beisen iTalent (北森) open platform v3.0"
    documentation = "https://open.italent.cn/#/open-document"
    base_url = "https://openapi.italent.cn"
    default_settings = {"token_body": "form", "capacity": MAX_CAPACITY,
                        "window_days": MAX_WINDOW_DAYS, "history_start": "2000-01-01T00:00:00", "utc_offset": "+08:00",
                        "scroll_expired_codes": ["417"], "scroll_restarts": 2, "salary_currency": "CNY",
                        "salary_period": "monthly"}
    optional_settings = ("tenant_id", "app_id", "secret", "app_key", "app_secret", "token_url", "salary_field")
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    envelope = Envelope(code="code", message="message", ok=("200",))
    streams = (
        _window_stream("organizations", "department", "Organization/GetByTimeWindow", own_id="oId",
                       updated="modifiedTime", deleted="stdIsDeleted"),
        _window_stream("employees", "employee", "Employee/GetByTimeWindow", own_id="employeeInfo.userID",
                       updated="employeeInfo.businessModifiedTime", deleted="employeeInfo.stdIsDeleted"),
        _window_stream("offers", "offer", "Offer/GetByTimeWindow", own_id="objectId", updated="businessModifiedTime",
                       deleted="stdIsDeleted"),
    )
    token_clock: Callable[[], float] = staticmethod(time.time)  # when the cached token expires; tests pin it
    clock: Callable[[], dt.datetime] = staticmethod(lambda: dt.datetime.now(dt.UTC))  # "now" ends a pass's range

    def __init__(self, settings: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self._token_request()  # the credentials are checked when the connector is built, as required ones are

    def _token_request(self) -> tuple[str, dict[str, str]]:
        """The token URL and the fields to send: the first of :data:`TOKEN_REQUESTS` whose settings are given."""
        for names, url in TOKEN_REQUESTS:
            if all(self.settings.get(name) not in (None, "") for name in names):
                fields = {"grant_type": "client_credentials", **{name: str(self.settings[name]) for name in names}}
                return str(self.settings.get("token_url") or url), fields
        options = " or ".join(", ".join(names) for names, _ in TOKEN_REQUESTS)
        raise ConfigError(f"connector 'beisen' needs the settings {options} in hub.yaml", system=self.name)

    def authenticator(self) -> AppTokenAuth:
        url, fields = self._token_request()
        body = self.setting("token_body")
        if body not in ("form", "json"):
            raise ConfigError(f"connector 'beisen': setting 'token_body' is form or json, not {body!r}", system=self.name)
        sent = {"form": fields} if body == "form" else {"json": fields}
        return AppTokenAuth(url, **sent, clock=type(self).token_clock)

    def _bounded(self, name: str, limit: int, *, least: int = 1) -> int:
        """A whole-number setting within ``[least, limit]`` (Beisen's limits for capacity and window days)."""
        value = self.setting(name)
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= limit:
            raise ConfigError(f"connector 'beisen': setting {name!r} must be a whole number from {least} to {limit}, "
                              f"not {value!r}", system=self.name)  # fmt: skip
        return value

    def paginator_for(self, stream: Stream) -> TimeWindowPaginator:
        """A time-window paginator whose range ends now, in Beisen's local time."""
        offset = _offset(self.setting("utc_offset"))
        now = type(self).clock().astimezone(offset).replace(tzinfo=None, microsecond=0)
        return TimeWindowPaginator(max_days=self._bounded("window_days", MAX_WINDOW_DAYS), now=now, utc_offset=offset)

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The first batch of the pass's first window, from ``since`` (or ``history_start``)."""
        if tombstones:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        body = {**BODIES[stream.name], "capacity": self._bounded("capacity", MAX_CAPACITY),
                "startTime": since or self.setting("history_start"), "scrollId": ""}
        return PageRequest(stream.path, json=body)

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *,
              tombstones: bool = False) -> Iterator[Page]:  # fmt: skip
        """Every batch of every window from ``request`` on; an expired scroll re-reads its window."""
        return scroll_pages(client, request, lambda: self.paginator_for(stream), records_path=stream.record_path,
                            expired_codes=self.settings.get("scroll_expired_codes") or (),
                            max_restarts=self._bounded("scroll_restarts", 10, least=0))

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Offers get ``_hub.salary`` from the tenant's salary field (copies; the originals are kept)."""
        if stream.name != "offers":
            return records
        field, currency, period = (self.settings.get("salary_field"), self.setting("salary_currency"),
                                   self.setting("salary_period"))  # fmt: skip
        return [{**r, "_hub": {"salary": offer_salary(r, field, currency, period)}} if isinstance(r, dict) else r
                for r in records]


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``beisen = "plugins.hr_suites.beisen"`` registers this module."""
    return [Beisen]
