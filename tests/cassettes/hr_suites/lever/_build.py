"""Write the Lever Data API v1 cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up organisation (stages, archive reasons,
opportunities and what hangs under each opportunity) whose ids must agree across files, and every
page must carry the ``{data, hasNext, next}`` envelope whose ``next`` token the following request
sends back as ``offset``. Writing that by hand invites drift.

The protocol follows https://hire.lever.co/developer/documentation (Basic auth with the API key as
user name, ``limit`` + ``offset`` token pagination, ``updated_at_start`` in milliseconds, 429 rate
limiting, error bodies ``{"code", "message"}``); where the docs leave a shape open the choice is named
in docs/connectors/lever.md. People are fictional (example.com, 555-01xx numbers); the API key is a
placeholder, never a real-looking value. The webhook samples in tests/fixtures/lever/ are signed here
with the test signature token.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/lever/_build.py
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes
from plugins.hr_suites.lever import archive_reason, feedback_values, offer_values, status_key

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[2] / "fixtures" / "lever"
MAPPING_FIXTURES = HERE.parents[2] / "fixtures" / "mapping" / "lever"
API = "https://api.lever.co/v1"
LIMIT = 2
DAY = 86_400_000
JUNE = 1_717_200_000_000  # 2024-06-01T00:00:00Z in ms: every Lever timestamp is ms since epoch
WEBHOOK_SECRET = "test-signature-token-not-real"  # the test suite's `webhook_secret`
TRIGGERED = JUNE + 12 * DAY  # the webhooks' triggeredAt; the tests pin their clock a minute later


def _ms(day: int, hour: int = 9) -> int:
    return JUNE + (day - 1) * DAY + hour * 3_600_000


def _uuid(prefix: str, n: int) -> str:
    return f"{prefix}-0000-4000-8000-{n:012d}"


STAGES = [
    {"id": "lead-new", "text": "New lead"},
    {"id": "applicant-new", "text": "New applicant"},
    {"id": _uuid("5a9e0001", 1), "text": "Phone screen"},
    {"id": _uuid("5a9e0001", 2), "text": "On-site interview"},
    {"id": "offer", "text": "Offer"},
]

ARCHIVE_REASONS = [
    {"id": _uuid("a7c40001", 1), "text": "Hired", "status": "active", "type": "hired"},
    {"id": _uuid("a7c40001", 2), "text": "Underqualified", "status": "active", "type": "non-hired"},
    {"id": _uuid("a7c40001", 3), "text": "Withdrew", "status": "active", "type": "non-hired"},
]


def _opportunity(n: int, stage: str, *, archived: str | None = None) -> dict[str, Any]:
    number = ("One", "Two", "Three", "Four", "Five")[n - 1]
    opp_id, contact = _uuid("0bb00001", n), _uuid("c0ca0001", n)
    return {
        "id": opp_id, "name": f"Test Candidate {number}", "contact": contact, "headline": "Example Corp",
        "stage": stage, "confidentiality": "non-confidential", "location": "Springfield" if n == 2 else None,
        "phones": [{"type": "mobile", "value": f"(415) 555-01{n:02d}"}],
        "emails": [f"test.candidate{n}@example.com"], "links": [],
        "archived": {"reason": archived, "archivedAt": _ms(6)} if archived else None,
        "tags": ["Engineering"] if n == 1 else [], "sources": ["Referral"] if n == 1 else ["Job site"],
        "stageChanges": [{"toStageId": stage, "toStageIndex": 0, "updatedAt": _ms(2), "userId": _uuid("05e40001", 1)}],
        "origin": "referred" if n == 1 else "applied", "sourcedBy": None, "owner": _uuid("05e40001", 1),
        "followers": [_uuid("05e40001", 1)], "applications": [_uuid("a9910001", n)],
        "createdAt": _ms(2), "updatedAt": _ms(2 + n), "lastInteractionAt": _ms(2 + n), "lastAdvancedAt": _ms(2 + n),
        "snoozedUntil": None, "isAnonymized": False, "dataProtection": None,
        "urls": {"list": "https://hire.lever.co/candidates", "show": f"https://hire.lever.co/candidates/{opp_id}"},
    }


OPPORTUNITIES = [
    _opportunity(1, STAGES[2]["id"]),
    _opportunity(2, STAGES[3]["id"]),
    _opportunity(3, "offer", archived=ARCHIVE_REASONS[0]["id"]),
    _opportunity(4, "applicant-new", archived=ARCHIVE_REASONS[2]["id"]),
    _opportunity(5, "applicant-new"),
]

def _feedback(n: int, opp: int, rating: str | int, skills: list[tuple[str, int | None, str | None]],
              notes: str | None) -> dict[str, Any]:
    """A feedback form: the fixed overall rating (score-system), a scorecard and a notes field."""
    return {
        "id": _uuid("feed0001", n), "type": "interview", "text": "On-site interview feedback",
        "instructions": "Rate the candidate against the role.", "baseTemplateId": _uuid("7e3p0001", 1),
        "interview": _uuid("1e7v0001", n), "panel": _uuid("9a7e0001", opp), "user": _uuid("05e40001", 1 + n % 2),
        "createdAt": _ms(7), "completedAt": _ms(7, 15), "updatedAt": _ms(7, 15), "deletedAt": None,
        "fields": [
            {"id": _uuid("f1e10001", 1), "type": "score-system", "text": "Rating", "description": "", "required": True,
             "value": rating},
            {"id": _uuid("f1e10001", 2), "type": "scorecard", "text": "Skills", "description": "", "required": False,
             "scores": [{"text": text, "description": ""} for text, _, _ in skills],
             "value": [{"score": score, "comment": comment} for _, score, comment in skills]},
            {"id": _uuid("f1e10001", 3), "type": "textarea", "text": "Notes", "description": "", "required": False,
             "value": notes},
        ],
    }


#: Opportunity number → its feedback forms (the others have none: an empty list).
FEEDBACK = {
    1: [_feedback(1, 1, "Hire", [("Communication", 3, "Explained trade-offs well."), ("Coding", 3, None)],
                  "Clear explanations of past projects.")],
    2: [_feedback(2, 2, "Strong Hire", [("Communication", 4, None), ("Coding", 4, None)], None),
        _feedback(3, 2, "No Hire", [("Communication", 2, "Ran out of time."), ("Coding", None, None)], None),
        _feedback(4, 2, "Strong No Hire", [("Communication", 1, None), ("Coding", 1, None)], "Did not finish.")],
    3: [_feedback(5, 3, "Strong Hire", [("Negotiation", 4, None)], None)],
}


def _interview(n: int, opp: int, stage: str, *, day: int, canceled: bool = False) -> dict[str, Any]:
    """An interview as ``/opportunities/{id}/interviews`` lists it; feedback form ``n`` names interview ``n``."""
    return {
        "id": _uuid("1e7v0001", n), "panel": _uuid("9a7e0001", opp), "subject": "On-site interview",
        "note": "Bring a laptop." if n == 1 else "",
        "interviewers": [{"id": _uuid("05e40001", 1 + n % 2), "name": f"Test Interviewer {1 + n % 2}",
                          "email": f"interviewer{1 + n % 2}@example.com", "feedbackTemplate": _uuid("7e3p0001", 1),
                          "feedbackReminder": "frequently"}],
        "timezone": "America/Los_Angeles", "createdAt": _ms(5), "date": _ms(day, 17), "duration": 45 if n % 2 else 60,
        "location": "Zoom", "feedbackTemplate": _uuid("7e3p0001", 1),
        "feedbackForms": [] if canceled else [_uuid("feed0001", n)], "feedbackReminder": "frequently",
        "user": _uuid("05e40001", 1), "stage": stage, "canceledAt": _ms(6) if canceled else None,
        "postings": [_uuid("90570001", 1)], "gcalEventUrl": None,
    }


#: Opportunity number → its interviews (ids shared with the feedback forms that answer them; the
#: fifth opportunity's interview was cancelled, so it has no feedback).
INTERVIEWS = {
    1: [_interview(1, 1, STAGES[2]["id"], day=7)],
    2: [_interview(2, 2, STAGES[3]["id"], day=7), _interview(3, 2, STAGES[3]["id"], day=7),
        _interview(4, 2, STAGES[3]["id"], day=8)],
    3: [_interview(5, 3, STAGES[3]["id"], day=8)],
    5: [_interview(6, 5, STAGES[2]["id"], day=9, canceled=True)],
}


def _offer(n: int, status: str, amount: int | None, currency: str, *, sent: bool) -> dict[str, Any]:
    fields = [{"text": "Anticipated start date", "identifier": "anticipated_start_date", "value": _ms(30, 0)}]
    if amount is not None:
        fields += [{"text": "Salary", "identifier": "salary_amount", "value": amount},
                   {"text": "Currency", "identifier": "salary_currency", "value": currency}]
    return {"id": _uuid("0ffe0001", n), "posting": _uuid("90570001", 1), "createdAt": _ms(9), "status": status,
            "creator": _uuid("05e40001", 1), "fields": fields, "signatures": {}, "approved": status != "draft",
            "approvedAt": _ms(9, 12) if status != "draft" else None, "sentAt": _ms(10) if sent else None,
            "sentDocument": None, "signedDocument": None}


#: Opportunity number → its offers.
OFFERS = {
    2: [_offer(1, "approval-sent", 120000, "USD", sent=False)],
    3: [_offer(2, "denied", 98000, "USD", sent=False), _offer(3, "signed", 105000, "USD", sent=True)],
}

#: The cursor a full pass over OPPORTUNITIES leaves (their latest updatedAt): where a resumed run starts.
RESUMED = max(o["updatedAt"] for o in OPPORTUNITIES)
#: An opportunity without its contact: the mappings refuse it (a dead letter).
MALFORMED_OPPORTUNITY = {**OPPORTUNITIES[1], "id": _uuid("0bb00001", 9), "contact": None}


# ---------------------------------------------------------------- HTTP pieces


def _request(uri: str) -> dict[str, Any]:
    return request("GET", uri, headers={"Accept": "application/json", "Authorization": "Basic <REDACTED>"})


def _token(path: str, after: str) -> str:
    """An opaque offset token, like Lever's (the docs promise only that it is a string to send back)."""
    raw = json.dumps({"p": path, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def pages(path: str, records: list[dict[str, Any]], first_params: dict[str, str]) -> list[dict[str, Any]]:
    """Paged GETs: ``limit`` and filters on every request, the previous page's ``next`` as ``offset``."""
    out, params = [], dict(first_params)
    chunks = [records[i : i + LIMIT] for i in range(0, len(records), LIMIT)] or [[]]
    for index, chunk in enumerate(chunks):
        body: dict[str, Any] = {"data": chunk, "hasNext": index < len(chunks) - 1}
        if body["hasNext"]:
            body["next"] = _token(path, chunk[-1]["id"])
        out.append({"request": _request(f"{API}{path}?{urlencode(params)}"), "response": response(200, body)})
        params = {**first_params, "offset": body.get("next", "")}
    return out


def _first(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"limit": str(LIMIT), **(extra or {})}


def reference() -> list[dict[str, Any]]:
    """The two reference lists the connector reads once, on the first opportunities page."""
    return [*pages("/stages", STAGES, _first()), *pages("/archive_reasons", ARCHIVE_REASONS, _first())]


def opportunities(records: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """The opportunities pages as the application stream sends them: the reference lists after the first page."""
    listing = pages("/opportunities", records, params)
    return [listing[0], *reference(), *listing[1:]]


def children(resource: str, by_opportunity: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A child stream's pass: each opportunities page, then every listed opportunity's own pages of
    ``/opportunities/{id}/<resource>`` (``limit`` and the offset token, as any list), before the next page."""
    out: list[dict[str, Any]] = []
    for interaction in pages("/opportunities", OPPORTUNITIES, _first()):
        out.append(interaction)
        for opportunity in json.loads(interaction["response"]["body"]["string"])["data"]:
            number = OPPORTUNITIES.index(opportunity) + 1
            out += pages(f"/opportunities/{opportunity['id']}/{resource}", by_opportunity.get(number, []), _first())
    return out


def interviews() -> list[dict[str, Any]]:
    """The interviews pass: the reference lists are read once its first interviews page names a stage."""
    out = children("interviews", INTERVIEWS)
    first = next(i for i, x in enumerate(out) if "/interviews" in x["request"]["uri"])
    return [*out[: first + 1], *reference(), *out[first + 1 :]]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    resumed = {"updated_at_start": str(RESUMED)}
    return {
        "candidates": pages("/opportunities", OPPORTUNITIES, _first()),
        "opportunities": opportunities(OPPORTUNITIES, _first()),
        "feedback": children("feedback", FEEDBACK),
        "offers": children("offers", OFFERS),
        "interviews": interviews(),
        # `hub migrate --source lever`: one connector lists every stream in its order, the reference
        # lists once (on the first opportunities page), the child streams by their parent's pages
        "migration": [*pages("/opportunities", OPPORTUNITIES, _first()), *opportunities(OPPORTUNITIES, _first()),
                      *children("feedback", FEEDBACK), *children("offers", OFFERS),
                      *children("interviews", INTERVIEWS)],
        # the standard suite (hub.testing): a 429 and a 5xx retried mid-pass, a run resumed from the
        # cursor the opportunities cassette leaves, a page with one opportunity the mapping refuses
        "retried": retried(),
        "resume": opportunities([o for o in OPPORTUNITIES if o["updatedAt"] >= RESUMED], _first(resumed)),
        "malformed": opportunities([OPPORTUNITIES[0], MALFORMED_OPPORTUNITY], _first()),
        "errors": errors(),
        # what a webhook's records are prepared with (the suite's webhook cases replay it)
        "reference": reference(),
    }


def retried() -> list[dict[str, Any]]:
    """Every candidates page, the second one answered 429 (``Retry-After: 1``), then 503, before it is served."""
    listing = pages("/opportunities", OPPORTUNITIES, _first())
    second = listing[1]["request"]
    throttled = {"request": second, "response": response(429, {"code": "TooManyRequests",
                                                               "message": "Rate limit exceeded"},
                                                         headers={"Retry-After": ["1"]})}
    unavailable = {"request": second, "response": response(503, {"code": "ServiceUnavailable",
                                                                 "message": "Service Unavailable"})}
    return [listing[0], throttled, unavailable, *listing[1:]]


def errors() -> list[dict[str, Any]]:
    """A 404 for an unknown opportunity, a 400 for a limit above 100, a 401 for a refused key."""
    missing = {"request": _request(f"{API}/opportunities/{_uuid('0bb00001', 999)}"),
               "response": response(404, {"code": "ResourceNotFound",
                                          "message": "Opportunity was not found"})}
    invalid = {"request": _request(f"{API}/opportunities?limit=101"),
               "response": response(400, {"code": "BadRequestError",
                                          "message": "limit must be between 1 and 100"})}
    refused = {"request": _request(f"{API}/stages?limit=2"),
               "response": response(401, {"code": "UnauthorizedError", "message": "Invalid API key"})}
    return [missing, invalid, refused]


# ---------------------------------------------------------------- webhook samples


def signed_webhook(event: str, token: str, data: dict[str, Any], triggered: int = TRIGGERED) -> dict[str, Any]:
    """A webhook body as Lever posts it: the signature is the hex HMAC-SHA256 of token + triggeredAt."""
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{token}{triggered}".encode(), hashlib.sha256).hexdigest()
    return {"id": _uuid("e7e70001", len(token)), "event": event, "triggeredAt": triggered, "token": token,
            "signature": signature, "data": data}


def webhooks() -> dict[str, dict[str, Any]]:
    """File name → a signed webhook body."""
    stage_change = {"opportunityId": OPPORTUNITIES[0]["id"], "candidateId": OPPORTUNITIES[0]["contact"],
                    "contactId": OPPORTUNITIES[0]["contact"], "toStageId": "offer", "fromStageId": STAGES[2]["id"]}
    return {"webhook_candidate_stage_change.json": signed_webhook("candidateStageChange",
                                                                  "9f3c1a2b4d5e6f708192a3b4c5d6e7f8", stage_change)}


# ---------------------------------------------------------------- mapping fixtures (before files)


def prepared() -> dict[str, list[dict[str, Any]]]:
    """Mapping file stem → the recorded records as the connector hands them to that mapping."""
    stages = {s["id"]: s["text"] for s in STAGES}
    reasons = {r["id"]: r for r in ARCHIVE_REASONS}
    return {
        "candidate": list(OPPORTUNITIES),
        "assessment": [{**form, "_parent": parent, "_hub": feedback_values(form)}
                       for number, forms in FEEDBACK.items() for form in forms
                       for parent in [_parent_of(number)]],
        "offer": [{**offer, "_parent": _parent_of(number), "_hub": offer_values(offer, OFFER_FIELDS, "annual")}
                  for number, offers in OFFERS.items() for offer in offers],
        "interview": [{**interview, "_parent": _parent_of(number), "_hub": {"stage": stages.get(interview["stage"])}}
                      for number, listed in INTERVIEWS.items() for interview in listed],
        "application": [{**o, "_hub": {"status_key": status_key(o, stages, reasons), "stage": stages.get(o["stage"]),
                                       "reject_reason": (reasons.get(archive_reason(o)) or {}).get("text")}}
                        for o in OPPORTUNITIES],
    }


#: The offer field identifiers the connector reads by default (its settings of these names).
OFFER_FIELDS = {"salary_field": "salary_amount", "currency_field": "salary_currency",
                "start_date_field": "anticipated_start_date"}


def _parent_of(number: int) -> dict[str, Any]:
    """What a child record listed under opportunity ``number`` carries (hub.core.substreams)."""
    opportunity = OPPORTUNITIES[number - 1]
    return {"id": opportunity["id"], "contact": opportunity["contact"]}


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.name}")


def main() -> None:
    write_cassettes(HERE, cassettes())
    for stem, records in prepared().items():
        _write_json(MAPPING_FIXTURES / f"{stem}.before.json", records)
    for name, body in webhooks().items():
        _write_json(FIXTURES / name, body)


if __name__ == "__main__":
    main()
