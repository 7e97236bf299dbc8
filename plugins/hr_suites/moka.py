"""Moka (Moka招聘): applications, interviewer feedback, offers and the talent pool (issue 34, point 3).

Follows Moka's published API documents, https://www.mokahr.com/docs/api/ (Chinese;
``english.index.html`` in English) and their help-centre copies at https://mokahr.moyincloud.com/
(facts, sources and what is left open: docs/connectors/moka.md). What is declaration:

* the two documented ways in (setting ``auth``): ``basic`` — HTTP Basic with the API key as user name
  and an empty password (:class:`~hub.core.auth.BasicAuth`); ``oauth2`` — ``POST /v1/auth/oauth2/getToken``
  with ``{"clientID", "clientSecret", "grantType": "client_credentials"}`` answered
  ``{"code", "msg", "data": {"accessToken", "tokenType", "expiresIn"}}``, the token cached and sent as
  ``Authorization: Bearer`` (:class:`~hub.core.auth.AppTokenAuth`);
* the answer envelope ``{"code", "msg", ...}``: ``code`` 200 is success ("非200代表错误"), ``110020``
  (unauthorized_client) an :class:`~hub.core.errors.AuthError`, any other a typed error carrying
  ``vendor_code`` (:class:`~hub.core.envelope.Envelope`);
* cursor pagination: the first request carries the filters, every later one only ``next=<cursor>``
  from the previous answer ("分页参数, 只传这一个就可以"); an answer without ``next`` is the last
  (:class:`~hub.core.paginators.CursorPaginator` with ``only_cursor``); the talent pool pages with
  ``nextCursor`` beside its filters;
* 429 and 5xx retried by the base retry policy;
* webhooks: a hex HMAC-SHA256 in the URL's query parameter ``sign``, a delivery's ``id`` the key a
  replay is refused by (:meth:`Moka.verify_webhook_request`).

What is not: the mapping format reads one source path per rule, so the connector derives a few values
under ``_hub`` on a *copy* of each record (:meth:`Moka.prepare_page`; the functions below, one per
rule). Offers are written back with ``POST /v1/create-offer`` (:mod:`plugins.hr_suites.moka_write`).
Offers are not a list endpoint of their own: they come embedded in the application records of
``POST /v2/data/ehrApplications`` (:meth:`Moka.pages` keeps the applications that carry one).

Left open by the documents and therefore settings, never guesses: the auth mode; the token URL; where
the talent pool's next cursor sits in its answer (``talent_pool_cursor_path``); what ``salaryType``
codes mean (``salary_periods``) and the salary's currency (``salary_currency``); the bytes the webhook
signature covers (``webhook_signed_bytes``: the raw body, or the body re-serialized as the documents'
``JSON.stringify`` example does); which webhook events carry which stream's record (``webhook_events``).

hub.yaml::

    connectors:
      moka:
        auth: basic                         # or oauth2 (client_id, client_secret)
        api_key: ${MOKA_API_KEY}
        offer_stage_ids: [3301]             # the organisation's offer stages (optional filter)
        salary_periods: {"1": monthly, "2": annual}
        webhook_secret: ${MOKA_WEBHOOK_SIGNING_KEY}
        webhook_events: {application.stage_changed: applications}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from hub import hookimpl
from hub.core.auth import AppTokenAuth, BasicAuth
from hub.core.connector import Category, RestConnector, Stream
from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.http import HttpClient, Page
from hub.core.paginators import CursorPaginator, PageRequest, Paginator
from hub.core.webhooks import verify_hmac_hex, webhook_object

from plugins.hr_suites.moka_write import MokaWrites  # the write side (delivery), kept apart

__all__ = ["Moka", "application_status_key", "archive_reasons", "feedback_dimensions", "feedback_verdict",
           "offer_values"]

#: Moka's calendar: dates (a check-in date) are days in Beijing, times are sent in UTC.
BEIJING = ZoneInfo("Asia/Shanghai")

#: Where a full pass of interviewer feedback starts: ``fromTime`` is required, so the earliest time.
FULL_PASS_FROM = "1970-01-01T00:00:00.000Z"

#: Auth modes and the settings each needs.
_AUTH_SETTINGS = {"basic": ("api_key",), "oauth2": ("client_id", "client_secret")}


def _next_only(location: str = "params") -> Callable[[], Paginator]:
    """Moka's ``next`` cursor: filters on the first request only, then the cursor alone."""
    return lambda: CursorPaginator(cursor_path="next", cursor_param="next", location=location, only_cursor=True)


# ---------------------------------------------------------------- the `_hub` values, one function per rule


def application_status_key(record: Mapping[str, Any]) -> str | None:
    """The lookup key of the canonical status: ``archived`` for an archived (归档) application, else
    its stage name as the organisation named it (``stageName``, e.g. 初筛, 面试, 待入职).

    Example:
        >>> application_status_key({"archived": False, "stageName": "用人部门筛选"})
        '用人部门筛选'
        >>> application_status_key({"archived": True, "stageName": "面试"})
        'archived'
    """
    return "archived" if record.get("archived") is True else record.get("stageName")


def archive_reasons(value: Any) -> str | None:
    """``archiveReasons`` as one text: text as it is (the documented type), a list joined with "；",
    nothing as None.

    Example:
        >>> archive_reasons(["能力不匹配", " 薪资期望过高 "]), archive_reasons("候选人放弃"), archive_reasons([])
        ('能力不匹配；薪资期望过高', '候选人放弃', None)
    """
    parts = value if isinstance(value, list) else [value]
    text = "；".join(str(p).strip() for p in parts if p is not None and str(p).strip())
    return text or None


def feedback_verdict(record: Mapping[str, Any]) -> str | None:
    """The lookup key of a feedback's recommendation: ``resultType:<0|1>`` (0 不满意, 1 满意), or for
    feedback written before it the deprecated four-point ``result:<1..4>``.

    Example:
        >>> feedback_verdict({"result": 3, "resultType": 1}), feedback_verdict({"result": 1, "resultType": None})
        ('resultType:1', 'result:1')
    """
    for field in ("resultType", "result"):
        if record.get(field) is not None:
            return f"{field}:{record[field]}"
    return None


def _number(value: Any) -> Decimal | None:
    """A finite Decimal from a number or numeric text; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def feedback_dimensions(template: Any) -> list[dict[str, Any]]:
    """The numeric answers of a feedback's scorecard (``feedbackTemplateResult``) as dimensions
    ``{key, label, value}``; answers that are not numbers (comments, choices) stay in the raw record.

    The documents publish the field as an object and no more; an object of ``question: answer`` and a
    list of ``{name|title, value|score}`` items are read, anything else yields no dimensions.

    Example:
        >>> feedback_dimensions({"沟通能力": 4, "专业能力": "4.5", "评语": "表达清楚"})
        [{'key': '沟通能力', 'label': '沟通能力', 'value': '4'}, {'key': '专业能力', 'label': '专业能力', 'value': '4.5'}]
        >>> feedback_dimensions([{"title": "逻辑", "score": 3}, {"title": "备注", "value": None}])
        [{'key': '逻辑', 'label': '逻辑', 'value': '3'}]
    """
    if isinstance(template, Mapping):
        pairs = list(template.items())
    elif isinstance(template, list):
        pairs = [(item.get("name", item.get("title")), item.get("value", item.get("score")))
                 for item in template if isinstance(item, Mapping)]
    else:
        return []
    return [{"key": str(label), "label": str(label), "value": str(number)}
            for label, answer in pairs if label not in (None, "") and (number := _number(answer)) is not None]


def _beijing_date(value: Any) -> str | None:
    """A Moka time (``2018-08-06T16:00:00.000Z``) as the Beijing calendar day it falls on, ISO text;
    a bare date as it is; anything else None (the raw value stays in the record).

    Moka's time-format page warns that some day-precision dates are written as full UTC times
    ("某些精确到天的日期也使用了yyyy-MM-ddTHH:mm:ss.sssZ的格式"): a Beijing midnight is 16:00Z the day before.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(BEIJING).date().isoformat()


def offer_values(offer: Mapping[str, Any], currency: str, periods: Mapping[str, str]) -> dict[str, Any]:
    """An embedded offer's salary and start day: ``salary.text`` always (the number as Moka sent it and
    its ``salaryType``), ``salary.amount``/``currency``/``period`` only when ``salaryType`` is a code
    ``periods`` names (the documents do not define the codes); ``start_date`` in Beijing.

    Example:
        >>> values = offer_values({"salaryNumber": 25000, "salaryType": 1, "checkinDate": "2024-06-30T16:00:00.000Z"},
        ...                       "CNY", {"1": "monthly"})
        >>> values["salary"]
        {'text': '25000 (salaryType 1)', 'amount': '25000', 'currency': 'CNY', 'period': 'monthly'}
        >>> values["start_date"]
        '2024-07-01'
    """
    amount, kind = _number(offer.get("salaryNumber")), offer.get("salaryType")
    salary: dict[str, Any] | None = None
    if offer.get("salaryNumber") is not None:
        salary = {"text": f"{offer['salaryNumber']} (salaryType {kind})"}
        period = periods.get(str(kind))
        if amount is not None and period:
            salary.update(amount=str(amount), currency=currency, period=period)
    return {"salary": salary, "start_date": _beijing_date(offer.get("checkinDate"))}


# ---------------------------------------------------------------- the connector


class Moka(MokaWrites, RestConnector):
    """Moka → applications, assessments (interviewer feedback), offers and talent-pool candidates;
    offers created back (the write side, :mod:`plugins.hr_suites.moka_write`).

    Example:
        >>> moka = Moka({"api_key": "k"})
        >>> moka.first_request(moka.stream("applications"), since="2024-06-01T00:00:00.000Z").json
        {'needAttachment': False, 'limit': 20, 'updateAtStartTime': '2024-06-01T00:00:00.000Z'}
        >>> moka.first_request(moka.stream("interviewer_feedbacks"), since="2024-06-01").params
        {'fromTime': '2024-06-01', 'limit': 100}
    """

    name = "moka"
    category = Category.HR_SUITES
    title = "Moka招聘 (Moka ATS)"
    documentation = "https://www.mokahr.com/docs/api/"
    base_url = "https://api.mokahr.com/api-platform"
    record_path = "data"
    page_size = 20  # ehrApplications and the talent pool: "默认20,最大20"
    page_size_param = "limit"
    envelope = Envelope(ok=(200,), auth=(110020,))
    receives_webhooks = True
    webhook_query_params = ("sign",)
    optional_settings = ("api_key", "client_id", "client_secret", "offer_stage_ids", "webhook_events")
    default_settings = {
        "auth": "basic",
        "token_url": "https://api.mokahr.com/api-platform/v1/auth/oauth2/getToken",
        "talent_pool_cursor_path": "nextCursor",
        "salary_currency": "CNY",
        "salary_periods": {},
        "webhook_signed_bytes": "raw",
    }
    streams = (
        # needAttachment false: attachment and avatar URLs expire after an hour; not worth keeping
        Stream(name="applications", entity="application", path="/v2/data/ehrApplications", method="POST",
               params={"needAttachment": False}, paginator=_next_only("json"), primary_key="applicationId",
               cursor_field="updatedAt", cursor_param="updateAtStartTime"),
        Stream(name="interviewer_feedbacks", entity="assessment", path="/v1/data/interviewer_feedbacks",
               params={"fromTime": FULL_PASS_FROM}, paginator=_next_only(), page_size=100, cursor_field="updatedAt",
               cursor_param="fromTime"),
        Stream(name="offers", entity="offer", path="/v2/data/ehrApplications", method="POST",
               params={"needAttachment": False}, paginator=_next_only("json"), primary_key="offer.id",
               cursor_field="updatedAt", cursor_param="updateAtStartTime", full_refresh_deletes=False),
        # 20 a page, fixed by Moka: no page size is sent
        Stream(name="talent_pool", entity="candidate", path="/v1/talentPool/candidates", page_size=0,
               primary_key="candidateId", cursor_field="archivedAt", cursor_param="archivedAtStart"),
    )

    def authenticator(self) -> httpx.Auth:
        mode = self.setting("auth")
        if mode not in _AUTH_SETTINGS:
            raise ConfigError(f"connector {self.name!r}: setting 'auth' is 'basic' or 'oauth2', not {mode!r}",
                              system=self.name)
        if mode == "basic":
            return BasicAuth(self.setting("api_key"), "")
        return AppTokenAuth(self.setting("token_url"), method="POST", token_path="data.accessToken",
                            expires_in_path="data.expiresIn",
                            json={"clientID": self.setting("client_id"), "clientSecret": self.setting("client_secret"),
                                  "grantType": "client_credentials"})

    def paginator_for(self, stream: Stream) -> Paginator:
        """The talent pool's ``nextCursor`` (sent beside its filters; where the answer holds it is the
        ``talent_pool_cursor_path`` setting); every other stream's ``next``."""
        if stream.name == "talent_pool":
            return CursorPaginator(cursor_path=self.setting("talent_pool_cursor_path"), cursor_param="nextCursor")
        return super().paginator_for(stream)

    def first_request(self, stream: Stream, *, since: str | None, tombstones: bool = False) -> PageRequest:
        """The base's first request; a POST list (ehrApplications) takes its filters as a JSON body,
        and the offers pass is narrowed to the ``offer_stage_ids`` stages when they are set."""
        request = super().first_request(stream, since=since, tombstones=tombstones)
        if stream.method != "POST":
            return request
        body = dict(request.params)
        if stream.name == "offers" and self.settings.get("offer_stage_ids"):
            body["stageIds"] = list(self.settings["offer_stage_ids"])
        return PageRequest(request.url, json=body)

    def pages(self, client: HttpClient, stream: Stream, request: PageRequest, *,
              tombstones: bool = False) -> Iterator[Page]:
        """The base's pages; for offers only the applications that carry one (``offer`` not null): an
        application without an offer has none to store, and is stored by the applications stream."""
        for page in super().pages(client, stream, request, tombstones=tombstones):
            if stream.name == "offers":
                page = replace(page, records=[r for r in page.records if isinstance(r, dict) and r.get("offer")])
            yield page

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with the ``_hub`` values the stream's mapping reads."""
        derive: Callable[[dict[str, Any]], dict[str, Any]] | None = {
            "applications": lambda r: {"status_key": application_status_key(r),
                                        "reject_reason": archive_reasons(r.get("archiveReasons"))},
            "interviewer_feedbacks": lambda r: {"verdict": feedback_verdict(r),
                                                "dimensions": feedback_dimensions(r.get("feedbackTemplateResult"))},
            "offers": lambda r: offer_values(r["offer"] if isinstance(r.get("offer"), dict) else {},
                                             self.setting("salary_currency"), self.settings["salary_periods"]),
        }.get(stream.name)
        if derive is None:
            return records
        return [{**r, "_hub": derive(r)} if isinstance(r, dict) else r for r in records]

    # -- webhooks (主动推送)

    def verify_webhook_request(self, headers: Mapping[str, str], query: Mapping[str, str],
                               raw_body: bytes) -> str | None:
        """Moka's ``?sign=<hex HMAC-SHA256>`` over the body, and the body's ``id`` as the delivery id.

        The documents sign "the request body" and show it as ``JSON.stringify(body)``: setting
        ``webhook_signed_bytes`` says which bytes are checked — ``raw`` (as received, the default;
        checked before the body is parsed) or ``stringified`` (the parsed body written again compactly
        with its keys in order and non-ASCII kept, as ``JSON.stringify`` does; integers and plain
        decimals are written alike, exotic float spellings such as ``1e21`` may not be).
        """
        mode = self.setting("webhook_signed_bytes")
        if mode not in ("raw", "stringified"):
            raise ConfigError(f"connector {self.name!r}: setting 'webhook_signed_bytes' is 'raw' or 'stringified', "
                              f"not {mode!r}", system=self.name)
        secret, sign = self.setting(self.webhook_secret_setting), query.get("sign")
        if mode == "raw":
            verify_hmac_hex(secret, raw_body, sign, prefix="")
        body = webhook_object(raw_body, self.name)
        if mode == "stringified":
            verify_hmac_hex(secret, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), sign, prefix="")
        delivery = body.get("id")
        return None if delivery is None else str(delivery)

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """The delivery's ``data`` as a record of the stream its ``event`` names in ``webhook_events``;
        an event not named there carries nothing the hub stores, and yields nothing.

        Example:
            >>> Moka({"api_key": "k", "webhook_events": {"application.updated": "applications"}}).webhook_records(
            ...     {"id": "d-1", "event": "application.updated", "data": {"applicationId": 7}})
            [('applications', {'applicationId': 7})]
        """
        stream = (self.settings.get("webhook_events") or {}).get(body.get("event")) if isinstance(body, dict) else None
        data = body.get("data") if stream else None
        return [(stream, data)] if isinstance(data, dict) else []


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``moka = "plugins.hr_suites.moka"`` registers this module."""
    return [Moka]
