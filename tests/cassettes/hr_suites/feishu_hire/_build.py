"""Write the Feishu Hire cassettes in this folder, and the event samples and mapping fixtures they share
(run by hand; the files are committed).

Why generated: the cassettes share one small made-up organisation (talents → applications → interviews
and their records → offers) whose ids must agree across files, every list page carries the next
``page_token``, and the event samples are encrypted and signed with the suite's test Encrypt Key.

The protocol follows the official documents (https://open.feishu.cn/document/) and the official SDK's
models (``larksuite/oapi-sdk-python``, ``lark_oapi/api/hire/v1/model``); where they leave a shape open
the choice is named in docs/connectors/feishu_hire.md. People are fictional (example.com, +1 555-01xx
numbers); credentials, tokens and page tokens are placeholders. Page tokens read ``<REDACTED-PAGE-n>``:
the standard suite counts every ``*_token`` field as a credential, so a recorded one must read scrubbed,
and each page's must differ (a repeated one is a loop).

Usage::

    .venv/bin/python tests/cassettes/hr_suites/feishu_hire/_build.py
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.testing.cassette_writer import request, response, write_cassettes

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[2]
API = "https://open.feishu.cn/open-apis"
TOKEN_URL = f"{API}/auth/v3/tenant_access_token/internal"
APP_ID = "cli_test_app_not_real"
PAGE_SIZE = 2
#: The test Encrypt Key and Verification Token the suite configures (placeholders, never real ones).
ENCRYPT_KEY = "test-encrypt-key-not-real"
VERIFICATION_TOKEN = "test-verification-token-not-real"
INTERVIEWS_SINCE = "1717171200000"  # 2024-06-01T00:00:00+08:00: the interviews the stream lists
CST = dt.timezone(dt.timedelta(hours=8))


def ms(day: int, hour: int = 9) -> str:
    """Feishu's time: milliseconds since the epoch, as text (2024-06-<day> <hour>:00 in Beijing)."""
    return str(int(dt.datetime(2024, 6, day, hour, tzinfo=CST).timestamp() * 1000))


def _id(kind: int, n: int) -> str:
    """A 19-digit id like Feishu's (never 18 digits: that is a resident ID's length)."""
    return f"70{kind:02d}{n:015d}"


def tid(n: int) -> str:
    return _id(1, n)


def aid(n: int) -> str:
    return _id(2, n)


def job(n: int) -> str:
    return _id(3, n)


def oid(n: int) -> str:
    return _id(4, n)


NUMBERS = ("一", "二", "三", "四", "五")


def _talent(n: int) -> dict[str, Any]:
    return {
        "id": tid(n), "is_in_agency_period": False, "is_onboarded": False,
        "basic_info": {
            "name": f"测试候选人{NUMBERS[n - 1]}", "mobile": f"41555501{n:02d}", "mobile_code": "1",
            "mobile_country_code": "US_1", "email": f"test.candidate{n}@example.com", "experience_years": 3 + n,
            "gender": 1, "current_city": {"city_code": "CN_3", "zh_name": "上海", "en_name": "Shanghai"} if n != 3 else None,
            "creator_id": "ou_test_recruiter_1", "modify_time": ms(2 + n),
        },
        "education_list": [], "career_list": [], "project_list": [], "works_list": [], "award_list": [],
        "language_list": [], "sns_list": [], "resume_source_list": [], "resume_attachment_id_list": [],
        "customized_data_list": [],
    }


TALENTS = [_talent(n) for n in range(1, 6)]

STAGES = {  # the default recruitment process: stage name -> (id, English name, type)
    "简历初筛": (_id(7, 1), "Resume screening", 1), "面试": (_id(7, 4), "Interview", 4),
    "复试": (_id(7, 5), "Second interview", 4), "Offer沟通": (_id(7, 6), "Offer", 5),
}


def _application(n: int, talent: int, job_id: str, stage: str, *, terminated: int | None = None) -> dict[str, Any]:
    stage_id, en_name, kind = STAGES[stage]
    return {
        "id": aid(n), "job_id": job_id, "talent_id": tid(talent), "resume_source_id": _id(8, 1),
        "stage": {"id": stage_id, "zh_name": stage, "en_name": en_name, "type": kind},
        "active_status": 2 if terminated else 1, "delivery_type": 2,
        "create_time": ms(3), "modify_time": ms(4 + n),
        "stage_time_list": [{"stage_id": STAGES["简历初筛"][0], "enter_time": ms(3), "exit_time": ms(4)},
                            *([{"stage_id": stage_id, "enter_time": ms(4), "exit_time": None}] if stage != "简历初筛" else [])],
        "termination_type": terminated, "termination_reason_list": [_id(9, 1)] if terminated else [],
        "termination_reason_note": None, "application_preferred_city_list": [], "creator_id": "ou_test_recruiter_1",
    }


APPLICATIONS = [
    _application(1, 1, job(1), "简历初筛"),
    _application(2, 2, job(1), "面试"),
    _application(3, 3, job(2), "复试"),
    _application(4, 4, job(2), "面试", terminated=1),
    _application(5, 5, job(1), "Offer沟通"),
]


def _dimension(n: int, name: str, en: str, value: int | None, content: str | None) -> dict[str, Any]:
    return {"id": _id(10, n), "name": {"zh_cn": name, "en_us": en}, "full_score": 5, "content": content,
            "dimension_id": _id(11, n), "dimension_type": 1,
            "dimension_score": {"id": _id(12, value), "name": {"zh_cn": f"{value}分", "en_us": str(value)},
                                "score_val": value} if value is not None else None,
            "dimension_score_list": []}


def _record(n: int, interviewer: int, conclusion: int | None, score: float | None, dims: list[dict[str, Any]],
            content: str | None) -> dict[str, Any]:
    submitted = conclusion is not None
    return {
        "id": _id(6, n), "user_id": f"ou_test_interviewer_{interviewer}", "content": content,
        "commit_status": 1 if submitted else 2, "feedback_submit_time": int(ms(8, 10 + n)) if submitted else None,
        "conclusion": conclusion,
        "interview_score": {"id": _id(13, 3), "level": 3, "zh_name": "良好", "zh_description": "符合岗位要求",
                            "en_name": "Good", "en_description": "Meets the bar"} if submitted else None,
        "assessment_score": {"calculate_type": 1, "score": score, "full_score": 100} if score is not None else None,
        "question_list": [], "code_question_list": [], "image_list": [],
        "interviewer": {"id": f"ou_test_interviewer_{interviewer}",
                        "name": {"zh_cn": f"测试面试官{NUMBERS[interviewer - 1]}", "en_us": f"Test Interviewer {interviewer}"}},
        "dimension_assessment_list": dims,
    }


def _interview(n: int, application: int, stage: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": _id(5, n), "begin_time": int(ms(8, 10)), "end_time": int(ms(8, 11)), "round": n,
        "interview_record_list": records, "feedback_submit_time": records[0]["feedback_submit_time"],
        "stage_id": STAGES[stage][0], "application_id": aid(application),
        "stage": {"id": STAGES[stage][0], "name": {"zh_cn": stage, "en_us": STAGES[stage][1]}},
        "creator": {"id": "ou_test_recruiter_1", "name": {"zh_cn": "测试招聘官", "en_us": "Test Recruiter"}},
        "biz_create_time": int(ms(6)), "biz_modify_time": int(ms(8, 12)), "interview_round_summary": 1,
        "interview_arrangement_id": _id(14, n), "interview_type": 2, "remark": None, "video_type": 1,
        "arrangement_status": 1, "arrangement_type": 1, "arrangement_appointment_kind": 1, "meeting_room_list": [],
    }


INTERVIEWS = [
    _interview(1, 2, "面试", [
        _record(1, 1, 1, 85, [_dimension(1, "沟通能力", "Communication", 4, "表达清晰，有条理。"),
                              _dimension(2, "专业技能", "Professional skills", 5, None)], "项目经验扎实，建议进入复试。"),
        _record(2, 2, 3, 70.5, [_dimension(3, "沟通能力", "Communication", 3, None)], "基础尚可，需再评估。"),
    ]),
    _interview(2, 3, "复试", [_record(3, 1, 2, 55, [_dimension(4, "学习能力", "Learning ability", 2, "准备不足。")],
                                      "与岗位要求差距较大。")]),
    _interview(3, 5, "面试", [_record(4, 3, None, None, [], None)]),  # arranged, not evaluated yet
]


def _offer(n: int, application: int, status: int, salary_plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": oid(n), "application_id": aid(application), "schema_id": _id(15, 1), "offer_status": status,
        "offer_type": 1, "job_info": {"job_id": job(1), "job_name": "后端工程师"},
        "basic_info": {"offer_type": 1, "remark": None, "expire_time": int(ms(20)), "owner_user_id": "ou_test_recruiter_1",
                       "creator_user_id": "ou_test_recruiter_1", "create_time": ms(10), "onboard_date": "2024-07-01",
                       "probation_month": 3, "contract_year": 3},
        "salary_plan": salary_plan, "customized_module_list": [],
    }


SALARY_PLAN = {"currency": "CNY", "basic_salary": "30000", "probation_salary_percentage": "80",
               "award_salary_multiple": "3", "option_shares": "0", "quarterly_bonus": "0", "half_year_bonus": "0",
               "total_annual_cash": "450000", "customize_info_list": []}
OFFERS = {5: _offer(1, 5, 6, SALARY_PLAN), 3: _offer(2, 3, 2, {})}  # application number -> its offer
#: An offer whose status Feishu does not document: the offer mapping refuses it (a dead letter).
MALFORMED_OFFER = {**OFFERS[3], "offer_status": 42}

#: The cursor a full pass over APPLICATIONS leaves (their latest modify_time): where a resumed run starts.
RESUMED = max(a["modify_time"] for a in APPLICATIONS)


# ---------------------------------------------------------------- HTTP pieces


def envelope(data: Any, code: int = 0, msg: str = "success") -> dict[str, Any]:
    """Feishu's answer: ``{code, msg, data}``."""
    return {"code": code, "msg": msg, "data": data}


def _request(method: str, uri: str, *, body: Any = None) -> dict[str, Any]:
    headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8",
               "Authorization": "Bearer <REDACTED>"}
    text = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return request(method, uri, headers=headers, body=text)


def token_interaction(n: int = 1) -> dict[str, Any]:
    """POST tenant_access_token/internal → ``{code, msg, tenant_access_token, expire}`` (seconds)."""
    body = json.dumps({"app_id": APP_ID, "app_secret": "<REDACTED>"}, separators=(",", ":"))
    answer = {"code": 0, "msg": "ok", "tenant_access_token": f"<REDACTED-TENANT-TOKEN-{n}>", "expire": 7200}
    return {"request": request("POST", TOKEN_URL, headers={"Content-Type": "application/json"}, body=body),
            "response": response(200, answer)}


def get(path: str, data: Any, params: dict[str, str] | None = None) -> dict[str, Any]:
    uri = f"{API}{path}" + (f"?{urlencode(params)}" if params else "")
    return {"request": _request("GET", uri), "response": response(200, envelope(data))}


def pages(path: str, items: list[Any], first: dict[str, str], *, after: Any = None, tag: str = "") -> list[dict[str, Any]]:
    """Paged GETs: ``page_size`` and filters on every request, ``page_token`` from the second on.

    ``after(page_items)`` gives the interactions a client makes right after a page (its detail fetches).
    """
    out: list[dict[str, Any]] = []
    chunks = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    token: str | None = None
    for index, chunk in enumerate(chunks):
        more = index < len(chunks) - 1
        following = f"<REDACTED-PAGE-{tag}{index + 2}>" if more else ""
        params = {**first, **({"page_token": token} if token else {})}
        out.append(get(path, {"items": chunk, "page_token": following, "has_more": more}, params))
        if after is not None:
            out += after(chunk)
        token = following
    return out


def _first(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"page_size": str(PAGE_SIZE), **(extra or {})}


def application_details(ids: list[str]) -> list[dict[str, Any]]:
    by_id = {a["id"]: a for a in APPLICATIONS}
    return [get(f"/hire/v1/applications/{i}", {"application": by_id[i]}) for i in ids]


def offer_details(ids: list[str], offers: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each application's offer; one without an offer answers ``data: {}`` (no ``offer``)."""
    offers = OFFERS if offers is None else offers
    numbers = {aid(n): n for n in range(1, 6)}
    return [get(f"/hire/v1/applications/{i}/offer", {"offer": offers[numbers[i]]} if numbers[i] in offers else {})
            for i in ids]


def application_ids(applications: list[dict[str, Any]]) -> list[str]:
    return [a["id"] for a in applications]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    ids = application_ids(APPLICATIONS)
    since = {"start_time": INTERVIEWS_SINCE}
    recent = [a for a in APPLICATIONS if a["modify_time"] >= RESUMED]  # what update_start_time returns
    return {
        "talents": [token_interaction(), *pages("/hire/v1/talents", TALENTS, _first())],
        "applications": [token_interaction(), *pages("/hire/v1/applications", ids, _first(), after=application_details)],
        "interview_records": [token_interaction(), *pages("/hire/v1/interviews", INTERVIEWS, _first(since))],
        "offers": [token_interaction(), *pages("/hire/v1/applications", ids, _first(), after=offer_details)],
        # the standard suite (hub.testing): a 429 (99991400) and a 5xx retried mid-pass, a run resumed from
        # the cursor the applications cassette leaves, a page with an offer the mapping refuses
        "retried": retried(),
        "resume": [token_interaction(), *pages("/hire/v1/applications", application_ids(recent),
                                               _first({"update_start_time": RESUMED}), after=application_details)],
        "malformed": [token_interaction(),
                      *pages("/hire/v1/applications", [aid(5), aid(3)], _first(),
                             after=lambda chunk: offer_details(chunk, {5: OFFERS[5], 3: MALFORMED_OFFER}))],
        "token_refresh": token_refresh(),
        "errors": errors(),
        # what the events fetch: the application a stage change names, the offer a status change names
        "events": [token_interaction(), get(f"/hire/v1/applications/{aid(2)}", {"application": APPLICATIONS[1]}),
                   get(f"/hire/v1/offers/{oid(1)}", {"offer": OFFERS[5]})],
        # an AI interview's result written to Feishu as an external interview assessment
        "writes": writes(),
        # the end-to-end test's deliveries (tests/e2e/test_interview_to_ats.py)
        "interview_to_ats": interview_to_ats(),
    }


def retried() -> list[dict[str, Any]]:
    """Every page of talents, the first one answered 429 with code 99991400 and ``x-ogw-ratelimit-reset: 1``,
    then 503, before it is served."""
    listing = pages("/hire/v1/talents", TALENTS, _first())
    first = listing[0]["request"]
    throttled = {"request": first, "response": response(429, {"code": 99991400, "msg": "request trigger frequency limit"},
                                                        headers={"x-ogw-ratelimit-limit": ["20"],
                                                                 "x-ogw-ratelimit-reset": ["1"]})}
    unavailable = {"request": first, "response": response(503, "<html><body>503 Service Temporarily Unavailable</body></html>",
                                                          content={"Content-Type": ["text/html"]})}
    return [token_interaction(), throttled, unavailable, *listing]


def token_refresh() -> list[dict[str, Any]]:
    """The cached token is refused with code 99991663: fetch a new one and send the request once more."""
    uri = f"{API}/hire/v1/talents?{urlencode(_first())}"
    refused = {"request": _request("GET", uri), "response": response(400, {
        "code": 99991663, "msg": "Invalid access token for authorization. Please make a request with token attached."})}
    ok = get("/hire/v1/talents", {"items": TALENTS[:1], "page_token": "", "has_more": False}, _first())
    return [token_interaction(1), refused, token_interaction(2), ok]


def errors() -> list[dict[str, Any]]:
    """A 200 whose body says the call failed (1002001 system error), and a 400 for a page_size Feishu refuses."""
    failed = {"request": _request("GET", f"{API}/hire/v1/talents?page_size=2"),
              "response": response(200, {"code": 1002001, "msg": "系统错误"})}
    invalid = {"request": _request("GET", f"{API}/hire/v1/talents?page_size=1000"),
               "response": response(400, {"code": 1002002, "msg": "参数错误: page_size"})}
    return [token_interaction(), failed, invalid]


# ---------------------------------------------------------------- writes: an AI interview's assessment


#: The hub id the test gives the AI vendor's assessment (tests/plugins/hr_suites/test_feishu_hire_writes.py
#: numbers the store's new ids): the external ids Feishu keeps are derived from it.
ASSESSMENT = "00000000-0000-7000-8000-000000000002"
WRITTEN_TALENT = tid(2)
EXTERNAL_APPLICATION, EXTERNAL_INTERVIEW, EXTERNAL_ASSESSMENT = _id(16, 1), _id(17, 1), _id(18, 1)
COMPLETED = int(ms(9, 10))


def written(overall: int, communication: int, conclusion: int) -> dict[str, Any]:
    """The external assessment's fields, as the connector sends the AI vendor's result."""
    return {"username": "ai_interview", "conclusion": conclusion, "content": "表达流畅，逻辑清晰。",
            "assessment_dimension_list": [
                {"assessment_type": 1, "title": "综合得分", "score": overall},
                {"assessment_type": 1, "title": "沟通能力", "score": communication},
                {"assessment_type": 1, "title": "逻辑思维", "score": 78},
                {"assessment_type": 3, "title": "报告链接", "content": "https://reports.example.com/r-1"}]}


def writes() -> list[dict[str, Any]]:
    """A first delivery (nothing in Feishu yet: the external application, interview and assessment are
    created), the same delivery again as after a crash before the hub recorded it (each is found by its
    external id, the assessment brought up to date, nothing created), then a new version (a PATCH)."""
    other = {"id": _id(16, 9), "external_id": "ats-legacy-77", "job_recruitment_type": 1, "job_title": "产品经理",
             "resume_source": "猎头", "stage": "终面", "talent_id": WRITTEN_TALENT, "delivery_type": 3,
             "create_time": int(ms(1)), "modify_time": int(ms(2))}
    ours = {"id": EXTERNAL_APPLICATION, "external_id": f"hub-application-{ASSESSMENT}", "talent_id": WRITTEN_TALENT,
            "resume_source": "ai_interview", "delivery_type": 4, "create_time": COMPLETED}
    interview = {"id": EXTERNAL_INTERVIEW, "external_id": f"hub-interview-{ASSESSMENT}",
                 "external_application_id": EXTERNAL_APPLICATION, "participate_status": 2, "begin_time": COMPLETED,
                 "end_time": COMPLETED}
    assessment = {"id": EXTERNAL_ASSESSMENT, "external_id": f"hub-assessment-{ASSESSMENT}",
                  "external_interview_id": EXTERNAL_INTERVIEW, **written(87, 82, 2)}
    talent_query = {"talent_id": WRITTEN_TALENT, "page_size": "20"}
    interview_query = f"{API}/hire/v1/external_interviews/batch_query?" + urlencode(
        {"external_application_id": EXTERNAL_APPLICATION, "page_size": "20"})

    def post(path: str, body: Any, key: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"request": _request("POST", f"{API}{path}", body=body), "response": response(200, envelope({key: value}))}

    def listing(items: list[Any]) -> dict[str, Any]:
        return {"items": items, "page_token": "", "has_more": False}

    def patch(body: dict[str, Any]) -> dict[str, Any]:
        return {"request": _request("PATCH", f"{API}/hire/v1/external_interview_assessments/{EXTERNAL_ASSESSMENT}", body=body),
                "response": response(200, envelope({"external_interview_assessment": {**assessment, **body}}))}

    return [
        token_interaction(),
        get("/hire/v1/external_applications", listing([other]), talent_query),
        post("/hire/v1/external_applications", {k: v for k, v in ours.items() if k != "id"}, "external_application", ours),
        {"request": _request("POST", interview_query, body={}), "response": response(200, envelope(listing([])))},
        post("/hire/v1/external_interviews", {k: v for k, v in interview.items() if k != "id"}, "external_interview",
             interview),
        post("/hire/v1/external_interview_assessments", {k: v for k, v in assessment.items() if k != "id"},
             "external_interview_assessment", assessment),
        # the same delivery again: everything is found
        get("/hire/v1/external_applications", listing([other, ours]), talent_query),
        {"request": _request("POST", interview_query, body={}),
         "response": response(200, envelope(listing([{**interview, "interview_assessments": [assessment]}])))},
        patch(written(87, 82, 2)),
        # version 2, re-scored: the assessment Feishu holds is updated
        patch(written(90, 88, 2)),
    ]


#: What tests/e2e/test_interview_to_ats.py delivers: the AI vendor's three results, each as (talent number —
#: the Feishu talent its Greenhouse candidate is, by phone —, completed at (ms), conclusion, overall, 沟通能力,
#: 逻辑思维, comment, report). The hub ids the external ids derive from are made while the test runs
#: (migration, webhook): recorded as HUB_ID, which the test's matcher puts in place of any hub id sent.
HUB_ID = "<hub-id>"
E2E_RESULTS = (
    (1, "1793586600000", 2, 86, 88, 84, "表达清晰，案例分析有条理。", "https://reports.example.com/r/AI-7001"),
    (4, "1793599200000", 3, 52, 55, 49, "逻辑需要加强。", "https://reports.example.com/r/AI-7002"),
    (2, "1793668500000", 3, 79, 81, 77, "沟通顺畅，系统设计题思路偏保守。", "https://reports.example.com/r/AI-7003"),
)


def interview_to_ats() -> list[dict[str, Any]]:
    """Each result of the end-to-end test written as a first delivery: the talent has no external
    application of ours yet, so application, interview and assessment are created, in that order."""
    out = [token_interaction()]
    for k, (talent, completed, conclusion, overall, communication, logic, comment, report) in enumerate(E2E_RESULTS, 1):
        application = {"external_id": f"hub-application-{HUB_ID}", "talent_id": tid(talent), "resume_source": "acme_ai",
                       "delivery_type": 4, "create_time": int(completed)}
        interview = {"external_id": f"hub-interview-{HUB_ID}", "external_application_id": _id(16, 20 + k),
                     "participate_status": 2, "begin_time": int(completed), "end_time": int(completed)}
        assessment = {"external_id": f"hub-assessment-{HUB_ID}", "external_interview_id": _id(17, 20 + k),
                      "username": "acme_ai", "conclusion": conclusion, "content": comment, "assessment_dimension_list": [
                          {"assessment_type": 1, "title": "综合得分", "score": overall},
                          {"assessment_type": 1, "title": "沟通能力", "score": communication},
                          {"assessment_type": 1, "title": "逻辑思维", "score": logic},
                          {"assessment_type": 3, "title": "报告链接", "content": report}]}
        batch_query = f"{API}/hire/v1/external_interviews/batch_query?" + urlencode(
            {"external_application_id": _id(16, 20 + k), "page_size": "20"})
        out += [
            get("/hire/v1/external_applications", {"items": [], "page_token": "", "has_more": False},
                {"talent_id": tid(talent), "page_size": "20"}),
            {"request": _request("POST", f"{API}/hire/v1/external_applications", body=application),
             "response": response(200, envelope({"external_application": {"id": _id(16, 20 + k), **application}}))},
            {"request": _request("POST", batch_query, body={}),
             "response": response(200, envelope({"items": [], "page_token": "", "has_more": False}))},
            {"request": _request("POST", f"{API}/hire/v1/external_interviews", body=interview),
             "response": response(200, envelope({"external_interview": {"id": _id(17, 20 + k), **interview}}))},
            {"request": _request("POST", f"{API}/hire/v1/external_interview_assessments", body=assessment),
             "response": response(200, envelope({"external_interview_assessment": {"id": _id(18, 20 + k), **assessment}}))},
        ]
    return out


# ---------------------------------------------------------------- event samples


def encrypt(plaintext: bytes, key: str = ENCRYPT_KEY, iv: bytes | None = None) -> str:
    """Feishu's ``encrypt``: base64 of IV + AES-256-CBC(SHA-256(key)) of the PKCS#7-padded plaintext.
    The IV is derived from the plaintext, so rebuilding gives the same files."""
    iv = iv or hashlib.sha256(b"iv" + plaintext).digest()[:16]
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(hashlib.sha256(key.encode()).digest()), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def event(event_id: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """A schema 2.0 event as Feishu sends it, before encryption."""
    return {"schema": "2.0", "header": {"event_id": event_id, "token": VERIFICATION_TOKEN, "create_time": ms(9),
                                        "event_type": event_type, "tenant_key": "test_tenant", "app_id": APP_ID},
            "event": data}


EVENTS = {
    "event_application_stage_changed.json": event("5e3702a84e847582be8db7fb012749f1", "hire.application.stage_changed_v1",
                                                  {"application_id": aid(2), "origin_stage_id": STAGES["简历初筛"][0],
                                                   "target_stage_id": STAGES["面试"][0], "update_time": int(ms(5))}),
    "event_offer_status_changed.json": event("6f4813b95f958693cf9ec8fc123850a2", "hire.offer.status_changed_v1",
                                             {"offer_id": oid(1)}),
}
URL_VERIFICATION = {"challenge": "ajls384kdjx98XX", "token": VERIFICATION_TOKEN, "type": "url_verification"}


def write_events(folder: Path) -> None:
    """The encrypted event bodies (what Feishu POSTs) and the url_verification handshake, plain and encrypted."""
    bodies = {name: {"encrypt": encrypt(json.dumps(value, ensure_ascii=False).encode())} for name, value in EVENTS.items()}
    bodies["url_verification.json"] = URL_VERIFICATION
    bodies["url_verification_encrypted.json"] = {"encrypt": encrypt(json.dumps(URL_VERIFICATION).encode())}
    for name, body in bodies.items():
        (folder / name).write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {name}")


# ---------------------------------------------------------------- mapping fixtures (before files)


def write_fixture_inputs(folder: Path) -> None:
    """Each mapping's ``before`` file: records as the mapping receives them (after ``prepare_page``)."""
    from plugins.hr_suites.feishu_hire import FeishuHire  # the connector's own derivations, not a copy of them

    connector = FeishuHire({"app_id": APP_ID, "app_secret": "s"})
    listed = connector.page_records(connector.stream("interview_records"), INTERVIEWS)
    inputs = {"candidate": ("talents", TALENTS), "application": ("applications", APPLICATIONS),
              "assessment": ("interview_records", listed), "offer": ("offers", [OFFERS[5], OFFERS[3]])}
    for name, (stream, records) in inputs.items():
        prepared = connector.prepare_page(None, connector.stream(stream), records)  # type: ignore[arg-type]
        (folder / f"{name}.before.json").write_text(json.dumps(prepared, indent=2, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
        print(f"wrote {name}.before.json")


def main() -> None:
    write_cassettes(HERE, cassettes())
    write_events(TESTS / "fixtures" / "feishu_hire")
    write_fixture_inputs(TESTS / "fixtures" / "mapping" / "feishu_hire")


if __name__ == "__main__":
    main()
