"""Issue 31, point 1: an erasure reaches what names the person through another record, and free text.

An assessment or offer may reference only the application, not the candidate; interviewer comments,
strengths, improvements and feedback text name the person. After the erasure none of it is left,
in the entities or in the bytes of the SQLite file and its WAL.
"""

from __future__ import annotations

from pathlib import Path

from hub.core.crypto import KeyRing
from hub.core.models import Application, Assessment, Feedback, Offer, Ref
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

    assert report.entities == 5
    assessment = store.get("assessment", ids["assessment"])
    assert (assessment.comments, assessment.strengths, assessment.improvements) == (None, [], [])
    assert assessment.vendor == "beisen" and assessment.application.id == ids["application"]  # the skeleton stays
    assert store.get("offer", ids["offer"]).salary_raw is None
    assert store.get("feedback", ids["feedback"]).text is None
    for path in tmp_path.glob("hub.db*"):
        assert NAME.encode() not in path.read_bytes(), path.name
    store.close()
