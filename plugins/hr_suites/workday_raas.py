"""Workday custom reports (Reports as a Service, JSON) over a customer-defined report URL (issue 35, point 10).

Workday's own documentation needs a Community login, so this connector declares only what public,
Workday-maintained code shows and makes the rest settings (facts, sources and open points in
docs/connectors/workday_raas.md):

* the report URL — ``https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>?format=json``
  (setting ``report_url``: the URL the report's "Web Service → View URLs" shows), its prompts as query
  parameters (setting ``prompts``), answered as ``{"Report_Entry": [...]}`` whole: a report has no paging
  (:class:`~hub.core.paginators.SinglePagePaginator`). Source: ``Workday/raas-python`` (``raas/raas.py``);
* auth: HTTP Basic with an integration system user (settings ``username``, ``password``) or OAuth 2.0
  with a registered API client's refresh token (``client_id``, ``client_secret``, ``refresh_token``;
  ``token_url`` defaults to ``https://<host>/ccx/oauth2/<tenant>/token``, the form
  ``grant_type=refresh_token&refresh_token=&client_id=&client_secret=`` as ``Workday/raas-python`` sends it);
* each record is a report row keyed by the fields' XML aliases (named in the report definition), mapped
  by the mapping file ``hr_suites/workday_raas/employee.yaml`` — the built-in one is an example to copy
  into your ``mappings:`` folder and edit to your report's aliases;
* no cursor unless the report has one: with ``incremental: true`` the report needs a prompt whose
  parameter name is ``Updated_From`` and a field aliased ``Last_Updated``; each run then sends the
  latest ``Last_Updated`` seen as ``Updated_From`` (a date-time prompt). Without it every run is a full pass;
  a worker the report stops listing is not marked deleted (a report is a filtered list: its prompts
  and filters leave workers out, e.g. the terminated ones);
* errors: the HTTP status decides the error's type (401/403 credentials, 4xx permanent, 429 and 5xx
  retried); the body Workday answers a failed report with — a SOAP fault (``faultcode``/``faultstring``),
  a ``wd:Error`` with ``wd:Message``, or JSON ``{"error", "message"}`` — is read into the error's
  ``vendor_code`` and ``vendor_message`` (:func:`workday_fault`).

hub.yaml::

    connectors:
      workday_raas:
        report_url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_HUB/HUB_Workers?format=json
        username: ISU_HUB@acme
        password: ${WORKDAY_ISU_PASSWORD}
        prompts: {Include_Terminated_Workers: "1"}
        incremental: true                      # the report has an Updated_From prompt and a Last_Updated field
    mappings: [my-mappings]                    # my-mappings/hr_suites/workday_raas/employee.yaml: your aliases
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
import httpx
from defusedxml import DefusedXmlException

from hub import hookimpl
from hub.core.auth import BasicAuth, OAuth2RefreshToken
from hub.core.connector import Category, RestConnector, Stream
from hub.core.errors import ConfigError, ConnectorError
from hub.core.http import HttpClient, Page
from hub.core.paginators import PageRequest, SinglePagePaginator

__all__ = ["REPORT_PATH", "WorkdayRaaS", "report_parts", "with_fault", "workday_fault"]

#: The path every report URL starts with, then ``<tenant>/<owner>/<report>``.
REPORT_PATH = "/ccx/service/customreport2/"
_BASIC = ("username", "password")
_OAUTH = ("client_id", "client_secret", "refresh_token")


def report_parts(report_url: str) -> tuple[str, str, dict[str, str]]:
    """The report URL without its query, the tenant, and the query's parameters (``format=json`` added).

    Raises:
        ConfigError: not an https URL of a custom report (``.../ccx/service/customreport2/<tenant>/<owner>/<report>``),
            or a ``format`` other than json.

    Example:
        >>> url, tenant, params = report_parts("https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_HUB/HUB_Workers")
        >>> url.endswith("/acme/ISU_HUB/HUB_Workers"), tenant, params
        (True, 'acme', {'format': 'json'})
    """
    parts = urlsplit(str(report_url).strip())
    steps = parts.path[len(REPORT_PATH):].strip("/").split("/") if parts.path.startswith(REPORT_PATH) else []
    if parts.scheme != "https" or not parts.netloc or len(steps) != 3 or not all(steps):
        raise ConfigError("setting 'report_url' must be https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>"
                          " (the report's Web Service URL)", system="workday_raas")  # fmt: skip
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if params.setdefault("format", "json") != "json":
        raise ConfigError(f"setting 'report_url' asks for format={params['format']}; the connector reads format=json",
                          system="workday_raas")  # fmt: skip
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")), steps[0], params


def workday_fault(body: str | None) -> tuple[str, str] | None:
    """``(code, message)`` of the error body Workday answers a failed request with, None if it has none.

    Reads a SOAP fault (``faultcode``/``faultstring``), a ``wd:Error`` (its ``wd:Message``; the code is
    the first child's name, e.g. ``Validation_Error``) and JSON ``{"error", "message"}``. Never raises:
    a body it cannot read is no fault.

    Example:
        >>> workday_fault('<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
        ...               '<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client.validationError</faultcode>'
        ...               '<faultstring>Invalid prompt value</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>')
        ('SOAP-ENV:Client.validationError', 'Invalid prompt value')
        >>> workday_fault('{"error": "invalid_request", "message": "Unknown report"}')
        ('invalid_request', 'Unknown report')
        >>> workday_fault("Service Unavailable") is None
        True
    """
    text = (body or "").strip()
    if text.startswith("{"):
        return _json_fault(text)
    if text.startswith("<"):
        return _xml_fault(text)
    return None


def _json_fault(text: str) -> tuple[str, str] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    message = body.get("message") or body.get("error_description") or ""
    return body["error"], str(message)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_fault(text: str) -> tuple[str, str] | None:
    try:
        root = SafeXml.fromstring(text)
    except (SafeXml.ParseError, DefusedXmlException, ValueError):
        return None
    by_name: dict[str, Element] = {}
    for element in root.iter():
        by_name.setdefault(_local(element.tag), element)
    if "faultstring" in by_name:
        code = by_name.get("faultcode")
        return ((code.text or "").strip() if code is not None else "fault"), (by_name["faultstring"].text or "").strip()
    if "Error" in by_name and "Message" in by_name:
        kinds = [_local(child.tag) for child in by_name["Error"] if _local(child.tag) != "Message"]
        return (kinds[0] if kinds else "Error"), (by_name["Message"].text or "").strip()
    return None


def with_fault(error: ConnectorError) -> ConnectorError:
    """``error`` again, of the same type, with Workday's fault in its body read into ``vendor_code`` and
    ``vendor_message`` and its message saying what Workday said; as it is when the body holds none.

    Example:
        >>> from hub.core.errors import PermanentConnectorError
        >>> failed = with_fault(PermanentConnectorError("GET report returned 400", status=400,
        ...                     body='{"error": "invalid_request", "message": "Unknown prompt Updated_Fro"}'))
        >>> failed.context["vendor_code"], failed.reason
        ('invalid_request', 'GET report returned 400; Workday says invalid_request: Unknown prompt Updated_Fro')
    """
    fault = workday_fault(error.body)
    if fault is None or "vendor_code" in error.context:
        return error
    code, message = fault
    return type(error)(f"{error.reason}; Workday says {code}: {message}",
                       **{**error.context, "vendor_code": code, "vendor_message": message})


class WorkdayRaaS(RestConnector):
    """A Workday custom report (RaaS, JSON) → employees, by the mapping file of your report's aliases.

    Example:
        >>> raas = WorkdayRaaS({"report_url": "https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_HUB/HUB_Workers?format=json",
        ...                     "username": "ISU_HUB@acme", "password": "p", "prompts": {"Include_Terminated_Workers": "1"},
        ...                     "incremental": True})
        >>> raas.first_request(raas.stream("employees"), since="2024-06-03T08:04:05.000-07:00").params
        {'format': 'json', 'Include_Terminated_Workers': '1', 'Updated_From': '2024-06-03T08:04:05.000-07:00'}
    """

    name = "workday_raas"
    category = Category.HR_SUITES
    title = "Workday custom reports (RaaS, JSON)"
    documentation = "https://github.com/Workday/raas-python"
    paginator = SinglePagePaginator
    page_size = 0  # a report is not paged
    record_path = "Report_Entry"
    required_settings = ("report_url",)
    optional_settings = ("prompts", "incremental", *_BASIC, *_OAUTH, "token_url")
    default_settings = {"incremental": False}
    streams = (
        Stream(name="employees", entity="employee", path="", cursor_field="Last_Updated", cursor_param="Updated_From",
               primary_key="Employee_ID", full_refresh_deletes=False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._report, self._tenant, self._params = report_parts(self.setting("report_url"))
        self.settings.setdefault("base_url", self._report)
        prompts = self.settings.get("prompts") or {}
        if not isinstance(prompts, Mapping) or not all(isinstance(k, str) and k for k in prompts):
            raise ConfigError(f"connector {self.name!r}: setting 'prompts' must map each prompt's parameter name to "
                              "its value", system=self.name)  # fmt: skip
        if not isinstance(self.settings.get("incremental"), bool):
            raise ConfigError(f"connector {self.name!r}: setting 'incremental' must be true or false", system=self.name)
        self.authenticator()  # a wrong set of credential settings is refused now, not at the first request

    def authenticator(self) -> httpx.Auth:
        """Basic for an integration system user, or OAuth 2.0 with a refresh token; exactly one of them."""
        basic = [name for name in _BASIC if self.settings.get(name)]
        oauth = [name for name in _OAUTH if self.settings.get(name)]
        if basic and oauth:
            raise ConfigError(f"connector {self.name!r}: give either username and password or client_id, client_secret "
                              "and refresh_token, not both", system=self.name)  # fmt: skip
        if oauth or self.settings.get("token_url"):
            client_id, client_secret, refresh_token = (str(self.setting(name)) for name in _OAUTH)
            return OAuth2RefreshToken(self._token_url(), client_id, client_secret, refresh_token, body="form")
        if basic:
            return BasicAuth(str(self.setting("username")), str(self.setting("password")))
        raise ConfigError(f"connector {self.name!r} needs username and password (an integration system user) or "
                          "client_id, client_secret and refresh_token (an API client)", system=self.name)  # fmt: skip

    def _token_url(self) -> str:
        if self.settings.get("token_url"):
            return str(self.settings["token_url"])
        parts = urlsplit(self._report)
        return f"{parts.scheme}://{parts.netloc}/ccx/oauth2/{self._tenant}/token"

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The report with its URL's parameters, the ``prompts``, and ``Updated_From`` when incremental."""
        params: dict[str, Any] = {**self._params, **(self.settings.get("prompts") or {})}
        if since is not None and self.settings["incremental"] and stream.incremental_param:
            params[stream.incremental_param] = stream.cursor_format.format(value=since)
        return PageRequest(self._report, params)

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *, tombstones: bool = False) -> Iterator[Page]:
        """The report's one page; a failure carries the fault Workday's body names (:func:`with_fault`)."""
        try:
            yield from super().pages(client, stream, request, tombstones=tombstones)
        except ConnectorError as error:
            raise with_fault(error) from None


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``workday_raas = "plugins.hr_suites.workday_raas"`` registers this module."""
    return [WorkdayRaaS]
