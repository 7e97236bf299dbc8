"""`hub records find|show` and `hub outbox show` through the real CLI, on a SQLite store written by the store API."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.core.crypto import KeyRing
from hub.core.store import NewEntry, Outbox, Store
from tests.store.conftest import assessment, candidate, national_id

PHONE = "+8613800138000"  # as the mapping stores "+86 138 0013 8000" (the phone transform's E.164)


@pytest.fixture
def env(tmp_path, keyring: KeyRing) -> dict[str, str]:
    return {"HUB_KEYS": keyring.to_json(), "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
            "HUB_CONFIG": str(tmp_path / "hub.yaml")}


@pytest.fixture
def stored(env, keyring) -> dict[str, str]:
    """Two candidates (one with PHONE) and an assessment of the first, as a sync writes them."""
    store = Store.open(env["HUB_DATABASE_URL"], keyring)
    store.upgrade()
    with store.transaction() as tx:
        first, second = store.upsert_many(tx, "beisen", [candidate(1, phones=[PHONE]), candidate(2)]).ids
        [scored] = store.upsert_many(tx, "beisen", [assessment(1)]).ids
    store.close()
    return {"first": first, "second": second, "assessment": scored}


def hub(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_find_by_a_phone_written_differently_prints_ids_and_masked_fields(env, stored):
    for written in ("13800138000", "+86 138 0013 8000", "(+86) 138-0013-8000"):
        done = hub(env, "records", "find", "--phone", written)
        assert done.exit_code == 0, done.output
        assert stored["first"] in done.stdout and stored["second"] not in done.stdout
        assert "beisen:c1" in done.stdout and "**********8000" in done.stdout
        assert "王1芳" not in done.stdout and national_id(1) not in done.stdout and PHONE not in done.stdout


def test_find_by_national_id_email_and_external_id(env, stored):
    spaced_id = " ".join((national_id(2)[:6], national_id(2)[6:14], national_id(2)[14:].lower()))
    [by_id] = json.loads(hub(env, "records", "find", "--national-id", spaced_id, "--json").stdout)
    assert by_id == {"id": stored["second"], "kind": "candidate", "external_ids": {"beisen": "c2"}, "erased": False,
                     "deleted": False, "fields": {"name": "***", "national_id": "**************" + national_id(2)[-4:],
                                                  "phones": "[**********0002]", "emails": "[*****************e.cn]"}}
    [by_email] = json.loads(hub(env, "records", "find", "--email", "Wang.Fang1@EXAMPLE.cn", "--json").stdout)
    assert by_email["id"] == stored["first"]

    both = json.loads(hub(env, "records", "find", "--external-id", "beisen:c1", "--json").stdout)
    assert [r["id"] for r in both] == [stored["first"]]  # the assessment is beisen:a1
    [scored] = json.loads(hub(env, "records", "find", "--external-id", "beisen:a1", "--kind", "assessment", "--json").stdout)
    assert scored == {"id": stored["assessment"], "kind": "assessment", "external_ids": {"beisen": "a1"},
                      "erased": False, "deleted": False, "fields": {}}


def test_find_with_no_match_says_so_and_exits_1(env, stored):
    done = hub(env, "records", "find", "--phone", "13900139000")
    assert (done.exit_code, done.stdout, done.stderr) == (1, "", "no records match --phone\n")
    narrowed = hub(env, "records", "find", "--phone", PHONE, "--kind", "employee", "--json")
    assert (narrowed.exit_code, json.loads(narrowed.stdout)) == (1, [])


@pytest.mark.parametrize(("args", "message"), [
    ((), "give exactly one of --phone, --national-id, --email, --external-id"),
    (("--phone", PHONE, "--email", "a@example.cn"), "give exactly one of"),
    (("--phone", "12345"), "Invalid value for --phone: not a valid phone number for its country (region CN): *****"),
    (("--national-id", "110105194912310021"), "Invalid value for --national-id: not a valid resident ID: the check"),
    (("--external-id", "c1"), "Invalid value for --external-id: expected SYSTEM:ID"),
])
def test_find_refuses_bad_or_missing_options_with_exit_2(env, stored, args, message):
    done = hub(env, "records", "find", *args)
    assert done.exit_code == 2 and message in done.stderr, done.output
    assert "110105194912310021" not in done.stderr


def test_show_masks_unless_show_pii_and_audits_the_plaintext_read(env, stored, keyring):
    masked = hub(env, "records", "show", stored["first"])
    assert masked.exit_code == 0, masked.output
    assert "kind: candidate" in masked.stdout and "phones: [**********8000]" in masked.stdout
    assert PHONE not in masked.stdout and "王1芳" not in masked.stdout and "62220212" not in masked.stdout

    plain = json.loads(hub(env, "records", "show", stored["first"], "--show-pii", "--actor", "dpo", "--json").stdout)
    assert plain["fields"]["phones"] == [PHONE] and plain["fields"]["name"] == "王1芳"
    assert plain["external_ids"] == {"beisen": "c1"}

    store = Store.open(env["HUB_DATABASE_URL"], keyring)
    [entry] = store.audit_entries(stored["first"])
    store.close()
    assert (entry["actor"], entry["action"]) == ("dpo", "read_pii")  # the masked show left no entry
    assert entry["detail"] == {"kind": "candidate",
                               "fields": ["emails", "name", "national_id", "phones", "remote_data"]}


def test_show_of_an_unknown_id_exits_1(env, stored):
    done = hub(env, "records", "show", "no-such-id", "--show-pii")
    assert (done.exit_code, done.stderr) == (1, "error: no record with hub id 'no-such-id'\n")


def test_outbox_show_names_the_entity_and_its_external_ids(env, stored, keyring):
    store = Store.open(env["HUB_DATABASE_URL"], keyring)
    with store.transaction() as tx:
        Outbox.enqueue(tx, [NewEntry(route="scores-to-ats", target="ats", entity_id=stored["assessment"], version=1)])
    store.close()
    done = hub(env, "outbox", "show", "1")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["entity"] == {"kind": "assessment", "id": stored["assessment"],
                                                 "external_ids": {"beisen": "a1"}, "erased": False, "deleted": False}


def test_find_then_erase_without_opening_the_database(env, stored):
    [found] = json.loads(hub(env, "records", "find", "--phone", "13800138000", "--json").stdout)
    assert hub(env, "erase", "--candidate", found["id"], "--actor", "dpo").exit_code == 0
    assert hub(env, "records", "find", "--phone", "13800138000").exit_code == 1  # its blind indexes are gone
    [erased] = json.loads(hub(env, "records", "find", "--external-id", "beisen:c1", "--json").stdout)
    assert (erased["id"], erased["erased"], erased["fields"]) == (found["id"], True, {})
    assert "erased: true" in hub(env, "records", "show", found["id"]).stdout
