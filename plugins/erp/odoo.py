"""Odoo HR over the external API: employees, departments, jobs and applicants (issue 35).

Follows https://www.odoo.com/documentation/19.0/developer/reference/external_api.html (JSON-2) and
https://www.odoo.com/documentation/18.0/developer/reference/external_api.html (JSON-RPC
``execute_kw``); the models are odoo/odoo's ``addons/hr`` and ``addons/hr_recruitment``. Facts,
sources and open points: docs/connectors/odoo.md. What is declaration:

* both transports behind one connector, picked by the ``transport`` setting
  (:mod:`plugins.erp.odoo_rpc`): ``json2`` (Odoo 19+, bearer API key, ``X-Odoo-Database`` from
  ``database``) and ``jsonrpc`` (``execute_kw`` with the uid of ``common.login``; deprecated in 19);
* every stream is one ``search_read`` of a model (streams are declared by their JSON-2 endpoint,
  ``/json/2/<model>/search_read``): ``hr.employee`` → employee, ``hr.department`` → department,
  ``hr.job`` → job, ``hr.applicant`` → application;
* offset/limit paging in the call's named arguments (:class:`~hub.core.paginators.OffsetPaginator`
  with ``location="json"``) until an empty page, ordered ``write_date asc, id asc`` so pages are stable;
* incremental by ``write_date`` (UTC ``YYYY-MM-DD HH:MM:SS``): the domain
  ``[["write_date", ">=", <cursor>]]``. ``>=``, not ``>``: Odoo writes the time to the second, and a
  record changed later in the same second as the cursor would be lost for good with ``>``; the
  records of that second are read again, and unchanged ones change nothing;
* ``context: {"active_test": false}``: archived records are listed too (a departed employee is
  archived, a refused applicant too), so an archive is seen as a change, not as silence;
* Odoo's ``false`` for an empty value: :func:`odoo_values` makes it None before mapping (a
  many2one is ``[id, "name"]`` or ``false``; a char is text or ``false``), so an empty field is
  empty, never the text "False";
* errors: the exception's name decides (:class:`~plugins.erp.odoo_rpc.OdooErrors`): access and
  login errors are :class:`~hub.core.errors.AuthError`, the rest permanent with the name as
  ``vendor_code``; 429 and 5xx are retried (``Retry-After`` honoured).

Settings for what the documentation leaves to the deployment: ``transport``; ``database`` (the
``X-Odoo-Database`` header where one server hosts several databases; the ``db`` of every JSON-RPC
call); ``login`` or ``uid`` (JSON-RPC); ``fields`` (model → the fields read, for versions whose
models differ: ``hr.applicant.candidate_id`` exists from Odoo 18 on). Writes: :mod:`plugins.erp.odoo_write`.

hub.yaml::

    connectors:
      odoo:
        base_url: https://mycompany.example.com
        api_key: ${ODOO_API_KEY}
        transport: json2            # or jsonrpc (then also: database, login)
        database: mycompany
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from hub import hookimpl
from hub.core.connector import Category, RestConnector, Stream
from hub.core.errors import ConfigError
from hub.core.http import HttpClient
from hub.core.paginators import OffsetPaginator, PageRequest, Paginator
from plugins.erp.odoo_rpc import (
    JSON2,
    JSONRPC,
    TRANSPORTS,
    JsonRpcAuth,
    OdooErrors,
    call,
    json2_auth,
    json2_path,
    kwargs_path,
    model_of,
)
from plugins.erp.odoo_write import OdooWrites

__all__ = ["BOOLEAN_FIELDS", "FIELDS", "Odoo", "odoo_values"]

#: The fields read per model (Odoo 19 names); the ``fields`` setting replaces a model's list.
FIELDS: Mapping[str, tuple[str, ...]] = {
    "hr.employee": ("name", "work_email", "work_phone", "mobile_phone", "job_title", "job_id", "department_id",
                    "parent_id", "active", "create_date", "write_date"),
    "hr.department": ("name", "parent_id", "active", "write_date"),
    "hr.job": ("name", "department_id", "active", "write_date"),
    "hr.applicant": ("candidate_id", "job_id", "stage_id", "application_status", "refuse_reason_id", "active",
                     "create_date", "write_date"),
}
#: Fields whose ``false`` is the boolean false, not "empty".
BOOLEAN_FIELDS = frozenset({"active"})
_ORDER = "write_date asc, id asc"


def odoo_values(record: Mapping[str, Any], booleans: frozenset[str] = BOOLEAN_FIELDS) -> dict[str, Any]:
    """A copy of a ``search_read`` record with Odoo's ``false`` for "no value" made None.

    Odoo answers every empty field with ``false``: a many2one without a value, an empty char or
    date. Only the boolean fields (``booleans``) keep it. A many2one ``[id, "name"]`` is kept as it is.

    Example:
        >>> odoo_values({"id": 7, "work_email": False, "department_id": False, "job_id": [3, "Engineer"], "active": False})
        {'id': 7, 'work_email': None, 'department_id': None, 'job_id': [3, 'Engineer'], 'active': False}
    """
    return {key: None if value is False and key not in booleans else value for key, value in record.items()}


def _stream(name: str, entity: str, model: str) -> Stream:
    return Stream(name=name, entity=entity, path=json2_path(model, "search_read"), method="POST",
                  cursor_field="write_date", cursor_param="domain.0.2")


class Odoo(OdooWrites, RestConnector):
    """Odoo's HR models → employees, departments, jobs and applications.

    Example:
        >>> odoo = Odoo({"base_url": "https://mycompany.example.com", "api_key": "k"})
        >>> request = odoo.first_request(odoo.stream("jobs"), since="2024-06-01 08:00:00")
        >>> request.url, request.json["domain"], request.json["order"]
        ('/json/2/hr.job/search_read', [['write_date', '>=', '2024-06-01 08:00:00']], 'write_date asc, id asc')
    """

    name = "odoo"
    category = Category.ERP
    title = "Odoo external API (JSON-2 / JSON-RPC)"
    documentation = "https://www.odoo.com/documentation/19.0/developer/reference/external_api.html"
    base_url = ""
    page_size = 100
    envelope = OdooErrors()  # both transports' error bodies: the exception's name decides
    required_settings = ("base_url", "api_key")
    default_settings: ClassVar[Mapping[str, Any]] = {"transport": JSON2}
    optional_settings = ("database", "login", "uid", "fields", *OdooWrites.write_settings)
    streams = (
        _stream("employees", "employee", "hr.employee"),
        _stream("departments", "department", "hr.department"),
        _stream("jobs", "job", "hr.job"),
        _stream("applications", "application", "hr.applicant"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transport = self.settings["transport"]
        if self.transport not in TRANSPORTS:
            raise ConfigError(f"connector {self.name!r}: setting 'transport' is one of {', '.join(TRANSPORTS)}, "
                              f"not {self.transport!r}", system=self.name)  # fmt: skip
        if self.transport == JSONRPC:
            self.setting("database")  # execute_kw's first argument: refused now, not at the first call
            if self.settings.get("login") in (None, "") and self.settings.get("uid") in (None, ""):
                raise ConfigError(f"connector {self.name!r}: the jsonrpc transport needs the setting 'login' "
                                  "(for common.login) or 'uid'", system=self.name)  # fmt: skip
            self.record_path = "result"  # JSON-RPC wraps the records; JSON-2 answers the bare list
        database = self.settings.get("database")
        self.headers = {**self.headers, **({"X-Odoo-Database": str(database)} if database else {})}

    def authenticator(self) -> httpx.Auth:
        if self.transport == JSON2:
            return json2_auth(self.setting("api_key"))
        uid = self.settings.get("uid")
        return JsonRpcAuth(str(self.setting("database")), self.settings.get("login"), self.setting("api_key"),
                           uid=None if uid in (None, "") else int(uid))

    def fields(self, model: str) -> list[str]:
        """The fields read of ``model``: the ``fields`` setting's list for it, else :data:`FIELDS`'."""
        chosen = (self.settings.get("fields") or {}).get(model) or FIELDS.get(model, ())
        return [*dict.fromkeys([*chosen, "write_date"])]  # the cursor field is always read

    # -- pulled pages

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """``search_read`` of the stream's model from ``since`` on, oldest change first."""
        if tombstones:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        model = model_of(stream.path)
        kwargs = {"domain": [["write_date", ">=", since]] if since is not None else [],
                  "fields": self.fields(model), "order": _ORDER, "context": {"active_test": False}}
        url, body = call(self.transport, model, "search_read", kwargs)
        return PageRequest(url, {}, json=body)

    def paginator_for(self, stream: Stream) -> Paginator:
        return OffsetPaginator(limit=self.page_size, location="json", json_path=kwargs_path(self.transport))

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies with ``false`` made None where it means "no value" (:func:`odoo_values`)."""
        return [odoo_values(r) if isinstance(r, dict) else r for r in records]


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``odoo = "plugins.erp.odoo"`` registers this module."""
    return [Odoo]
