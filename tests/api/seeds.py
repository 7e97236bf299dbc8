"""Records for the API tests: two departments, two jobs, two interviewers, two candidates, two employees
with a payslip each, and for each candidate an application, an interview, an assessment, feedback and an
offer — one side in 销售部 (Sales, interviewer 王面试, candidate A), the other in 研发部 (R&D, interviewer
赵面试, candidate B).

Every PII value is long and distinctive, so a test can look for it in a raw response text: masking
keeps at most the last four characters, never the whole value.
"""

from __future__ import annotations

import datetime as dt

from hub.core.models import (Application, Assessment, Candidate, Department, Employee, Entity, Feedback, Interview, Job,
                             Money, Offer, Payslip, Provenance, Ref)
from hub.core.store import Store

__all__ = ["SYSTEM", "PII_VALUES", "seed"]

SYSTEM = "ats"
_FETCHED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

#: Every PII value seeded; none may appear in an answer to a token without pii:read.
PII_VALUES = {
    "cand-a": ["张三丰-候选人甲", "+8613800138001", "zhang.sanfeng.a@example.com"],
    "cand-b": ["李四光-候选人乙", "+8613900139002", "li.siguang.b@example.com"],
    "emp-a": ["钱学森-员工甲", "+8613700137003"],
    "emp-b": ["孙思邈-员工乙", "+8613600136004"],
    "iv-a": ["面试官王面试甲方面板"],
    "iv-b": ["面试官赵面试乙方面板"],
    "as-a": ["沟通清晰，逻辑严谨，甲方评语"],
    "as-b": ["技术扎实，表达欠佳，乙方评语"],
    "fb-a": ["感谢参加面试，甲的反馈全文"],
    "fb-b": ["感谢参加面试，乙的反馈全文"],
    "of-a": ["月薪三万五千元整甲"],
    "of-b": ["月薪四万二千元整乙"],
    "pay-a": ["31415.92"],
    "pay-b": ["27182.81"],
}


def _ref(external_id: str) -> Ref:
    return Ref(system=SYSTEM, external_id=external_id)


def _records() -> list[Entity]:
    records: list[Entity] = [Department(external_ids={SYSTEM: "dep-a"}, name="销售部"),
                             Department(external_ids={SYSTEM: "dep-b"}, name="研发部")]
    for side, department, interviewer in (("a", "销售部", "王面试"), ("b", "研发部", "赵面试")):
        name, phone, email = PII_VALUES[f"cand-{side}"]
        employee_name, employee_phone = PII_VALUES[f"emp-{side}"]
        records += [
            Job(external_ids={SYSTEM: f"job-{side}"}, title=f"岗位{side}", department=department, status="open"),
            Candidate(external_ids={SYSTEM: f"cand-{side}"}, name=name, phones=[phone], emails=[email]),
            Employee(external_ids={SYSTEM: f"emp-{side}"}, name=employee_name, phones=[employee_phone],
                     department=department, employee_number=f"E-{side}"),
            Application(external_ids={SYSTEM: f"app-{side}"}, candidate=_ref(f"cand-{side}"), job=_ref(f"job-{side}"),
                        status="interviewing"),
            Interview(external_ids={SYSTEM: f"iv-{side}"}, application=_ref(f"app-{side}"), candidate=_ref(f"cand-{side}"),
                      title="On-site", status="scheduled", interviewers=PII_VALUES[f"iv-{side}"]),
            Assessment(external_ids={SYSTEM: f"as-{side}"}, vendor="beisen", candidate=_ref(f"cand-{side}"),
                       application=_ref(f"app-{side}"), job=_ref(f"job-{side}"), interviewer=interviewer,
                       comments=PII_VALUES[f"as-{side}"][0]),
            Feedback(external_ids={SYSTEM: f"fb-{side}"}, candidate=_ref(f"cand-{side}"), application=_ref(f"app-{side}"),
                     text=PII_VALUES[f"fb-{side}"][0]),
            Offer(external_ids={SYSTEM: f"of-{side}"}, application=_ref(f"app-{side}"), candidate=_ref(f"cand-{side}"),
                  status="sent", salary_raw=PII_VALUES[f"of-{side}"][0]),
            Payslip(external_ids={SYSTEM: f"pay-{side}"}, employee=_ref(f"emp-{side}"), payroll_id="run-2026-01",
                    pay_period_start=dt.date(2026, 1, 1), pay_period_end=dt.date(2026, 1, 31),
                    check_date=dt.date(2026, 2, 5),
                    gross_pay=Money(amount=PII_VALUES[f"pay-{side}"][0], currency="CNY")),
        ]
    for record in records:
        record.provenance = Provenance(system=SYSTEM, fetched_at=_FETCHED)
    return records


def seed(store: Store) -> dict[str, str]:
    """Store the records; returns each one's label (``cand-a``, ``of-b``, ...) → its hub id."""
    with store.transaction() as tx:
        store.upsert_many(tx, SYSTEM, _records())
    labels = {}
    for record in _records():
        (found,) = store.records_by_external_id(SYSTEM, record.external_ids[SYSTEM], kind=record.kind)
        labels[record.external_ids[SYSTEM]] = found.id
    return labels
