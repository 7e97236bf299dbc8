"""WeCom (企业微信): the directory (departments, members) in, change callbacks as incremental updates, and
application / group-bot messages out (issue 35).

Facts and sources: docs/connectors/wecom.md (the official documents at
https://developer.work.weixin.qq.com/document/, with the pages each fact follows). What is declaration:

* the access token — ``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → ``{errcode, errmsg, access_token,
  expires_in}`` (https://developer.work.weixin.qq.com/document/path/91039), cached until it expires, sent as
  ``?access_token=`` and fetched again when an answer says it is invalid or expired (``40014``, ``42001``,
  :data:`TOKEN_CODES`). One token per secret: ``corpsecret`` is the secret of the app whose visibility
  the directory is read through;
* the ``{errcode, errmsg}`` envelope on HTTP 200 (https://developer.work.weixin.qq.com/document/path/90313):
  ``45009`` / ``45033`` (frequency and concurrency limits, https://developer.work.weixin.qq.com/document/path/90454)
  retried as throttling, ``-1`` (system busy) as transient, the token and credential codes as an
  :class:`~hub.core.errors.AuthError` (:attr:`WeCom.envelope`);
* ``GET /cgi-bin/department/list`` — every department in the app's visibility, in one answer
  (https://developer.work.weixin.qq.com/document/path/90208);
* ``POST /cgi-bin/user/list_id`` with ``{cursor, limit}`` → ``dept_user[{userid, department}]`` and
  ``next_cursor`` (empty at the end) (https://developer.work.weixin.qq.com/document/path/96067); each member
  is then ``GET /cgi-bin/user/get?userid=`` (https://developer.work.weixin.qq.com/document/path/90196), a
  :class:`~hub.core.connector.Detail` endpoint. ``list_id`` lists a member once per department, so a page's
  repeats are fetched once (:meth:`WeCom.page_records`); the older ``user/list`` per department is not used.

With ``roster_fields`` set, each member's 人事助手 roster fields are read too (``POST /cgi-bin/hr/get_staff_info``
with ``{userid, get_all: false, fieldids}``, https://developer.work.weixin.qq.com/document/path/99132; self-built
apps only): the field ids are the tenant's (``GET /cgi-bin/hr/get_fields``, .../path/99131), so the setting names
them with the label the mapping reads (``_hub.roster.<label>``, :func:`roster_values`).

WeCom has no "changed since" filter: every pull is a full pass, and changes arrive as contact-change
callbacks (``Event=change_contact``, https://developer.work.weixin.qq.com/document/path/90970):
``create_user`` / ``update_user`` fetch the member named (``NewUserID`` when the id changed, the old id
then marked deleted), ``delete_user`` marks the member deleted, ``create_party`` / ``update_party`` fetch
the department (``GET /cgi-bin/department/get?id=``, https://developer.work.weixin.qq.com/document/path/95351),
``delete_party`` marks it deleted; other events (tags, batch jobs) store nothing.

Callbacks (https://developer.work.weixin.qq.com/document/path/90968, 91144) are XML, signed and encrypted
with the WXBizMsgCrypt scheme DingTalk shares (:class:`~hub.core.msg_crypt.MsgCrypt`: the app's callback
``Token`` and ``EncodingAESKey``, the CorpID as receive id): ``msg_signature``, ``timestamp`` and ``nonce``
on the URL, ``<Encrypt>`` in the body. The URL check WeCom makes when the callback is saved (a GET with
``echostr``) is answered with the decrypted ``echostr`` (:meth:`WeCom.webhook_handshake`). The delivery id
is the ``msg_signature``: it binds the timestamp, nonce and ciphertext, so a replay is refused.

Bodies are parsed with ``defusedxml`` (already a dependency of the files connector through openpyxl):
a callback body is untrusted until its signature is checked, and entity expansion is refused outright.

The write side (messages as a delivery target) is :mod:`plugins.hr_suites.wecom_write`.

hub.yaml::

    connectors:
      wecom:
        type: wecom
        settings:
          corpid: ${WECOM_CORPID}
          corpsecret: ${WECOM_APP_SECRET}          # a self-built app's secret (its visibility is what is read)
          callback_token: ${WECOM_CALLBACK_TOKEN}  # callbacks only: the app's 接收事件服务器 Token
          encoding_aes_key: ${WECOM_ENCODING_AES_KEY}  # callbacks only: its 43-character EncodingAESKey
          user_page_size: 1000                     # list_id's limit (1–10000)
          roster_fields: {入职日期: 12018}          # 人事助手 fields read per member: label → field id (hr/get_fields)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.msg_crypt import MsgCrypt
from hub.core.paginators import CursorPaginator, PageRequest

from plugins.hr_suites.wecom_write import WeComMessages  # the write side (delivery), kept apart

__all__ = ["TOKEN_CODES", "WeCom", "parent_of", "roster_values", "xml_fields"]

API = "https://qyapi.weixin.qq.com/cgi-bin"
#: Answers to a request whose token is no longer good: 40014 invalid access_token, 42001 access_token
#: expired (https://developer.work.weixin.qq.com/document/path/91039, the global error codes page 90313).
TOKEN_CODES = (40014, 42001)
#: Frequency (45009) and concurrency (45033) limits: retried after a pause.
THROTTLED = (45009, 45033)
#: The query parameters WeCom puts on the callback URL.
CALLBACK_QUERY = ("msg_signature", "timestamp", "nonce", "echostr")


def _wecom_pages() -> CursorPaginator:
    """``next_cursor`` sent back as ``cursor`` in the POST body; an empty one ends the list."""
    return CursorPaginator(cursor_path="next_cursor", cursor_param="cursor", location="json")


def xml_fields(raw: bytes | str, system: str) -> dict[str, str]:
    """The child elements of an XML document's root as ``{tag: text}`` (WeCom's callback envelope and
    its events are flat), parsed with entity expansion and DTDs refused.

    Example:
        >>> xml_fields(b"<xml><Event><![CDATA[change_contact]]></Event><UserID>u1</UserID></xml>", "wecom")
        {'Event': 'change_contact', 'UserID': 'u1'}

    Raises:
        WebhookVerificationError: not well-formed XML, or XML with entities or a DTD.
    """
    try:
        root: Element = fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise WebhookVerificationError("the callback body is not well-formed XML without entities",
                                       system=system) from None
    return {child.tag: (child.text or "").strip() for child in root}


def roster_values(field_info: Any, labels: Mapping[int, str]) -> dict[str, Any]:
    """The 人事助手 roster values ``hr/get_staff_info`` answered, by the label hub.yaml gives each field id:
    text (``value_type`` 1), whole numbers (2 uint64 — times are Unix seconds —, 3 uint32 — an option's
    id —, 4 int64) and mobiles (5, ``+<country code><number>``). Fields not read (``result`` other than 1),
    files (6), repeated groups' later entries (``sub_idx`` > 0) and unknown types are left out.

    Example:
        >>> roster_values([{"fieldid": 12024, "sub_idx": 0, "result": 1, "value_type": 1, "value_string": "E0001"},
        ...                {"fieldid": 12018, "sub_idx": 0, "result": 1, "value_type": 2, "value_uint64": 1719763200},
        ...                {"fieldid": 11003, "sub_idx": 0, "result": 3, "value_type": 5}],
        ...               {12024: "工号", 12018: "入职日期", 11003: "手机"})
        {'工号': 'E0001', '入职日期': 1719763200}
    """
    values: dict[str, Any] = {}
    for field in field_info if isinstance(field_info, list) else ():
        if not isinstance(field, dict) or field.get("result") != 1 or field.get("sub_idx", 0) != 0:
            continue
        label = labels.get(field.get("fieldid"))  # type: ignore[arg-type]
        value = _roster_value(field)
        if label is not None and value is not None:
            values[label] = value
    return values


def _roster_value(field: Mapping[str, Any]) -> Any:
    kind = field.get("value_type")
    if kind == 5:
        mobile = field.get("value_mobile")
        if not isinstance(mobile, dict) or not mobile.get("value_mobile"):
            return None
        code = str(mobile.get("value_country_code") or "").lstrip("+")
        return f"+{code}{mobile['value_mobile']}" if code else str(mobile["value_mobile"])
    key = {1: "value_string", 2: "value_uint64", 3: "value_uint32", 4: "value_int64"}.get(kind)  # type: ignore[arg-type]
    value = field.get(key) if key else None
    return None if value in (None, "") or isinstance(value, (dict, list, bool)) else value


def parent_of(department: Mapping[str, Any]) -> Any:
    """A department's parent id; None for the root (``parentid`` 0) or a department that names none.

    Example:
        >>> parent_of({"id": 2, "parentid": 1}), parent_of({"id": 1, "parentid": 0})
        (1, None)
    """
    parent = department.get("parentid")
    return None if parent in (None, 0, "0", "") else parent


class WeCom(WeComMessages, RestConnector):
    """WeCom → departments (department), members (employee); contact changes by callback; messages out
    (:mod:`plugins.hr_suites.wecom_write`).

    Example:
        >>> wc = WeCom({"corpid": "ww-test", "corpsecret": "s"})
        >>> wc.first_request(wc.stream("users"), since=None).json
        {'limit': 1000}
    """

    name = "wecom"
    category = Category.HR_SUITES
    title = "WeCom (企业微信)"
    documentation = "https://developer.work.weixin.qq.com/document/path/90664"
    base_url = API
    paginator = staticmethod(_wecom_pages)
    page_size = 0  # only list_id pages, with `limit` in its body (first_request)
    envelope = Envelope(code="errcode", message="errmsg", throttled=THROTTLED, transient=(-1,),
                        auth=(*TOKEN_CODES, 40001, 40013, 41001, 40091))
    receives_webhooks = True
    webhook_secret_setting = "encoding_aes_key"
    webhook_query_params = CALLBACK_QUERY
    required_settings = ("corpid", "corpsecret")
    default_settings = {"user_page_size": 1000}
    optional_settings = ("callback_token", "roster_fields", *WeComMessages.message_settings)
    streams = (
        Stream(name="departments", entity="department", path="/department/list", record_path="department"),
        Stream(name="users", entity="employee", path="/user/list_id", method="POST", record_path="dept_user",
               primary_key="userid",
               detail=Detail(path="/user/get?userid={id}", id_path="userid")),
        Stream(name="department_updates", entity="department", path="/department/list", mapping="department.yaml",
               pulled=False, detail=Detail(path="/department/get?id={id}", record_path="department", id_path="id")),
        Stream(name="user_removals", entity="employee", path="/user/list_id", mapping="employee.yaml", pulled=False,
               primary_key="userid", deleted_field="deleted"),
        Stream(name="department_removals", entity="department", path="/department/list", mapping="department.yaml",
               pulled=False, deleted_field="deleted"),
    )
    token_clock: Callable[[], float] = staticmethod(time.time)  # when the cached token expires; tests pin it

    def authenticator(self) -> AppTokenAuth:
        """``gettoken`` with the CorpID and the app's secret; the token in ``?access_token=``."""
        token_url = str(self.settings.get("base_url") or self.base_url).rstrip("/") + "/gettoken"
        return AppTokenAuth(token_url, method="GET",
                            params={"corpid": str(self.setting("corpid")), "corpsecret": str(self.setting("corpsecret"))},
                            query_param="access_token", refresh_codes=TOKEN_CODES, code_path="errcode",
                            clock=type(self).token_clock)

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The base's request; ``list_id`` takes its page size as ``limit`` in the JSON body."""
        request = super().first_request(stream, since=since, tombstones=tombstones)
        if stream.method != "POST":
            return request
        return replace(request, json={"limit": int(self.settings.get("user_page_size") or 1000)})

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """``list_id`` names a member once per department: each member once, in first-seen order."""
        if stream.name != "users":
            return listed
        seen: dict[str, Any] = {}
        for item in listed:
            userid = item.get("userid") if isinstance(item, dict) else None
            if not isinstance(userid, str) or not userid:
                raise MalformedPageError("a listed member names no userid (an open_userid list is not read)",
                                         system=self.name, stream=stream.name)
            seen.setdefault(userid, item)
        return list(seen.values())

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with the ``_hub`` values the mappings read: a department's
        ``parent`` (the ``parentid``, except the root's ``0``, which names no department: a mapping rule
        cannot leave a reference half made); a member's ``roster`` when ``roster_fields`` names the
        人事助手 fields to read (``POST /hr/get_staff_info`` per member,
        https://developer.work.weixin.qq.com/document/path/99132)."""
        if stream.entity == "department":
            return [{**r, "_hub": {"parent": parent_of(r)}} if isinstance(r, dict) else r for r in records]
        labels = self._roster_labels()
        if stream.name != "users" or not labels:
            return records
        return [{**r, "_hub": {"roster": self._roster(client, r, labels)}} if isinstance(r, dict) else r
                for r in records]  # fmt: skip

    def _roster_labels(self) -> dict[int, str]:
        """``roster_fields`` (label → field id, as ``hr/get_fields`` lists them) turned around."""
        fields = self.settings.get("roster_fields") or {}
        if not isinstance(fields, Mapping) or not all(str(i).isdigit() for i in fields.values()):
            raise ConfigError(f"connector {self.name!r}: setting 'roster_fields' maps labels to numeric field ids",
                              system=self.name)
        return {int(fieldid): str(label) for label, fieldid in fields.items()}

    def _roster(self, client: HttpClient, member: Mapping[str, Any], labels: Mapping[int, str]) -> dict[str, Any]:
        body = {"userid": member.get("userid"), "get_all": False,
                "fieldids": [{"fieldid": fieldid, "sub_idx": 0} for fieldid in labels]}
        return roster_values(client.post("/hr/get_staff_info", json=body).json().get("field_info"), labels)

    # -- callbacks

    def _crypt(self) -> MsgCrypt:
        return MsgCrypt(str(self.setting("callback_token")), str(self.setting("encoding_aes_key")),
                        str(self.setting("corpid")), system=self.name)

    def verify_webhook_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                               raw_body: bytes) -> str | None:
        """``msg_signature`` over the token, ``timestamp``, ``nonce`` and the body's ``<Encrypt>``; the
        signature is the delivery id (it binds all three, so a replay carries the same one)."""
        encrypt = xml_fields(raw_body, self.name).get("Encrypt", "")
        signature = str(query.get("msg_signature", ""))
        self._crypt().verify(signature, str(query.get("timestamp", "")), str(query.get("nonce", "")), encrypt)
        return signature.lower()

    def webhook_body(self, raw_body: bytes) -> dict[str, str]:
        """The event a verified callback carries: its ``<Encrypt>`` decrypted and parsed."""
        encrypt = xml_fields(raw_body, self.name).get("Encrypt", "")
        return xml_fields(self._crypt().decrypt(encrypt), self.name)

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """A contact change as the records it names (fetched when they exist, marked deleted when not)."""
        if not isinstance(body, dict) or body.get("Event") != "change_contact":
            return []
        change = body.get("ChangeType")
        if change in ("create_user", "update_user", "delete_user"):
            userid = self._named(body, "UserID", change)
            if change == "delete_user":
                return [("user_removals", {"userid": userid, "deleted": True})]
            renamed = body.get("NewUserID")
            if change == "update_user" and renamed and renamed != userid:
                return [("user_removals", {"userid": userid, "deleted": True}), ("users", {"userid": renamed})]
            return [("users", {"userid": userid})]
        if change in ("create_party", "update_party", "delete_party"):
            party = self._named(body, "Id", change)
            if change == "delete_party":
                return [("department_removals", {"id": party, "deleted": True})]
            return [("department_updates", {"id": party})]
        return []

    def _named(self, body: Mapping[str, str], field: str, change: str) -> str:
        value = body.get(field)
        if not value:
            raise MalformedPageError(f"a {change} callback names no {field}", system=self.name)
        return value

    def webhook_handshake(self, query: Mapping[str, str]) -> str | None:
        """The URL check WeCom makes when a callback URL is saved: ``GET ?msg_signature&timestamp&nonce&echostr``,
        the signature over ``echostr``, answered with its decrypted text (within 1 s, as plain text)."""
        echostr = query.get("echostr")
        if not echostr:
            return None
        crypt = self._crypt()
        crypt.verify(str(query.get("msg_signature", "")), str(query.get("timestamp", "")),
                     str(query.get("nonce", "")), echostr)
        return crypt.decrypt(echostr).decode("utf-8", "replace")


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``wecom = "plugins.hr_suites.wecom"`` registers this module."""
    return [WeCom]
