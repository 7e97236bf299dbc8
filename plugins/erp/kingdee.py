"""Kingdee 金蝶云星空 (K/3 Cloud) WebAPI: 员工 with their 任岗, 部门 and 岗位 in; accepted offers out as
employees (issue 35; the write side is :mod:`plugins.erp.kingdee_write`).

Follows the WebAPI specification, 金蝶云星空WebAPI接口说明书 V6.0
(https://vip.kingdee.com/article/490771221039228672), the HR FormIds of
https://vip.kingdee.com/article/271646284883057152 and the official SDKs' request code (ports named in
docs/connectors/kingdee.md, with every fact's source). What is declaration:

* no shared host: every tenant runs its own ``http(s)://<host>/k3cloud/`` (setting ``base_url``), and
  every call is ``POST {base_url}/<service>.common.kdsvc`` with a JSON body
  (:func:`~plugins.erp.kingdee_auth.service_path`);
* login: a ``ValidateUser`` session (``acct_id``, ``username``, ``password``) or the third-party app's
  signed headers (``app_id``, ``app_secret``) — :mod:`plugins.erp.kingdee_auth`;
* reads: ``ExecuteBillQuery`` with ``{"data": {FormId, FieldKeys, FilterString, OrderString, TopRowCount,
  StartRow, Limit}}``; the answer is an array of rows, each an array of values in ``FieldKeys`` order.
  Pages by ``StartRow``/``Limit`` (at most 2000 a call), an empty answer ends the list. Rows become
  records keyed by their field keys (:func:`rows_to_records`) before mapping;
* incremental: ``FilterString`` ``FModifyDate >= '<latest seen>'`` (the stream's cursor), ordered by
  ``FModifyDate`` then the id, so a pass's cursor is its last row's;
* the answer envelope ``Result.ResponseStatus {IsSuccess, Errors[{FieldName, Message}], MsgCode}``
  (:class:`KingdeeEnvelope`) — a failure even on HTTP 200; ExecuteBillQuery sends it in place of the
  rows, ``[[{"Result": ...}]]``. ``MsgCode`` is the vendor code of the typed error, the errors' field
  names are in its message; a lost session (``MsgCode`` 1) is logged into again once, then an AuthError.

Forms (FormIds from the article above): ``BD_Empinfo`` (员工) for employees, with their 任岗
(``FPostEntity``: department ``FPostDept``, post ``FPost``, start ``FStaffStartDate``, ``FIsFirstPost``)
read as the employee's department and title — a 任岗 row per post, folded to one record per employee,
the main post's (:func:`fold_posts`); ``BD_Department`` (部门) for departments; ``HR_ORG_HRPOST`` (岗位) for
jobs. The 任岗 form of its own (``BD_NEWSTAFF``, 员工任岗明细) holds the same assignments; the canonical
model has no assignment entity, so it is not a stream.

Writes (:mod:`plugins.erp.kingdee_write`): ``Save`` per accepted offer, ``BatchSave`` for a migration's
many (``batch_save``; :mod:`plugins.erp.kingdee_batch` reads its answer record by record), and ``View``
to read back each employee delivered (:mod:`plugins.erp.kingdee_view`).

What the documents leave open is a setting: ``field_keys`` (a stream's FieldKeys; the first key is the
record's id, the mapping reads the keys by name), ``filters`` (a stream's fixed FilterString, AND-ed
with the cursor's), ``session_lost_codes``, ``page_size`` (2000 documented as the most), and the write
side's settings (:mod:`plugins.erp.kingdee_write`).

hub.yaml::

    connectors:
      kingdee:
        type: kingdee
        settings:
          base_url: https://erp.example.com/k3cloud/
          acct_id: 65f0c0ffee0001          # 账套 (data centre) id
          username: hub-integration
          password: ${KINGDEE_PASSWORD}    # or app_id / app_secret (第三方系统登录授权)
          org_number: "100"                # writes: the organisation employees are created in
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from hub import hookimpl
from hub.core.connector import Category, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError
from hub.core.paginators import OffsetPaginator, PageRequest

from plugins.erp.kingdee_auth import LOGIN, QUERY, SessionAuth, SignedHeadersAuth, error_text, response_status
from plugins.erp.kingdee_batch import names_records
from plugins.erp.kingdee_write import KingdeeWrites

__all__ = ["Kingdee", "KingdeeEnvelope", "error_text", "fold_posts", "rows_to_records"]

#: The most rows ExecuteBillQuery answers in one call.
MAX_LIMIT = 2000
#: The modification-date field every stream filters and orders on.
MODIFIED = "FModifyDate"

#: The base-data references each stream's rows name by 内码, 0 when empty (:func:`rows_to_records`).
REFERENCES: Mapping[str, tuple[str, ...]] = {"departments": ("FParentID",)}
#: Each stream's FormId and default FieldKeys: the id first, the modification date among them.
FORMS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "employees": ("BD_Empinfo", ("FID", "FStaffNumber", "FName", "FMobile", "FEmail", "FJoinDate", "FForbidStatus",
                                 "FDocumentStatus", MODIFIED, "FIsFirstPost", "FPostDept.FNumber", "FPost.FNumber",
                                 "FPost.FName", "FStaffStartDate")),
    "departments": ("BD_Department", ("FDEPTID", "FNumber", "FName", "FParentID", "FForbidStatus", MODIFIED)),
    "posts": ("HR_ORG_HRPOST", ("FPOSTID", "FNumber", "FName", "FDept.FNumber", "FForbidStatus", MODIFIED)),
}


def rows_to_records(keys: tuple[str, ...], rows: list[Any], references: tuple[str, ...] = ()) -> list[Any]:
    """ExecuteBillQuery's rows as records: each row's values under the ``FieldKeys`` they answer, in
    order; a key through a base-data field (``FPostDept.FNumber``) nests (``{"FPostDept": {"FNumber": ...}}``),
    so mappings read it as a path. A base-data reference answered by its 内码 (``references``) is None
    when it is 0, Kingdee's empty reference (a 内码 is never 0). A row that is not an array is kept as it
    came (the mapping refuses it: a dead letter); a short row lacks its last keys.

    Example:
        >>> rows_to_records(("FID", "FName", "FPost.FNumber"), [[100001, "测试员工一", "GW0001"], "?"])
        [{'FID': 100001, 'FName': '测试员工一', 'FPost': {'FNumber': 'GW0001'}}, '?']
        >>> rows_to_records(("FDEPTID", "FParentID"), [[11, 0], [12, 11]], references=("FParentID",))
        [{'FDEPTID': 11, 'FParentID': None}, {'FDEPTID': 12, 'FParentID': 11}]
    """
    return [_record(keys, row, references) if isinstance(row, list) else row for row in rows]


def _record(keys: tuple[str, ...], row: list[Any], references: tuple[str, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in zip(keys, row, strict=False):
        if key in references and value in (0, "0"):
            value = None
        *parents, last = key.split(".")
        place = record
        for part in parents:
            place = place.setdefault(part, {})
            if not isinstance(place, dict):  # "FPost" asked for itself and through a field: keep the key whole
                place = record
                last = key
                break
        place[last] = value
    return record


def fold_posts(records: list[Any], id_key: str = "FID") -> list[Any]:
    """One record per employee from the 任岗 rows ExecuteBillQuery gives (a row per post): the row of
    the main post (``FIsFirstPost``), else the first; in the order employees first appear.

    Example:
        >>> rows = [{"FID": 1, "FPost.FName": "出纳", "FIsFirstPost": False},
        ...         {"FID": 1, "FPost.FName": "会计", "FIsFirstPost": True}, {"FID": 2, "FIsFirstPost": None}]
        >>> [(r["FID"], r.get("FPost.FName")) for r in fold_posts(rows)]
        [(1, '会计'), (2, None)]
    """
    chosen: dict[Any, Any] = {}
    for position, record in enumerate(records):
        key = record.get(id_key) if isinstance(record, dict) else None
        if key is None or isinstance(key, (dict, list)):
            chosen[("row", position)] = record  # no id: kept, so its mapping refuses it by name
        elif key not in chosen or (_main_post(record) and not _main_post(chosen[key])):
            chosen[key] = record
    return list(chosen.values())


def _main_post(record: Mapping[str, Any]) -> bool:
    return record.get("FIsFirstPost") in (True, 1, "1", "true", "True")


@dataclass(frozen=True)
class KingdeeEnvelope(Envelope):
    """``Result.ResponseStatus`` with ``IsSuccess`` false is a failure, whatever the HTTP status says;
    its ``MsgCode`` is the code, its errors (``FieldName: Message``) the message.

    Example:
        >>> env = KingdeeEnvelope(auth=(1,))
        >>> env.failure({"Result": {"ResponseStatus": {"IsSuccess": False, "MsgCode": 11,
        ...     "Errors": [{"FieldName": "FName", "Message": "姓名 是必填项", "DIndex": 0}]}}})
        ('11', 'FName: 姓名 是必填项')
        >>> env.failure([["100001", "测试员工一"]]) is None
        True
        >>> KingdeeEnvelope(auth=(1,), per_record=True).failure({"Result": {"ResponseStatus": {"IsSuccess": False,
        ...     "MsgCode": 11, "Errors": [{"FieldName": "FName", "Message": "姓名 是必填项", "DIndex": 1}]}}}) is None
        True
    """

    #: For a bulk service (BatchSave): refusals that each name their record (``DIndex``) are the
    #: caller's to read, record by record (:func:`~plugins.erp.kingdee_batch.batch_outcomes`); a lost
    #: session still fails the call.
    per_record: bool = False

    def failure(self, body: Any) -> tuple[str, str | None] | None:
        status = response_status(body)
        if status is None or status.get("IsSuccess") is not False:
            return None
        code = str(status.get("MsgCode", status.get("ErrorCode")))
        if self.per_record and code not in self.auth and names_records(status):
            return None
        return code, error_text(status)


def _stream(name: str, entity: str) -> Stream:
    return Stream(name=name, entity=entity, path=QUERY, method="POST", record_path="", cursor_field=MODIFIED,
                  cursor_param="data.FilterString", cursor_format=f"{MODIFIED} >= '{{value}}'",
                  primary_key=FORMS[name][1][0])


class Kingdee(KingdeeWrites, RestConnector):
    """Kingdee 云星空 → employees (员工 with their main 任岗), departments (部门), jobs (岗位); accepted
    offers → employees (:class:`~plugins.erp.kingdee_write.KingdeeWrites`).

    Example:
        >>> kd = Kingdee({"base_url": "https://erp.example.com/k3cloud/", "acct_id": "65f0c0ffee0001",
        ...               "username": "api", "password": "test-secret-not-real"})
        >>> request = kd.first_request(kd.stream("departments"), since="2024-06-01T09:00:00")
        >>> request.url, request.json["data"]["FormId"], request.json["data"]["FilterString"]
        ('/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc', 'BD_Department', "FModifyDate >= '2024-06-01T09:00:00'")
    """

    name = "kingdee"
    category = Category.ERP
    title = "Kingdee 金蝶云星空 (K/3 Cloud) WebAPI"
    documentation = "https://vip.kingdee.com/article/490771221039228672"
    base_url = ""
    record_path = ""
    page_size = MAX_LIMIT
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    envelope = KingdeeEnvelope(auth=(1,))
    batch_envelope = KingdeeEnvelope(auth=(1,), per_record=True)
    required_settings = ("base_url", "acct_id", "username")
    default_settings = {"lcid": 2052, "org_num": "0", "session_lost_codes": [1], "field_keys": {}, "filters": {},
                        "app_id_xor_key": "0054f397c6234378b09ca7d3e5debce7", "sign_timestamp_ms": True,
                        **KingdeeWrites.write_defaults}
    optional_settings = ("password", "app_id", "app_secret", "page_size", "timeout", "retry",
                         *KingdeeWrites.write_optional)
    streams = (_stream("employees", "employee"), _stream("departments", "department"), _stream("posts", "job"))

    def __init__(self, settings: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.settings["base_url"] = str(self.setting("base_url")).rstrip("/")
        if not (self.settings.get("password") or (self.settings.get("app_id") and self.settings.get("app_secret"))):
            raise ConfigError("connector 'kingdee' needs password (ValidateUser) or app_id and app_secret "
                              "(第三方系统登录授权) in hub.yaml", system=self.name)  # fmt: skip
        size = self.settings.get("page_size", MAX_LIMIT)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_LIMIT:
            raise ConfigError(f"connector 'kingdee': page_size is a whole number from 1 to {MAX_LIMIT}, not {size!r}",
                              system=self.name)
        self.rows_per_page = size

    def authenticator(self) -> httpx.Auth:
        """The signed headers when an AppID is given, else a ValidateUser session."""
        common = {"acct_id": str(self.setting("acct_id")), "username": str(self.setting("username")),
                  "lcid": int(self.setting("lcid"))}
        if self.settings.get("app_id"):
            return SignedHeadersAuth(str(self.setting("app_id")), str(self.setting("app_secret")), **common,
                                     org_num=str(self.setting("org_num")), xor_key=str(self.setting("app_id_xor_key")),
                                     timestamp_ms=bool(self.settings.get("sign_timestamp_ms")))
        return SessionAuth(self.settings["base_url"] + LOGIN, **common, password=str(self.setting("password")),
                           lost_codes=self.settings.get("session_lost_codes") or ())

    def field_keys(self, stream: Stream) -> tuple[str, ...]:
        """The stream's FieldKeys: the ``field_keys`` setting's (a list or comma-separated text), else the default."""
        given = (self.settings.get("field_keys") or {}).get(stream.name)
        if given is None:
            return FORMS[stream.name][1]
        keys = tuple(k.strip() for k in (given.split(",") if isinstance(given, str) else given) if str(k).strip())
        if not keys:
            raise ConfigError(f"connector 'kingdee': field_keys.{stream.name} names no field", system=self.name)
        return keys

    def paginator_for(self, stream: Stream) -> OffsetPaginator:
        """``StartRow``/``Limit`` inside the body's ``data``; an empty answer ends the list."""
        return OffsetPaginator(limit=self.rows_per_page, offset_param="StartRow", limit_param="Limit", location="json",
                               json_path=("data",))

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The ExecuteBillQuery of the stream's form: its field keys, its fixed filter AND the cursor's."""
        if tombstones:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        keys = self.field_keys(stream)
        conditions = [str(f) for f in ((self.settings.get("filters") or {}).get(stream.name),) if f]
        if since is not None:
            conditions.append(stream.cursor_format.format(value=since.replace("'", "''")))
        where = " AND ".join(f"({c})" for c in conditions) if len(conditions) > 1 else "".join(conditions)
        return PageRequest(stream.path, json={"data": {
            "FormId": FORMS[stream.name][0], "FieldKeys": ",".join(keys), "FilterString": where,
            "OrderString": f"{MODIFIED} ASC,{keys[0]} ASC", "TopRowCount": 0}})

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """The rows as records keyed by the stream's field keys; employees folded to their main post."""
        records = rows_to_records(self.field_keys(stream), listed, REFERENCES.get(stream.name, ()))
        return fold_posts(records, self.field_keys(stream)[0]) if stream.name == "employees" else records


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``kingdee = "plugins.erp.kingdee"`` registers this module."""
    return [Kingdee]
