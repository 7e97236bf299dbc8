"""DingTalk smart HR (钉钉智能人事): the roster (花名册) in as employees, change callbacks as incremental sync,
work notifications (工作通知) out (the write side, :mod:`plugins.hr_suites.dingtalk_write`).

Facts and sources: docs/connectors/dingtalk.md. The documents followed:

* token — ``GET https://oapi.dingtalk.com/gettoken?appkey=&appsecret=`` → ``{errcode, errmsg, access_token,
  expires_in}`` (../shared/reference/dingtalk.md, "Auth"); cached until it expires, sent as
  ``?access_token=``, fetched again when an answer says it is stale (``40014`` invalid, ``42001`` expired:
  :data:`TOKEN_CODES`);
* the ``{errcode, errmsg}`` envelope — a non-zero ``errcode`` on an HTTP 200 is an error typed with the vendor's
  code; ``-1`` (系统繁忙) is retried, ``88`` / ``40014`` / ``42001`` are an :class:`~hub.core.errors.AuthError`, the
  throttling codes are the ``throttle_codes`` setting (DingTalk lists its flow-control codes per API family;
  the default, 90002/90005/90006/90018, is unverified: see the connector page);
* on-job ids — ``POST /topapi/smartwork/hrm/employee/queryonjob`` with ``{status_list, offset, size}`` (size ≤ 50,
  https://open-doc.dingtalk.com/microapp/serverapi2/gnct3y, https://jaq-doc.alibaba.com/docs/api.htm?apiId=39502);
  resigned ids — ``POST /topapi/smartwork/hrm/employee/querydimission`` with ``{offset, size}``; both answer
  ``{"result": {"data_list": [userid, ...], "next_cursor": n}}``, no ``next_cursor`` on the last page;
* roster fields — ``POST /topapi/smartwork/hrm/employee/v2/list`` with ``{userid_list, field_filter_list, agentid}``
  (≤ 100 ids, comma-separated; https://open.alitrip.com/docs/api.htm?apiId=53977, the TOP mirror)
  → ``result: [{userid, field_data_list: [{field_code, field_name, field_value_list: [{label, value}]}]}]``. A
  field's ``value`` is its stored form (an enum's code, a department's id), ``label`` what the roster shows: the
  mapping picks one or the other per field (hub/mappings/hr_suites/dingtalk/employee.yaml).

The roster has no "modified since" filter: a pull lists everyone (``full_refresh_deletes`` off: the two lists
together are the roster, and a resigned employee stays, terminated). Changes arrive as callbacks
(回调, https://open-doc.dingtalk.com/microapp/isv/gdksu9): ``POST <url>?msg_signature=
&timestamp=&nonce=`` with ``{"encrypt": ...}``, the WXBizMsgCrypt scheme (:mod:`hub.core.msg_crypt`) with the
app's token, EncodingAESKey and receive id (the AppKey for event subscriptions; the CorpId for callbacks
registered with ``register_call_back``: the ``callback_receive_id`` setting). Each employee a change event names
(``userId``; ``staffId`` for ``hrm_user_record_change``, https://open.dingtalk.com/document/development/personnel-file-change;
``UserId`` on legacy callbacks) is fetched from the roster and stored; ``user_leave_org`` through the resigned list. Every callback,
the ``check_url`` handshake included, is answered with DingTalk's encrypted ``success``
(``{msg_signature, timeStamp, nonce, encrypt}``), without which DingTalk sends it again.

hub.yaml::

    connectors:
      dingtalk:
        type: dingtalk
        settings:
          app_key: ${DINGTALK_APP_KEY}
          app_secret: ${DINGTALK_APP_SECRET}
          agent_id: "123456789"                  # the app's AgentId (roster fields, work notifications)
          callback_token: ${DINGTALK_CALLBACK_TOKEN}        # callbacks only
          encoding_aes_key: ${DINGTALK_ENCODING_AES_KEY}    # callbacks only (43 characters)
          callback_receive_id: ding0123456789abcdef         # optional: the CorpId of a legacy callback
          notify_userids: ["manager01"]          # work notifications: who is told (the write side)
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from hub import hookimpl
from hub.core.auth import AppTokenAuth
from hub.core.chunks import chunks
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.msg_crypt import MsgCrypt
from hub.core.paginators import CursorPaginator, PageRequest, select
from hub.core.webhooks import webhook_object

from plugins.hr_suites.dingtalk_write import DEFAULT_TEMPLATE, DingTalkWorkNotices  # the write side (delivery), kept apart

__all__ = ["DingTalk", "roster_status_key", "roster_value"]

API = "https://oapi.dingtalk.com"
#: The answers of a stale token: 40014 (不合法的access_token), 42001 (access_token超时).
TOKEN_CODES = (40014, 42001)
ROSTER_FIELDS_PATH = "/topapi/smartwork/hrm/employee/v2/list"
#: The ids one roster-fields call takes.
ROSTER_BATCH = 100
#: The employee status a roster field holds (``sys01-employeeStatus``) and the events that name employees.
STATUS_FIELD = "sys01-employeeStatus"
EVENT_STREAMS = {"user_add_org": "employees", "user_modify_org": "employees", "hrm_user_record_change": "employees",
                 "user_leave_org": "resigned_employees"}
#: Where an event names its users, in the order looked at.
USER_KEYS = ("userId", "staffId", "UserId")
#: The handshakes DingTalk sends when a callback URL is saved (internal app; ISV suite create / update).
HANDSHAKES = frozenset({"check_url", "check_create_suite_url", "check_update_suite_url"})
#: The roster fields read by default: those the built-in employee mapping uses.
DEFAULT_ROSTER_FIELDS = ("sys00-name", "sys00-email", "sys00-mobile", "sys00-jobNumber", "sys00-mainDept",
                         "sys00-position", "sys00-confirmJoinTime", "sys01-employeeStatus", "sys02-birthTime")


def _offset_cursor() -> CursorPaginator:
    """``result.next_cursor`` sent back as the body's ``offset``; none on the last page."""
    return CursorPaginator(cursor_path="result.next_cursor", cursor_param="offset", location="json")


def roster_value(record: Mapping[str, Any], field_code: str, part: str = "value") -> Any:
    """The first ``value`` (or ``label``) of one roster field, None when the record lacks it.

    Example:
        >>> record = {"field_data_list": [{"field_code": "sys01-employeeStatus",
        ...                                "field_value_list": [{"item_index": 0, "label": "正式", "value": "3"}]}]}
        >>> roster_value(record, "sys01-employeeStatus"), roster_value(record, "sys01-employeeStatus", "label")
        ('3', '正式')
        >>> roster_value(record, "sys00-name") is None
        True
    """
    for field in record.get("field_data_list") or ():
        if isinstance(field, dict) and field.get("field_code") == field_code:
            values = field.get("field_value_list") or ()
            first = values[0] if values and isinstance(values[0], dict) else {}
            found = first.get(part)
            return None if found in (None, "") else found
    return None


def roster_status_key(record: Mapping[str, Any], resigned: bool) -> str:
    """The lookup key of the employment status: ``resigned`` for an employee the resigned list named,
    else ``on_job:<the employeeStatus code>`` (``on_job:`` when the roster holds none).

    Example:
        >>> roster_status_key({"field_data_list": [{"field_code": "sys01-employeeStatus",
        ...                     "field_value_list": [{"label": "试用", "value": "2"}]}]}, resigned=False)
        'on_job:2'
        >>> roster_status_key({}, resigned=True)
        'resigned'
    """
    if resigned:
        return "resigned"
    return f"on_job:{roster_value(record, STATUS_FIELD) or ''}"


class DingTalk(DingTalkWorkNotices, RestConnector):
    """DingTalk smart HR → employees (on-job and resigned rosters), kept current by change callbacks;
    work notifications out (:mod:`plugins.hr_suites.dingtalk_write`).

    Example:
        >>> dt = DingTalk({"app_key": "ding-app", "app_secret": "s", "agent_id": "42"})
        >>> dt.first_request(dt.stream("employees"), since=None).json
        {'offset': 0, 'size': 50, 'status_list': '2,3,5,-1'}
    """

    name = "dingtalk"
    category = Category.HR_SUITES
    title = "DingTalk smart HR (钉钉智能人事)"
    documentation = "https://open-doc.dingtalk.com/microapp/serverapi2/gnct3y"
    base_url = API
    record_path = "result.data_list"
    paginator = staticmethod(_offset_cursor)
    page_size = 50
    headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
    receives_webhooks = True
    webhook_secret_setting = "encoding_aes_key"
    webhook_query_params = ("msg_signature", "signature", "timestamp", "nonce")
    required_settings = ("app_key", "app_secret", "agent_id")
    default_settings = {"on_job_statuses": "2,3,5,-1", "throttle_codes": [90002, 90005, 90006, 90018],
                        "roster_fields": list(DEFAULT_ROSTER_FIELDS), "notice_template": DEFAULT_TEMPLATE}
    optional_settings = ("callback_token", "callback_receive_id", "notify_userids")
    streams = (
        Stream(name="employees", entity="employee", path="/topapi/smartwork/hrm/employee/queryonjob", method="POST",
               primary_key="userid", full_refresh_deletes=False, detail=Detail(path=ROSTER_FIELDS_PATH, record_path="result")),
        Stream(name="resigned_employees", entity="employee", path="/topapi/smartwork/hrm/employee/querydimission",
               method="POST", mapping="employee.yaml", primary_key="userid", full_refresh_deletes=False,
               detail=Detail(path=ROSTER_FIELDS_PATH, record_path="result")),
    )
    token_clock: Callable[[], float] = staticmethod(time.time)  # when the cached token expires; tests pin it
    callback_clock: Callable[[], float] = staticmethod(time.time)  # the timeStamp of a callback's answer

    def __init__(self, settings: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        agent = self.settings.get("agent_id")
        if agent is not None and not str(agent).strip().isdigit():
            raise ConfigError(f"connector {self.name!r}: setting 'agent_id' is the app's AgentId, a number",
                              system=self.name)
        self.envelope = Envelope(code="errcode", message="errmsg", transient=(-1,), auth=(88, *TOKEN_CODES),
                                 throttled=tuple(self.settings.get("throttle_codes") or ()))

    def authenticator(self) -> AppTokenAuth:
        token_url = str(self.settings.get("base_url") or self.base_url).rstrip("/") + "/gettoken"
        return AppTokenAuth.dingtalk(self.setting("app_key"), self.setting("app_secret"), token_url=token_url,
                                     clock=type(self).token_clock, refresh_codes=TOKEN_CODES, code_path="errcode")

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """Both lists are POSTs with ``{offset, size}`` in the body; the on-job list also ``status_list``
        (the ``on_job_statuses`` setting: 2 probation, 3 regular, 5 leaving, -1 none)."""
        size = self.page_size if stream.page_size is None else stream.page_size
        body: dict[str, Any] = {"offset": 0, "size": size}
        if stream.name == "employees":
            body["status_list"] = str(self.settings["on_job_statuses"])
        return PageRequest(stream.path, {}, body)

    def details(self, client: HttpClient, stream: Stream, listed: list[Any]) -> list[Any]:
        """The roster fields of the listed user ids, ``ROSTER_BATCH`` ids a call (the roster-fields API
        takes a list of ids, not one id in the path as :class:`Detail` assumes). An id the roster
        answers nothing for is left out, as a detail fetch that finds nothing is.

        Raises:
            MalformedPageError: a listed id that is not text or a number.
        """
        ids = []
        for item in listed:
            if isinstance(item, bool) or not isinstance(item, (str, int)) or item == "":
                raise MalformedPageError("a listed user id is not text", system=self.name, stream=stream.name)
            ids.append(str(item))
        fields = ",".join(str(code) for code in self.settings["roster_fields"])
        records: list[Any] = []
        for batch in chunks(ids, ROSTER_BATCH):
            body = {"userid_list": ",".join(batch), "field_filter_list": fields, "agentid": int(self.setting("agent_id"))}
            try:
                result = select(client.post(ROSTER_FIELDS_PATH, json=body).json(), "result")
            except ValueError:
                result = None
            if not isinstance(result, list):
                raise MalformedPageError("the roster-fields answer is not JSON with a result list", system=self.name,
                                         stream=stream.name)
            records += result
        return records

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of the roster records with ``_hub.status_key`` (:func:`roster_status_key`): which list
        named the employee is not in the roster record, and the status lookup needs it."""
        resigned = stream.name == "resigned_employees"
        return [{**r, "_hub": {"status_key": roster_status_key(r, resigned)}} if isinstance(r, dict) else r
                for r in records]

    # -- callbacks

    def _crypt(self) -> MsgCrypt:
        receive_id = self.settings.get("callback_receive_id") or self.setting("app_key")
        return MsgCrypt(str(self.setting("callback_token")), str(self.setting(self.webhook_secret_setting)),
                        str(receive_id), system=self.name)

    def _event(self, body: Any) -> dict[str, Any]:
        """The decrypted event of a parsed ``{"encrypt": ...}`` body."""
        encrypt = body.get("encrypt") if isinstance(body, dict) else None
        if not isinstance(encrypt, str):
            raise WebhookVerificationError("the callback has no encrypt field", system=self.name)
        try:
            event = json.loads(self._crypt().decrypt(encrypt))
        except (ValueError, RecursionError):
            raise WebhookVerificationError("the callback's encrypt field does not hold JSON", system=self.name) from None
        if not isinstance(event, dict):
            raise WebhookVerificationError("the callback's event is not a JSON object", system=self.name)
        return event

    def verify_webhook_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                               raw_body: bytes) -> str | None:
        """The SHA-1 signature of the URL (``msg_signature``; ``signature`` on older callbacks) over the
        token, ``timestamp``, ``nonce`` and the body's ``encrypt``. The delivery id is the event's
        ``eventId`` (event subscriptions); a legacy callback has none, and its signature, which covers the
        timestamp, nonce and ciphertext, names it."""
        body = webhook_object(raw_body, self.name)
        signature = query.get("msg_signature") or query.get("signature") or ""
        encrypt = body.get("encrypt")
        self._crypt().verify(signature, query.get("timestamp", ""), query.get("nonce", ""),
                             encrypt if isinstance(encrypt, str) else "")
        event_id = self._event(body).get("eventId")
        return event_id if isinstance(event_id, str) and event_id else signature.lower()

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """The employees a change event names, each to be fetched from the roster (:meth:`resolve_webhook`):
        ``userId`` (a list: the address book's user events), ``staffId`` (one: ``hrm_user_record_change``),
        ``UserId`` (a list: legacy callbacks). Events of other kinds store nothing."""
        event = self._event(body)
        kind = event.get("EventType")
        stream = EVENT_STREAMS.get(kind) if isinstance(kind, str) else None
        if stream is None:
            return []
        named = next((event[key] for key in USER_KEYS if event.get(key) not in (None, "", [])), None)
        ids = named if isinstance(named, list) else [named]
        if not ids or any(isinstance(i, bool) or not isinstance(i, (str, int)) or i == "" for i in ids):
            raise MalformedPageError(f"a {kind} event names no user (userId, staffId or UserId)", system=self.name,
                                     stream=stream)
        return [(stream, str(user_id)) for user_id in ids]

    def webhook_answer(self, headers: Mapping[str, str], raw_body: bytes) -> Mapping[str, Any] | None:
        """The ``check_url`` handshake (sent when the URL is saved): answered with the encrypted
        ``success``, nothing stored. The hook sees no URL, so the handshake's signature is not checked
        (as Feishu's is not): its event must open with the EncodingAESKey and name this app's receive
        id, and the answer is only ``success``, sealed for that app."""
        try:
            body = json.loads(raw_body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(body, dict) or "encrypt" not in body:
            return None
        kind = self._event(body).get("EventType")
        if not isinstance(kind, str) or kind not in HANDSHAKES:
            return None
        return self.webhook_receipt()

    def webhook_receipt(self) -> Mapping[str, Any]:
        """DingTalk's answer to a callback stored (or stored before: a retry of one whose answer was lost),
        in place of the hub's count: ``success`` encrypted and signed with a fresh nonce and the current
        time (10-digit seconds). Without it DingTalk sends the callback again."""
        sealed = self._crypt().encrypt(b"success", nonce=secrets.token_hex(8),
                                       timestamp=str(int(type(self).callback_clock())))
        return {"msg_signature": sealed.signature, "timeStamp": sealed.timestamp, "nonce": sealed.nonce,
                "encrypt": sealed.encrypt}


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``dingtalk = "plugins.hr_suites.dingtalk"`` registers this module."""
    return [DingTalk]
