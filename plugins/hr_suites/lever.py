"""Lever Data API v1: opportunities as candidates and applications, their feedback, offers and interviews (issue 34, point 4).

Follows https://hire.lever.co/developer/documentation (facts, sources and open points in
docs/connectors/lever.md). What is declaration:

* HTTP Basic with the API key as the user name and a blank password
  (:class:`~hub.core.auth.BasicAuth`);
* offset-token pagination — ``limit`` (1–100) on every request, the body's ``next`` sent back as
  ``offset`` until ``hasNext`` is false; records under ``data``
  (:class:`~hub.core.paginators.CursorPaginator`);
* the incremental filter ``updated_at_start=<ms since epoch>`` on ``/opportunities`` (every Lever
  timestamp is an integer of milliseconds), cursor field ``updatedAt``;
* feedback, offers and interviews as child streams of the opportunities (:mod:`hub.core.substreams`):
  ``/opportunities/{id}/feedback``, ``/offers`` and ``/interviews`` paged for every opportunity,
  each record carrying its opportunity's ``id`` and ``contact`` under ``_parent``;
* 429 and 5xx retried by the base retry policy (``Retry-After`` honoured when sent; Lever documents
  none); 4xx answers carry ``{"code", "message"}`` and become typed errors;
* webhooks whose signature is in the JSON **body**: ``signature`` is the hex HMAC-SHA256 of
  ``token`` + ``triggeredAt`` keyed with the webhook's signature token. The body itself is not
  signed, so a delivery is refused when its ``triggeredAt`` is stale (setting
  ``webhook_tolerance_seconds``) or its ``token`` and ``triggeredAt`` were received before (the
  replay key).

What is not: an opportunity carries its stage and archive reason as ids. The canonical status needs
their names and the archive reason's type (``hired`` / ``non-hired``), so the connector reads
``/stages`` and ``/archive_reasons`` (the reference lists: on first use, and again when a page names
an id they lack) and derives values under ``_hub`` on a *copy* of each record
(:meth:`Lever.prepare_page`), as it does for feedback (the rating, scorecard rows, notes), offers
(the salary rows) and interviews (their stage's name). The reference lists have no canonical kind: they are read, not stored.

Details the documentation leaves open are settings or kept raw, never guessed: the stale window of a
webhook; feedback's ``score-system`` value encoding (a label or a 1–4 integer is read, anything else
is kept and refused by the mapping, see :func:`feedback_values`); which offer ``fields`` rows hold
the salary, currency, period and start date (``salary_field``, ``currency_field``, ``period_field``,
``start_date_field``) and the pay period when none does (``salary_period``); whether adding feedback
moves an opportunity's ``updatedAt`` (so the child streams are full passes).

hub.yaml::

    connectors:
      lever:
        api_key: ${LEVER_API_KEY}
        webhook_secret: ${LEVER_WEBHOOK_SIGNATURE_TOKEN}   # the webhook's signature token
        webhook_tolerance_seconds: 300                     # how old a triggeredAt may be
        salary_period: annual                              # offers whose fields name no pay period
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from hub import hookimpl
from hub.core.auth import BasicAuth
from hub.core.connector import Category, Parent, RestConnector, Stream
from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.http import HttpClient
from hub.core.paginators import CursorPaginator
from hub.core.webhooks import verify_hmac_hex, webhook_object

__all__ = ["RATINGS", "Lever", "archive_reason", "feedback_values", "lever_paginator", "offer_values",
           "status_key"]

#: The overall rating every Lever feedback form has, worst first: four points, no neutral one.
RATINGS = ("strong no hire", "no hire", "hire", "strong hire")
#: Feedback and offers are listed per opportunity; the mappings read its id and contact (the candidate).
_OPPORTUNITY = Parent("opportunities", carry=("contact",))
#: The settings naming the offer fields read (their ``identifier``; organisations configure them).
_OFFER_FIELDS = ("salary_field", "currency_field", "period_field", "start_date_field")


def lever_paginator() -> CursorPaginator:
    """Lever's offset token: ``next`` in the body goes back as ``offset``; ``hasNext`` false ends the list.

    Example:
        >>> from hub.core.paginators import PageRequest
        >>> lever_paginator().init_request(PageRequest("/opportunities", {"limit": 100})).params
        {'limit': 100}
    """
    return CursorPaginator(cursor_path="next", cursor_param="offset", has_more_path="hasNext")


# ---------------------------------------------------------------- the `_hub` values, one function per rule


def _id_of(value: Any) -> Any:
    """An id as sent, or the ``id`` of an expanded object (``expand=stage`` sends ``{id, text}``)."""
    return value.get("id") if isinstance(value, dict) else value


def archive_reason(record: Mapping[str, Any]) -> Any:
    """The archive reason id of an archived opportunity, else None (``archived`` is null when active).

    Example:
        >>> archive_reason({"archived": {"reason": "r2", "archivedAt": 1717632000000}}), archive_reason({"archived": None})
        ('r2', None)
    """
    archived = record.get("archived")
    return archived.get("reason") if isinstance(archived, dict) else None


def status_key(record: Mapping[str, Any], stages: Mapping[Any, str], reasons: Mapping[Any, Mapping[str, Any]]) -> str:
    """The lookup key of an opportunity's canonical status.

    ``hired`` when it is archived for a reason of type ``hired``; ``archived:<reason text>`` for any
    other archive reason (``archived:`` when the reason is not on ``/archive_reasons``); otherwise
    ``stage:<stage text>`` (``stage:`` when the stage is not on ``/stages``).

    Example:
        >>> reasons = {"r1": {"text": "Hired", "type": "hired"}, "r2": {"text": "Withdrew", "type": "non-hired"}}
        >>> status_key({"stage": "s1", "archived": {"reason": "r2"}}, {"s1": "Offer"}, reasons)
        'archived:Withdrew'
        >>> status_key({"stage": {"id": "s1"}, "archived": None}, {"s1": "Offer"}, reasons)
        'stage:Offer'
    """
    reason_id = archive_reason(record)
    if reason_id is not None:
        reason = reasons.get(reason_id) or {}
        return "hired" if reason.get("type") == "hired" else "archived:" + str(reason.get("text") or "")
    return "stage:" + (stages.get(_id_of(record.get("stage"))) or "")


def _rating(value: Any) -> str | None:
    """The overall rating as one of :data:`RATINGS`, or None when it is none of them.

    The reference leaves the ``score-system`` value's encoding open: a label ("Strong Hire",
    "strong_hire", "strong-hire") and a 1–4 integer (1 the worst) are both read.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return RATINGS[value - 1] if 1 <= value <= len(RATINGS) else None
    if isinstance(value, str):
        words = " ".join(value.replace("_", " ").replace("-", " ").lower().split())
        if words in RATINGS:
            return words
        if words.isascii() and words.isdigit():
            return _rating(int(words))
    return None


def _scorecard(field: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A ``scorecard`` field's rows ``{label, score, comment}``: ``value[i]`` rates ``scores[i]``."""
    skills = field.get("scores") if isinstance(field.get("scores"), list) else []
    values = field.get("value") if isinstance(field.get("value"), list) else []
    rows = []
    for index, skill in enumerate(skills):
        rated = values[index] if index < len(values) and isinstance(values[index], dict) else {}
        label = skill.get("text") if isinstance(skill, dict) else None
        rows.append({"label": label, "score": rated.get("score"), "comment": rated.get("comment")})
    return rows


def feedback_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """A feedback form's ``rating`` (one of :data:`RATINGS`), the value as sent (``rating_raw``), the
    ``scorecard`` rows as ``dimensions`` and the ``text``/``textarea`` answers as ``comments``.

    ``rating`` is the sent value itself when it is none of the four (the mapping's lookup then
    refuses the record, naming the field): nothing is guessed, nothing dropped.

    Example:
        >>> form = {"fields": [{"type": "score-system", "value": "Strong Hire"},
        ...                    {"type": "scorecard", "scores": [{"text": "Coding"}], "value": [{"score": 4}]},
        ...                    {"type": "textarea", "text": "Notes", "value": "Clear answers."}]}
        >>> feedback_values(form)
        {'rating': 'strong hire', 'rating_raw': 'Strong Hire', 'dimensions': [{'label': 'Coding', 'score': 4, 'comment': None}], 'comments': 'Notes: Clear answers.'}
    """
    fields = [f for f in record.get("fields") or () if isinstance(f, dict)]
    sent = next((f.get("value") for f in fields if f.get("type") == "score-system"), None)
    notes = [f"{f.get('text')}: {f['value']}" if f.get("text") else str(f["value"]) for f in fields
             if f.get("type") in ("text", "textarea") and isinstance(f.get("value"), str) and f["value"].strip()]
    return {"rating": None if sent is None else (_rating(sent) or sent),
            "rating_raw": None if sent is None else str(sent),
            "dimensions": [row for f in fields if f.get("type") == "scorecard" for row in _scorecard(f)],
            "comments": "\n\n".join(notes) or None}


def offer_values(record: Mapping[str, Any], identifiers: Mapping[str, str], default_period: str | None) -> dict[str, Any]:
    """An offer's ``salary`` (``amount``, ``currency``, ``period``) and ``start_date`` from its ``fields``.

    Offer fields are ``{text, identifier, value}`` rows whose identifiers an organisation configures;
    ``identifiers`` names them (settings ``salary_field``, ``currency_field``, ``period_field``,
    ``start_date_field``). A value absent stays absent; the period falls back to ``default_period``.

    Example:
        >>> offer_values({"fields": [{"identifier": "salary_amount", "value": 95000},
        ...                          {"identifier": "salary_currency", "value": "USD"}]},
        ...              {"salary_field": "salary_amount", "currency_field": "salary_currency"}, "annual")
        {'salary': {'amount': 95000, 'currency': 'USD', 'period': 'annual'}, 'start_date': None}
    """
    by_id = {f.get("identifier"): f.get("value") for f in record.get("fields") or () if isinstance(f, dict)}

    def value(setting: str) -> Any:
        name = identifiers.get(setting)
        return by_id.get(name) if name else None

    amount = value("salary_field")
    salary = None if amount is None else {"amount": amount, "currency": value("currency_field"),
                                          "period": value("period_field") or default_period}
    return {"salary": salary, "start_date": value("start_date_field")}


# ---------------------------------------------------------------- the connector


class Lever(RestConnector):
    """Lever Data API v1 → candidates (an opportunity's contact), applications (the opportunity),
    assessments (its feedback forms) and offers.

    Example:
        >>> lever = Lever({"api_key": "k"})
        >>> lever.first_request(lever.stream("opportunities"), since="1717632000000").params
        {'limit': 100, 'updated_at_start': '1717632000000'}
    """

    name = "lever"
    category = Category.HR_SUITES
    title = "Lever Data API v1"
    documentation = "https://hire.lever.co/developer/documentation"
    base_url = "https://api.lever.co/v1"
    paginator = lever_paginator
    record_path = "data"
    page_size_param = "limit"
    receives_webhooks = True
    required_settings = ("api_key",)
    optional_settings = ("webhook_tolerance_seconds", "salary_period", *_OFFER_FIELDS)
    default_settings = {"webhook_tolerance_seconds": 300,
                        "salary_field": "salary_amount", "currency_field": "salary_currency",
                        "start_date_field": "anticipated_start_date"}
    streams = (
        Stream(name="candidates", entity="candidate", path="/opportunities", cursor_field="updatedAt",
               cursor_param="updated_at_start", primary_key="contact"),
        Stream(name="opportunities", entity="application", path="/opportunities", cursor_field="updatedAt",
               cursor_param="updated_at_start"),
        Stream(name="feedback", entity="assessment", path="/opportunities/{id}/feedback", parent=_OPPORTUNITY),
        Stream(name="offers", entity="offer", path="/opportunities/{id}/offers", parent=_OPPORTUNITY),
        Stream(name="interviews", entity="interview", path="/opportunities/{id}/interviews", parent=_OPPORTUNITY),
    )
    webhook_clock: ClassVar[Callable[[], float]] = staticmethod(time.time)  # the stale check's now; tests pin it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reference: tuple[dict[Any, str], dict[Any, dict[str, Any]]] | None = None
        self._unknown: set[tuple[str, Any]] = set()  # ids Lever's lists lacked when last read

    def authenticator(self) -> BasicAuth:
        return BasicAuth(self.setting("api_key"), "")

    # -- pulled pages

    def prepare_page(self, client: HttpClient, stream: Stream, records: list[Any]) -> list[Any]:
        """Copies of a page's records with the ``_hub`` values the stream's mapping reads.

        The originals are not touched: the engine stores them as ``remote_data``.
        """
        derive: Callable[[dict[str, Any]], dict[str, Any]]
        if stream.name == "feedback":
            derive = feedback_values
        elif stream.name == "offers":
            identifiers = {name: self.settings.get(name) for name in _OFFER_FIELDS}
            derive = lambda r: offer_values(r, identifiers, self.settings.get("salary_period"))  # noqa: E731
        elif stream.name == "opportunities":
            stages, reasons = self.reference(client, {_id_of(r.get("stage")) for r in records if isinstance(r, dict)},
                                             {archive_reason(r) for r in records if isinstance(r, dict)})
            derive = lambda r: {"status_key": status_key(r, stages, reasons),  # noqa: E731 — one use, reads best here
                                "stage": stages.get(_id_of(r.get("stage"))),
                                "reject_reason": (reasons.get(archive_reason(r)) or {}).get("text")}
        elif stream.name == "interviews":
            stages, _ = self.reference(client, {r.get("stage") for r in records if isinstance(r, dict)})
            derive = lambda r: {"stage": stages.get(r.get("stage"))}  # noqa: E731
        else:
            return records
        return [{**r, "_hub": derive(r)} if isinstance(r, dict) else r for r in records]

    def reference(self, client: HttpClient, stage_ids: Iterable[Any] = (),
                  reason_ids: Iterable[Any] = ()) -> tuple[dict[Any, str], dict[Any, dict[str, Any]]]:
        """Stage id → name and archive reason id → ``{text, type}``.

        Read on first use and kept; read again when a page names a stage or reason the kept lists
        lack (one created since), so a long-lived webhook receiver names new stages too. An id still
        missing after that is unknown to Lever's lists: it is remembered, never re-read for, and its
        status key says it is unknown (``stage:`` / ``archived:``).
        """
        wanted = {("stage", i) for i in stage_ids if i is not None} | {("reason", i) for i in reason_ids if i is not None}
        if self._reference is None or wanted - self._named() - self._unknown:
            stages = {s.get("id"): s.get("text") for s in self._list(client, "/stages")}
            reasons = {r.get("id"): r for r in self._list(client, "/archive_reasons")}
            self._reference = (stages, reasons)
            self._unknown |= wanted - self._named()
        return self._reference

    def _named(self) -> set[tuple[str, Any]]:
        stages, reasons = self._reference or ({}, {})
        return {("stage", i) for i in stages} | {("reason", i) for i in reasons}

    def _list(self, client: HttpClient, path: str) -> list[dict[str, Any]]:
        pages = client.paginate(path, lever_paginator(), params={self.page_size_param: self.page_size},
                                records_path=self.record_path)  # fmt: skip
        return [r for page in pages for r in page.records if isinstance(r, dict)]

    # -- webhooks

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """Check the body's ``signature`` (hex HMAC-SHA256 of ``token`` + ``triggeredAt``) and freshness.

        Returns the replay key ``<token>:<triggeredAt>``, exactly what is signed: whether ``token`` is
        new on every request or one per webhook is open in the docs, and under either reading this
        pair names one delivery (a retry of it is refused as a replay, another event is not).

        Raises:
            WebhookVerificationError: the body is not a JSON object, a field is missing, the
                signature does not match, or ``triggeredAt`` is outside the tolerance.
        """
        body = webhook_object(raw_body, self.name)
        token, triggered, signature = body.get("token"), body.get("triggeredAt"), body.get("signature")
        if not isinstance(token, str) or not token or not isinstance(signature, str):
            raise WebhookVerificationError("the webhook body has no token or signature", system=self.name)
        if isinstance(triggered, bool) or not isinstance(triggered, int):
            raise WebhookVerificationError("the webhook body's triggeredAt is not milliseconds", system=self.name)
        verify_hmac_hex(self.setting(self.webhook_secret_setting), f"{token}{triggered}".encode(), signature, prefix="")
        self._fresh(triggered)
        return f"{token}:{triggered}"

    def _fresh(self, triggered_ms: int) -> None:
        tolerance = self.settings.get("webhook_tolerance_seconds")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance <= 0:
            raise ConfigError(f"connector {self.name!r}: setting 'webhook_tolerance_seconds' must be a positive "
                              f"number of seconds, not {tolerance!r}", system=self.name)  # fmt: skip
        age = type(self).webhook_clock() - triggered_ms / 1000
        if age > tolerance:
            raise WebhookVerificationError("triggeredAt is older than webhook_tolerance_seconds; possible replay",
                                           system=self.name)  # fmt: skip
        if age < -tolerance:
            raise WebhookVerificationError("triggeredAt is too far in the future; check clocks", system=self.name)

    def webhook_records(self, body: Any) -> list[tuple[str, Any]]:
        """``candidateStageChange`` as an opportunity-shaped record: its id, contact, new stage and time.

        The event carries ids only (``opportunityId``, ``contactId``, ``toStageId``); the record has
        what an opportunity of the list holds under those names, ``updatedAt`` being ``triggeredAt``
        (so an older event never overwrites a newer listing). Other events yield nothing yet.
        """
        data = body.get("data") if isinstance(body, dict) else None
        if body.get("event") != "candidateStageChange" or not isinstance(data, dict) or "opportunityId" not in data:
            return []  # Lever's "test" delivery from its settings page is signed but names no opportunity
        return [("opportunities", {"id": data.get("opportunityId"), "contact": data.get("contactId"),
                                   "stage": data.get("toStageId"), "archived": None,
                                   "updatedAt": body.get("triggeredAt")})]


@hookimpl
def hub_register_connectors() -> list[type[RestConnector]]:
    """The entry point ``lever = "plugins.hr_suites.lever"`` registers this module."""
    return [Lever]
