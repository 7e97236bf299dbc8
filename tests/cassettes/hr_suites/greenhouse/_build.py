"""Write the Greenhouse Harvest v3 cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up organisation (departments → jobs → candidates →
applications → scorecards → offers) whose ids must agree across files, and every page must carry a
``Link`` header whose next URL holds only ``cursor``. Writing that by hand invites drift.

The protocol follows https://harvestdocs.greenhouse.io (authentication, pagination, list endpoints)
and the v3 OpenAPI document; where the docs leave a shape open the choice is named in
docs/connectors/greenhouse.md. People are fictional (example.com, 555-01xx numbers); credentials and
tokens are placeholders, never real-looking values.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/greenhouse/_build.py
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
API = "https://harvest.greenhouse.io/v3"
TOKEN_URL = "https://auth.greenhouse.io/token"
USER_ID = "4080"  # the Greenhouse user the token acts as (`sub`)
PER_PAGE = 2
SINCE = "2024-06-06T00:00:00.000Z"  # the incremental run's updated_at lower bound
RATE = {"X-RateLimit-Limit": ["50"], "X-RateLimit-Remaining": ["49"]}


def _ts(day: int, hour: int = 9) -> str:
    return f"2024-06-{day:02d}T{hour:02d}:00:00.000Z"


def _custom(key: str, name: str, kind: str, value: Any) -> dict[str, Any]:
    return {key: {"name": name, "type": kind, "value": value}}


DEPARTMENTS = [
    {"id": 4001, "created_at": _ts(1), "updated_at": _ts(2), "name": "Engineering", "parent_id": None, "external_id": None},
    {"id": 4002, "created_at": _ts(1), "updated_at": _ts(2), "name": "Platform", "parent_id": 4001, "external_id": "ENG-PLT"},
    {"id": 4003, "created_at": _ts(1), "updated_at": _ts(3), "name": "Sales", "parent_id": None, "external_id": None},
]


def _job(job_id: int, name: str, department_id: int, status: str) -> dict[str, Any]:
    return {
        "id": job_id, "created_at": _ts(1), "updated_at": _ts(4), "name": name, "requisition_id": f"REQ-{job_id}",
        "notes": None, "confidential": False, "status": status, "opened_at": _ts(1),
        "closed_at": _ts(20) if status == "closed" else None, "is_template": False, "copied_from_id": None,
        "department_id": department_id, "office_ids": [], "custom_fields": {},
    }


JOBS = [
    _job(5001, "Backend Engineer", 4002, "open"),
    _job(5002, "Account Executive", 4003, "open"),
    _job(5003, "Data Analyst", 4001, "closed"),
]


def _candidate(n: int) -> dict[str, Any]:
    number = ("One", "Two", "Three", "Four", "Five")[n - 1]
    return {
        "id": 1000 + n, "created_at": _ts(2), "updated_at": _ts(2 + n), "first_name": "Test",
        "last_name": f"Candidate {number}", "preferred_name": None, "company": "Example Corp", "title": None,
        "last_activity_at": _ts(2 + n), "private": False, "can_email": True, "time_zone": None,
        "tags": ["referral"] if n == 1 else [], "linked_user_ids": [], "custom_fields": {},
        "phone_numbers": [{"value": f"+1 415-555-01{n:02d}", "type": "mobile"}],
        "email_addresses": [{"value": f"test.candidate{n}@example.com", "type": "personal"}],
        "addresses": [{"value": "1 Example Street, Springfield", "type": "home"}] if n == 2 else [],
        "website_addresses": [], "social_media_addresses": [],
    }


CANDIDATES = [_candidate(n) for n in range(1, 6)]


def _application(app_id: int, candidate_id: int, job_id: int | None, status: str, stage: str | None,
                 *, prospect: bool = False, reason: int | None = None) -> dict[str, Any]:
    return {
        "id": app_id, "created_at": _ts(3), "updated_at": _ts(5), "agency_note_id": None, "candidate_id": candidate_id,
        "coordinator_id": None, "job_id": job_id, "job_post_id": None, "recruiter_id": 9001, "referrer_id": None,
        "rejection_reason_id": reason, "source_id": 11, "stage_id": 7700 + app_id % 100 if stage else None,
        "job_interview_stage_id": 7800 + app_id % 100 if stage else None, "stage_name": stage, "status": status,
        "needs_decision": False, "prospect": prospect, "rejected_at": _ts(6) if status == "rejected" else None,
        "last_activity_at": _ts(5), "location_address": None, "answers": [], "prospective_job_ids": [],
        "custom_fields": {},
    }


APPLICATIONS = [
    _application(2001, 1001, 5001, "in_process", "Application Review"),
    _application(2002, 1002, 5001, "in_process", "Face to Face"),
    _application(2003, 1003, 5002, "hired", None),
    _application(2004, 1004, 5003, "rejected", None, reason=7001),
    _application(2005, 1005, None, "in_process", None, prospect=True),
]


def _scorecard(sc_id: int, app_id: int, interviewer: int, rating: str, *, draft: bool = False) -> dict[str, Any]:
    return {
        "id": sc_id, "created_at": _ts(7), "updated_at": _ts(8), "interview_kit_id": 6601, "interviewer_id": interviewer,
        "interviewed_at": _ts(7), "notes": None if draft else "Clear explanations of past projects.",
        "notes_with_tags": None, "submitter_id": interviewer, "candidate_rating": rating, "private_notes": None,
        "private_notes_with_tags": None, "status": "draft" if draft else "complete", "public_notes": None,
        "public_notes_with_tags": None, "application_id": app_id, "submitted_at": None if draft else _ts(8),
    }


SCORECARDS = [
    _scorecard(3001, 2002, 9001, "yes"),
    _scorecard(3002, 2002, 9002, "strong_no"),
    _scorecard(3003, 2003, 9001, "strong_yes"),
    _scorecard(3004, 2001, 9002, "no_decision", draft=True),
]

JOB_CANDIDATE_ATTRIBUTES = [  # the fields the connector needs for the join; names are what it reads
    {"id": 6001, "created_at": _ts(1), "updated_at": _ts(1), "job_id": 5001, "name": "Communication"},
    {"id": 6002, "created_at": _ts(1), "updated_at": _ts(1), "job_id": 5001, "name": "Problem Solving"},
    {"id": 6003, "created_at": _ts(1), "updated_at": _ts(1), "job_id": 5002, "name": "Negotiation"},
]


def _rating(row_id: int, sc_id: int, attr_id: int, rating: str, note: str | None = None) -> dict[str, Any]:
    return {"id": row_id, "created_at": _ts(8), "updated_at": _ts(8), "scorecard_id": sc_id,
            "candidate_attribute_rating": rating, "job_candidate_attribute_id": attr_id, "note": note, "value": rating}


SCORECARD_ATTRIBUTES = [
    _rating(3101, 3001, 6001, "yes", "Explained trade-offs well."),
    _rating(3102, 3001, 6002, "mixed"),
    _rating(3103, 3002, 6001, "definitely_not"),
    _rating(3104, 3002, 6002, "no_decision", "Ran out of time."),
    _rating(3105, 3003, 6003, "strong_yes"),
]


def _offer(offer_id: int, app_id: int, cand_id: int, job_id: int, version: int, status: str,
           salary: dict[str, Any], *, sent: bool, resolved: bool) -> dict[str, Any]:
    return {
        "id": offer_id, "created_at": _ts(9), "updated_at": _ts(10), "version": version, "application_id": app_id,
        "job_id": job_id, "candidate_id": cand_id, "opening_id": None, "status": status, "starts_on": "2024-07-01",
        "sent_on": "2024-06-10" if sent else None, "resolved_at": _ts(12) if resolved else None,
        "custom_fields": salary,
    }


OFFERS = [
    _offer(8001, 2003, 1003, 5002, 1, "Deprecated", _custom("salary", "Salary", "short_text", "Around $100k"),
           sent=False, resolved=True),
    _offer(8002, 2003, 1003, 5002, 2, "Accepted",
           _custom("salary", "Salary", "currency", {"amount": 105000, "unit": "USD"}), sent=True, resolved=True),
    _offer(8003, 2002, 1002, 5001, 1, "Created",
           _custom("salary", "Salary", "currency_range", {"min_value": 120000, "max_value": 140000, "unit": "USD"}),
           sent=False, resolved=False),
]

#: The cursor a full pass over CANDIDATES leaves (their latest updated_at): where a resumed run starts.
RESUMED = max(c["updated_at"] for c in CANDIDATES)
#: An offer whose status is none Greenhouse documents: the offer mapping refuses it (a dead letter).
MALFORMED_OFFER = {**OFFERS[1], "id": 8004, "version": 3, "status": "Pending"}


# ---------------------------------------------------------------- HTTP pieces


def _cursor(resource: str, after_id: int) -> str:
    """A URL-safe Base64 cursor, opaque like Greenhouse's (it encodes the first request's filters)."""
    raw = json.dumps({"r": resource, "after": after_id, "per_page": PER_PAGE}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _request(method: str, uri: str, *, body: str | None = None, auth: str = "Bearer <REDACTED>") -> dict[str, Any]:
    headers = {"Accept": "application/json", "Authorization": auth}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return request(method, uri, headers=headers, body=body)


def token_interaction(n: int = 1) -> dict[str, Any]:
    """POST /token with Basic client auth; the answer shape follows docs/connectors/greenhouse.md."""
    body = urlencode({"grant_type": "client_credentials", "sub": USER_ID})
    answer = {"token_type": "Bearer", "access_token": f"<REDACTED-ACCESS-TOKEN-{n}>", "expires_at": "2024-06-15T10:00:00.000Z"}
    return {"request": _request("POST", TOKEN_URL, body=body, auth="Basic <REDACTED>"),
            "response": response(200, answer)}


def pages(resource: str, records: list[dict[str, Any]], first_params: dict[str, str]) -> list[dict[str, Any]]:
    """Paged GETs: filters and per_page on the first request, then only the Link header's cursor."""
    out, uri = [], f"{API}/{resource}?{urlencode(first_params)}"
    chunks = [records[i : i + PER_PAGE] for i in range(0, len(records), PER_PAGE)] or [[]]
    for index, chunk in enumerate(chunks):
        headers = dict(RATE)
        next_uri = None
        if index < len(chunks) - 1:
            next_uri = f"{API}/{resource}?cursor={_cursor(resource, chunk[-1]['id'])}"
            headers["Link"] = [f'<{next_uri}>; rel="next"']
        out.append({"request": _request("GET", uri), "response": response(200, chunk, headers=headers)})
        uri = next_uri or uri
    return out


#: The streams a migration cassette lists, in the connector's stream order.
MIGRATED = (("departments", DEPARTMENTS), ("jobs", JOBS), ("candidates", CANDIDATES), ("applications", APPLICATIONS),
            ("scorecards", SCORECARDS), ("offers", OFFERS))


def _first(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"per_page": str(PER_PAGE), **(extra or {})}


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    since = {"updated_at": f"gte|{SINCE}"}
    recent = [c for c in CANDIDATES if c["updated_at"] >= SINCE]  # what the server's filter returns
    return {
        "departments": [token_interaction(), *pages("departments", DEPARTMENTS, _first())],
        "jobs": [token_interaction(), *pages("jobs", JOBS, _first())],
        "candidates": [token_interaction(), *pages("candidates", CANDIDATES, _first())],
        "applications": [token_interaction(), *pages("applications", APPLICATIONS, _first())],
        "scorecards": [token_interaction(), *scorecard_pages()],
        "offers": [token_interaction(), *pages("offers", OFFERS, _first())],
        # `hub migrate --source greenhouse`: one client, one token, then every page of each stream in
        # the connector's order, each scorecards page followed by its own attribute joins
        "migration": [token_interaction(), *(interaction for resource, records in MIGRATED
                                             for interaction in (scorecard_pages() if resource == "scorecards"
                                                                 else pages(resource, records, _first())))],
        "incremental": [token_interaction(), *pages("candidates", recent, _first(since))],
        "rate_limited": rate_limited(),
        # the standard suite (hub.testing): a 429 and a 5xx retried mid-pass, a run resumed from the
        # cursor the candidates cassette leaves, a page with one record the offer mapping refuses
        "retried": retried(),
        "resume": [token_interaction(), *pages("candidates", [c for c in CANDIDATES if c["updated_at"] >= RESUMED],
                                               _first({"updated_at": f"gte|{RESUMED}"}))],
        "malformed": [token_interaction(), *pages("offers", [OFFERS[0], MALFORMED_OFFER], _first())],
        "token_refresh": token_refresh(),
        "errors": errors(),
    }


def scorecard_pages() -> list[dict[str, Any]]:
    """The scorecards stream as the connector lists it page by page: each page, then the ratings of
    that page's scorecards (``scorecard_ids``), then the names of the attributes they rate (``ids``,
    at most 50 a request), before the next page."""
    out: list[dict[str, Any]] = []
    for interaction in pages("scorecards", SCORECARDS, _first()):
        out.append(interaction)
        page = json.loads(interaction["response"]["body"]["string"])
        ids = [card["id"] for card in page]
        ratings = [r for r in SCORECARD_ATTRIBUTES if r["scorecard_id"] in ids]
        out += pages("scorecard_candidate_attributes", ratings,
                     {"scorecard_ids": ",".join(map(str, ids)), "per_page": str(PER_PAGE)})
        wanted = sorted({r["job_candidate_attribute_id"] for r in ratings})
        if wanted:
            named = [a for a in JOB_CANDIDATE_ATTRIBUTES if a["id"] in wanted]
            out += pages("job_candidate_attributes", named, {"ids": ",".join(map(str, wanted)), "per_page": str(PER_PAGE)})
    return out


def rate_limited() -> list[dict[str, Any]]:
    """A 429 with Retry-After (seconds), then the same request succeeds."""
    uri = f"{API}/jobs?{urlencode(_first())}"
    throttled = {"request": _request("GET", uri),
                 "response": response(429, None, headers={"Retry-After": ["1"], "X-RateLimit-Remaining": ["0"]})}
    ok = {"request": _request("GET", uri), "response": response(200, JOBS[:1], headers=RATE)}
    return [token_interaction(), throttled, ok]


def retried() -> list[dict[str, Any]]:
    """Every page of jobs, the first one answered 429 (``Retry-After: 1``), then 503, before it is served."""
    listing = pages("jobs", JOBS, _first())
    first = listing[0]["request"]
    throttled = {"request": first, "response": response(429, {"message": "Rate limit exceeded"},
                                                        headers={"Retry-After": ["1"], "X-RateLimit-Remaining": ["0"]})}
    unavailable = {"request": first, "response": response(503, {"message": "Service Unavailable"})}
    return [token_interaction(), throttled, unavailable, *listing]


def token_refresh() -> list[dict[str, Any]]:
    """The cached token is refused (401): fetch a new one and send the request once more."""
    uri = f"{API}/departments?{urlencode(_first())}"
    refused = {"request": _request("GET", uri), "response": response(401, {"message": "Unauthorized"})}
    ok = {"request": _request("GET", uri), "response": response(200, DEPARTMENTS[:1], headers=RATE)}
    return [token_interaction(1), refused, token_interaction(2), ok]


def errors() -> list[dict[str, Any]]:
    """A 404 for an unknown id and a 422 for a per_page above the documented maximum (500)."""
    missing = {"request": _request("GET", f"{API}/candidates/999999"),
               "response": response(404, {"message": "Resource not found"})}
    invalid = {"request": _request("GET", f"{API}/candidates?per_page=501"),
               "response": response(422, {
                   "message": "Validation error",
                   "errors": [{"message": "must be less than or equal to 500", "field": "per_page"}]})}
    return [token_interaction(), missing, invalid]


def main() -> None:
    write_cassettes(HERE, cassettes())


if __name__ == "__main__":
    main()
