"""Yonyou YonBIP / YonSuite open platform: staff and departments, kept current by the encrypted event push (issue 35, point 4).

Follows the open platform's self-built app guide (https://open.yonyoucloud.com/#/doc-center/docDes/doc?code=open_jrwd,
"企业自建应用接入 -> 开发流程") and its official demo, https://github.com/yonyoucloud-open/corp-demo
(``README.md``, ``crypto/SignHelper.java``, ``crypto/EventCrypto.java``, ``crypto/PrivateAppCrypto.java``,
``web/PushController.java``), and the API pages of the 数字化建模 employee and department APIs
(员工 ``/yonbip/digitalModel/staff/listForApi`` and ``/staff/detail``; 部门 ``/admindept/tree`` and
``/admindept/detail``); facts, sources and open points in docs/connectors/yonyou.md. What is declaration:

* the self-built app token (:class:`YonyouSelfAppAuth`): ``GET .../open-auth/selfAppAuth/base/v1/getAccessToken``
  with ``appKey``, ``timestamp`` (ms) and ``signature`` = Base64(HMAC-SHA256(appSecret, the parameters
  sorted by name, each name then value)); the answer ``{"code": "00000", "data": {"access_token", "expire"}}``;
  the token travels as the ``access_token`` query parameter and is kept until ``expire``;
* the ``{code, message, data}`` envelope, ``code`` ``"200"`` for a call that worked
  (:data:`ENVELOPE`); any other code is a typed error carrying it;
* staff pages: ``POST /yonbip/digitalModel/staff/listForApi`` with ``{"pageIndex", "pageSize", "pubts"}``
  in the body (``pageSize`` at most 500), records at ``data.recordList``, ``data.pageCount`` pages;
  ``pubts`` ("the data after this time", ``yyyy-MM-dd HH:mm:ss``) is the incremental filter;
* departments: ``POST /yonbip/digitalModel/admindept/tree`` under one administrative organisation
  (the ``org_code`` setting), every status (0 not enabled, 1 enabled, 2 disabled), ``pubts`` again;
  the tree arrives in one answer and is flattened here (:func:`flatten_tree`);
* the event push (:meth:`Yonyou.verify_webhook_request`): ``{"msgSignature" (or "signature"),
  "timestamp", "nonce", "encrypt"}``, the signature the hex SHA-1 (``event_signature: sha256`` for the
  newer page's SHA-256) of appSecret, timestamp, nonce and encrypt sorted; ``encrypt`` AES-CBC with
  the key made from the appSecret (:func:`aes_key_from_secret`) and framed for the appKey
  (:class:`~hub.core.msg_crypt.MsgCrypt`); the event ``{type, eventId, timestamp, tenantId, staffId[],
  deptId[], userId[]}``. STAFF_ADD / STAFF_UPDATE / STAFF_ENABLE / STAFF_DISABLE fetch each staff
  member from ``/staff/detail`` (so a disabled one is stored as terminated), DEPT_ADD / UPDATE / ENABLE
  / DISABLE each department from ``/admindept/detail``; STAFF_DELETE and DEPT_DELETE mark them
  deleted; ``eventId`` is the delivery id (a re-push is refused as a replay). ``CHECK_URL`` (the
  platform testing the address) is answered, nothing stored (:meth:`Yonyou.webhook_answer`); every
  stored event is answered with the encrypted, signed ``success`` the platform waits for
  (:meth:`Yonyou.webhook_receipt`, also for an event stored before), else it pushes again for 24 hours.

Details the documentation leaves open are settings, never guessed: the data centre's gateway and auth
hosts (``base_url``, ``token_url``: ``GET https://apigateway.yonyoucloud.com/open-auth/dataCenter/getGatewayAddress?tenantId=``
names them); the push signature's hash (``event_signature``); the organisation whose departments are
read (``org_code``); codes that mean "token expired" (``token_expired_codes``: none documented, a
401 refreshes). Payroll (用友薪资) has no public API: it goes through import files
(docs/connectors/yonyou.md, "Payroll").

hub.yaml::

    connectors:
      yonyou:
        app_key: ${YONYOU_APP_KEY}
        app_secret: ${YONYOU_APP_SECRET}
        base_url: https://c2.yonyoucloud.com/iuap-api-gateway      # data.gatewayUrl of getGatewayAddress
        token_url: https://c2.yonyoucloud.com/iuap-api-auth/open-auth/selfAppAuth/base/v1/getAccessToken
        org_code: "0001"                                          # the 行政组织 whose departments are read
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import httpx

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.msg_crypt import MsgCrypt
from hub.core.paginators import PageNumberPaginator, PageRequest, SinglePagePaginator
from hub.core.webhooks import webhook_object

__all__ = ["ENVELOPE", "Yonyou", "YonyouSelfAppAuth", "aes_key_from_secret", "event_records", "flatten_tree",
           "token_signature"]

TOKEN_URL = "https://c2.yonyoucloud.com/iuap-api-auth/open-auth/selfAppAuth/base/v1/getAccessToken"
#: ``{"code": "200", "message": "操作成功", "data": {...}}``; ``999`` 操作失败 and any other code fail the call.
ENVELOPE = Envelope(code="code", message="message", ok=("200",))
STAFF_LIST = "/yonbip/digitalModel/staff/listForApi"
DEPT_TREE = "/yonbip/digitalModel/admindept/tree"
#: Every department status: 0 not enabled, 1 enabled, 2 disabled (a disabled one is read, not lost).
DEPT_STATUSES = ["0", "1", "2"]
#: Event type → (stream, the event's id list): the records an event names.
_EVENTS = {
    **dict.fromkeys(("STAFF_ADD", "STAFF_UPDATE", "STAFF_ENABLE", "STAFF_DISABLE"), ("staff_events", "staffId")),
    **dict.fromkeys(("DEPT_ADD", "DEPT_UPDATE", "DEPT_ENABLE", "DEPT_DISABLE"), ("department_events", "deptId")),
    "STAFF_DELETE": ("staff_deletions", "staffId"),
    "DEPT_DELETE": ("department_deletions", "deptId"),
}
_DELETIONS = ("staff_deletions", "department_deletions")


def token_signature(params: Mapping[str, str], app_secret: str) -> str:
    """``Base64(HMAC-SHA256(appSecret, name1value1name2value2…))`` over the parameters sorted by name
    (the URL encoding the demo adds is the query string's own).

    Example:
        >>> token_signature({"timestamp": "1568098531823", "appKey": "41832a3d2df94989b500da6a22268747"}, "s")
        'ZyP8nl4yBcPcyw5UlvtQ8h3P9I5+Xux5122hihgxf2A='
    """
    text = "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(app_secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def aes_key_from_secret(app_secret: str) -> str:
    """The 43-character encoding AES key of a self-built app: its appSecret without ``-``, cut to 43
    characters or filled up with ``0`` (corp-demo ``PrivateAppCrypto.buildAesKeyFromSecret``).

    Example:
        >>> aes_key_from_secret("3f2a-9b")
        '3f2a9b0000000000000000000000000000000000000'
    """
    return app_secret.replace("-", "")[:43].ljust(43, "0")


class YonyouSelfAppAuth(AppTokenAuth):
    """The self-built app's ``access_token``: each token request signed afresh with the time in ms.

    Example:
        >>> auth = YonyouSelfAppAuth("https://c2.example.test/getAccessToken", "ak", "as", clock=lambda: 1568098531.823)
        >>> dict(auth._token_request().url.params)["timestamp"]
        '1568098531823'
    """

    def __init__(self, token_url: str, app_key: str, app_secret: str, **kwargs: Any) -> None:
        super().__init__(token_url, method="GET", token_path="data.access_token", expires_in_path="data.expire",
                         query_param="access_token", **kwargs)  # fmt: skip
        self._app_key, self._app_secret = app_key, app_secret

    def _credentials(self) -> Sequence[str]:
        return (self._app_secret,)

    def _token_request(self) -> httpx.Request:
        params = {"appKey": self._app_key, "timestamp": str(round(self._clock() * 1000))}
        return httpx.Request("GET", self._url, params={**params, "signature": token_signature(params, self._app_secret)})


def flatten_tree(nodes: Any) -> Iterator[dict[str, Any]]:
    """Every department of an ``admindept/tree`` answer, parents before their children, each without
    its ``children`` (they follow as records of their own).

    Example:
        >>> [d["id"] for d in flatten_tree([{"id": "1", "children": [{"id": "2", "children": []}]}, {"id": "3"}])]
        ['1', '2', '3']
    """
    for node in nodes if isinstance(nodes, list) else ():
        if isinstance(node, dict):
            yield {key: value for key, value in node.items() if key != "children"}
            yield from flatten_tree(node.get("children"))


def event_records(event: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The ``(stream, record)`` pairs a decrypted event names: ids to fetch, or deletion flags.

    Example:
        >>> event_records({"type": "STAFF_DISABLE", "staffId": ["s1", "s2"]})
        [('staff_events', 's1'), ('staff_events', 's2')]
        >>> event_records({"type": "DEPT_DELETE", "deptId": ["d1"]})
        [('department_deletions', {'id': 'd1', 'deleted': True})]
        >>> event_records({"type": "USER_ADD", "userId": ["u1"]})
        []
    """
    stream, ids_field = _EVENTS.get(str(event.get("type")), (None, None))
    if stream is None or ids_field is None:
        return []  # USER_ADD / USER_DELETE name platform users, not staff: no canonical record
    ids = [str(i) for i in event.get(ids_field) or () if isinstance(i, (str, int)) and str(i)]
    return [(stream, {"id": i, "deleted": True} if stream in _DELETIONS else i) for i in ids]


class Yonyou(RestConnector):
    """Yonyou YonBIP → employees (staff) and departments; the event push keeps both current.

    Example:
        >>> yy = Yonyou({"app_key": "ak", "app_secret": "as", "org_code": "0001"})
        >>> yy.first_request(yy.stream("staff"), since="2024-06-01 09:00:00").json
        {'pageSize': 100, 'pubts': '2024-06-01 09:00:00'}
        >>> yy.first_request(yy.stream("departments"), since=None).json
        {'externalData': {'parentorgcode': '0001', 'enable': ['0', '1', '2']}}
    """

    name = "yonyou"
    category = Category.ERP
    title = "Yonyou YonBIP open platform (staff, departments, event push)"
    documentation = "https://open.yonyoucloud.com/#/doc-center/docDes/doc?code=open_jrwd"
    base_url = "https://c2.yonyoucloud.com/iuap-api-gateway"
    record_path = "data"
    page_size_param = "pageSize"
    envelope = ENVELOPE
    receives_webhooks = True
    required_settings = ("app_key", "app_secret")
    default_settings = {"token_url": TOKEN_URL, "event_signature": "sha1"}
    optional_settings = ("org_code", "token_expired_codes")
    webhook_secret_setting = "app_secret"
    streams = (
        Stream(name="staff", entity="employee", path=STAFF_LIST, method="POST", record_path="data.recordList",
               paginator=lambda: PageNumberPaginator(page_param="pageIndex", total_pages_path="data.pageCount",
                                                     in_body=True),
               cursor_field="pubts", cursor_param="pubts"),
        Stream(name="departments", entity="department", path=DEPT_TREE, method="POST",
               paginator=SinglePagePaginator, cursor_field="pubts", cursor_param="externalData.pubts"),
        # what the event push names: fetched one by one, or marked deleted
        Stream(name="staff_events", entity="employee", path=STAFF_LIST, pulled=False,
               detail=Detail(path="/yonbip/digitalModel/staff/detail?id={id}", record_path="data")),
        Stream(name="department_events", entity="department", path=DEPT_TREE, pulled=False,
               detail=Detail(path="/yonbip/digitalModel/admindept/detail?id={id}", record_path="data")),
        Stream(name="staff_deletions", entity="employee", path=STAFF_LIST, pulled=False, deleted_field="deleted"),
        Stream(name="department_deletions", entity="department", path=DEPT_TREE, pulled=False,
               deleted_field="deleted"),
    )
    #: Unix time for the token request's ``timestamp`` and the token's lifetime; tests pin it.
    token_clock: ClassVar[Callable[[], float]] = staticmethod(time.time)

    def authenticator(self) -> YonyouSelfAppAuth:
        return YonyouSelfAppAuth(str(self.setting("token_url")), str(self.setting("app_key")),
                                 str(self.setting("app_secret")), clock=type(self).token_clock,
                                 refresh_codes=tuple(self.settings.get("token_expired_codes") or ()))  # fmt: skip

    # -- pulled pages

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The list's JSON body: page size (the page number is the paginator's) or the department
        tree's organisation and statuses, and ``pubts`` from ``since``."""
        if tombstones:
            raise ConfigError(f"stream {stream.name!r} has no tombstones endpoint", system=self.name)
        if stream.name == "departments":
            query: dict[str, Any] = {"parentorgcode": self.setting("org_code"), "enable": list(DEPT_STATUSES)}
            return PageRequest(stream.path, json={"externalData": {**query, **({"pubts": since} if since else {})}})
        body: dict[str, Any] = {self.page_size_param: self.page_size if stream.page_size is None else stream.page_size}
        return PageRequest(stream.path, json={**body, **({"pubts": since} if since else {})})

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """The department tree's nodes as one list (:func:`flatten_tree`); staff pages as they are."""
        return list(flatten_tree(listed)) if stream.name == "departments" else listed

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Departments get ``_hub.parent_department``: their ``parent`` when it is a department, not the
        organisation unit a top-level department hangs from (``parent == parentorgid``)."""
        if stream.entity != "department":
            return records
        return [{**r, "_hub": {"parent_department": _parent_department(r)}} if isinstance(r, dict) else r
                for r in records]

    # -- the event push

    def _crypt(self) -> MsgCrypt:
        secret = str(self.setting("app_secret"))
        return MsgCrypt(secret, aes_key_from_secret(secret), str(self.setting("app_key")),
                        hash_name=str(self.setting("event_signature")), system=self.name)  # fmt: skip

    def _event(self, raw_body: bytes) -> dict[str, Any]:
        """The decrypted event of a push whose signature checks out.

        Raises:
            WebhookVerificationError: a field missing, the signature wrong, the ciphertext not framed
                for this app, or the event not a JSON object.
        """
        body = webhook_object(raw_body, self.name)
        signature = body.get("msgSignature") or body.get("signature")
        timestamp, nonce, encrypt = body.get("timestamp"), body.get("nonce"), body.get("encrypt")
        if not all(isinstance(v, str) and v for v in (signature, nonce, encrypt)) or not isinstance(timestamp, (int, str)):
            raise WebhookVerificationError("the push lacks msgSignature, timestamp, nonce or encrypt", system=self.name)
        crypt = self._crypt()
        crypt.verify(str(signature), str(timestamp), str(nonce), str(encrypt))
        try:
            event = json.loads(crypt.decrypt(str(encrypt)))
        except ValueError:
            raise WebhookVerificationError("the decrypted event is not JSON", system=self.name) from None
        if not isinstance(event, dict):
            raise WebhookVerificationError("the decrypted event is not a JSON object", system=self.name)
        return event

    def verify_webhook_request(self, headers: Mapping[str, str], query: Mapping[str, str], raw_body: bytes) -> str | None:
        """Check the push's signature and decryption; its ``eventId`` is the delivery id."""
        event_id = self._event(raw_body).get("eventId")
        return str(event_id) if event_id not in (None, "") else None

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """The records the (verified) push's event names (:func:`event_records`)."""
        return event_records(self._event(json.dumps(body).encode()))

    def webhook_answer(self, headers: Mapping[str, str], raw_body: bytes) -> Mapping[str, Any] | None:
        """``CHECK_URL`` (the platform testing the callback address): verified, answered, nothing stored."""
        try:
            body = json.loads(raw_body)
        except ValueError:
            return None
        if not isinstance(body, dict) or "encrypt" not in body or self._event(raw_body).get("type") != "CHECK_URL":
            return None
        return self.success()

    def webhook_receipt(self) -> Mapping[str, Any]:
        """The encrypted, signed ``success`` the platform waits for before it stops pushing an event
        (also for one stored before, whose answer was lost)."""
        return self.success()

    def success(self, *, now_ms: int | None = None, nonce: str | None = None) -> dict[str, Any]:
        """``{"msgSignature", "timestamp", "nonce", "encrypt"}`` of ``success`` (corp-demo ``encryptMsg``)."""
        timestamp = now_ms if now_ms is not None else round(type(self).token_clock() * 1000)
        sealed = self._crypt().encrypt(b"success", nonce=nonce or secrets.token_hex(8), timestamp=str(timestamp))
        return {"msgSignature": sealed.signature, "timestamp": timestamp, "nonce": sealed.nonce,
                "encrypt": sealed.encrypt}


def _parent_department(record: Mapping[str, Any]) -> Any:
    parent = record.get("parent")
    return None if parent in (None, "") or parent == record.get("parentorgid") else parent


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``yonyou = "plugins.erp.yonyou"`` registers this module."""
    return [Yonyou]
