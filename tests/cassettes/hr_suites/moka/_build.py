"""Write the Moka cassettes in this folder (run by hand; the YAML files are committed).

Why generated: the cassettes share one small, made-up organisation (jobs → applications → interviewer
feedback → offers; a talent pool) whose ids must agree across files, and every page after the first
must carry the previous answer's cursor and nothing else. Writing that by hand invites drift.

The protocol follows https://www.mokahr.com/docs/api/ and its help-centre copies (docs/connectors/moka.md):
HTTP Basic with the API key as user name and an empty password (or the OAuth2 ``getToken`` bearer),
the ``{code, msg, next, data}`` answer with ``code`` 200 for success, filters on the first request and
``next`` alone afterwards, ``limit`` at most 20 on ehrApplications. Field names beyond the documented
ones are marked in docs/connectors/moka.md. People are fictional (example.com, 555-01xx numbers);
credentials and tokens are placeholders.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/moka/_build.py
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
API = "https://api.mokahr.com/api-platform"
TOKEN_URL = f"{API}/v1/auth/oauth2/getToken"
LIMIT = 2
#: What a full pass asks interviewer feedback from (the connector's floor: fromTime is required).
EPOCH = "1970-01-01T00:00:00.000Z"
OFFER_STAGES = [3301, 3302]
BASIC = "Basic <REDACTED>"


def _ts(day: int, hour: int = 2) -> str:
    return f"2024-06-{day:02d}T{hour:02d}:00:00.000Z"


def _application(app_id: int, n: int, job_id: int, stage: str, *, archived: bool = False,
                 reasons: str | None = None, offer: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "applicationId": app_id, "candidateId": 7000 + n, "jobId": job_id, "name": f"测试候选人{n}",
        "prefixPhone": "+1", "phone": f"415-555-01{n:02d}", "email": f"test.candidate{n}@example.com",
        "gender": "女" if n % 2 else "男", "hireMode": 1, "source": "官网", "sourceType": 2,
        "stageName": stage, "stageType": None, "archived": archived, "archiveReasons": reasons,
        "appliedAt": _ts(1 + n), "updatedAt": _ts(5 + n), "offer": offer,
    }


def _offer(offer_id: int, status: str, salary: Any, kind: int | None, checkin: str | None) -> dict[str, Any]:
    return {"id": offer_id, "status": status, "salaryNumber": salary, "salaryType": kind, "checkinDate": checkin}


APPLICATIONS = [
    _application(8001, 1, 6101, "初筛"),
    _application(8002, 2, 6101, "面试"),
    _application(8003, 3, 6102, "待入职", offer=_offer(9001, "已接受", 25000, 1, "2024-06-30T16:00:00.000Z")),
    _application(8004, 4, 6102, "面试", archived=True, reasons="能力不匹配"),
    _application(8005, 5, 6101, "沟通offer", offer=_offer(9002, "审批中", 300000, 2, None)),
    _application(8006, 6, 6101, "待入职", offer=_offer(9003, "已发送", "18000.50", 1, "2024-07-14T16:00:00.000Z")),
]
OFFERED = [a for a in APPLICATIONS if a["offer"]]
#: An offer whose status is no label the offer mapping knows: a dead letter.
MALFORMED_OFFER = _application(8007, 7, 6102, "沟通offer", offer=_offer(9004, "待定状态", 20000, 1, None))


def _feedback(fb_id: int, app_id: int, interviewer: int, round_: int, kind: str, result: int | None,
              result_type: int | None, name: str, template: Any, day: int) -> dict[str, Any]:
    return {
        "id": fb_id, "applicationId": app_id, "interviewerName": f"测试面试官{interviewer}",
        "interviewerEmail": f"interviewer{interviewer}@example.com", "result": result, "resultName": name,
        "resultType": result_type, "interviewType": kind, "round": round_, "feedback": "表达清楚，项目经验扎实。",
        "feedbackTemplateResult": template, "updatedAt": _ts(day),
    }


FEEDBACKS = [
    _feedback(5001, 8002, 1, 1, "视频面试", 3, 1, "满意", {"沟通能力": 4, "专业能力": "3.5", "综合评语": "推荐进入复试"}, 8),
    _feedback(5002, 8002, 2, 2, "现场面试", 2, 0, "不满意", {}, 9),
    _feedback(5003, 8003, 1, 1, "电话面试", 4, 1, "非常满意", [{"title": "逻辑思维", "score": 5}], 10),
    _feedback(5004, 8004, 2, 1, "集体面试", 1, None, "非常不满意", None, 11),
    _feedback(5005, 8005, 1, 3, "视频面试", None, 1, "满意", {"沟通能力": 5}, 12),
]
#: The cursor a full pass over FEEDBACKS leaves (their latest updatedAt): where a resumed run starts.
RESUMED = max(f["updatedAt"] for f in FEEDBACKS)

TALENT_POOL = [
    {"candidateId": 7101 + i, "name": f"人才库候选人{i + 1}", "phone": f"+1 415-555-01{50 + i}",
     "email": f"talent{i + 1}@example.com", "location": "上海", "source": "内推",
     "talentPoolIds": [41], "talentPoolNames": ["后端储备"], "archivedAt": _ts(3 + i)}
    for i in range(3)
]


# ---------------------------------------------------------------- HTTP pieces


def _cursor(resource: str, after: int) -> str:
    """An opaque cursor, as Moka's is (it stands for the first request's filters and the place reached)."""
    raw = json.dumps({"r": resource, "after": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _request(method: str, uri: str, *, body: Any = None, auth: str = BASIC) -> dict[str, Any]:
    headers = {"Accept": "application/json", "Authorization": auth}
    if body is not None:
        headers["Content-Type"] = "application/json"
    text = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return request(method, uri, headers=headers, body=text)


def _answer(records: list[Any], cursor: str | None, *, cursor_key: str = "next") -> dict[str, Any]:
    body: dict[str, Any] = {"code": 200, "msg": "success"}
    if cursor is not None:
        body[cursor_key] = cursor
    body["data"] = records
    return response(200, body)


def _chunks(records: list[Any]) -> list[list[Any]]:
    return [records[i : i + LIMIT] for i in range(0, len(records), LIMIT)] or [[]]


def post_pages(resource: str, records: list[dict[str, Any]], first: dict[str, Any], key: str,
               *, auth: str = BASIC) -> list[dict[str, Any]]:
    """A POST list: the filters in the first body, then ``{"next": <cursor>}`` alone."""
    out, body, uri = [], first, f"{API}{resource}"
    chunks = _chunks(records)
    for index, chunk in enumerate(chunks):
        cursor = _cursor(resource, chunk[-1][key]) if index < len(chunks) - 1 else None
        out.append({"request": _request("POST", uri, body=body, auth=auth), "response": _answer(chunk, cursor)})
        body = {"next": cursor}
    return out


def get_pages(resource: str, records: list[dict[str, Any]], first: dict[str, str], key: str,
              *, cursor_key: str = "next", resend: bool = False) -> list[dict[str, Any]]:
    """A GET list: the filters on the first request, then the cursor alone (``resend``: beside them)."""
    out, params = [], first
    chunks = _chunks(records)
    for index, chunk in enumerate(chunks):
        cursor = _cursor(resource, chunk[-1][key]) if index < len(chunks) - 1 else None
        uri = f"{API}{resource}" + (f"?{urlencode(params)}" if params else "")
        out.append({"request": _request("GET", uri), "response": _answer(chunk, cursor, cursor_key=cursor_key)})
        params = {**first, cursor_key: cursor} if resend else {cursor_key: cursor}
    return out


def applications(records: list[dict[str, Any]] = APPLICATIONS, **filters: Any) -> list[dict[str, Any]]:
    return post_pages("/v2/data/ehrApplications", records, {"needAttachment": False, "limit": LIMIT, **filters},
                      "applicationId")


def offers(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return applications(records, stageIds=OFFER_STAGES)


def feedbacks(records: list[dict[str, Any]], since: str = EPOCH) -> list[dict[str, Any]]:
    return get_pages("/v1/data/interviewer_feedbacks", records, {"fromTime": since, "limit": str(LIMIT)}, "id")


def talent_pool() -> list[dict[str, Any]]:
    return get_pages("/v1/talentPool/candidates", TALENT_POOL, {}, "candidateId", cursor_key="nextCursor",
                     resend=True)


def token_interaction(answer: dict[str, Any]) -> dict[str, Any]:
    """POST getToken with the client credentials in a JSON body (values scrubbed)."""
    body = {"clientID": "<REDACTED>", "clientSecret": "<REDACTED>", "grantType": "client_credentials"}
    return {"request": request("POST", TOKEN_URL, headers={"Content-Type": "application/json"},
                               body=json.dumps(body, separators=(",", ":"))),
            "response": response(200, answer)}


TOKEN = {"code": 200, "msg": "success",
         "data": {"accessToken": "<REDACTED-ACCESS-TOKEN>", "tokenType": "Bearer", "expiresIn": 7200}}


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    return {
        "applications": applications(),
        "offers": offers(OFFERED),
        "interviewer_feedbacks": feedbacks(FEEDBACKS),
        "talent_pool": talent_pool(),
        # the standard suite (hub.testing): a 429 and a 5xx retried mid-pass, a run resumed from the
        # cursor the feedback pass leaves, an offers page with one record the offer mapping refuses
        "retried": retried(),
        "resume": feedbacks([f for f in FEEDBACKS if f["updatedAt"] >= RESUMED], since=RESUMED),
        "malformed": offers([OFFERED[0], MALFORMED_OFFER]),
        "oauth2": [token_interaction(TOKEN), *post_pages("/v2/data/ehrApplications", APPLICATIONS[:1],
                                                         {"needAttachment": False, "limit": LIMIT}, "applicationId",
                                                         auth="Bearer <REDACTED>")],
        "errors": errors(),
        # the write side (plugins/hr_suites/moka_write.py): read the application first, create, read again
        "write_offer": write_offer(),
        "write_offer_again": [read_application(APPLICATIONS[2])],
    }


#: The offer the hub creates for application 8002 (its id is Moka's, read back after the create).
CREATED = _offer(9010, "待审批", 28000, 1, "2024-07-31T16:00:00.000Z")


def read_application(application: dict[str, Any]) -> dict[str, Any]:
    """The write side's read: one application by id (the documented ``applicationIds`` filter)."""
    body = {"applicationIds": [application["applicationId"]], "needAttachment": False}
    return {"request": _request("POST", f"{API}/v2/data/ehrApplications", body=body),
            "response": _answer([application], None)}


def write_offer() -> list[dict[str, Any]]:
    """8002 has no offer: create-offer (documented body; Moka's answer is its envelope), then read it back."""
    body = {"applicationId": 8002, "salaryNumber": 28000, "salaryType": 1, "checkinDate": "2024-07-31T16:00:00.000Z"}
    create = {"request": _request("POST", f"{API}/v1/create-offer", body=body),
              "response": response(200, {"code": 200, "msg": "success"})}
    return [read_application(APPLICATIONS[1]), create, read_application({**APPLICATIONS[1], "offer": CREATED})]


def retried() -> list[dict[str, Any]]:
    """Every page of interviewer feedback, the first answered 429 (``Retry-After: 1``), then 502."""
    listing = feedbacks(FEEDBACKS)
    first = listing[0]["request"]
    throttled = {"request": first, "response": response(429, {"code": 429, "msg": "Too Many Requests"},
                                                        headers={"Retry-After": ["1"]})}
    unavailable = {"request": first, "response": response(502, "<html><body>502 Bad Gateway</body></html>",
                                                          content={"Content-Type": ["text/html"]})}
    return [throttled, unavailable, *listing]


def errors() -> list[dict[str, Any]]:
    """A failed call answered HTTP 200 with a non-200 code, a bad API key (401), a refused token request
    (code 110020 on HTTP 200), an authorized call refused by code 110020."""
    uri = f"{API}/v2/data/ehrApplications"
    bad_limit = {"request": _request("POST", uri, body={"needAttachment": False, "limit": 50}),
                 "response": response(200, {"code": 400, "msg": "limit不能大于20", "data": None})}
    bad_key = {"request": _request("GET", f"{API}/v1/talentPool/candidates"),
               "response": response(401, {"code": 401, "msg": "Unauthorized"})}
    refused_token = token_interaction({"code": 110020, "msg": "unauthorized_client", "data": None})
    refused_call = {"request": _request("GET", f"{API}/v1/data/interviewer_feedbacks?fromTime=2024-06-01"),
                    "response": response(200, {"code": 110020, "msg": "unauthorized_client"})}
    return [bad_limit, bad_key, refused_token, refused_call]


def main() -> None:
    write_cassettes(HERE, cassettes())


if __name__ == "__main__":
    main()
