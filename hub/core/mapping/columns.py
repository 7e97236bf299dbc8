"""The export headers the hub recognizes, in Chinese and English, and what each column holds.

Legacy HR exports name the same few columns in a few ways (姓名 / Name, 手机号 / Mobile, 总分 /
综合得分 / Overall Score). One vocabulary serves two jobs: ``hub mapping new`` writes a rule for each
column it recognizes (:mod:`hub.core.mapping.starter`), and the compiler refuses an id read from a
column that holds a person's data (:mod:`hub.core.mapping.identifiers`), even when no rule of the
mapping sends that column into a PII field. Headers are compared folded: case, spaces, underscores,
hyphens and other punctuation do not count (``E-mail``, ``email``, ``Email Address`` all match).

Example:
    >>> recognize("手机号").target, recognize(" Mobile Phone ").pii
    ('phones', True)
    >>> recognize("综合得分").steps
    '[{score: {scale: zero_to_100}}]'
    >>> recognize("沟通能力").dimension, recognize("Logical Thinking").dimension
    ('communication', 'logical_thinking')
    >>> recognize("备用字段3") is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "RECORD_ID", "DIMENSION", "VOCABULARY", "recognize", "is_pii_column"]

#: The role of a column holding the record's own id (no canonical field: the mapping's ``record_id``).
RECORD_ID = "record_id"
#: The target of the dimension-score columns, gathered into one list of dimension scores.
DIMENSION = "dimensions"


@dataclass(frozen=True)
class Column:
    """What a recognized column holds.

    Args:
        entity: the canonical kind whose mapping reads it (``""`` for the record id, read by all).
        target: the canonical field it fills (:data:`RECORD_ID`, or :data:`DIMENSION` for a score column).
        steps: the rule's ``steps`` as YAML flow text (``""``: none).
        pii: it holds a person's data (identity, contact, free text about them): never an identifier.
        required: a record of ``entity`` is nothing without it (a job's title, an application's status).
        dimension: the canonical dimension key of a dimension-score column.

    Example:
        >>> Column("candidate", "emails", "[email]", pii=True).pii
        True
    """

    entity: str
    target: str
    steps: str = ""
    pii: bool = False
    required: bool = False
    dimension: str = ""


_ID = Column("", RECORD_ID)
_NAME = Column("candidate", "name", pii=True)
_PHONE = Column("candidate", "phones", "[{phone: {region: CN}}]", pii=True)
_NATIONAL_ID = Column("candidate", "national_id", "[cn_resident_id]", pii=True)
_EMAIL = Column("candidate", "emails", "[email]", pii=True)
_JOB = Column("job", "title", required=True)
_DEPARTMENT = Column("job", "department")
_INTERVIEWED_AT = Column("assessment", "completed_at", "[{datetime: {excel: true}}]")
_OVERALL = Column("assessment", "overall", "[{score: {scale: zero_to_100}}]")
_STATUS = Column("application", "status", "[strip, {lookup: {table: status}}]", required=True)
_RECOMMENDATION = Column("assessment", "recommendation", "[recommendation]")
_COMMENTS = Column("assessment", "comments", pii=True)


def _dimension(key: str) -> Column:
    return Column("assessment", DIMENSION, "[{score: {scale: one_to_5}}]", dimension=key)


#: Every recognized column and the headers that name it.
VOCABULARY: dict[Column, tuple[str, ...]] = {
    _ID: ("候选人编号", "候选人ID", "编号", "ID", "Candidate ID", "Record ID", "Applicant ID"),
    _NAME: ("姓名", "名字", "候选人姓名", "Name", "Full Name", "Candidate Name"),
    _PHONE: ("手机号", "手机", "手机号码", "电话", "联系电话", "Phone", "Mobile", "Mobile Phone", "Phone Number"),
    _NATIONAL_ID: ("身份证号", "身份证", "身份证号码", "National ID", "Resident ID", "ID Number", "ID Card"),
    _EMAIL: ("邮箱", "电子邮箱", "邮件", "Email", "E-mail", "Email Address"),
    _JOB: ("应聘岗位", "岗位", "职位", "Position", "Job", "Job Title", "Applied Position"),
    _DEPARTMENT: ("部门", "所属部门", "Department", "Dept"),
    _INTERVIEWED_AT: ("面试时间", "面试日期", "Interview Time", "Interview Date", "Interviewed At"),
    _OVERALL: ("总分", "综合得分", "总成绩", "Overall", "Overall Score", "Total Score", "Score"),
    _STATUS: ("面试结论", "状态", "结论", "Status", "Result", "Conclusion"),
    _RECOMMENDATION: ("推荐意见", "推荐结论", "Recommendation"),
    _COMMENTS: ("面试官评语", "评语", "综合评语", "Comments", "Interviewer Comments", "Feedback"),
    _dimension("communication"): ("沟通能力", "沟通", "Communication", "Communication Skills"),
    _dimension("logical_thinking"): ("逻辑思维", "逻辑能力", "Logical Thinking", "Logic"),
    _dimension("stress_resilience"): ("抗压能力", "Stress Resilience", "Stress Tolerance"),
    _dimension("domain_knowledge"): ("专业知识", "专业技能", "Domain Knowledge", "Professional Skills"),
    _dimension("learning_ability"): ("学习能力", "Learning Ability"),
    _dimension("teamwork"): ("团队协作", "团队合作", "Teamwork"),
}


def _fold(header: str) -> str:
    """A header as compared: letters and digits only, case folded (CJK characters are letters)."""
    return "".join(char for char in header.casefold() if char.isalnum())


_BY_FOLDED: dict[str, Column] = {_fold(header): column for column, headers in VOCABULARY.items() for header in headers}


def recognize(header: str) -> Column | None:
    """The column ``header`` names, or None when the vocabulary does not know it."""
    return _BY_FOLDED.get(_fold(header))


def is_pii_column(header: str) -> bool:
    """True when ``header`` names a column of a person's data (姓名, 手机号, 身份证号, 邮箱, 评语...)."""
    column = recognize(header)
    return column is not None and column.pii
