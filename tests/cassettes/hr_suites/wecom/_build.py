"""Write the WeCom (企业微信) cassettes in this folder and the callback samples they share (run by hand; the
files are committed).

Why generated: one small made-up organisation (four departments, five members) whose ids agree across
the files; every ``user/list_id`` page carries the next cursor; the callback samples are sealed and
signed with the suite's test callback Token and EncodingAESKey (:class:`hub.core.msg_crypt.MsgCrypt`).

The protocol follows the official documents (https://developer.work.weixin.qq.com/document/, pages named
in docs/connectors/wecom.md): every answer is HTTP 200 with ``{errcode, errmsg}`` — a failure too,
throttling included (``45009``). The ``retried`` episode adds what an HTTP layer in front of the API
answers when it is overloaded (a 429 with ``Retry-After``, a 502): WeCom documents neither, the
connector must live through both. People are fictional (example.com, +1 555-01xx numbers); the secret,
access tokens and the bot key are placeholders.

Usage::

    .venv/bin/python tests/cassettes/hr_suites/wecom/_build.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.core.msg_crypt import MsgCrypt
from hub.testing.cassette_writer import request, response, write_cassettes
from plugins.hr_suites.wecom import parent_of

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[2]
SAMPLES = TESTS / "fixtures" / "wecom"
API = "https://qyapi.weixin.qq.com/cgi-bin"
CORPID = "ww-test-corp-not-real"
PAGE_SIZE = 2  # list_id's limit as recorded (the suite's user_page_size)
#: The suite's callback Token and EncodingAESKey (43 characters), placeholders never used by a real app.
CALLBACK_TOKEN = "test-callback-token-not-real"
ENCODING_AES_KEY = "dGVzdC1lbmNvZGluZy1hZXMta2V5LW5vdC1yZWFsISE"  # base64 of "test-encoding-aes-key-not-real!!"
#: The time the callbacks were sealed at (seconds) and the agent that receives them.
SEALED_AT = "1718000000"
AGENT_ID = "1000002"


def ok(**fields: Any) -> dict[str, Any]:
    """WeCom's answer: ``{errcode: 0, errmsg: "ok", ...}``."""
    return {"errcode": 0, "errmsg": "ok", **fields}


# ---------------------------------------------------------------- the organisation

DEPARTMENTS = [
    {"id": 1, "name": "示例科技", "name_en": "Example Tech", "department_leader": [], "parentid": 0, "order": 100000000},
    {"id": 2, "name": "研发部", "name_en": "R&D", "department_leader": ["test.member1"], "parentid": 1, "order": 100},
    {"id": 3, "name": "人事部", "name_en": "HR", "department_leader": ["test.member3"], "parentid": 1, "order": 90},
    {"id": 4, "name": "招聘组", "name_en": "Recruiting", "department_leader": [], "parentid": 3, "order": 80},
]
NUMBERS = ("一", "二", "三", "四", "五", "六")


def member(n: int, departments: list[int], *, status: int = 1, position: str = "工程师", leader: str | None = None,
           number: str | None = None) -> dict[str, Any]:
    """``user/get``'s answer for member ``n`` (https://developer.work.weixin.qq.com/document/path/90196)."""
    attrs = [{"type": 0, "name": "工号", "text": {"value": number}}] if number else []
    return ok(userid=f"test.member{n}", name=f"测试成员{NUMBERS[n - 1]}", department=departments,
              order=[0] * len(departments), position=position, mobile=f"+1 41555501{n:02d}", gender="1",
              email=f"test.member{n}@example.com", biz_mail=f"member{n}@corp.example.com",
              is_leader_in_dept=[0] * len(departments), direct_leader=[leader] if leader else [],
              avatar="", thumb_avatar="", telephone="", alias="", address="", open_userid=f"woAJ2GCAAAtest{n:04d}",
              main_department=departments[0], extattr={"attrs": attrs}, status=status, qr_code="",
              external_position="", external_profile={"external_corp_name": "", "external_attr": []})


MEMBERS = {
    1: member(1, [2], position="研发经理", number="E0001"),
    2: member(2, [2], leader="test.member1", number="E0002"),
    3: member(3, [3, 4], position="人事经理", number="E0003"),
    4: member(4, [4], position="招聘专员", leader="test.member3", status=4),
    5: member(5, [2], leader="test.member1", status=5, number="E0005"),
    6: member(6, [4], position="招聘专员", leader="test.member3", number="E0006"),
}
#: ``list_id``'s pages: a member once per department it is in (test.member3 twice on one page).
LISTED = [[(1, 2), (2, 2)], [(3, 3), (3, 4)], [(4, 4), (5, 2)]]


# ---------------------------------------------------------------- HTTP pieces


def token_interaction(n: int = 1) -> dict[str, Any]:
    """``GET /gettoken?corpid=&corpsecret=`` → ``{errcode, errmsg, access_token, expires_in}``."""
    uri = f"{API}/gettoken?" + urlencode({"corpid": CORPID, "corpsecret": "<REDACTED>"})
    return {"request": request("GET", uri, headers={"Accept": "application/json"}),
            "response": response(200, ok(access_token=f"<REDACTED-ACCESS-TOKEN-{n}>", expires_in=7200))}


def call(method: str, path: str, answer: Any, *, params: dict[str, Any] | None = None, body: Any = None,
         token: int | None = 1, status: int = 200, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One API call; ``token`` None for the group bot, whose key is in ``params``."""
    query = {**({"access_token": f"<REDACTED-ACCESS-TOKEN-{token}>"} if token else {}), **(params or {})}
    uri = f"{API}{path}" + (f"?{urlencode(query)}" if query else "")
    text = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    sent = {"Accept": "application/json", **({"Content-Type": "application/json"} if body is not None else {})}
    return {"request": request(method, uri, headers=sent, body=text), "response": response(status, answer, headers=headers)}


def departments_list(token: int = 1) -> dict[str, Any]:
    return call("GET", "/department/list", ok(department=DEPARTMENTS), token=token)


def user_get(n: int, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    return call("GET", "/user/get", answer or MEMBERS[n], params={"userid": f"test.member{n}"})


def list_id_pages(pages: list[list[tuple[int, int]]], answers: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``POST /user/list_id`` pages (``{cursor, limit}`` → ``next_cursor``, ``dept_user``), each followed by
    the ``user/get`` of every member it names, once."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for index, page in enumerate(pages):
        following = f"test-cursor-{index + 2}" if index < len(pages) - 1 else ""
        body = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
        listed = [{"userid": f"test.member{n}", "department": d} for n, d in page]
        out.append(call("POST", "/user/list_id", ok(next_cursor=following, dept_user=listed), body=body))
        for n in dict.fromkeys(n for n, _ in page):
            out.append(user_get(n, (answers or {}).get(n)))
        cursor = following
    return out


# ---------------------------------------------------------------- episodes


def retried() -> list[dict[str, Any]]:
    """WeCom's own throttling (HTTP 200, ``45009``), a 429 with ``Retry-After`` and a 502, then the list."""
    throttled = call("GET", "/department/list", {"errcode": 45009, "errmsg": "api freq out of limit"})
    limited = call("GET", "/department/list", {"errcode": 45009, "errmsg": "api freq out of limit"}, status=429,
                   headers={"Retry-After": "1"})
    gateway = call("GET", "/department/list", "<html><body>502 Bad Gateway</body></html>", status=502)
    gateway["response"]["headers"]["Content-Type"] = ["text/html"]
    return [token_interaction(), throttled, limited, gateway, departments_list()]


def malformed() -> list[dict[str, Any]]:
    """A member whose status (3) WeCom does not document: a dead letter; the others stored."""
    odd = {**MEMBERS[2], "status": 3}
    return [token_interaction(), *list_id_pages([[(1, 2), (2, 2)], [(6, 4)]], {2: odd})]


def token_refresh() -> list[dict[str, Any]]:
    """A token WeCom no longer takes (``42001``) is fetched again and the call sent once more."""
    expired = call("GET", "/department/list", {"errcode": 42001, "errmsg": "access_token expired"})
    return [token_interaction(1), expired, token_interaction(2), departments_list(token=2)]


def errors() -> list[dict[str, Any]]:
    """A call the app may not make: ``60011`` no privilege."""
    forbidden = call("GET", "/department/list", {"errcode": 60011, "errmsg": "no privilege to access/modify contact/party/agent"})
    return [token_interaction(), forbidden]


def refused_secret() -> list[dict[str, Any]]:
    """A secret WeCom does not take: ``gettoken`` answers HTTP 200 with ``40001`` and no token."""
    return [{"request": token_interaction()["request"],
             "response": response(200, {"errcode": 40001, "errmsg": "invalid credential"})}]


def events() -> list[dict[str, Any]]:
    """What the callbacks' records are fetched from: the member created, the department updated."""
    updated = {**DEPARTMENTS[3], "name": "招聘与配置组"}
    return [token_interaction(), user_get(6), call("GET", "/department/get", ok(department=updated), params={"id": 4})]


#: The message an accepted offer makes (offer.yaml's reverse lines); hub ids are generated when the test
#: stores the offer, so the recorded bodies read them as ``<hub-id>`` (the wire matcher does the same).
MESSAGE = ("**Offer 状态更新**\n> 编号：<hub-id>\n> 候选人：测试候选人一\n> 职位：招聘专员\n> 状态：已接受\n"
           "> 入职日期：2024-07-01\n" '<font color="comment">hub-offers-to-wecom-<hub-id>-1</font>')
MARKDOWN = {"msgtype": "markdown", "markdown": {"content": MESSAGE}}


def writes() -> list[dict[str, Any]]:
    """An application message (``message/send``): markdown, duplicate check on."""
    answer = ok(invaliduser="", invalidparty="", invalidtag="", unlicenseduser="", msgid="test-msgid-1",
                response_code="test-response-code-1")
    body = {"touser": "test.member3|test.member6", **MARKDOWN, "agentid": int(AGENT_ID), "enable_duplicate_check": 1,
            "duplicate_check_interval": 14400}
    return [token_interaction(), call("POST", "/message/send", answer, body=body)]


def bot() -> list[dict[str, Any]]:
    """A group-bot message (``webhook/send?key=``, no token): throttled once (``45009``), then sent."""
    too_fast = call("POST", "/webhook/send", {"errcode": 45009, "errmsg": "api freq out of limit"}, token=None,
                    params={"key": "<REDACTED>"}, body=MARKDOWN)
    sent = call("POST", "/webhook/send", {"errcode": 0, "errmsg": "ok"}, token=None, params={"key": "<REDACTED>"},
                body=MARKDOWN)
    return [too_fast, sent]


#: The 人事助手 fields the roster episode reads (label → field id). Field ids are the tenant's, listed by
#: hr/get_fields; 12024 工号 is the one the reference notes name, 12018 stands for the tenant's 入职日期.
ROSTER_FIELDS = {"入职日期": 12018, "工号": 12024}
JULY_1 = 1719763200  # 2024-07-01 00:00 in Beijing, Unix seconds


def staff_info(n: int, field_info: list[dict[str, Any]]) -> dict[str, Any]:
    """``POST /hr/get_staff_info`` for member ``n`` (https://developer.work.weixin.qq.com/document/path/99132)."""
    body = {"userid": f"test.member{n}", "get_all": False,
            "fieldids": [{"fieldid": fieldid, "sub_idx": 0} for fieldid in ROSTER_FIELDS.values()]}
    return call("POST", "/hr/get_staff_info", ok(field_info=field_info), body=body)


def roster() -> list[dict[str, Any]]:
    """Members with their roster: one with a hire date (a time: Unix seconds) and 工号, one whose hire
    date the app may not read (``result`` 2)."""
    first = [{"fieldid": 12018, "sub_idx": 0, "result": 1, "value_type": 2, "value_uint64": JULY_1},
             {"fieldid": 12024, "sub_idx": 0, "result": 1, "value_type": 1, "value_string": "E0001"}]
    second = [{"fieldid": 12018, "sub_idx": 0, "result": 2, "value_type": 2},
              {"fieldid": 12024, "sub_idx": 0, "result": 1, "value_type": 1, "value_string": "E0002"}]
    return [token_interaction(), *list_id_pages([[(1, 2), (2, 2)]]), staff_info(1, first), staff_info(2, second)]


# ---------------------------------------------------------------- callbacks


def callback(event: dict[str, str], random16: bytes) -> bytes:
    """A callback body as WeCom posts it: the event's XML sealed for the CorpID inside ``<Encrypt>``."""
    inner = "<xml>" + "".join(f"<{tag}><![CDATA[{value}]]></{tag}>" for tag, value in event.items()) + "</xml>"
    sealed = MsgCrypt(CALLBACK_TOKEN, ENCODING_AES_KEY, CORPID).encrypt(inner, nonce="n", timestamp=SEALED_AT,
                                                                        random16=random16)
    return (f"<xml><ToUserName><![CDATA[{CORPID}]]></ToUserName><AgentID><![CDATA[{AGENT_ID}]]></AgentID>"
            f"<Encrypt><![CDATA[{sealed.encrypt}]]></Encrypt></xml>").encode()


def change(kind: str, **fields: str) -> dict[str, str]:
    return {"ToUserName": CORPID, "FromUserName": "sys", "CreateTime": SEALED_AT, "MsgType": "event",
            "Event": "change_contact", "ChangeType": kind, **fields}


CALLBACKS = {
    "callback_create_user.xml": change("create_user", UserID="test.member6", Name="测试成员六", Department="4"),
    "callback_update_party.xml": change("update_party", Id="4", Name="招聘与配置组"),
    "callback_delete_user.xml": change("delete_user", UserID="test.member5"),
    "callback_update_user_renamed.xml": change("update_user", UserID="test.member6", NewUserID="test.member6b"),
    "callback_delete_party.xml": change("delete_party", Id="4"),
    "callback_update_tag.xml": {**change("update_tag", TagId="1"), "AddUserItems": "test.member1"},
}


def fixtures(folder: Path) -> None:
    """The mappings' before fixtures: records as each mapping receives them (after prepare_page); the
    after fixtures are written by the suite (HUB_UPDATE_FIXTURES=1) and reviewed."""
    folder.mkdir(parents=True, exist_ok=True)
    departments = [{**d, "_hub": {"parent": parent_of(d)}} for d in DEPARTMENTS]
    members = [dict(record) for record in MEMBERS.values()]
    members[0]["_hub"] = {"roster": {"入职日期": JULY_1, "工号": "E0001"}}  # as prepare_page adds it
    members[2]["_hub"] = {"roster": {"入职日期": "2024年1月5日"}}  # a time a tenant typed as text
    for name, records in (("department", departments), ("employee", members)):
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
        (folder / f"{name}.before.json").write_text(text, encoding="utf-8")
        print(f"wrote {name}.before.json")


def main() -> None:
    write_cassettes(HERE, {
        "departments": [token_interaction(), departments_list()],
        "users": [token_interaction(), *list_id_pages(LISTED)],
        "retried": retried(), "malformed": malformed(), "token_refresh": token_refresh(), "errors": errors(),
        "refused_secret": refused_secret(), "roster": roster(),
        "events": events(), "writes": writes(), "bot": bot(),
    })
    fixtures(TESTS / "fixtures" / "mapping" / "wecom")
    SAMPLES.mkdir(parents=True, exist_ok=True)
    for number, (name, event) in enumerate(CALLBACKS.items()):
        (SAMPLES / name).write_bytes(callback(event, bytes([number + 1]) * 16))
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
