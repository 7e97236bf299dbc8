"""Feishu Hire write side: an assessment from any vendor (an AI interview's scores) written to Feishu as an
external interview assessment (外部面评), so a recruiter sees it on the talent in Feishu.

Endpoints (facts and sources in docs/connectors/feishu_hire.md, "Writing assessments"), all answering
Feishu's ``{code, msg, data}``:

* ``GET /hire/v1/external_applications?talent_id=`` — the talent's external applications (paged);
* ``POST /hire/v1/external_applications`` — ``{external_id, talent_id, ...}`` (``talent_id`` required);
* ``POST /hire/v1/external_interviews/batch_query?external_application_id=`` — that application's
  external interviews (paged) with their assessments;
* ``POST /hire/v1/external_interviews`` — ``{external_id, external_application_id, participate_status,
  begin_time, end_time}``;
* ``POST /hire/v1/external_interview_assessments`` — ``{external_id, external_interview_id, username,
  conclusion (1 fail, 2 pass, 3 undecided), assessment_dimension_list [{assessment_type (1 score,
  2 single choice, 3 text, 4 multiple choice), title, score | option | options | content}], content}``;
* ``PATCH /hire/v1/external_interview_assessments/{id}`` — the same fields, for a new version.

Idempotency: Feishu takes ``external_id`` as an idempotency key for 24 hours only, so every write reads
first. The external ids are derived from hub ids (``hub-application-<id>``, ``hub-interview-<id>``,
``hub-assessment-<id>``): a delivery repeated after a crash finds the application, interview and
assessment it created and creates nothing twice; a new version of the assessment (the hub knows its
Feishu id) is a ``PATCH``. An assessment is written under the talent its candidate is in Feishu
(``talent_id``: delivery translates the candidate reference), or else under the talent of its Feishu
application; with neither it is refused before anything is sent (:meth:`FeishuHireWrites.refusal`).

The payload comes from the ``reverse:`` section of hub/mappings/hr_suites/feishu_hire/assessment.yaml:
``talent_id``, ``application_id`` (Feishu ids, absent when Feishu has none), ``vendor``, ``completed_at``,
``conclusion``, ``overall`` and each dimension's ``score`` (0–100), ``content``, ``report_url``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import MalformedPageError, PermanentConnectorError
from hub.core.http import HttpClient
from hub.core.paginators import CursorPaginator, select

__all__ = ["FeishuHireWrites", "assessment_body"]

#: The title of the overall score among the dimensions written (Feishu has no overall score field).
OVERALL_TITLE = "综合得分"
REPORT_TITLE = "报告链接"
_SCORE, _TEXT = 1, 3  # assessment_type: a score question, a text question
_PARTICIPATED = 2  # participate_status: 1 did not take part, 2 took part, 3 no-show
_OTHER_DELIVERY = 4  # delivery_type: 1 sourced by HR, 2 applied, 3 referred, 4 other


def _score(value: Any) -> int | None:
    """A 0–100 score as the whole number Feishu's score questions take (half up); None if absent."""
    if value in (None, ""):
        return None
    try:
        return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return None


def _millis(value: Any) -> int | None:
    """An ISO 8601 time (the payload's) as Feishu's milliseconds since the epoch."""
    if not isinstance(value, str) or not value:
        return None
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def assessment_body(payload: dict[str, Any]) -> dict[str, Any]:
    """The assessment's fields Feishu takes on create and update: who assessed (the vendor), the
    conclusion, the overall score and each dimension's as score questions (0–100), the report link as a
    text question, the comments.

    Example:
        >>> assessment_body({"vendor": "ai_interview", "conclusion": "2", "overall": "86.50",
        ...                  "dimensions": [{"title": "沟通能力", "score": "82.00"}]})["assessment_dimension_list"]
        [{'assessment_type': 1, 'title': '综合得分', 'score': 87}, {'assessment_type': 1, 'title': '沟通能力', 'score': 82}]
    """
    dimensions: list[dict[str, Any]] = []
    overall = _score(payload.get("overall"))
    if overall is not None:
        dimensions.append({"assessment_type": _SCORE, "title": OVERALL_TITLE, "score": overall})
    for item in payload.get("dimensions") or ():
        score = _score(item.get("score"))
        if item.get("title") and score is not None:
            dimensions.append({"assessment_type": _SCORE, "title": item["title"], "score": score})
    if payload.get("report_url"):
        dimensions.append({"assessment_type": _TEXT, "title": REPORT_TITLE, "content": payload["report_url"]})
    body: dict[str, Any] = {"username": payload.get("vendor") or "hub", "assessment_dimension_list": dimensions}
    if payload.get("conclusion"):
        body["conclusion"] = int(payload["conclusion"])
    if payload.get("content"):
        body["content"] = payload["content"]
    return body


class FeishuHireWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.feishu_hire.FeishuHire` (mixed into it).

    Example:
        >>> FeishuHireWrites.writes
        ('assessment',)
    """

    writes: ClassVar[tuple[str, ...]] = ("assessment",)
    settings: dict[str, Any]
    name: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """A new assessment needs a Feishu talent to be written under: its candidate's talent id, or its
        Feishu application (whose talent is read). A deleted one is not written: Feishu's external
        assessments cannot be deleted through the API."""
        if item.deleted:
            return self._refused(item, "the assessment was deleted in the hub; Feishu's external assessments cannot be "
                                       "deleted through its API, remove it in Feishu if needed")
        if item.external_id is None and not (item.payload.get("talent_id") or item.payload.get("application_id")):
            return self._refused(item, "the assessment's candidate has no Feishu talent id (and its application no "
                                       "Feishu id) yet; sync the talents from Feishu so the candidate is matched first")
        return None

    def deliver(self, item: Delivery) -> str:
        """Write the assessment: a ``PATCH`` of the one the hub knows, else find or create its external
        application, interview and assessment (in that order; each found by its external id first)."""
        client = self.writer()
        body = assessment_body(item.payload)
        if item.external_id is not None:
            self._update(client, item.external_id, body)
            return item.external_id
        talent_id = item.payload.get("talent_id") or self._talent_of(client, item)
        application_id = self._external_application(client, item, str(talent_id))
        interview = self._external_interview(client, item, application_id)
        wanted = f"hub-assessment-{item.entity_id}"
        for existing in interview.get("interview_assessments") or ():
            if isinstance(existing, dict) and existing.get("external_id") == wanted and existing.get("id"):
                self._update(client, str(existing["id"]), body)  # written before a crash: brought up to date
                return str(existing["id"])
        created = self._post(client, "/hire/v1/external_interview_assessments", "external_interview_assessment",
                             {"external_id": wanted, "external_interview_id": interview["id"], **body})
        return str(created["id"])

    # -- the chain, each link found by its external id before it is created

    def _talent_of(self, client: HttpClient, item: Delivery) -> str:
        """The talent of the assessment's Feishu application."""
        body = client.get_json(f"/hire/v1/applications/{quote(str(item.payload['application_id']), safe='')}")
        talent = select(body, "data.application.talent_id")
        if not talent:
            raise self._refused(item, f"Feishu application {item.payload['application_id']} names no talent")
        return str(talent)

    def _external_application(self, client: HttpClient, item: Delivery, talent_id: str) -> str:
        entity = item.entity
        application = getattr(entity, "application", None)
        owner = application.id if application is not None and application.id else item.entity_id
        wanted = f"hub-application-{owner}"
        for found in self._listed(client, "GET", "/hire/v1/external_applications", {"talent_id": talent_id}):
            if found.get("external_id") == wanted and found.get("id"):
                return str(found["id"])
        completed = _millis(item.payload.get("completed_at"))
        created = self._post(client, "/hire/v1/external_applications", "external_application", {
            "external_id": wanted, "talent_id": talent_id, "resume_source": item.payload.get("vendor") or "hub",
            "delivery_type": _OTHER_DELIVERY, **({"create_time": completed} if completed else {})})
        return str(created["id"])

    def _external_interview(self, client: HttpClient, item: Delivery, application_id: str) -> dict[str, Any]:
        wanted = f"hub-interview-{item.entity_id}"
        for found in self._listed(client, "POST", "/hire/v1/external_interviews/batch_query",
                                  {"external_application_id": application_id}, json={}):
            if found.get("external_id") == wanted and found.get("id"):
                return found
        completed = _millis(item.payload.get("completed_at"))
        times = {"begin_time": completed, "end_time": completed} if completed else {}
        return self._post(client, "/hire/v1/external_interviews", "external_interview", {
            "external_id": wanted, "external_application_id": application_id, "participate_status": _PARTICIPATED,
            **times})

    # -- HTTP

    def _listed(self, client: HttpClient, method: str, path: str, params: dict[str, Any],
                json: Any = None) -> list[dict[str, Any]]:
        paginator = CursorPaginator(cursor_path="data.page_token", cursor_param="page_token",
                                    has_more_path="data.has_more")
        pages = client.paginate(path, paginator, method=method, params={**params, "page_size": 20}, json=json,
                                records_path="data.items")
        return [record for page in pages for record in page.records if isinstance(record, dict)]

    def _post(self, client: HttpClient, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        created = select(client.post(path, json=body).json(), f"data.{key}")
        if not isinstance(created, dict) or not created.get("id"):
            raise MalformedPageError(f"POST {path} answered without data.{key}.id", system=self.name)
        return created

    def _update(self, client: HttpClient, assessment_id: str, body: dict[str, Any]) -> None:
        client.request("PATCH", f"/hire/v1/external_interview_assessments/{quote(assessment_id, safe='')}", json=body)

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
