"""Feishu Hire (飞书招聘) / Lark Hire: talents, applications, interview evaluations and offers in; AI-interview
scores out as external interview assessments (issue 34, point 2).

Facts and sources: docs/connectors/feishu_hire.md (the official documents at https://open.feishu.cn/document/,
the official SDK ``larksuite/oapi-sdk-python`` for field names). What is declaration:

* ``tenant_access_token`` — ``POST {base}/auth/v3/tenant_access_token/internal`` with ``{app_id, app_secret}``
  → ``{code, msg, tenant_access_token, expire}``; cached until it expires, fetched again on a 401 and on
  the codes Feishu answers a stale token with (:data:`~hub.core.auth.FEISHU_TOKEN_CODES`,
  :meth:`~hub.core.auth.AppTokenAuth.feishu`);
* the ``{code, msg, data}`` envelope — a non-zero ``code`` is an error even on HTTP 200, typed with the
  vendor's code (``vendor_code``); ``99991400`` is throttling (retried after ``x-ogw-ratelimit-reset``, on a
  429 or, for older APIs, a 400), the token codes are an :class:`~hub.core.errors.AuthError`
  (:attr:`FeishuHire.envelope`);
* ``page_token`` / ``has_more`` pagination in ``data``; ``page_size`` on the first request;
* the host: ``open.feishu.cn`` or, with ``domain: lark``, ``open.larksuite.com`` (same paths).

What is not, and why:

* ``GET /hire/v1/applications`` lists application **ids**; each application is
  ``GET /hire/v1/applications/{id}`` (a :class:`~hub.core.connector.Detail` endpoint). The offers stream
  lists the same ids and fetches ``GET /hire/v1/applications/{id}/offer`` (an application without an
  offer yields none);
* an interview record (面试评价) names neither its interview nor its application, and
  ``GET /hire/v1/interviews`` holds the records of each interview: the stream's record is one interview
  record with the interview it belongs to, ``{"interview": <the interview without its record list>,
  "interview_record": <the record>}``, both as Feishu sent them (:meth:`FeishuHire.page_records`);
* before mapping, a few values are derived on a *copy* of each record under ``_hub``
  (:meth:`FeishuHire.prepare_page`): the application's status key, the talent's phone with its country
  code, the evaluation's scores with the scale they were given on, the offer's salary plan as money.

Events (事件订阅, schema 2.0) are taken only with an Encrypt Key: Feishu then sends
``{"encrypt": "<base64>"}`` (AES-256-CBC, key = SHA-256 of the Encrypt Key, IV = the first 16 bytes of the
decoded text) signed with ``X-Lark-Signature`` = hex SHA-256 of ``X-Lark-Request-Timestamp`` +
``X-Lark-Request-Nonce`` + Encrypt Key + the raw body; the decrypted event's ``header.token`` must be the
Verification Token, and ``header.event_id`` is the delivery id (a replay is refused). Events carry ids
only: ``hire.application.stage_changed_v1`` fetches the application, ``hire.offer.status_changed_v1`` the
offer. The ``url_verification`` handshake is answered with its ``challenge``
(:meth:`FeishuHire.webhook_answer`).

hub.yaml::

    connectors:
      feishu_hire:
        type: feishu_hire
        settings:
          app_id: ${FEISHU_APP_ID}
          app_secret: ${FEISHU_APP_SECRET}
          domain: feishu                   # or lark (open.larksuite.com)
          encrypt_key: ${FEISHU_ENCRYPT_KEY}               # events only
          verification_token: ${FEISHU_VERIFICATION_TOKEN} # events only
          salary_period: monthly           # the period of a salary plan's basic_salary
          interviews_since: "1704038400000"  # the interviews listed: those starting after (ms)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub import hookimpl
from hub.core.auth import FEISHU_TOKEN_CODES, AppTokenAuth
from hub.core.connector import Category, Detail, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError, WebhookVerificationError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.paginators import CursorPaginator, PageRequest

from plugins.hr_suites.feishu_hire_write import FeishuHireWrites  # the write side (delivery), kept apart

__all__ = ["FeishuHire", "application_status_key", "decrypt_event", "evaluation_scores", "event_signature",
           "offer_salary", "talent_phone"]

#: The API base of each Feishu deployment (the ``domain`` setting).
DOMAINS = {"feishu": "https://open.feishu.cn/open-apis", "lark": "https://open.larksuite.com/open-apis"}
#: The answer a throttled call gets (HTTP 429, or 400 from older APIs), with ``x-ogw-ratelimit-reset``.
THROTTLED = 99991400


def _feishu_pages() -> CursorPaginator:
    """``data.page_token`` sent back as ``page_token`` while ``data.has_more`` is true."""
    return CursorPaginator(cursor_path="data.page_token", cursor_param="page_token", has_more_path="data.has_more")


# ---------------------------------------------------------------- the `_hub` values, one function per rule


def application_status_key(record: Mapping[str, Any]) -> str | None:
    """The lookup key of the canonical status: ``terminated:<termination_type>`` for a terminated
    application (``active_status`` 2), else ``stage:<the stage's Chinese name>``.

    Example:
        >>> application_status_key({"active_status": 1, "stage": {"zh_name": "面试", "type": 4}})
        'stage:面试'
        >>> application_status_key({"active_status": 2, "termination_type": 22, "stage": {"zh_name": "面试"}})
        'terminated:22'
    """
    if record.get("active_status") == 2:
        return f"terminated:{record.get('termination_type')}"
    stage = record.get("stage")
    name = stage.get("zh_name") if isinstance(stage, dict) else None
    return f"stage:{name or ''}"


def talent_phone(record: Mapping[str, Any]) -> str | None:
    """The talent's mobile number with its country calling code (``mobile_code``) when it has one.

    Example:
        >>> talent_phone({"basic_info": {"mobile": "13800000000", "mobile_code": "86"}})
        '+8613800000000'
        >>> talent_phone({"basic_info": {"mobile": "13800000000"}})
        '13800000000'
    """
    info = record.get("basic_info")
    mobile = info.get("mobile") if isinstance(info, dict) else None
    if not mobile:
        return None
    code = str(info.get("mobile_code") or "").strip().lstrip("+")
    return f"+{code}{mobile}" if code and not str(mobile).startswith("+") else str(mobile)


def _name(value: Any) -> str | None:
    """The Chinese name of Feishu's ``{zh_cn, en_us}``, else the English one."""
    if isinstance(value, dict):
        return value.get("zh_cn") or value.get("en_us") or None
    return value or None


def evaluation_scores(record: Mapping[str, Any]) -> dict[str, Any]:
    """An interview record's scores with the scale each was given on, as the score transform reads them.

    ``overall`` is ``assessment_score`` as ``"<score>/<full_score>"``; each dimension assessment is
    ``{key, label, score, evidence}`` with its score as ``"<score_val>/<full_score>"`` (None without a
    full score: the value cannot be placed on a scale, and is kept in ``remote_data``).

    Example:
        >>> evaluation_scores({"assessment_score": {"score": 85, "full_score": 100}, "dimension_assessment_list": [
        ...     {"dimension_id": "d1", "name": {"zh_cn": "沟通能力"}, "full_score": 5,
        ...      "dimension_score": {"score_val": 4}, "content": "表达清晰"}]})
        {'overall': '85/100', 'dimensions': [{'key': 'd1', 'label': '沟通能力', 'score': '4/5', 'evidence': '表达清晰'}]}
    """
    assessment = record.get("assessment_score")
    overall = None
    if isinstance(assessment, dict) and assessment.get("score") is not None and assessment.get("full_score"):
        overall = f"{_number(assessment['score'])}/{assessment['full_score']}"
    dimensions = []
    for item in record.get("dimension_assessment_list") or ():
        if not isinstance(item, dict):
            continue
        score = item.get("dimension_score")
        value = score.get("score_val") if isinstance(score, dict) else None
        full = item.get("full_score")
        dimensions.append({"key": str(item.get("dimension_id") or item.get("id") or ""), "label": _name(item.get("name")),
                           "score": f"{value}/{full}" if value is not None and full else None,
                           "evidence": item.get("content") or None})
    return {"overall": overall, "dimensions": dimensions}


def _number(value: Any) -> Any:
    """An integral float as an int (``85.0`` → ``85``), so the score's text is the vendor's."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def offer_salary(record: Mapping[str, Any], period: str | None) -> dict[str, Any] | None:
    """The offer's salary plan: ``text`` (the plan as compact JSON, always), and ``money`` — the
    ``basic_salary`` with its ``currency`` and ``period`` (the ``salary_period`` setting) — when the
    plan names both an amount and a currency. Every value of a salary plan is text.

    Example:
        >>> offer_salary({"salary_plan": {"currency": "CNY", "basic_salary": "30000"}}, "monthly")["money"]
        {'amount': '30000', 'currency': 'CNY', 'period': 'monthly'}
    """
    plan = record.get("salary_plan")
    if not isinstance(plan, dict) or not plan:
        return None
    salary: dict[str, Any] = {"text": json.dumps(plan, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}
    amount, currency = plan.get("basic_salary"), plan.get("currency")
    if amount not in (None, "") and currency:
        salary["money"] = {"amount": amount, "currency": currency, **({"period": period} if period else {})}
    return salary


# ---------------------------------------------------------------- events


def event_signature(timestamp: str, nonce: str, encrypt_key: str, raw_body: bytes) -> str:
    """``X-Lark-Signature``: hex SHA-256 (not an HMAC) of timestamp + nonce + Encrypt Key + the raw body.

    Example:
        >>> event_signature("1700000000", "n", "k", b"{}") == hashlib.sha256(b"1700000000nk{}").hexdigest()
        True
    """
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + raw_body).hexdigest()


def decrypt_event(encrypt_key: str, encrypted: str) -> bytes:
    """The plaintext of an ``encrypt`` field: AES-256-CBC with the SHA-256 of the Encrypt Key, the IV
    the first 16 bytes of the base64-decoded text, PKCS#7 padding.

    Raises:
        ValueError: the text is not base64, not whole blocks, or not padded as PKCS#7 (a wrong key).
    """
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the encrypt field is not base64") from None
    if len(data) < 32 or len(data) % 16:
        raise ValueError("the encrypt field is not an IV and whole AES blocks")
    decryptor = Cipher(algorithms.AES(hashlib.sha256(encrypt_key.encode()).digest()), modes.CBC(data[:16])).decryptor()
    padded = decryptor.update(data[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()  # ValueError when the padding is wrong


# ---------------------------------------------------------------- the connector


class FeishuHire(FeishuHireWrites, RestConnector):
    """Feishu Hire → candidates (talents), applications, assessments (interview evaluations), offers;
    AI-interview results from any vendor back as external interview assessments (the write side,
    :mod:`plugins.hr_suites.feishu_hire_write`).

    Example:
        >>> fh = FeishuHire({"app_id": "cli_test", "app_secret": "s", "domain": "lark"})
        >>> fh.settings["base_url"], fh.first_request(fh.stream("applications"), since="1718000000000").params
        ('https://open.larksuite.com/open-apis', {'page_size': 20, 'update_start_time': '1718000000000'})
    """

    name = "feishu_hire"
    category = Category.HR_SUITES
    title = "Feishu Hire (飞书招聘) / Lark Hire"
    documentation = "https://open.feishu.cn/document/server-docs/hire-v1/recruitment-development-guide"
    base_url = DOMAINS["feishu"]
    record_path = "data.items"
    paginator = staticmethod(_feishu_pages)
    page_size = 20
    page_size_param = "page_size"
    retry = RetryPolicy(requests_per_second=10)  # hire endpoints allow 10–50 calls a second each
    headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
    envelope = Envelope(throttled=(THROTTLED,), auth=FEISHU_TOKEN_CODES)
    receives_webhooks = True
    webhook_secret_setting = "encrypt_key"
    required_settings = ("app_id", "app_secret")
    default_settings = {"domain": "feishu", "salary_period": "monthly", "interviews_since": "0"}
    optional_settings = ("verification_token",)
    streams = (
        Stream(name="talents", entity="candidate", path="/hire/v1/talents", cursor_field="basic_info.modify_time",
               cursor_param="update_start_time"),
        Stream(name="applications", entity="application", path="/hire/v1/applications", cursor_field="modify_time",
               cursor_param="update_start_time",
               detail=Detail(path="/hire/v1/applications/{id}", record_path="data.application")),
        Stream(name="interview_records", entity="assessment", path="/hire/v1/interviews",
               primary_key="interview_record.id", full_refresh_deletes=False),
        Stream(name="offers", entity="offer", path="/hire/v1/applications",
               detail=Detail(path="/hire/v1/applications/{id}/offer", record_path="data.offer")),
        Stream(name="offer_updates", entity="offer", path="/hire/v1/offers", mapping="offer.yaml", pulled=False,
               detail=Detail(path="/hire/v1/offers/{id}", record_path="data.offer")),
    )
    token_clock: Callable[[], float] = staticmethod(time.time)  # when the cached token expires; tests pin it

    def __init__(self, settings: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        domain = self.settings.get("domain")
        if domain not in DOMAINS:
            raise ConfigError(f"connector {self.name!r}: setting 'domain' is one of {', '.join(DOMAINS)}, not {domain!r}",
                              system=self.name)
        if not self.settings.get("base_url"):
            self.settings["base_url"] = DOMAINS[domain]

    def authenticator(self) -> AppTokenAuth:
        token_url = str(self.settings["base_url"]).rstrip("/") + "/auth/v3/tenant_access_token/internal"
        return AppTokenAuth.feishu(self.setting("app_id"), self.setting("app_secret"), token_url=token_url,
                                   clock=type(self).token_clock)

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The base's first request; the interviews list also takes ``start_time`` (interviews starting
        after ``interviews_since``, in ms): Feishu lists no interviews without a filter."""
        request = super().first_request(stream, since=since, tombstones=tombstones)
        if stream.name == "interview_records":
            request.params["start_time"] = str(self.setting("interviews_since"))
        return request

    def page_records(self, stream: Stream, listed: list[Any]) -> list[Any]:
        """For ``interview_records``: each interview's records, each with its interview (without the
        record list); any other stream's items as listed."""
        if stream.name != "interview_records":
            return listed
        records = []
        for interview in listed:
            if not isinstance(interview, dict):
                raise MalformedPageError("a listed interview is not an object", system=self.name, stream=stream.name)
            held = {key: value for key, value in interview.items() if key != "interview_record_list"}
            records += [{"interview": held, "interview_record": record}
                        for record in interview.get("interview_record_list") or ()]
        return records

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with the ``_hub`` values the stream's mapping reads.

        The originals are not touched: the engine stores them as ``remote_data``.
        """
        period = self.settings.get("salary_period")
        derive: Callable[[dict[str, Any]], dict[str, Any]] | None = {
            "talents": lambda r: {"phone": talent_phone(r)},
            "applications": lambda r: {"status_key": application_status_key(r)},
            "interview_records": lambda r: evaluation_scores(r.get("interview_record") or {}),
            "offers": lambda r: {"salary": offer_salary(r, period)},
            "offer_updates": lambda r: {"salary": offer_salary(r, period)},
        }.get(stream.name)
        if derive is None:
            return records
        return [{**r, "_hub": derive(r)} if isinstance(r, dict) else r for r in records]

    # -- events

    def _event(self, raw_body: bytes) -> dict[str, Any]:
        """The event a raw body carries (:meth:`_opened`).

        Raises:
            WebhookVerificationError: not JSON, or an ``encrypt`` field the Encrypt Key does not open.
        """
        try:
            body = json.loads(raw_body)
        except (ValueError, RecursionError):
            raise WebhookVerificationError("the event is not JSON", system=self.name) from None
        return self._opened(body)

    def _opened(self, body: Any) -> dict[str, Any]:
        """The event of a parsed body, decrypted when it is ``{"encrypt": ...}``."""
        if isinstance(body, dict) and "encrypt" in body:
            try:
                body = json.loads(decrypt_event(str(self.setting("encrypt_key")), str(body["encrypt"])))
            except (ValueError, RecursionError):
                raise WebhookVerificationError("the encrypt field does not decrypt with the Encrypt Key to JSON",
                                               system=self.name) from None
        if not isinstance(body, dict):
            raise WebhookVerificationError("the event is not a JSON object", system=self.name)
        return body

    def _check_token(self, token: Any) -> None:
        expected = str(self.setting("verification_token")).encode()
        if not isinstance(token, str) or not hmac.compare_digest(token.encode("utf-8", "replace"), expected):
            raise WebhookVerificationError("the event's token is not the Verification Token", system=self.name)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """``X-Lark-Signature`` over timestamp, nonce, Encrypt Key and body; then the decrypted event's
        Verification Token. Returns the event's ``event_id`` (schema 2.0; ``uuid`` for 1.0).

        An Encrypt Key is required: without one Feishu signs nothing and only the token, which travels
        in the body, would vouch for the event.
        """
        lowered = {key.lower(): value for key, value in headers.items()}
        key = str(self.setting("encrypt_key"))
        timestamp, nonce = lowered.get("x-lark-request-timestamp", ""), lowered.get("x-lark-request-nonce", "")
        signature = lowered.get("x-lark-signature", "")
        if not (timestamp and nonce and signature) or not hmac.compare_digest(
                event_signature(timestamp, nonce, key, raw_body).encode(), signature.strip().lower().encode("utf-8", "replace")):
            raise WebhookVerificationError("the X-Lark-Signature is missing or wrong", system=self.name)
        event = self._event(raw_body)
        header = event.get("header") if isinstance(event.get("header"), dict) else {}
        self._check_token(header.get("token") if event.get("schema") == "2.0" else event.get("token"))
        delivery = header.get("event_id") if event.get("schema") == "2.0" else event.get("uuid")
        return str(delivery) if delivery else None

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """A stage change names its application, an offer status change its offer: each fetched
        (:meth:`~hub.core.connector.RestConnector.resolve_webhook`). Other events store nothing."""
        event = self._opened(body)
        header = event.get("header")
        kind = header.get("event_type") if event.get("schema") == "2.0" and isinstance(header, dict) else None
        wanted = {"hire.application.stage_changed_v1": ("applications", "application_id"),
                  "hire.offer.status_changed_v1": ("offer_updates", "offer_id")}.get(kind) if isinstance(kind, str) else None
        if wanted is None:
            return []
        stream, field = wanted
        data = event.get("event")
        named = data.get(field) if isinstance(data, dict) else None
        if isinstance(named, bool) or not isinstance(named, (str, int)) or named == "":
            raise MalformedPageError(f"a {kind} event names no {field}", system=self.name, stream=stream)
        return [(stream, str(named))]

    def webhook_answer(self, headers: Mapping[str, str], raw_body: bytes) -> Mapping[str, Any] | None:
        """The ``url_verification`` handshake (encrypted or not): its token checked, its ``challenge``
        echoed. Feishu signs no handshake (its SDK checks only the token), so neither does this."""
        try:
            peek = json.loads(raw_body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(peek, dict) or not ("encrypt" in peek or peek.get("type") == "url_verification"):
            return None
        event = self._event(raw_body)
        if event.get("type") != "url_verification":
            return None
        self._check_token(event.get("token"))
        return {"challenge": event.get("challenge")}


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``feishu_hire = "plugins.hr_suites.feishu_hire"`` registers this module."""
    return [FeishuHire]
