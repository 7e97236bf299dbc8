"""DingTalk beyond the standard suite: request bodies as documented, the token cached and fetched again
when DingTalk says it is stale, ``errcode`` answers typed with the vendor's code, callbacks decrypted and
routed, and work notifications as the offer write target (cassettes built by the folder's _build.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.errors import AuthError, ConfigError, MalformedPageError, PermanentConnectorError, WebhookVerificationError
from hub.core.delivery.related import related_json
from hub.core.models import Application, Candidate, Job, Offer, Ref
from hub.core.msg_crypt import MsgCrypt
from hub.core.sync import sync
from hub.testing import sqlite_store
from plugins.hr_suites.dingtalk import roster_status_key, roster_value
from tests.plugins.hr_suites.dingtalk_support import CASSETTES, SETTINGS, RecordedDingTalk, callback_query, recorded
from tests.plugins.hr_suites.test_moka_connector import json_bodies_vcr


def test_both_rosters_are_read_with_the_documented_bodies_and_one_token(store: Any) -> None:
    """Id pages POST ``{offset, size[, status_list]}`` and follow ``next_cursor``; each page's ids go to the
    roster-fields call with the field codes and the AgentId; one token serves the whole pass."""
    for stream, stem, people in (("employees", "employees", recorded.ON_JOB),
                                 ("resigned_employees", "resigned_employees", recorded.RESIGNED)):
        with json_bodies_vcr(CASSETTES).use_cassette(f"{stem}.yaml") as played:
            report = sync(RecordedDingTalk(dict(SETTINGS)), store, streams=[stream], prefetch=False)
        assert report.status == "succeeded" and played.all_played
        assert report.counters.created == len(people)
        tokens = [r for r in played.requests if r.path == "/gettoken"]
        assert len(tokens) == 1
    resigned = store.get("employee", store.find("dingtalk", recorded.uid(6), "employee"))
    on_job = store.get("employee", store.find("dingtalk", recorded.uid(4), "employee"))
    assert (resigned.employment_status.value, on_job.employment_status.value) == ("terminated", "active")
    assert on_job.department == "研发部"  # the label of sys00-mainDept, not its id value


def test_a_stale_token_is_fetched_again_and_the_call_sent_once_more(store: Any) -> None:
    with json_bodies_vcr(CASSETTES).use_cassette("token_refresh.yaml") as played:
        report = sync(RecordedDingTalk(dict(SETTINGS)), store, streams=["employees"], prefetch=False)
    assert report.status == "succeeded" and played.all_played
    assert [r.path for r in played.requests].count("/gettoken") == 2


CLOCK = [1718000000.0]


class MovingClockDingTalk(RecordedDingTalk):
    token_clock = staticmethod(lambda: CLOCK[0])


def test_the_token_is_cached_until_it_expires() -> None:
    clock = CLOCK
    auth = MovingClockDingTalk(dict(SETTINGS)).authenticator()
    answers = iter([{"errcode": 0, "access_token": "first-token", "expires_in": 7200},
                    {"errcode": 0, "access_token": "second-token", "expires_in": 7200}])

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gettoken":
            return httpx.Response(200, json=next(answers))
        return httpx.Response(200, json={"errcode": 0, "token": request.url.params["access_token"]})

    with httpx.Client(transport=httpx.MockTransport(vendor), auth=auth) as client:
        seen = [client.get("https://oapi.dingtalk.com/x").json()["token"]]
        clock[0] += 3600
        seen.append(client.get("https://oapi.dingtalk.com/x").json()["token"])
        clock[0] += 3600  # within the skew of its 7200 s: fetched again
        seen.append(client.get("https://oapi.dingtalk.com/x").json()["token"])
    assert seen == ["first-token", "first-token", "second-token"]


def test_errcode_answers_are_typed_with_the_vendor_code() -> None:
    connector = RecordedDingTalk(dict(SETTINGS))
    stream = connector.stream("employees")
    with json_bodies_vcr(CASSETTES).use_cassette("errors.yaml", allow_playback_repeats=False), connector.client() as client:
        request = connector.first_request(stream, since=None)
        with pytest.raises(AuthError) as denied:
            client.post(request.url, json=request.json)
        with pytest.raises(PermanentConnectorError) as refused:
            client.post(request.url, json=request.json)
    assert denied.value.context["vendor_code"] == "88" and "60011" in str(denied.value)
    assert refused.value.context["vendor_code"] == "400002" and not isinstance(refused.value, AuthError)


def test_an_agent_id_that_is_not_a_number_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="agent_id"):
        RecordedDingTalk({**SETTINGS, "agent_id": "my-app"})


def test_throttling_codes_are_a_setting() -> None:
    default = RecordedDingTalk(dict(SETTINGS)).envelope
    custom = RecordedDingTalk({**SETTINGS, "throttle_codes": [99999]}).envelope
    assert default.error_class("90018").__name__ == "RateLimitedError"
    assert custom.error_class("99999").__name__ == "RateLimitedError" and custom.error_class("90018") is None


# ---------------------------------------------------------------- callbacks


def test_change_events_name_employees_in_their_roster_list() -> None:
    connector = RecordedDingTalk(dict(SETTINGS))
    body = json.loads(recorded.sealed_body(recorded.event("user_leave_org", 6, 7)))
    assert connector.webhook_records(body) == [("resigned_employees", recorded.uid(6)),
                                               ("resigned_employees", recorded.uid(7))]
    body = json.loads(recorded.sealed_body(recorded.event("hrm_user_record_change", 1)))
    assert connector.webhook_records(body) == [("employees", recorded.uid(1))]
    body = json.loads(recorded.sealed_body({"EventType": "org_dept_create", "DeptId": [1]}))
    assert connector.webhook_records(body) == []
    body = json.loads(recorded.sealed_body(recorded.legacy_event("user_modify_org", 3)))
    assert connector.webhook_records(body) == [("employees", recorded.uid(3))]


def test_the_delivery_id_is_the_event_id_or_a_legacy_callback_s_signature() -> None:
    connector = RecordedDingTalk(dict(SETTINGS))
    raw = recorded.sealed_body(recorded.event("user_modify_org", 1, event_id="evt-77"))
    assert connector.parse_webhook({}, raw, query=callback_query(raw, nonce="n")).delivery_id == "evt-77"
    raw = recorded.sealed_body(recorded.legacy_event("user_modify_org", 1))
    query = callback_query(raw, nonce="n")
    assert connector.parse_webhook({}, raw, query=query).delivery_id == query["msg_signature"]


def test_a_change_event_without_user_ids_is_refused_with_its_kind() -> None:
    body = json.loads(recorded.sealed_body({"EventType": "user_modify_org", "userId": []}))
    with pytest.raises(MalformedPageError, match="user_modify_org event names no user"):
        RecordedDingTalk(dict(SETTINGS)).webhook_records(body)


def test_a_callback_sealed_for_another_app_is_refused() -> None:
    other = MsgCrypt(SETTINGS["callback_token"], SETTINGS["encoding_aes_key"], "ding-another-app")
    sealed = other.encrypt(json.dumps(recorded.event("user_modify_org", 1)), nonce="n", timestamp="1")
    with pytest.raises(WebhookVerificationError, match="another receive id"):
        RecordedDingTalk(dict(SETTINGS)).webhook_records({"encrypt": sealed.encrypt})


def test_a_legacy_callback_is_sealed_for_the_corp_id() -> None:
    corp = MsgCrypt(SETTINGS["callback_token"], SETTINGS["encoding_aes_key"], recorded.CORP)
    sealed = corp.encrypt(json.dumps(recorded.event("user_modify_org", 1)), nonce="n", timestamp="1")
    connector = RecordedDingTalk({**SETTINGS, "callback_receive_id": recorded.CORP})
    assert connector.webhook_records({"encrypt": sealed.encrypt}) == [("employees", recorded.uid(1))]


def test_only_a_handshake_is_answered_before_storing() -> None:
    connector = RecordedDingTalk(dict(SETTINGS))
    assert connector.webhook_answer({}, recorded.sealed_body(recorded.event("user_modify_org", 1))) is None
    answer = connector.webhook_answer({}, recorded.sealed_body({"EventType": "check_url"}))
    assert answer is not None and recorded.crypt().decrypt(answer["encrypt"]) == b"success"
    assert answer["timeStamp"] == "1718000000"


# ---------------------------------------------------------------- work notifications


def offer_delivery(connector: RecordedDingTalk, status: str, version: int, external_id: str | None = None) -> Delivery:
    """As the runner prepares it: the offer's JSON with the entities ``related`` names under ``related``."""
    entity = Offer(id="o-1", application=Ref(id="a-1"), candidate=Ref(id="c-1"), status=status,
                   start_date=dt.date(2024, 7, 1))
    related = {"candidate": Candidate(id="c-1", name=recorded.NOTICE_CANDIDATE),
               "application.job": Job(id="j-1", title=recorded.NOTICE_JOB)}
    assert set(related) == set(connector.related["offer"])
    payload = connector.reverse_mapping("offer").reverse({**entity.model_dump(mode="json"),
                                                          "related": related_json(related)})
    return Delivery(route="offers", kind="offer", entity_id="o-1", version=version, payload=payload,
                    external_id=external_id, entity=entity)


def test_an_offer_status_change_is_sent_as_a_text_work_notification() -> None:
    connector = RecordedDingTalk(dict(SETTINGS))
    accepted = offer_delivery(connector, "accepted", 2)
    assert accepted.payload["status"] == "已接受" and connector.refusal(accepted) is None
    assert (accepted.payload["candidate_name"], accepted.payload["job_title"]) == (recorded.NOTICE_CANDIDATE,
                                                                                  recorded.NOTICE_JOB)
    with json_bodies_vcr(CASSETTES).use_cassette("notices.yaml") as played:
        first = connector.deliver(accepted)
        second = connector.deliver(offer_delivery(connector, "rescinded", 3, external_id=first))
    connector.close()
    assert (first, second) == (str(recorded.NOTICE_TASK), str(recorded.NOTICE_TASK + 1)) and played.all_played


@pytest.mark.parametrize(("settings", "reason"), [
    ({"notify_userids": []}, "no one to notify"),
    ({"notify_userids": [f"u{n}" for n in range(101)]}, "at most 100"),
    ({"notice_template": "Offer {status"}, "not a template"),
    ({"notice_template": "{status}" + "长" * 700}, "at most 2048"),
])
def test_what_dingtalk_cannot_take_is_refused_before_sending(settings: dict[str, Any], reason: str) -> None:
    connector = RecordedDingTalk({**SETTINGS, **settings})
    refused = connector.refusal(offer_delivery(connector, "accepted", 2))
    assert refused is not None and reason in refused.reason and refused.record_id == "o-1"


def test_an_accepted_offer_is_routed_to_a_work_notification_once(tmp_path: Any) -> None:
    """The real store queues the offer when its status changes to accepted; the runner reads the candidate
    and the job it references, reverse-maps the offer and the connector sends the notification; DingTalk's
    task id is kept with the offer, and a second run sends nothing."""
    settings = {**SETTINGS, "notice_template": recorded.ROUTED_TEMPLATE}
    config = HubConfig.model_validate({
        "connectors": {"dingtalk": {"type": "dingtalk", "settings": settings}},
        "routes": [{"name": "offers-accepted", "entity": "offer", "target": "dingtalk",
                    "when": [{"field": "status", "changed_to": "accepted"}]}]})
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        with store.transaction() as tx:
            store.upsert_many(tx, "ats", [Candidate(external_ids={"ats": "c-1"}, name=recorded.NOTICE_CANDIDATE),
                                          Job(external_ids={"ats": "j-1"}, title=recorded.NOTICE_JOB)])
        with store.transaction() as tx:
            store.upsert_many(tx, "ats", [Application(external_ids={"ats": "a-1"}, status="offer",
                                                      candidate=Ref(system="ats", external_id="c-1"),
                                                      job=Ref(system="ats", external_id="j-1"))])
        with store.transaction() as tx:
            [offer_id] = store.upsert_many(tx, "ats", [Offer(
                external_ids={"ats": "o-1"}, status="accepted", application=Ref(system="ats", external_id="a-1"),
                candidate=Ref(system="ats", external_id="c-1"))]).ids
        with json_bodies_vcr(CASSETTES).use_cassette("routed_notice.yaml") as played:
            report = DeliveryRunner(store, config).run()
        assert report.counters == {"dingtalk": {"delivered": 1}} and played.all_played
        assert store.get("offer", offer_id).external_ids["dingtalk"] == str(recorded.NOTICE_TASK + 2)
        assert DeliveryRunner(store, config).run().counters == {}


# ---------------------------------------------------------------- the roster record's reader, for any record

_codes = st.sampled_from(["sys00-name", "sys01-employeeStatus", "sys02-birthTime", "custom-1"])
_values = st.one_of(st.none(), st.text(max_size=8))
_items = st.fixed_dictionaries({"label": _values, "value": _values})
_fields = st.lists(st.one_of(st.fixed_dictionaries({"field_code": _codes, "field_value_list": st.lists(_items, max_size=2)}),
                             st.none(), st.integers()), max_size=5)


@given(fields=_fields, code=_codes, part=st.sampled_from(["label", "value"]))
def test_roster_value_is_the_first_item_of_the_first_field_with_the_code(fields: list[Any], code: str, part: str) -> None:
    record = {"field_data_list": fields}
    first = next((f for f in fields if isinstance(f, dict) and f["field_code"] == code), None)
    items = first["field_value_list"] if first else []
    expected = items[0][part] if items and items[0][part] not in (None, "") else None
    assert roster_value(record, code, part) == expected
    resigned_key, on_job_key = roster_status_key(record, True), roster_status_key(record, False)
    assert resigned_key == "resigned"
    assert on_job_key == f"on_job:{roster_value(record, 'sys01-employeeStatus') or ''}"
