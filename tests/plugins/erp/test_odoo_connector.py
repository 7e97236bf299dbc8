"""Contract tests of the Odoo connector beyond the standard suite: JSON-RPC, credentials, errors.

The cassettes in tests/cassettes/erp/odoo/ hold the documented conversation (docs/connectors/odoo.md);
vcrpy replays them matching method, URL and — :func:`json_bodies_vcr` — the JSON body, with the key
slot of ``execute_kw`` scrubbed, so a page with the wrong offset or a call without its filters finds
no recording. What the cassettes cannot show (the headers and credentials on the wire) is checked
against a fake Odoo server (``httpx.MockTransport``), not a mock of the hub.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import AuthError, ConfigError, PermanentConnectorError
from hub.core.models import EmploymentStatus
from hub.core.store import Store
from hub.core.sync import sync
from plugins.erp.odoo import BOOLEAN_FIELDS, Odoo, odoo_values
from plugins.erp.odoo_rpc import OdooErrors, call
from tests.plugins.erp.odoo_support import API_KEY, RPC_SETTINGS, SETTINGS, RecordedOdoo, json_bodies_vcr


def _pages(connector: Odoo, stream: str) -> list[Any]:
    declared = connector.stream(stream)
    with connector.client() as client:
        return [page.records for page in connector.pages(client, declared, connector.first_request(declared, since=None))]


# ---------------------------------------------------------------- JSON-RPC


def test_jsonrpc_logs_in_once_and_pages_in_execute_kw(store: Store) -> None:
    """common.login, then search_read pages whose offset moves in execute_kw's kwargs; the records
    are the same departments JSON-2 gives."""
    connector = RecordedOdoo(RPC_SETTINGS)
    with json_bodies_vcr().use_cassette("jsonrpc_departments.yaml", allow_playback_repeats=False) as played:
        report = sync(connector, store, streams=["departments"], prefetch=False)
    assert report.status == "succeeded" and played.all_played and report.counters.pages == 3
    research = store.get("department", store.find("odoo", "2", "department"))
    assert research.name == "Research & Development" and research.parent.external_id == "1"
    top = store.get("department", store.find("odoo", "1", "department"))
    assert top.parent is None  # parent_id false: no parent, not a Ref to "False"


def test_jsonrpc_keeps_the_key_out_of_the_checkpointed_request() -> None:
    """The page request the sync checkpoints has empty credential slots: JsonRpcAuth fills them as it sends."""
    connector = Odoo(RPC_SETTINGS)
    request = connector.first_request(connector.stream("employees"), since="2024-06-09 11:00:00")
    assert request.url == "/jsonrpc" and API_KEY not in json.dumps(request.json)
    assert request.json["params"]["args"][:5] == [None, None, None, "hr.employee", "search_read"]
    assert request.json["params"]["args"][6]["domain"] == [["write_date", ">=", "2024-06-09 11:00:00"]]


def test_jsonrpc_credentials_go_into_the_body_as_it_is_sent() -> None:
    """Against a fake Odoo: one login for two calls, then db, uid and key in execute_kw's first slots."""
    seen: list[dict[str, Any]] = []

    def odoo(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        result = 7 if body["params"]["service"] == "common" else []
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": result})

    connector = Odoo(RPC_SETTINGS)
    with connector.client(transport=httpx.MockTransport(odoo)) as client:
        for stream in ("jobs", "employees"):
            declared = connector.stream(stream)
            list(connector.pages(client, declared, connector.first_request(declared, since=None)))
    assert [b["params"]["method"] for b in seen] == ["login", "execute_kw", "execute_kw"]
    assert seen[0]["params"]["args"] == ["mycompany", "api-bot@example.com", API_KEY]
    assert [b["params"]["args"][:4] for b in seen[1:]] == [["mycompany", 7, API_KEY, "hr.job"],
                                                          ["mycompany", 7, API_KEY, "hr.employee"]]


def test_a_configured_uid_skips_the_login() -> None:
    seen: list[str] = []

    def odoo(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content)["params"]["method"])
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": []})

    connector = Odoo({**RPC_SETTINGS, "uid": 9})
    with connector.client(transport=httpx.MockTransport(odoo)) as client:
        declared = connector.stream("jobs")
        list(connector.pages(client, declared, connector.first_request(declared, since=None)))
    assert seen == ["execute_kw"]


def test_a_refused_login_is_an_auth_error() -> None:
    with json_bodies_vcr().use_cassette("jsonrpc_login_refused.yaml"), pytest.raises(AuthError) as refused:
        _pages(RecordedOdoo(RPC_SETTINGS), "departments")
    assert "wrong login, key or database" in refused.value.reason and API_KEY not in str(refused.value)


def test_a_jsonrpc_access_error_answered_with_200_is_an_auth_error_with_the_exception_name() -> None:
    with json_bodies_vcr().use_cassette("jsonrpc_access_error.yaml"), pytest.raises(AuthError) as refused:
        _pages(RecordedOdoo(RPC_SETTINGS), "employees")
    assert refused.value.context["vendor_code"] == "odoo.exceptions.AccessError"


# ---------------------------------------------------------------- JSON-2


def test_json2_sends_the_bearer_key_and_the_database_header() -> None:
    seen: list[httpx.Request] = []

    def odoo(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    connector = Odoo(SETTINGS)
    with connector.client(transport=httpx.MockTransport(odoo)) as client:
        declared = connector.stream("applications")
        list(connector.pages(client, declared, connector.first_request(declared, since="2024-06-12 14:00:00")))
    (sent,) = seen
    assert sent.url == "https://mycompany.example.com/json/2/hr.applicant/search_read"
    assert (sent.headers["Authorization"], sent.headers["X-Odoo-Database"]) == (f"bearer {API_KEY}", "mycompany")
    body = json.loads(sent.content)
    assert body["domain"] == [["write_date", ">=", "2024-06-12 14:00:00"]] and body["context"] == {"active_test": False}
    assert (body["offset"], body["limit"], body["order"]) == (0, 100, "write_date asc, id asc")


def test_a_bad_api_key_is_an_auth_error_with_odoos_exception_name() -> None:
    with json_bodies_vcr().use_cassette("json2_bad_key.yaml"), pytest.raises(AuthError) as refused:
        _pages(RecordedOdoo(SETTINGS), "jobs")
    assert (refused.value.context["status"], refused.value.context["vendor_code"]) == (
        401, "werkzeug.exceptions.Unauthorized")


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({"name": "odoo.exceptions.ValidationError", "message": "Badge ID taken"}, 422, PermanentConnectorError),
    ({"name": "odoo.exceptions.AccessError", "message": "not allowed"}, 403, AuthError),
    ("got an unexpected keyword argument 'bad'", 422, PermanentConnectorError),
    ({"jsonrpc": "2.0", "id": 1, "error": {"code": 100, "message": "Odoo Session Expired",
                                           "data": {"name": "odoo.http.SessionExpiredException"}}}, 200, AuthError),
    ({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error",
                                           "data": {"name": "odoo.exceptions.UserError"}}}, 200, PermanentConnectorError),
    ({"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "Invalid Request"}}, 200, PermanentConnectorError),
])
def test_odoo_error_bodies_become_typed_errors(body: Any, status: int, expected: type) -> None:
    """Each error answer, as a fake Odoo sends it, is the typed error its exception name says —
    never an AuthError for a record Odoo refused, never an empty page for an error."""
    def odoo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    connector = Odoo(SETTINGS)
    with connector.client(transport=httpx.MockTransport(odoo)) as client, pytest.raises(expected) as raised:
        url, sent = call("json2", "hr.job", "search_read", {"domain": []})
        client.post(url, json=sent)
    assert type(raised.value) is expected


def test_an_error_envelope_without_a_name_still_fails() -> None:
    assert OdooErrors().failure({"error": {"code": 404, "message": "404: Not Found"}}) == ("jsonrpc-404", "404: Not Found")


# ---------------------------------------------------------------- values and settings


def test_an_archived_employee_is_terminated_and_false_is_no_value(store: Store) -> None:
    with json_bodies_vcr().use_cassette("employees.yaml"):
        sync(RecordedOdoo(SETTINGS), store, streams=["employees"], prefetch=False)
    departed = store.get("employee", store.find("odoo", "25", "employee"))
    assert departed.employment_status is EmploymentStatus.TERMINATED
    no_email = store.get("employee", store.find("odoo", "23", "employee"))
    assert no_email.emails == [] and no_email.department == "Administration / Sales"
    untitled = store.get("employee", store.find("odoo", "24", "employee"))
    assert untitled.title == "Software Engineer"  # job_title false: the job position's name


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3), max_leaves=6)


@given(st.dictionaries(st.text(min_size=1, max_size=12), _JSON, max_size=8))
def test_odoo_values_turns_every_non_boolean_false_into_none_and_keeps_the_rest(record: dict[str, Any]) -> None:
    values = odoo_values(record)
    assert values.keys() == record.keys() and values is not record
    for key, value in record.items():
        if value is False and key not in BOOLEAN_FIELDS:
            assert values[key] is None
        else:
            assert values[key] is value


@pytest.mark.parametrize(("settings", "reason"), [
    ({**SETTINGS, "transport": "xmlrpc"}, "transport"),
    ({k: v for k, v in RPC_SETTINGS.items() if k != "database"}, "database"),
    ({k: v for k, v in RPC_SETTINGS.items() if k != "login"}, "login"),
    ({k: v for k, v in SETTINGS.items() if k != "api_key"}, "api_key"),
])
def test_settings_odoo_cannot_work_with_are_refused(settings: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        Odoo(settings)


def test_the_fields_setting_replaces_a_models_fields_and_keeps_the_cursor() -> None:
    odoo = Odoo({**SETTINGS, "fields": {"hr.applicant": ["partner_name", "job_id", "stage_id"]}})
    body = odoo.first_request(odoo.stream("applications"), since=None).json
    assert body["fields"] == ["partner_name", "job_id", "stage_id", "write_date"]


@given(_JSON)
def test_an_answer_that_is_not_an_object_is_never_an_error(body: Any) -> None:
    """search_read, create and read answer lists, ints or false: never judged as an error body."""
    assert OdooErrors().failure(body) is None


@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=4), _JSON)
def test_every_jsonrpc_error_object_fails_whatever_else_it_holds(data: dict[str, Any], code: Any) -> None:
    """An ``error`` object is a failure, named by ``data.name`` when it is given, never an empty page."""
    failure = OdooErrors().failure({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "x", "data": data}})
    assert failure is not None
    name = data.get("name")
    assert failure[0] == (str(name) if name else f"jsonrpc-{code}")
