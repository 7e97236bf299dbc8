"""SAP SuccessFactors Employee Central OData v2: persons, their jobs and pay as employees (issue 35, point 9).

Follows the "SAP SuccessFactors HXM Suite OData API: Developer Guide" and "Employee Central OData API:
Reference Guide" (https://help.sap.com/docs/SAP_SUCCESSFACTORS_PLATFORM/d599f15995d348a1b45ba5603e2aba9b,
https://help.sap.com/docs/SAP_SUCCESSFACTORS_EMPLOYEE_CENTRAL/7ba9b2ce7e0b4bd3a6b50de7e4f0a2a6) and
SAP KBAs 2638422 (effective-dated history) and 2920680 (lastModifiedDateTime on effective-dated
entities); facts, sources and open points in docs/connectors/successfactors.md. What is declaration:

* OAuth 2.0 SAML bearer (:class:`SamlBearerAuth`): ``POST /oauth/token`` with ``client_id``,
  ``company_id``, ``grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer`` and a SAML assertion,
  either the one in the ``assertion`` setting or one ``POST /oauth/idp`` signs from the ``private_key``
  and ``user_id`` settings; the token is kept until its ``expires_in`` and fetched again on a 401;
* server-side paging: ``$format=json``, ``customPageSize`` with ``paging=snapshot`` on the first
  request, then ``d.__next`` (a ``$skiptoken`` URL) followed exactly
  (:class:`~hub.core.paginators.ODataPaginator`); records at ``d.results``. ``$top`` is not the page
  size: it caps the whole result;
* OData error bodies ``{"error": {"code", "message": {"lang", "value"}}}`` become typed errors carrying
  the vendor code (:data:`ODATA_ERRORS`); 429 and 503 are retried, ``Retry-After`` honoured;
* dates ``/Date(ms)/`` and ``/Date(ms+0000)/`` are read by the mappings' ``date``/``datetime``
  transforms (:mod:`hub.core.transforms.odata_dates`).

One stream, ``employees``: ``/PerPerson`` with its names (``personalInfoNav``, PerPersonal), emails
(``emailNav``), phones (``phoneNav``) and employments (``employmentNav``) expanded, each employment's
jobs (``jobInfoNav``, EmpJob, with ``emplStatusNav``), compensation (``compInfoNav``,
EmpCompensation) and its recurring pay components (``empPayCompRecurringNav``). One record per person
is one canonical employee: the store replaces an entity on each upsert, so an employee assembled from
four streams would be overwritten by each of them in turn.

**The effective-dating caveat.** EmpJob, EmpCompensation, EmpPayCompRecurring and PerPersonal are
effective-dated: without ``fromDate``/``toDate`` they answer with the slice effective today only
(KBA 2638422), a ``lastModifiedDateTime`` filter is evaluated across all slices (KBA 2920680), and a
change entered today but effective next month moves no ``lastModifiedDateTime`` on the day it starts
to count. So:

1. every request asks for the whole history (``fromDate=1900-01-01&toDate=9999-12-31``), and the
   slice effective today is chosen here (:func:`current_slice`: the greatest ``startDate`` on or
   before today, then the greatest ``seqNumber``), never the vendor's default;
2. the incremental filter (:data:`CHANGED_SINCE`) asks for the persons whose own record, names,
   jobs, compensation or pay components changed since the cursor, **or** who have a job or
   compensation slice starting since it: a future-dated change is read again on every run until the
   day it starts, and on that day it is the current slice;
3. the cursor is the latest ``lastModifiedDateTime`` of the person and every expanded row
   (:func:`latest_change`, under ``_hub.modified``), so a change to a job alone moves it.

Details the documentation leaves open are settings, never guessed: which recurring pay component is
the base pay (``base_pay_component``; unset, the only one when there is one; with several and no
setting there is no base, and the person is a dead letter naming ``compensation.base`` until the
operator names it, never a guess); the SuccessFactors host (``base_url``).

hub.yaml::

    connectors:
      successfactors:
        base_url: https://apisalesdemo4.successfactors.com/odata/v2
        client_id: ${SF_CLIENT_ID}            # the OAuth client application's API key
        company_id: ${SF_COMPANY_ID}
        user_id: sfadmin                      # with private_key: the assertion signed by /oauth/idp
        private_key: ${SF_PRIVATE_KEY}        # or `assertion: ${SF_SAML_ASSERTION}` made elsewhere
        base_pay_component: BASE_SALARY
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.connector import Category, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import AuthError, ConfigError, TransientConnectorError
from hub.core.http import HttpClient, redact_text
from hub.core.paginators import ODataPaginator
from hub.core.transforms.odata_dates import is_odata_date, parse_odata_date

__all__ = ["CHANGED_SINCE", "EXPAND", "ODATA_ERRORS", "SamlBearerAuth", "SuccessFactors", "current_slice",
           "latest_change", "person_values"]

SAML2_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer"
#: An OData v2 error answer: ``{"error": {"code": "COE_GENERAL_BAD_REQUEST", "message": {"lang", "value"}}}``.
#: Every code is a failure (a data answer has none); the HTTP status decides the error's class.
ODATA_ERRORS = Envelope(code="error.code", message="error.message.value", ok=())
#: What one person is read with: names, contacts, and per employment its jobs, pay and pay components.
EXPAND = ",".join(("personalInfoNav", "emailNav", "phoneNav", "employmentNav",
                   "employmentNav/jobInfoNav", "employmentNav/jobInfoNav/emplStatusNav",
                   "employmentNav/compInfoNav", "employmentNav/compInfoNav/empPayCompRecurringNav"))
#: The navigations whose rows carry a ``lastModifiedDateTime`` a change of the person shows in.
_CHANGED_ROWS = ("", "personalInfoNav/", "employmentNav/jobInfoNav/", "employmentNav/compInfoNav/",
                 "employmentNav/compInfoNav/empPayCompRecurringNav/")
#: The incremental ``$filter``: anything of the person changed since the cursor (an ISO UTC time
#: without offset), or a job or pay slice of theirs starts since then (the future-dated changes).
CHANGED_SINCE = " or ".join([*(f"{nav}lastModifiedDateTime gt datetimeoffset'{{value}}Z'" for nav in _CHANGED_ROWS),
                             "employmentNav/jobInfoNav/startDate gt datetime'{value}'",
                             "employmentNav/compInfoNav/startDate gt datetime'{value}'"])  # fmt: skip
#: Every effective-dated slice, not only today's (KBA 2638422).
HISTORY = {"fromDate": "1900-01-01", "toDate": "9999-12-31"}


# ---------------------------------------------------------------- the OAuth 2.0 SAML bearer token


class SamlBearerAuth(AppTokenAuth):
    """OAuth 2.0 SAML 2.0 bearer grant (RFC 7522) as SuccessFactors takes it: the assertion, then the token.

    The assertion is the ``assertion`` given, or, without one, a fresh one from SuccessFactors'
    ``/oauth/idp`` (``client_id``, ``user_id``, ``token_url``, ``private_key`` form fields; the answer's
    body is the Base64 assertion) before every token request: an assertion is short-lived, the token
    is kept until its ``expires_in``.

    Example:
        >>> auth = SamlBearerAuth("https://api.example.successfactors.com", "client-1", "ACME",
        ...                       assertion="PHNhbWw+")
        >>> auth._token_request().url.path, sorted(auth._token_request().read().decode().split("&"))[1]
        ('/oauth/token', 'client_id=client-1')
    """

    def __init__(self, origin: str, client_id: str, company_id: str, *, assertion: str | None = None,
                 user_id: str | None = None, private_key: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(f"{origin}/oauth/token", form={"client_id": client_id, "company_id": company_id,
                                                         "grant_type": SAML2_BEARER}, **kwargs)  # fmt: skip
        self._idp_url, self._client_id = f"{origin}/oauth/idp", client_id
        self._given, self._user_id, self._private_key = assertion, user_id, private_key
        self._assertion = assertion

    def _credentials(self) -> Sequence[str]:
        return tuple(s for s in (self._private_key, self._assertion) if s)

    def _token_request(self) -> httpx.Request:
        form = {**(self._form or {}), "assertion": self._assertion or ""}
        return httpx.Request("POST", self._url, data=form, headers={"Accept": "application/json"})

    def _fetch(self) -> Generator[httpx.Request, httpx.Response, str]:
        if self._given is None:
            idp = httpx.Request("POST", self._idp_url, data={"client_id": self._client_id, "user_id": self._user_id or "",
                                                             "token_url": self._url,
                                                             "private_key": self._private_key or ""})  # fmt: skip
            answer = yield idp
            if answer.status_code == 429 or answer.status_code >= 500:  # the client's retry policy sends it again
                raise TransientConnectorError(f"the assertion request POST {self._idp_url} failed ({answer.status_code})",
                                              status=answer.status_code, body=redact_text(answer.text, self.secrets))
            if not answer.is_success or not answer.text.strip():
                raise AuthError(f"the assertion request POST {self._idp_url} was refused ({answer.status_code}); "
                                "check client_id, user_id and private_key", status=answer.status_code,
                                body=redact_text(answer.text, self.secrets))  # fmt: skip
            self._assertion = answer.text.strip()
        return (yield from super()._fetch())


# ---------------------------------------------------------------- effective-dated slices


def _results(value: Any) -> list[dict[str, Any]]:
    """The rows of an expanded navigation: ``{"results": [...]}`` for a to-many one, the object for a to-one."""
    if isinstance(value, dict):
        rows = value.get("results") if "results" in value else [value]
        return [row for row in rows or () if isinstance(row, dict)]
    return []


def _day(value: Any) -> dt.date | None:
    """The day an OData ``/Date(…)/`` value names (None when it names none)."""
    if isinstance(value, str) and is_odata_date(value):
        try:
            return parse_odata_date(value).date()
        except ValueError:
            return None
    return None


def current_slice(rows: Iterable[Mapping[str, Any]], today: dt.date) -> Mapping[str, Any] | None:
    """The slice of an effective-dated entity in force on ``today``: the greatest ``startDate`` not after
    it (a slice whose ``endDate`` is before it is over), ties broken by the greatest ``seqNumber``.

    Example:
        >>> jobs = [{"startDate": "/Date(1672531200000)/", "seqNumber": 1, "jobTitle": "Analyst"},
        ...         {"startDate": "/Date(1704067200000)/", "seqNumber": 1, "jobTitle": "Engineer"},
        ...         {"startDate": "/Date(4102444800000)/", "seqNumber": 1, "jobTitle": "Lead"}]
        >>> current_slice(jobs, dt.date(2024, 6, 1))["jobTitle"]
        'Engineer'
    """
    def key(row: Mapping[str, Any]) -> tuple[dt.date, int]:
        seq = row.get("seqNumber")
        return _day(row.get("startDate")) or dt.date.min, int(seq) if str(seq or "").isdigit() else 0

    in_force = [row for row in rows if (start := _day(row.get("startDate"))) is not None and start <= today
                and ((end := _day(row.get("endDate"))) is None or end >= today)]  # fmt: skip
    return max(in_force, key=key, default=None)


def latest_change(person: Mapping[str, Any]) -> str | None:
    """The latest ``lastModifiedDateTime`` of a person and every row expanded under it, as UTC
    ``YYYY-MM-DDTHH:MM:SS`` (the cursor :data:`CHANGED_SINCE` is written with).

    Example:
        >>> latest_change({"lastModifiedDateTime": "/Date(1717232400000+0000)/",
        ...                "employmentNav": {"results": [{"jobInfoNav": {"results": [
        ...                    {"lastModifiedDateTime": "/Date(1717664400000+0000)/"}]}}]}})
        '2024-06-06T09:00:00'
    """
    found: list[dt.datetime] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            stamp = value.get("lastModifiedDateTime")
            if isinstance(stamp, str) and is_odata_date(stamp):
                try:
                    found.append(parse_odata_date(stamp))
                except ValueError:
                    pass
            for key, child in value.items():
                if key.endswith("Nav") or key == "results":
                    walk(child)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(person)
    return max(found).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") if found else None


def _phone(row: Mapping[str, Any]) -> str | None:
    """A PerPhone row as one number: ``+<countryCode><areaCode><phoneNumber>`` (parts as SuccessFactors keeps them)."""
    parts = [str(row.get(name) or "").strip() for name in ("countryCode", "areaCode", "phoneNumber")]
    if not parts[2]:
        return None
    return ("+" + parts[0].lstrip("+") if parts[0] else "") + parts[1] + parts[2]


def person_values(person: Mapping[str, Any], today: dt.date, base_component: str | None) -> dict[str, Any]:
    """What the employee mapping reads under ``_hub``: today's slices and the pay chosen from them.

    ``personal`` (PerPersonal), ``employment`` (the latest EmpEmployment started by today), ``job``
    (EmpJob) and ``comp`` (EmpCompensation) are the slices in force today; ``base`` is the recurring
    pay component named ``base_component`` (or the only one), ``allowances`` the others; ``phones``
    the numbers of ``phoneNav`` as one text each.

    Example:
        >>> person = {"personalInfoNav": {"results": [{"startDate": "/Date(0)/", "firstName": "Ada"}]},
        ...           "employmentNav": {"results": [{"startDate": "/Date(0)/", "compInfoNav": {"results": [
        ...               {"startDate": "/Date(0)/", "empPayCompRecurringNav": {"results": [
        ...                   {"startDate": "/Date(0)/", "payComponent": "BASE", "paycompvalue": 5000.0}]}}]}}]}}
        >>> values = person_values(person, dt.date(2024, 1, 1), None)
        >>> values["personal"]["firstName"], values["base"]["payComponent"], values["allowances"]
        ('Ada', 'BASE', None)
    """
    employments = [row for row in _results(person.get("employmentNav"))
                   if (_day(row.get("startDate")) or dt.date.max) <= today]  # fmt: skip
    employment = max(employments, key=lambda row: _day(row.get("startDate")) or dt.date.min, default=None)
    jobs = [job for row in _results(person.get("employmentNav")) for job in _results(row.get("jobInfoNav"))]
    comps = [comp for row in _results(person.get("employmentNav")) for comp in _results(row.get("compInfoNav"))]
    comp = current_slice(comps, today)
    pay = _current_components(_results(comp.get("empPayCompRecurringNav")) if comp else [], today)
    base = next((row for row in pay if row.get("payComponent") == base_component), None) if base_component else (
        pay[0] if len(pay) == 1 else None)
    return {"personal": current_slice(_results(person.get("personalInfoNav")), today),
            "employment": employment, "job": current_slice(jobs, today), "comp": comp,
            "base": base, "allowances": [row for row in pay if row is not base] or None,
            "phones": [number for row in _results(person.get("phoneNav")) if (number := _phone(row))]}


def _current_components(rows: list[dict[str, Any]], today: dt.date) -> list[Mapping[str, Any]]:
    """Per pay component, its row in force today (a component's rows are effective-dated too)."""
    by_component: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_component.setdefault(row.get("payComponent"), []).append(row)
    chosen = (current_slice(group, today) for group in by_component.values())
    return [row for row in chosen if row is not None]


# ---------------------------------------------------------------- the connector


class SuccessFactors(RestConnector):
    """SAP SuccessFactors Employee Central OData v2 → employees with their job and compensation.

    Example:
        >>> sf = SuccessFactors({"base_url": "https://api.example.successfactors.com/odata/v2",
        ...                      "client_id": "c", "company_id": "ACME", "assertion": "a"})
        >>> params = sf.first_request(sf.stream("employees"), since="2024-06-01T00:00:00").params
        >>> params["customPageSize"], params["fromDate"], params["$filter"].split(" or ")[0]
        (100, '1900-01-01', "lastModifiedDateTime gt datetimeoffset'2024-06-01T00:00:00Z'")
    """

    name = "successfactors"
    category = Category.HR_SUITES
    title = "SAP SuccessFactors Employee Central OData v2"
    documentation = "https://help.sap.com/docs/SAP_SUCCESSFACTORS_PLATFORM/d599f15995d348a1b45ba5603e2aba9b"
    paginator = ODataPaginator
    record_path = "d.results"
    page_size_param = "customPageSize"
    envelope = ODATA_ERRORS
    required_settings = ("base_url", "client_id", "company_id")
    optional_settings = ("assertion", "user_id", "private_key", "base_pay_component")
    streams = (
        Stream(name="employees", entity="employee", path="/PerPerson",
               params={"$format": "json", "paging": "snapshot", "$expand": EXPAND, **HISTORY},
               cursor_field="_hub.modified", cursor_param="$filter", cursor_format=CHANGED_SINCE,
               primary_key="personIdExternal"),
    )
    #: Today, for choosing the slices in force; tests pin it.
    today: ClassVar[Callable[[], dt.date]] = staticmethod(lambda: dt.datetime.now(dt.UTC).date())

    def authenticator(self) -> SamlBearerAuth:
        if not self.settings.get("assertion") and not (self.settings.get("private_key") and self.settings.get("user_id")):
            raise ConfigError(f"connector {self.name!r} needs the setting 'assertion', or 'user_id' and 'private_key' "
                              "for /oauth/idp to sign one", system=self.name)  # fmt: skip
        url = urlsplit(str(self.setting("base_url")))
        return SamlBearerAuth(f"{url.scheme}://{url.netloc}", self.setting("client_id"), self.setting("company_id"),
                              assertion=self.settings.get("assertion") or None,
                              user_id=self.settings.get("user_id"), private_key=self.settings.get("private_key"))

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """Each person with ``_hub.modified``: the latest change of it or any row under it (the cursor)."""
        return [{**person, "_hub": {"modified": latest_change(person)}} if isinstance(person, dict) else person
                for person in listed]

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of the persons with today's slices under ``_hub`` (:func:`person_values`)."""
        today, base = type(self).today(), self.settings.get("base_pay_component")
        return [{**r, "_hub": {**(r.get("_hub") or {}), **person_values(r, today, base)}} if isinstance(r, dict) else r
                for r in records]


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``successfactors = "plugins.hr_suites.successfactors"`` registers this module."""
    return [SuccessFactors]
