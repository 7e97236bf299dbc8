"""Issue 31, point 1: an erasure reaches what names the person through another record, and free text.

An assessment or offer may reference only the application, not the candidate; interviewer comments,
strengths, improvements and feedback text name the person. After the erasure none of it is left,
in the entities or in the bytes of the SQLite file and its WAL.
"""

from __future__ import annotations

from pathlib import Path

from hub.core.crypto import HUB_IDS, KeyRing
from hub.core.letter_keys import letter_keys
from hub.core.models import Application, Assessment, Feedback, Interview, Offer, Ref
from hub.core.store import Store
from tests.store.conftest import FETCHED, candidate

NAME = candidate(1).name


def ref(external_id: str) -> Ref:
    return Ref(system="beisen", external_id=external_id)


def records() -> list:
    common = {"provenance": {"system": "beisen", "fetched_at": FETCHED}}
    return [
        candidate(1),
        Application(external_ids={"beisen": "ap1"}, candidate=ref("c1"), status="ai_interview_completed", **common),
        Assessment(external_ids={"beisen": "as1"}, application=ref("ap1"), vendor="beisen", comments=f"{NAME}表达清晰",
                   strengths=[f"{NAME}逻辑性强"], improvements=[f"{NAME}需更自信"], **common),  # fmt: skip
        Offer(external_ids={"beisen": "of1"}, application=ref("ap1"), status="sent", salary_raw="月薪三万", **common),
        Feedback(external_ids={"beisen": "fb1"}, candidate=ref("c1"), assessment=ref("as1"), text=f"{NAME}，您好", **common),
        Interview(external_ids={"beisen": "iv1"}, application=ref("ap1"), interviewers=["面试官甲"],
                  notes=f"{NAME}的简历见附件", **common),
    ]


def test_erasure_reaches_records_through_the_application_and_their_free_text(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    store = Store.open(f"sqlite:///{db}", KeyRing.generate())
    store.upgrade()
    ids = {}
    for record in records():  # one kind at a time: references resolve to what is already stored
        with store.transaction() as tx:
            [ids[record.kind]] = store.upsert_many(tx, "beisen", [record]).ids
    assert store.get("assessment", ids["assessment"]).comments == f"{NAME}表达清晰"

    report = store.erase_candidate(ids["candidate"], "dpo")

    assert report.entities == 6
    assessment = store.get("assessment", ids["assessment"])
    assert (assessment.comments, assessment.strengths, assessment.improvements) == (None, [], [])
    assert assessment.vendor == "beisen" and assessment.application.id == ids["application"]  # the skeleton stays
    assert store.get("offer", ids["offer"]).salary_raw is None
    assert store.get("feedback", ids["feedback"]).text is None
    interview = store.get("interview", ids["interview"])  # reached through the application, like the offer
    assert (interview.notes, interview.interviewers, interview.application.id) == (None, [], ids["application"])
    for path in tmp_path.glob("hub.db*"):
        assert NAME.encode() not in path.read_bytes(), path.name
    store.close()


def test_erasure_finds_dead_letters_by_the_values_and_records_they_name(store: Store) -> None:
    with store.transaction() as tx:
        [cid, other] = store.upsert_many(tx, "beisen", [candidate(1), candidate(2)]).ids
        person, someone = candidate(1), candidate(2)
        phone_as_typed = f"{person.phones[0][3:6]}-{person.phones[0][6:10]}-{person.phones[0][10:]}"
        named = {
            "held back under another id": {"record_ref": "c99", "payload": {"tel": phone_as_typed}},
            "a number cell": {"record_ref": "row:7", "payload": {"cells": [int(person.phones[0][3:])]}},
            "a delivery of theirs": {"record_ref": "delivery:1", "payload": {"n": person.name},
                                     "keys": letter_keys(store.keyring, {"n": person.name}, [(HUB_IDS, cid)])},
        }  # fmt: skip
        letters = {
            label: store.add_dead_letter(tx, system="beisen", error={"code": "x"}, payload=letter["payload"],
                                         record_ref=letter["record_ref"],
                                         keys=letter.get("keys") or letter_keys(store.keyring, letter["payload"]))
            for label, letter in named.items()
        }  # fmt: skip
        unrelated = store.add_dead_letter(tx, system="beisen", error={"code": "x"}, record_ref="c98",
                                          payload={"id": someone.national_id},
                                          keys=letter_keys(store.keyring, {"id": someone.national_id}))  # fmt: skip

    assert store.erase_candidate(cid, "dpo", dry_run=True).dead_letters == 3
    store.erase_candidate(cid, "dpo")

    assert {label: store.dead_letter(i, reader="dpo").payload for label, i in letters.items()} == dict.fromkeys(named)
    assert store.dead_letter(unrelated, reader="dpo").payload == {"id": someone.national_id}
    assert store.get("candidate", other).national_id == someone.national_id
    reads = [entry["detail"]["dead_letter"] for entry in store.audit_entries() if entry["action"] == "read_dead_letter_payload"]
    assert sorted(reads) == sorted([*letters.values(), unrelated])
