"""A small hiring world for the read API's tests: two departments' jobs, their candidates,
applications, assessments (two interviewers), feedback, an offer and an employee, stored through the
store's own upsert as a sync would, under the system ``ats``.

Example:
    >>> sorted(PEOPLE)
    ['C1', 'C2']
"""

from __future__ import annotations

from typing import Any

from hub.core.models import Application, Assessment, Candidate, Employee, Feedback, Job, Offer, Ref
from hub.core.store import Store

#: The two people: phone, email and resident ID as the record path stores them.
PEOPLE = {
    "C1": {"name": "王芳", "phones": ["+8613800138000"], "emails": ["wang.fang@example.com"], "national_id": "11010519491231002X"},
    "C2": {"name": "李娜", "phones": ["+8613900139000"], "emails": ["li.na@example.com"]},
}
SALES, RND = "销售部", "研发部"


def _ref(external_id: str) -> Ref:
    return Ref(system="ats", external_id=external_id)


def seed(store: Store, system: str = "ats") -> dict[str, str]:
    """Store the world; returns ``{external id: hub id}`` (J1, J2, C1, C2, A1, A2, S1, S2, F1, F2, O1, E1)."""
    waves: list[list[Any]] = [
        [Job(external_ids={system: "J1"}, title="销售经理", department=SALES, status="open"),
         Job(external_ids={system: "J2"}, title="后端工程师", department=RND, status="closed")]
        + [Candidate(external_ids={system: key}, **person) for key, person in PEOPLE.items()]
        + [Employee(external_ids={system: "E1"}, name="赵敏", department=SALES, phones=["+8613700137000"])],
        [Application(external_ids={system: "A1"}, candidate=_ref("C1"), job=_ref("J1"), status="interviewing"),
         Application(external_ids={system: "A2"}, candidate=_ref("C2"), job=_ref("J2"), status="hired")],
        [Assessment(external_ids={system: "S1"}, vendor="beisen", candidate=_ref("C1"), application=_ref("A1"),
                    interviewer="张伟", comments="沟通清晰"),
         Assessment(external_ids={system: "S2"}, vendor="beisen", candidate=_ref("C2"), application=_ref("A2"),
                    job=_ref("J2"), interviewer="李强"),
         Feedback(external_ids={system: "F1"}, candidate=_ref("C1"), application=_ref("A1"), text="感谢参加面试"),
         Feedback(external_ids={system: "F2"}, candidate=_ref("C2"), application=_ref("A2"), text="欢迎加入"),
         Offer(external_ids={system: "O1"}, application=_ref("A2"), candidate=_ref("C2"), status="sent")],
    ]
    for wave in waves:
        with store.transaction() as tx:
            store.upsert_many(tx, system, wave)
    return {key: store.find(system, key) for wave in waves for entity in wave for key in entity.external_ids.values()}  # type: ignore[misc]
