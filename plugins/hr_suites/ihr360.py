"""i人事 (ihr360) OpenAPI: the organisation tree and staff as departments and employees (issue 35, point 5).

i人事 publishes no public API portal; this connector follows the OpenAPI documentation as copies of it
circulate in public code (the "接口文档" of a customer integration: 开发前必读/认证授权, 根据部门id获取所有子孙部门,
根据部门ID获取员工基本信息) and the calls independent clients make (``/staff/v1/staffs/ids`` then
``/staff/v1/staffs/basic``). **Every fact is [unverified]** against a document i人事 supplies: each is
declared once here, named in docs/connectors/ihr360.md, and what a tenant may see differently is a setting.

* the token (:class:`Ihr360ClientCredentials`): ``POST /openapi/oauth/token?grant_type=client_credentials&scope=client``
  with ``Authorization: Basic base64(AppID:AppSecret)`` and ``Content-Type: application/json;charset=UTF-8``
  → ``{access_token, token_type: "bearer", refresh_token, expires_in}``; sent as ``Authorization: Bearer``,
  kept until ``expires_in`` (2 hours in production, 2 minutes while debugging), fetched again on a 401
  or an ``{"error": "invalid_token"}`` answer;
* the envelope ``{"code": 0, "message", "data", "errorResult": false}`` (:data:`ENVELOPE`);
* departments: ``POST /thirdparty/api/org/v1/organization/children/all?companyId=&departmentStatus=ALL``
  with ``[{"departmentId": <root>, "includeAll": true}]``: every department under the root (disabled
  ones too), answered as ``{"data": {"<root>": [...]}}`` in one answer;
* staff: ``GET /thirdparty/api/staff/v1/staffs/ids?pageNo=&pageSize=`` pages the staff ids
  (``data.dataList``, ``data.pageInfo.totalPages``), and each page's ids go to
  ``POST /thirdparty/api/staff/v1/staffs/basic`` (a JSON array of ids) for the records
  (:meth:`Ihr360.pages`): the documented way to read every staff member, "one call cannot return all".

No modified-since filter is documented (``lastUpdateDate`` is returned, never taken): both streams
are full passes. A pass does not mark the missing deleted (``full_refresh_deletes`` off): whether the
id list holds staff who left (``staffStatus`` QUIT) is not documented, and a leaver must stay a
terminated employee, not vanish. No event push is documented. Payroll has a ``payroll`` scope but no
documented endpoint: it goes through import files (docs/connectors/ihr360.md, "Payroll").

Settings for what the documents leave to the tenant: ``company_id`` (the 公司id of the departments
call), ``root_department_id`` (the department whose descendants are read; the whole company's root
is the tenant's), ``scope`` (``client``: every scope), ``base_url`` (``https://openapi.ihr360.com/openapi``).

hub.yaml::

    connectors:
      ihr360:
        app_id: ${IHR360_APP_ID}
        app_secret: ${IHR360_APP_SECRET}
        company_id: 75f058a05fbb4ed6b9cde6a8ffd898a6
        root_department_id: 3
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.connector import Category, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError
from hub.core.http import HttpClient, Page
from hub.core.paginators import PageNumberPaginator, PageRequest, SinglePagePaginator, select_records

__all__ = ["ENVELOPE", "Ihr360", "Ihr360ClientCredentials", "staff_id_paginator"]

#: ``{"code": 0, "message": "SUCCESS", "data": ..., "errorResult": false}``: any other code fails the call.
ENVELOPE = Envelope(code="code", message="message", ok=(0,))
ORG_TREE = "/thirdparty/api/org/v1/organization/children/all"
STAFF_IDS = "/thirdparty/api/staff/v1/staffs/ids"
STAFF_BASIC = "/thirdparty/api/staff/v1/staffs/basic"
JSON_UTF8 = "application/json;charset=UTF-8"


class Ihr360ClientCredentials(AppTokenAuth):
    """The OAuth 2.0 client-credentials token as i人事 takes it: grant and scope in the query, the app's
    id and secret as HTTP Basic, a JSON content type; ``invalid_token`` in a body refreshes it.

    Example:
        >>> auth = Ihr360ClientCredentials("https://openapi.ihr360.com/openapi/oauth/token", "aBcDeF", "A1B2C3")
        >>> request = auth._token_request()
        >>> request.headers["Authorization"], dict(request.url.params)
        ('Basic YUJjRGVGOkExQjJDMw==', {'grant_type': 'client_credentials', 'scope': 'client'})
    """

    def __init__(self, token_url: str, app_id: str, app_secret: str, *, scope: str = "client", **kwargs: Any) -> None:
        super().__init__(token_url, params={"grant_type": "client_credentials", "scope": scope},
                         refresh_codes=("invalid_token",), code_path="error", **kwargs)  # fmt: skip
        self._app_id, self._app_secret = app_id, app_secret

    def _credentials(self) -> Sequence[str]:
        return (self._app_secret,)

    def _token_request(self) -> httpx.Request:
        basic = base64.b64encode(f"{self._app_id}:{self._app_secret}".encode()).decode()
        return httpx.Request("POST", self._url, params=self._params,
                             headers={"Authorization": f"Basic {basic}", "Content-Type": JSON_UTF8})


def staff_id_paginator() -> PageNumberPaginator:
    """``pageNo`` from 1 and ``pageSize`` on every request, until ``data.pageInfo.totalPages``.

    Example:
        >>> staff_id_paginator().init_request(PageRequest(STAFF_IDS, {"pageSize": 500})).params
        {'pageSize': 500, 'pageNo': 1}
    """
    return PageNumberPaginator(page_param="pageNo", size_param="pageSize", total_pages_path="data.pageInfo.totalPages")


class Ihr360(RestConnector):
    """i人事 OpenAPI → departments (the organisation tree) and employees (staff basics).

    Example:
        >>> ihr = Ihr360({"app_id": "a", "app_secret": "s", "company_id": "c1", "root_department_id": 3})
        >>> first = ihr.first_request(ihr.stream("departments"), since=None)
        >>> first.params, first.json
        ({'departmentStatus': 'ALL', 'companyId': 'c1'}, [{'departmentId': 3, 'includeAll': True}])
        >>> ihr.first_request(ihr.stream("staff"), since=None)
        PageRequest(url='/thirdparty/api/staff/v1/staffs/ids', params={'pageSize': 100}, json=None)
    """

    name = "ihr360"
    category = Category.HR_SUITES
    title = "i人事 (ihr360) OpenAPI"
    documentation = "https://openapi.ihr360.com/openapi (no public portal; see docs/connectors/ihr360.md)"
    base_url = "https://openapi.ihr360.com/openapi"
    headers = {"Accept": "application/json", "Content-Type": JSON_UTF8}
    record_path = "data"
    page_size_param = "pageSize"
    envelope = ENVELOPE
    required_settings = ("app_id", "app_secret")
    default_settings = {"scope": "client"}
    optional_settings = ("company_id", "root_department_id")
    streams = (
        Stream(name="departments", entity="department", path=ORG_TREE, method="POST", record_path="data.*",
               params={"departmentStatus": "ALL"}, paginator=SinglePagePaginator, primary_key="departmentId",
               page_size=0, full_refresh_deletes=False),
        # the records come from /staffs/basic, one call per page of /staffs/ids (see `pages`)
        Stream(name="staff", entity="employee", path=STAFF_BASIC, method="POST", record_path="data",
               paginator=staff_id_paginator, primary_key="staffId", full_refresh_deletes=False),
    )

    def authenticator(self) -> Ihr360ClientCredentials:
        base = str(self.settings.get("base_url") or self.base_url).rstrip("/")
        return Ihr360ClientCredentials(f"{base}/oauth/token", str(self.setting("app_id")),
                                       str(self.setting("app_secret")), scope=str(self.setting("scope")))

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """Departments: the company and the root in the body; staff: the first page of ids. Neither
        takes ``since`` (no modified-since filter is documented: every pass is full)."""
        if tombstones:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        if stream.name == "departments":
            root = self.setting("root_department_id")
            return PageRequest(stream.path, {**stream.params, "companyId": self.setting("company_id")},
                               json=[{"departmentId": root, "includeAll": True}])
        return PageRequest(STAFF_IDS, {self.page_size_param: self.page_size if stream.page_size is None
                                       else stream.page_size})  # fmt: skip

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *, tombstones: bool = False) -> Iterator[Page]:
        """Staff: each page of ids, then its staff from ``/staffs/basic`` in one call, as one page
        (checkpointed by the ids page that follows); departments as any stream."""
        if stream.name != "staff" or tombstones:
            return super().pages(client, stream, request, tombstones=tombstones)
        return self._staff_pages(client, stream, request)

    def _staff_pages(self, client: HttpClient, stream: Stream, request: PageRequest) -> Iterator[Page]:
        for listed in client.paginate(request.url, self.paginator_for(stream), params=request.params,
                                      records_path="data.dataList"):  # fmt: skip
            ids = [str(i) for i in listed.records if isinstance(i, (str, int)) and str(i)]
            if len(ids) != len(listed.records):
                raise MalformedPageError("a page of staff ids holds something that is not an id", system=self.name,
                                         stream=stream.name)  # fmt: skip
            if not ids:
                yield Page(request=listed.request, response=listed.response, records=[],
                           next_request=listed.next_request)
                continue
            response = client.post(STAFF_BASIC, json=ids)
            try:
                body = response.json()
            except ValueError:
                raise MalformedPageError(f"POST {STAFF_BASIC} answered with a body that is not JSON", system=self.name,
                                         stream=stream.name) from None  # fmt: skip
            records = select_records(body, stream.record_path or self.record_path)
            yield Page(request=listed.request, response=response, records=records, next_request=listed.next_request)


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``ihr360 = "plugins.hr_suites.ihr360"`` registers this module."""
    return [Ihr360]
