"""Write the DingTalk cassettes in this folder, and the callback samples and mapping fixtures they share
(run by hand; the files are committed).

Why generated: the cassettes share one small made-up company whose user ids agree across files, every id
page is followed by its roster-fields call, and the callbacks are encrypted and signed with the suite's
test token and EncodingAESKey (:mod:`hub.core.msg_crypt`).

The protocol follows the official documents (docs/connectors/dingtalk.md): ``gettoken`` with the app key and
secret in the query, every call with ``?access_token=``, the ``{errcode, errmsg}`` envelope, the id lists'
``{offset, size}`` bodies and ``result.next_cursor``, the roster fields' ``field_data_list``. People are
fictional (example.com, +1 555-01xx numbers); credentials and tokens are placeholders.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/dingtalk/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.core.msg_crypt import MsgCrypt
from hub.testing.cassette_writer import request, response, write_cassettes
from plugins.hr_suites.dingtalk import roster_status_key

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[2] / "fixtures" / "dingtalk"
API = "https://oapi.dingtalk.com"
TOKEN = "access_token=%3CREDACTED%3E"
PAGE_SIZE = 2
#: The suite's settings (placeholders, never real ones).
SETTINGS = {"app_key": "dingtestappkeynotreal", "app_secret": "test-secret-not-real", "agent_id": "100000001",
            "callback_token": "test-callback-token-not-real",
            "encoding_aes_key": "dGVzdC1lbmNvZGluZy1hZXMta2V5LW5vdC1yZWFsISE", "notify_userids": ["manager01"]}
FIELDS = ("sys00-name,sys00-email,sys00-mobile,sys00-jobNumber,sys00-mainDept,sys00-position,"
          "sys00-confirmJoinTime,sys01-employeeStatus,sys02-birthTime")
CORP = "dingtestcorp0000000000000000000000"
#: The callback's timestamp (ms) and the random prefix its samples are sealed with (fixed: files stay stable).
CALLBACK_TIME = "1718000000000"
RANDOM16 = b"hub-test-random!"

NAMES = ("测试员工一", "测试员工二", "测试员工三", "测试员工四", "测试员工五", "测试员工六", "测试员工七", "测试员工八")
DEPARTMENTS = ("研发部", "市场部")
STATUS_LABELS = {"2": "试用", "3": "正式", "5": "待离职", "-1": "", "9": "未知"}


def uid(n: int) -> str:
    """A DingTalk user id (digits, 16 long: never a resident ID's 18)."""
    return f"01{n:014d}"


def field(code: str, name: str, label: str, value: str | None = None) -> dict[str, Any]:
    group = code.split("-")[0]
    return {"field_name": name, "field_code": code, "group_id": group,
            "field_value_list": [{"item_index": 0, "label": label, "value": label if value is None else value}]}


def roster(n: int, *, status: str = "3", title: str = "工程师", joined: str = "2024-01-05") -> dict[str, Any]:
    """One user's roster fields (v2/list ``result`` item)."""
    dept = DEPARTMENTS[n % 2]
    return {"corp_id": CORP, "userid": uid(n), "field_data_list": [
        field("sys00-name", "姓名", NAMES[n - 1]),
        field("sys00-email", "邮箱", f"test.employee{n}@example.com"),
        field("sys00-mobile", "手机号", f"+1-415-555-01{n:02d}"),
        field("sys00-jobNumber", "工号", f"E{1000 + n}"),
        field("sys00-mainDept", "主部门", dept, str(100 + n % 2)),
        field("sys00-position", "职位", title),
        field("sys00-confirmJoinTime", "入职时间", joined if n != 2 else "2023年7月3日"),
        field("sys01-employeeStatus", "员工状态", STATUS_LABELS[status], status),
        field("sys02-birthTime", "出生日期", f"199{n}-0{n % 9 + 1}-1{n % 9}"),
    ]}


ON_JOB = [roster(1), roster(2, status="2"), roster(3), roster(4, status="5"), roster(5)]
RESIGNED = [roster(6, status="-1"), roster(7), roster(8)]


def _post(path: str, body: Any) -> dict[str, Any]:
    return request("POST", f"{API}{path}?{TOKEN}", headers={"Accept": "application/json",
                                                           "Content-Type": "application/json; charset=utf-8"},
                   body=json.dumps(body, separators=(",", ":"), ensure_ascii=False))


def ok(result: Any, **more: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **({"result": result} if result is not None else {}), **more,
            "request_id": "test-request-id"}


def token_interaction() -> dict[str, Any]:
    """GET gettoken?appkey=&appsecret= → ``{errcode, errmsg, access_token, expires_in}``."""
    answer = {"errcode": 0, "errmsg": "ok", "access_token": "<REDACTED>", "expires_in": 7200}
    return {"request": request("GET", f"{API}/gettoken?appkey=%3CREDACTED%3E&appsecret=%3CREDACTED%3E"),
            "response": response(200, answer)}


def fields_call(records: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"userid_list": ",".join(r["userid"] for r in records), "field_filter_list": FIELDS,
            "agentid": int(SETTINGS["agent_id"])}
    return {"request": _post("/topapi/smartwork/hrm/employee/v2/list", body), "response": response(200, ok(records))}


def id_pages(path: str, records: list[dict[str, Any]], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Each id page (``{offset, size}`` + ``extra``) followed by its roster-fields call."""
    out = []
    for offset in range(0, len(records), PAGE_SIZE):
        chunk = records[offset : offset + PAGE_SIZE]
        following = offset + PAGE_SIZE
        result: dict[str, Any] = {"data_list": [r["userid"] for r in chunk]}
        if following < len(records):
            result["next_cursor"] = following
        out.append({"request": _post(path, {"offset": offset, "size": PAGE_SIZE, **extra}),
                    "response": response(200, {**ok(result), "success": True})})
        out.append(fields_call(chunk))
    return out


ON_JOB_PATH = "/topapi/smartwork/hrm/employee/queryonjob"
RESIGNED_PATH = "/topapi/smartwork/hrm/employee/querydimission"
STATUSES = {"status_list": "2,3,5,-1"}


def retried() -> list[dict[str, Any]]:
    """The first id page throttled (HTTP 200, errcode 90018) and then answered 502 by the gateway, then served."""
    pages = id_pages(ON_JOB_PATH, ON_JOB, STATUSES)
    first = pages[0]["request"]
    throttled = {"request": first, "response": response(200, {"errcode": 90018, "errmsg": "当前企业调用该接口的QPS已达上限",
                                                              "request_id": "test-request-id"})}
    bad_gateway = {"request": first, "response": response(502, "<html><body>502 Bad Gateway</body></html>",
                                                          content={"Content-Type": ["text/html"]})}
    return [token_interaction(), throttled, bad_gateway, *pages]


def token_refresh() -> list[dict[str, Any]]:
    """The cached token refused (errcode 42001, access_token超时): fetched again, the page sent once more."""
    pages = id_pages(ON_JOB_PATH, ON_JOB[:1], STATUSES)
    refused = {"request": pages[0]["request"], "response": response(200, {"errcode": 42001, "errmsg": "access_token超时",
                                                                          "request_id": "test-request-id"})}
    return [token_interaction(), refused, token_interaction(), *pages]


def errors() -> list[dict[str, Any]]:
    """A permission error (88 with a sub_code) and a parameter error on the id list."""
    first = _post(ON_JOB_PATH, {"offset": 0, "size": PAGE_SIZE, **STATUSES})
    return [token_interaction(),
            {"request": first, "response": response(200, {
                "errcode": 88, "sub_code": "60011", "sub_msg": "没有调用该接口的权限",
                "errmsg": "ding talk error[subcode=60011,submsg=没有调用该接口的权限]", "request_id": "test-request-id"})},
            {"request": first, "response": response(200, {"errcode": 400002, "errmsg": "参数错误: size",
                                                          "request_id": "test-request-id"})}]


def crypt() -> MsgCrypt:
    return MsgCrypt(SETTINGS["callback_token"], SETTINGS["encoding_aes_key"], SETTINGS["app_key"])


def sealed_body(event: dict[str, Any]) -> bytes:
    """A callback body ``{"encrypt": ...}`` as DingTalk posts it."""
    plain = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    encrypt = crypt().encrypt(plain, nonce="unused", timestamp=CALLBACK_TIME, random16=RANDOM16).encrypt
    return json.dumps({"encrypt": encrypt}, separators=(",", ":")).encode()


def event(kind: str, *users: int, event_id: str = "test-event-1") -> dict[str, Any]:
    """A change event as DingTalk's HTTP push sends it (docs/connectors/dingtalk.md, "Callbacks"): the address
    book's user events name ``userId: [...]``, the roster's ``hrm_user_record_change`` one ``staffId``."""
    head = {"EventType": kind, "EventTime": int(CALLBACK_TIME), "CorpId": CORP, "BizId": CALLBACK_TIME,
            "eventId": event_id}
    if kind == "hrm_user_record_change":
        return {**head, "actionType": "userInfoChange", "staffId": uid(users[0])}
    return {**head, "userId": [uid(n) for n in users]}


def legacy_event(kind: str, *users: int) -> dict[str, Any]:
    """The same event as a callback registered with ``register_call_back`` sends it: ``UserId``, no eventId."""
    return {"EventType": kind, "TimeStamp": CALLBACK_TIME, "CorpId": CORP, "UserId": [uid(n) for n in users]}


#: The employee the end-to-end callback names, promoted (title and status changed) before DingTalk tells us.
PROMOTED = roster(2, status="3", title="高级工程师")
NOTICE_TASK = 256271667526
#: The offer's candidate and job the notifications name (the entities the offer references).
NOTICE_CANDIDATE, NOTICE_JOB = "测试候选人一", "后端工程师"


#: The notice_template of the routed test: without the delivery key, whose hub id is made while the test runs.
ROUTED_TEMPLATE = "Offer {status}：{candidate_name}，{job_title}"


def send(content: str, task: int) -> dict[str, Any]:
    """One text work notification to ``notify_userids`` → ``{errcode: 0, task_id}``."""
    body = {"agent_id": int(SETTINGS["agent_id"]), "userid_list": "manager01",
            "msg": {"msgtype": "text", "text": {"content": content}}}
    return {"request": _post("/topapi/message/corpconversation/asyncsend_v2", body),
            "response": response(200, {"errcode": 0, "errmsg": "ok", "task_id": task, "request_id": "test-request-id"})}


def notices() -> list[dict[str, Any]]:
    """Two work notifications: an offer accepted (version 2 of offer o-1), then a later version."""
    return [token_interaction(),
            send(f"Offer 已接受：{NOTICE_CANDIDATE}，{NOTICE_JOB}，入职日期 2024-07-01（hub-offers-o-1-2）", NOTICE_TASK),
            send(f"Offer 已撤回：{NOTICE_CANDIDATE}，{NOTICE_JOB}，入职日期 2024-07-01（hub-offers-o-1-3）", NOTICE_TASK + 1)]


def cassettes() -> dict[str, list[dict[str, Any]]]:
    """File stem → interactions, in the order a client sends them."""
    malformed = [roster(1), {**roster(9 - 1), "userid": uid(9)}]
    malformed[1]["field_data_list"][7] = field("sys01-employeeStatus", "员工状态", "未知", "9")  # not a documented code
    return {
        "employees": [token_interaction(), *id_pages(ON_JOB_PATH, ON_JOB, STATUSES)],
        "resigned_employees": [token_interaction(), *id_pages(RESIGNED_PATH, RESIGNED, {})],
        "retried": retried(),
        "malformed": [token_interaction(), *id_pages(ON_JOB_PATH, malformed, STATUSES)],
        "token_refresh": token_refresh(),
        "errors": errors(),
        # what the suite's callback sample fetches: the roster fields of the user it names
        "callbacks": [token_interaction(), fields_call([ON_JOB[2]])],
        # the end-to-end test (tests/e2e/test_dingtalk_roster_callback.py), after a sync from "employees": the
        # promoted employee's roster fields, fetched for each of its three callbacks (the records a delivery
        # names are fetched before its delivery id is looked up: the replay fetches too, and stores nothing)
        "roster_callback": [token_interaction(), *[fields_call([PROMOTED]) for _ in range(3)]],
        "notices": notices(),
        # an accepted offer routed to DingTalk by the delivery runner (the test's template has no key)
        "routed_notice": [token_interaction(), send(f"Offer 已接受：{NOTICE_CANDIDATE}，{NOTICE_JOB}", NOTICE_TASK + 2)],
    }


def main() -> None:
    write_cassettes(HERE, cassettes())
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "callback_user_modify_org.json").write_bytes(sealed_body(event("user_modify_org", 3)))
    print("wrote the callback sample")
    before = [{**r, "_hub": {"status_key": roster_status_key(r, resigned)}}  # as the mapping receives them
              for r, resigned in ((ON_JOB[0], False), (ON_JOB[1], False), (ON_JOB[3], False), (RESIGNED[0], True))]
    (FIXTURES / "employee.before.json").write_text(json.dumps(before, ensure_ascii=False, indent=2) + "\n",
                                                   encoding="utf-8")
    print("wrote employee.before.json")


if __name__ == "__main__":
    main()
