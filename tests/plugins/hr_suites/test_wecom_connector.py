"""Contract tests of the WeCom connector beyond the standard suite: the token cached and fetched again on
``42001``, the ``{errcode, errmsg}`` envelope as typed errors, the callbacks (signature, decryption, XML
safety, what each contact change does to the store), the URL check, and the messages it sends.

The cassettes in tests/cassettes/hr_suites/wecom/ hold what the official documents describe
(docs/connectors/wecom.md); they are replayed with the matcher that checks credentials and JSON bodies on
the wire (:func:`tests.plugins.hr_suites.wecom_support.wire`), through the real sync engine and store.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.errors import AuthError, ConfigError, MalformedPageError, PermanentConnectorError, WebhookVerificationError
from hub.core.models import Application, Candidate, Job, Offer, Ref
from hub.core.msg_crypt import MsgCrypt
from hub.core.store import Store
from hub.core.sync import ingest_webhook, sync
from plugins.hr_suites.wecom import WeCom, roster_values, xml_fields
from plugins.hr_suites.wecom_write import markdown_message
from tests.cassettes.hr_suites.wecom._build import (AGENT_ID, CALLBACK_TOKEN, CORPID, ENCODING_AES_KEY, MESSAGE,
                                                    ROSTER_FIELDS, callback, change)
from tests.plugins.hr_suites.wecom_support import BOT_KEY, SAMPLES, SETTINGS, RecordedWeCom, replaying, signed_query


def replay_sync(store: Store, stem: str, stream: str) -> tuple[Any, Any]:
    """One sync of ``stream`` from cassette ``stem``; the cassette counts what was sent."""
    with replaying().use_cassette(f"{stem}.yaml", allow_playback_repeats=False) as cassette:
        return sync(RecordedWeCom(SETTINGS), store, streams=[stream], prefetch=False), cassette


def stored(store: Store, kind: str, external_id: str) -> Any:
    """The stored entity WeCom knows as ``external_id`` (a KeyError-free failure naming it when there is none)."""
    found = store.find("wecom", external_id, kind)
    return store.get(kind, found) if found else pytest.fail(f"wecom {kind} {external_id} was not stored")


def receive(store: Store, name: str, *, nonce: str = "n1") -> Any:
    """Ingest a callback sample as WeCom posts it, the records it names fetched from ``events``."""
    raw = (SAMPLES / name).read_bytes()
    with replaying().use_cassette("events.yaml", allow_playback_repeats=True):
        return ingest_webhook(RecordedWeCom(SETTINGS), {"Content-Type": "text/xml"}, raw, store,
                              query=signed_query(raw, nonce))


# ---------------------------------------------------------------- token and envelope


def test_an_expired_token_is_fetched_again_and_the_call_sent_once_more(store: Store) -> None:
    report, cassette = replay_sync(store, "token_refresh", "departments")
    assert report.status == "succeeded" and cassette.all_played, report.streams[0].error
    assert cassette.play_count == 4  # token 1, the 42001 answer, token 2, the departments
    assert stored(store, "department", "4").name == "招聘组"


def test_the_token_is_fetched_once_for_a_whole_pass(store: Store) -> None:
    report, cassette = replay_sync(store, "users", "users")
    assert report.status == "succeeded" and cassette.all_played
    gettoken = [request for request in cassette.requests if request.path.endswith("/gettoken")]
    assert len(gettoken) == 1 and report.counters.pages == 3


def test_a_refused_call_is_a_permanent_error_with_the_vendors_code() -> None:
    connector = RecordedWeCom(SETTINGS)
    with replaying().use_cassette("errors.yaml"), connector.client() as http:
        with pytest.raises(PermanentConnectorError) as refused:
            http.get_json("/department/list")
    assert refused.value.context["vendor_code"] == "60011"
    assert "test-secret-not-real" not in str(refused.value)


def test_a_refused_secret_is_an_auth_error() -> None:
    connector = RecordedWeCom(SETTINGS)
    with replaying().use_cassette("refused_secret.yaml"), connector.client() as http:
        with pytest.raises(AuthError) as refused:
            http.get_json("/department/list")
    assert "test-secret-not-real" not in str(refused.value)


def test_a_member_listed_in_two_departments_is_fetched_once() -> None:
    connector = WeCom(SETTINGS)
    listed = [{"userid": "a", "department": 2}, {"userid": "b", "department": 2}, {"userid": "a", "department": 3}]
    assert connector.page_records(connector.stream("users"), listed) == listed[:2]
    with pytest.raises(MalformedPageError, match="names no userid"):
        connector.page_records(connector.stream("users"), [{"open_userid": "wo-1", "department": 2}])


def test_the_root_department_has_no_parent_and_the_others_theirs(store: Store) -> None:
    report, _ = replay_sync(store, "departments", "departments")
    assert report.counters.created == 4
    assert stored(store, "department", "1").parent is None
    parent = stored(store, "department", "4").parent
    assert parent is not None and (parent.system, parent.external_id) == ("wecom", "3")


def test_the_roster_fields_named_are_read_per_member(store: Store) -> None:
    with replaying().use_cassette("roster.yaml", allow_playback_repeats=False) as cassette:
        report = sync(RecordedWeCom({**SETTINGS, "roster_fields": ROSTER_FIELDS}), store, streams=["users"],
                      prefetch=False)
    assert report.status == "succeeded" and cassette.all_played, report.streams[0].error
    assert str(stored(store, "employee", "test.member1").hire_date) == "2024-07-01"
    assert stored(store, "employee", "test.member2").hire_date is None  # result 2: not readable by the app


def test_roster_fields_that_are_not_ids_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="roster_fields"):
        WeCom({**SETTINGS, "roster_fields": {"入职日期": "hire"}}).prepare_page(None, WeCom.stream("users"), [{}])


@given(st.lists(st.fixed_dictionaries({
    "fieldid": st.sampled_from([12018, 12024, 99999]), "sub_idx": st.integers(0, 2), "result": st.integers(1, 5),
    "value_type": st.integers(0, 7),
}, optional={"value_string": st.text(max_size=5), "value_uint64": st.integers(0, 2**40),
             "value_mobile": st.one_of(st.none(), st.fixed_dictionaries({"value_country_code": st.text(max_size=3),
                                                                        "value_mobile": st.text(max_size=8)}))}),
    max_size=6))
def test_roster_values_keeps_only_read_first_entries_of_named_fields(field_info: list[dict[str, Any]]) -> None:
    values = roster_values(field_info, {12018: "入职日期", 12024: "工号"})
    assert set(values) <= {"入职日期", "工号"}
    for label, value in values.items():
        fieldid = {"入职日期": 12018, "工号": 12024}[label]
        assert any(f["fieldid"] == fieldid and f["result"] == 1 and f["sub_idx"] == 0 for f in field_info)
        assert value not in (None, "") and not isinstance(value, (dict, list))


# ---------------------------------------------------------------- callbacks


def test_a_callback_decrypts_to_its_event() -> None:
    event = WeCom(SETTINGS).webhook_body((SAMPLES / "callback_create_user.xml").read_bytes())
    assert (event["Event"], event["ChangeType"], event["UserID"]) == ("change_contact", "create_user", "test.member6")


@pytest.mark.parametrize(("sample", "records"), [
    ("callback_create_user.xml", [("users", {"userid": "test.member6"})]),
    ("callback_update_party.xml", [("department_updates", {"id": "4"})]),
    ("callback_delete_user.xml", [("user_removals", {"userid": "test.member5", "deleted": True})]),
    ("callback_update_user_renamed.xml", [("user_removals", {"userid": "test.member6", "deleted": True}),
                                          ("users", {"userid": "test.member6b"})]),
    ("callback_delete_party.xml", [("department_removals", {"id": "4", "deleted": True})]),
    ("callback_update_tag.xml", []),
])
def test_each_contact_change_names_its_records(sample: str, records: list[Any]) -> None:
    raw = (SAMPLES / sample).read_bytes()
    assert WeCom(SETTINGS).parse_webhook({}, raw, query=signed_query(raw, "n1")).records == records


def test_a_created_member_is_fetched_and_stored_then_a_deletion_marks_it_deleted(store: Store) -> None:
    counters = receive(store, "callback_create_user.xml")
    assert (counters.records, counters.failed) == (1, 0)
    member = stored(store, "employee", "test.member6")
    assert member.title == "招聘专员" and member.manager is not None
    removal = callback(change("delete_user", UserID="test.member6"), b"\x09" * 16)
    ingest_webhook(RecordedWeCom(SETTINGS), {}, removal, store, query=signed_query(removal, "n2"))
    assert store.deleted_at("employee", store.find("wecom", "test.member6", "employee")) is not None


def test_an_updated_department_is_fetched_again(store: Store) -> None:
    replay_sync(store, "departments", "departments")
    receive(store, "callback_update_party.xml")
    assert stored(store, "department", "4").name == "招聘与配置组"
    receive(store, "callback_delete_party.xml")
    assert store.deleted_at("department", store.find("wecom", "4", "department")) is not None


def test_a_callback_signed_with_another_token_is_refused() -> None:
    raw = (SAMPLES / "callback_create_user.xml").read_bytes()
    query = signed_query(raw, "n1")
    other = RecordedWeCom({**SETTINGS, "callback_token": "another-token"})
    with pytest.raises(WebhookVerificationError) as refused:
        other.parse_webhook({}, raw, query=query)
    assert refused.value.http_status == 401


def test_a_callback_sealed_for_another_corp_is_refused() -> None:
    sealed = MsgCrypt(CALLBACK_TOKEN, ENCODING_AES_KEY, "ww-another-corp").encrypt("<xml/>", nonce="n", timestamp="1")
    raw = f"<xml><Encrypt><![CDATA[{sealed.encrypt}]]></Encrypt></xml>".encode()
    with pytest.raises(WebhookVerificationError, match="another receive id"):
        WeCom(SETTINGS).parse_webhook({}, raw, query=signed_query(raw, "n1"))


def test_xml_with_entities_is_refused_before_anything_is_expanded() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
    with pytest.raises(WebhookVerificationError, match="not well-formed XML without entities"):
        WeCom(SETTINGS).parse_webhook({}, bomb, query={"msg_signature": "x", "timestamp": "1", "nonce": "n"})


@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True),
                       st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
                       .map(str.strip).filter(lambda text: "]]>" not in text), max_size=6))
def test_xml_fields_reads_back_every_flat_event(fields: dict[str, str]) -> None:
    raw = "<xml>" + "".join(f"<{tag}><![CDATA[{text}]]></{tag}>" for tag, text in fields.items()) + "</xml>"
    assert xml_fields(raw.encode(), "wecom") == fields


@given(st.binary(max_size=200))
def test_xml_fields_refuses_any_bytes_with_a_typed_error_only(raw: bytes) -> None:
    try:
        xml_fields(raw, "wecom")
    except WebhookVerificationError:
        pass


# ---------------------------------------------------------------- the URL check


def test_the_url_check_is_answered_with_the_decrypted_echostr() -> None:
    sealed = MsgCrypt(CALLBACK_TOKEN, ENCODING_AES_KEY, CORPID).encrypt("7029840154612735093", nonce="n", timestamp="1")
    query = {"msg_signature": sealed.signature, "timestamp": "1", "nonce": "n", "echostr": sealed.encrypt}
    assert WeCom(SETTINGS).webhook_handshake(query) == "7029840154612735093"
    with pytest.raises(WebhookVerificationError):
        WeCom(SETTINGS).webhook_handshake({**query, "nonce": "other"})
    assert WeCom(SETTINGS).webhook_handshake({"msg_signature": "x"}) is None


# ---------------------------------------------------------------- messages

ROUTE = {"name": "offers-to-wecom", "entity": "offer", "target": "wecom", "when": [{"field": "status", "equals": "accepted"}]}
APP = {"message_channel": "app", "agentid": AGENT_ID, "touser": "test.member3|test.member6",
       "message_title": "Offer 状态更新"}
BOT = {"message_channel": "bot", "bot_key": BOT_KEY, "message_title": "Offer 状态更新"}


@pytest.fixture
def routed(store: Store) -> Store:
    attach_routes(store, HubConfig.model_validate({"routes": [ROUTE]}))
    return store


def accepted_offer(store: Store) -> str:
    """A candidate, a job, the application and its accepted offer, as an ATS sync stores them."""
    with store.transaction() as tx:
        store.upsert_many(tx, "moka", [Job(external_ids={"moka": "j1"}, title="招聘专员")])
        store.upsert_many(tx, "moka", [Candidate(external_ids={"moka": "c1"}, name="测试候选人一",
                                                 emails=["test.candidate1@example.com"])])
        store.upsert_many(tx, "moka", [Application(external_ids={"moka": "a1"}, status="offer",
                                                   candidate=Ref(system="moka", external_id="c1"),
                                                   job=Ref(system="moka", external_id="j1"))])
        offer = Offer(external_ids={"moka": "o1"}, status="accepted", start_date="2024-07-01",
                      application=Ref(system="moka", external_id="a1"), candidate=Ref(system="moka", external_id="c1"))
        [offer_id] = store.upsert_many(tx, "moka", [offer], origin="sync:moka").ids
    return offer_id


def deliver(store: Store, target: WeCom) -> Any:
    return DeliveryRunner(store, HubConfig.model_validate({"routes": [ROUTE]}), targets={"wecom": target}).run()


def test_an_accepted_offer_is_announced_once_by_an_application_message(routed: Store) -> None:
    offer_id = accepted_offer(routed)
    target = RecordedWeCom({**SETTINGS, **APP})
    with replaying().use_cassette("writes.yaml", allow_playback_repeats=False) as cassette:
        assert deliver(routed, target).counters == {"wecom": {"delivered": 1}}
        assert deliver(routed, target).counters == {}  # delivered: nothing is sent twice
    assert cassette.all_played
    # the body sent matched the recorded one (the wire matcher, hub ids read as <hub-id>): candidate and job read
    [body] = [json.loads(request.body) for request in cassette.requests if request.path.endswith("/message/send")]
    assert body["markdown"]["content"] == MESSAGE
    assert "wecom" not in routed.get("offer", offer_id).external_ids  # a message is no record: nothing linked
    candidate = routed.find("moka", "c1", "candidate")
    assert [e["actor"] for e in routed.audit_entries(candidate) if e["action"] == "read_pii"] == ["target:wecom"]


def test_a_group_bot_message_carries_no_token_and_a_throttled_send_is_retried(routed: Store) -> None:
    accepted_offer(routed)
    with replaying().use_cassette("bot.yaml", allow_playback_repeats=False) as cassette:
        assert deliver(routed, RecordedWeCom({**SETTINGS, **BOT})).counters == {"wecom": {"delivered": 1}}
    # no gettoken, no access_token on the URL (the wire matcher compares the query): the key is the credential
    assert cassette.all_played and cassette.play_count == 2


def test_markdown_in_a_value_is_written_plain() -> None:
    content = markdown_message("**Offer**", {"职位": "C++ <b>_lead_</b> [1]"}, "k")
    assert "> 职位：C++ ＜b＞＿lead＿＜/b＞ ［1］" in content and content.startswith("**＊＊Offer＊＊**")


def plain_delivery(**payload: Any) -> Delivery:
    return Delivery(route="offers-to-wecom", kind="offer", entity_id="o-1", version=1,
                    payload={"状态": "已接受", **payload}, external_id=None)


@pytest.mark.parametrize(("settings", "why"), [
    ({}, "message_channel"),
    ({"message_channel": "app", "touser": "u"}, "agentid"),
    ({"message_channel": "app", "agentid": 1}, "recipient"),
    ({"message_channel": "app", "agentid": "app-1", "touser": "u"}, "agentid"),
    ({"message_channel": "app", "agentid": 1, "touser": "u", "duplicate_check_interval": 86400}, "duplicate_check_interval"),
    ({"message_channel": "bot"}, "bot_key"),
])
def test_a_target_not_set_up_refuses_before_sending(settings: dict[str, Any], why: str) -> None:
    refused = RecordedWeCom({**SETTINGS, **settings}).refusal(plain_delivery())
    assert isinstance(refused, PermanentConnectorError) and why in refused.reason
    assert (refused.context.get("entity"), refused.context.get("record_id")) == ("offer", "o-1")


def test_a_message_over_the_size_limit_is_refused() -> None:
    refused = RecordedWeCom({**SETTINGS, **APP}).refusal(plain_delivery(入职日期="长" * 700))
    assert refused is not None and "2048 bytes" in refused.reason
