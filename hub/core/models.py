"""The canonical model: the contract every connector maps to and every consumer reads.

Every entity carries ``id`` (the hub's own, set by the store), ``external_ids`` ({system: id}),
``provenance`` (where and when it was fetched) and ``remote_data`` (the raw vendor payload, encrypted
at rest) so nothing a vendor sent is ever lost.

PII is marked *in the model*, with ``Annotated[..., PII]``, so the store (encryption), logs and errors
(masking) and the API (redaction) find it from one place: :func:`pii_fields`.

Scores keep the value exactly as sent plus the :class:`Scale` it was sent on and expose a normalized
0–100 value; money is always ``Decimal`` plus an ISO 4217 code, never a float.

Example:
    >>> s = Score(value="4", scale=Scale.numeric(1, 5))
    >>> s.normalized
    Decimal('75.00')
    >>> Money(amount=0.1, currency="cny").amount, Money(amount=0.1, currency="cny").currency
    (Decimal('0.1'), 'CNY')
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, GetCoreSchemaHandler, field_validator, model_validator
from pydantic_core import CoreSchema, core_schema

from hub.core.errors import ModelValidationError, mask

__all__ = [
    "PII",
    "masked",
    "pii_fields",
    "references",
    "Provenance",
    "Ref",
    "Entity",
    "Scale",
    "CanonicalEnum",
    "ScaleKind",
    "ZERO_TO_10",
    "ZERO_TO_100",
    "ONE_TO_5",
    "LETTER_A_E",
    "RECOMMENDATION_EN",
    "RECOMMENDATION_ZH",
    "YES_NO",
    "Score",
    "RecommendationLevel",
    "Recommendation",
    "Money",
    "MoneyRange",
    "PayPeriod",
    "Allowance",
    "Compensation",
    "Person",
    "Candidate",
    "Department",
    "Competency",
    "Job",
    "ApplicationStatus",
    "StageChange",
    "Application",
    "InterviewStatus",
    "Interview",
    "AssessmentKind",
    "DimensionScore",
    "Assessment",
    "Feedback",
    "OfferStatus",
    "Offer",
    "EmploymentStatus",
    "Employee",
    "Payslip",
    "ENTITY_TYPES",
    "validate_entity",
]


class _PiiMarker:
    """Annotated metadata that marks a field as personal data (encrypted at rest, masked in output)."""

    def __repr__(self) -> str:
        return "PII"


PII = _PiiMarker()


def pii_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of ``model`` marked ``Annotated[..., PII]``.

    Example:
        >>> sorted(pii_fields(Employee))
        ['bank_account', 'birth_date', 'compensation', 'emails', 'name', 'national_id', 'phones', 'remote_data']
    """
    return frozenset(name for name, info in model.model_fields.items() if PII in info.metadata)


#: Which entity kind a reference field points at, where the field is not named after its kind.
_REF_KINDS = {"manager": "employee", "parent": "department"}


def references(model: type[BaseModel]) -> dict[str, str]:
    """The reference fields of ``model`` (typed :class:`Ref`) and the entity kind each points at.

    Example:
        >>> references(Offer), references(Department)
        ({'application': 'application', 'candidate': 'candidate'}, {'parent': 'department'})
    """
    return {name: _REF_KINDS.get(name, name) for name, info in model.model_fields.items()
            if info.annotation is Ref or Ref in typing.get_args(info.annotation)}  # fmt: skip


def masked(entity: BaseModel) -> dict[str, Any]:
    """The entity as JSON data, None values and empty PII fields left out, every other PII value masked
    (:func:`~hub.core.errors.mask`): what operator output may show without an audited plaintext read.

    Example:
        >>> masked(Candidate(id="c-1", name="王芳", phones=["+8613800138000"]))
        {'id': 'c-1', 'external_ids': {}, 'name': '**', 'phones': '[**********8000]', 'tags': []}
    """
    hidden = pii_fields(type(entity))
    data = entity.model_dump(mode="json", exclude_none=True)
    return {name: mask(value) if name in hidden else value for name, value in data.items()
            if name not in hidden or value not in ([], {})}


class CanonicalEnum(StrEnum):
    """Base of the canonical model's enums: a ``StrEnum`` that pydantic dumps as the string it is.

    Why: pydantic-core dumps an enum member by calling back into Python for its ``.value``
    (~0.1 µs a member); every assessment holds eight (its kind, and each score's scale kind), and
    every record is dumped at least once to decide whether it changed. A ``StrEnum`` member *is* its
    value as a string, so pydantic-core's own string serializer writes it directly, with the same
    output: JSON gets the value, Python-mode dumps keep the member. Validation is untouched.

    Example:
        >>> Score(value="B", scale=LETTER_A_E).model_dump_json()[:39]
        '{"value":"B","scale":{"kind":"ordinal",'
        >>> Scale.numeric(0, 10).model_dump()["kind"]
        <ScaleKind.NUMERIC: 'numeric'>
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        schema["serialization"] = core_schema.simple_ser_schema("str")
        return schema


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False, str_strip_whitespace=True)


# ---------------------------------------------------------------------------------------------------
# Provenance and references
# ---------------------------------------------------------------------------------------------------


class Provenance(_Model):
    """Where a record came from: the system, when it was fetched and the hash of the raw payload."""

    system: str
    stream: str | None = None
    fetched_at: AwareDatetime
    raw_hash: str | None = None


class Ref(_Model):
    """A reference to another entity: the hub id once resolved, or the (system, external id) it had.

    Example:
        >>> Ref(system="greenhouse", external_id="123")
        Ref(id=None, system='greenhouse', external_id='123')
    """

    id: str | None = None
    system: str | None = None
    external_id: str | None = None

    @model_validator(mode="after")
    def _resolvable(self) -> Ref:
        if self.id is None and not (self.system and self.external_id):
            raise ValueError("a reference needs either the hub id or both system and external_id")
        return self


class Entity(_Model):
    """Fields every canonical entity carries.

    ``remote_updated_at`` is the source's own time of this version (its ``updated_at``), when it
    sends one. The store keeps it with the source's external id and refuses an older version than
    the one it holds (a replayed or late webhook). It says when the *source* changed the record, not
    what the record is, so it is left out of every dump: not stored in the entity, not hashed.
    """

    kind: ClassVar[str] = "entity"

    id: str | None = None
    external_ids: dict[str, str] = Field(default_factory=dict)
    provenance: Provenance | None = None
    remote_data: Annotated[dict[str, Any] | None, PII] = None
    remote_updated_at: AwareDatetime | None = Field(default=None, exclude=True)


# ---------------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------------


class ScaleKind(CanonicalEnum):
    NUMERIC = "numeric"
    ORDINAL = "ordinal"  # ordered labels: letter grades, recommendation words, yes/no


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class Scale(_Model):
    """The scale a score was sent on.

    A numeric scale has ``low`` and ``high`` (inclusive); an ordinal scale has ``labels`` ordered from
    worst to best, each mapped evenly onto 0–100. Labels compare case-insensitively.

    Example:
        >>> Scale.letters("ABCDE").normalize("B")
        Decimal('75.00')
        >>> RECOMMENDATION_ZH.normalize("待定")
        Decimal('33.33')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ScaleKind
    low: Decimal | None = None
    high: Decimal | None = None
    labels: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        if self.kind is ScaleKind.NUMERIC:
            if self.low is None or self.high is None or self.low >= self.high:
                raise ValueError("a numeric scale needs low < high")
        elif len(self.labels) < 2 or len({label.casefold() for label in self.labels}) != len(self.labels):
            raise ValueError("an ordinal scale needs at least two distinct labels, worst first")
        return self

    @classmethod
    def numeric(cls, low: float | int | str | Decimal, high: float | int | str | Decimal) -> Scale:
        return cls(kind=ScaleKind.NUMERIC, low=Decimal(str(low)), high=Decimal(str(high)))

    @classmethod
    def ordinal(cls, labels_worst_first: tuple[str, ...] | list[str]) -> Scale:
        return cls(kind=ScaleKind.ORDINAL, labels=tuple(labels_worst_first))

    @classmethod
    def letters(cls, best_first: str | tuple[str, ...] = "ABCDE") -> Scale:
        """Letter grades given best first, as people write them ("ABCDE")."""
        return cls.ordinal(tuple(reversed(tuple(best_first))))

    def position(self, value: str) -> int:
        """Index of an ordinal label, worst = 0; ValueError if the label is not on this scale."""
        folded = str(value).strip().casefold()
        for index, label in enumerate(self.labels):
            if label.casefold() == folded:
                return index
        raise ValueError(f"{value!r} is not one of {', '.join(self.labels)}")

    def normalize(self, value: str | Decimal | int | float) -> Decimal:
        """Map a value on this scale to 0–100 (two decimals); ValueError if it is off the scale."""
        if self.kind is ScaleKind.ORDINAL:
            fraction = Decimal(self.position(str(value))) / Decimal(len(self.labels) - 1)
        else:
            number = _to_decimal(value)
            assert self.low is not None and self.high is not None
            if not self.low <= number <= self.high:
                raise ValueError(f"{value} is outside the scale {self.low}–{self.high}")
            fraction = (number - self.low) / (self.high - self.low)
        return (fraction * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)


ZERO_TO_10 = Scale.numeric(0, 10)
ZERO_TO_100 = Scale.numeric(0, 100)
ONE_TO_5 = Scale.numeric(1, 5)
LETTER_A_E = Scale.letters("ABCDE")
RECOMMENDATION_EN = Scale.ordinal(("definitely_not", "no", "yes", "strong_yes"))
RECOMMENDATION_ZH = Scale.ordinal(("不推荐", "待定", "推荐", "强烈推荐"))
YES_NO = Scale.ordinal(("no", "yes"))


def _to_decimal(value: Any) -> Decimal:
    """Decimal from text or number; a float goes through its shortest repr so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


class Score(_Model):
    """A score exactly as the vendor sent it, the scale it was on, and its 0–100 normalization.

    A value, like :class:`Scale` and :class:`Money`: frozen, so one validated score can be shared by
    every record that holds it (:func:`~hub.core.transforms.scores.score` reuses them).

    Example:
        >>> Score(value="B", scale=LETTER_A_E).normalized
        Decimal('75.00')
        >>> Score(value="11", scale=ZERO_TO_10)
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for Score
        ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str
    scale: Scale
    normalized: Decimal | None = Field(
        default=None, description="The value on 0–100, derived from value and scale; never read from input."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        """Accept our own JSON back: ``normalized`` is derived from value and scale, never trusted."""
        if isinstance(data, dict) and "normalized" in data:
            data = {key: item for key, item in data.items() if key != "normalized"}
        return data

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str:
        if isinstance(value, float):
            return repr(value)
        return str(value)

    @model_validator(mode="after")
    def _on_scale(self) -> Score:
        # A plain field, not a computed one: dumping stays cheap (a computed field made every assessment
        # dump 2.4x slower). pydantic re-runs "after" validators whenever an existing Score is passed as a
        # field value (DimensionScore(score=score)); value and scale have not changed then, so skip.
        if self.normalized is None:
            # set once, while validating: the frozen model refuses assignment afterwards
            object.__setattr__(self, "normalized", self.scale.normalize(self.value))  # raises ValueError with the reason
            self.__pydantic_fields_set__.add("normalized")
        return self


class RecommendationLevel(CanonicalEnum):
    DEFINITELY_NOT = "definitely_not"
    NO = "no"
    UNDECIDED = "undecided"
    YES = "yes"
    STRONG_YES = "strong_yes"


class Recommendation(_Model):
    """A hiring recommendation: the canonical level and the word the vendor used."""

    level: RecommendationLevel
    raw: str | None = None


# ---------------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PayPeriod(CanonicalEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ANNUAL = "annual"


class Money(_Model):
    """A Decimal amount with an ISO 4217 currency code. Floats are read from their text, never rounded.

    Example:
        >>> Money(amount="15000.50", currency="CNY")
        Money(amount=Decimal('15000.50'), currency='CNY')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        return _to_decimal(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str:
        code = str(value).strip().upper()
        if not _CURRENCY.match(code):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return code


class MoneyRange(_Model):
    """A range of money over a pay period, e.g. a salary band "10-15K/月" with 13 months a year."""

    low: Money
    high: Money
    period: PayPeriod | None = None
    months_per_year: int | None = Field(default=None, ge=1, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> MoneyRange:
        if self.low.currency != self.high.currency:
            raise ValueError("both ends of a range must have the same currency")
        if self.low.amount > self.high.amount:
            raise ValueError("the low end of a range is above the high end")
        return self


class Allowance(_Model):
    name: str
    amount: Money
    period: PayPeriod | None = None


class Compensation(_Model):
    """Pay for one person: base over a period, optional bonus and allowances."""

    base: Money
    period: PayPeriod
    months_per_year: int | None = Field(default=None, ge=1, le=24)
    bonus: Money | None = None
    allowances: list[Allowance] = Field(default_factory=list)
    effective_date: dt.date | None = None


# ---------------------------------------------------------------------------------------------------
# People, jobs, applications
# ---------------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class Person(Entity):
    """Identity and contact fields shared by candidates and employees; all of them are PII."""

    name: Annotated[str | None, PII] = None
    emails: Annotated[list[str], PII] = Field(default_factory=list)
    phones: Annotated[list[str], PII] = Field(default_factory=list)
    national_id: Annotated[str | None, PII] = None
    birth_date: Annotated[dt.date | None, PII] = None

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _EMAIL.match(value):
                raise ValueError(f"not an email address: {mask(value)}")
        return [value.lower() for value in values]

    @field_validator("phones")
    @classmethod
    def _phones(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _E164.match(value):
                raise ValueError(f"not an E.164 phone number: {mask(value)}")
        return values


class Candidate(Person):
    """A person who applies."""

    kind: ClassVar[str] = "candidate"

    location: str | None = None
    source: str | None = None
    tags: list[str] = Field(default_factory=list)


class Department(Entity):
    kind: ClassVar[str] = "department"

    name: str
    parent: Ref | None = None


class Competency(_Model):
    """A competency a job is assessed on; ``kpi`` links it to a performance indicator."""

    key: str
    label: str
    weight: Decimal | None = None
    kpi: str | None = None


class Job(Entity):
    kind: ClassVar[str] = "job"

    title: str
    department: str | None = None
    level: str | None = None
    location: str | None = None
    status: str | None = None
    salary_band: MoneyRange | None = None
    competencies: list[Competency] = Field(default_factory=list)


class ApplicationStatus(CanonicalEnum):
    """Canonical application status; the vendor's own label is kept in ``status_raw``."""

    APPLIED = "applied"
    SCREENING = "screening"
    AI_INTERVIEW_INVITED = "ai_interview_invited"
    AI_INTERVIEW_COMPLETED = "ai_interview_completed"
    PENDING_DEPARTMENT_REVIEW = "pending_department_review"  # 待用人部门评估
    INTERVIEWING = "interviewing"
    SECOND_INTERVIEW = "second_interview"  # 待复试
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"  # 未通过
    WITHDRAWN = "withdrawn"
    TALENT_POOL = "talent_pool"


class StageChange(_Model):
    stage: str
    status: ApplicationStatus | None = None
    changed_at: AwareDatetime | None = None


class Application(Entity):
    kind: ClassVar[str] = "application"

    candidate: Ref
    job: Ref | None = None
    status: ApplicationStatus
    status_raw: str | None = None
    stage: str | None = None
    stage_history: list[StageChange] = Field(default_factory=list)
    reject_reason: str | None = None
    applied_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class InterviewStatus(CanonicalEnum):
    SCHEDULED = "scheduled"
    AWAITING_FEEDBACK = "awaiting_feedback"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Interview(Entity):
    """An interview on the calendar: when, how long, where, who interviews. What it concluded is an
    :class:`Assessment` (a feedback form, a scorecard, an AI vendor's result), which may name it."""

    kind: ClassVar[str] = "interview"

    application: Ref | None = None
    candidate: Ref | None = None
    job: Ref | None = None
    title: str | None = None
    stage: str | None = None
    status: InterviewStatus = InterviewStatus.SCHEDULED
    status_raw: str | None = None
    scheduled_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=0)
    location: str | None = None
    # the people on the panel, by name or email: staff are people too
    interviewers: Annotated[list[str], PII] = Field(default_factory=list)
    # free text about the candidate, written for the panel
    notes: Annotated[str | None, PII] = None


# ---------------------------------------------------------------------------------------------------
# Assessments and feedback
# ---------------------------------------------------------------------------------------------------


class AssessmentKind(CanonicalEnum):
    AI_INTERVIEW = "ai_interview"
    HUMAN_INTERVIEW = "human_interview"
    SCORECARD = "scorecard"
    WRITTEN_TEST = "written_test"
    OTHER = "other"


class DimensionScore(_Model):
    """One competency's score, with the label exactly as the vendor wrote it (e.g. 沟通能力)."""

    key: str
    label: str
    score: Score | None = None
    evidence: list[str] = Field(default_factory=list)


class Assessment(Entity):
    """An AI or human interview result."""

    kind: ClassVar[str] = "assessment"

    vendor: str
    assessment_kind: AssessmentKind = AssessmentKind.AI_INTERVIEW
    candidate: Ref | None = None
    application: Ref | None = None
    job: Ref | None = None
    completed_at: AwareDatetime | None = None
    overall: Score | None = None
    dimensions: list[DimensionScore] = Field(default_factory=list)
    recommendation: Recommendation | None = None
    # free text about the person (an interviewer names them, quotes them): PII like their contact fields
    strengths: Annotated[list[str], PII] = Field(default_factory=list)
    improvements: Annotated[list[str], PII] = Field(default_factory=list)
    comments: Annotated[str | None, PII] = None
    interviewer: str | None = None
    report_url: str | None = None

    @model_validator(mode="after")
    def _dimension_keys_unique(self) -> Assessment:
        keys = [d.key for d in self.dimensions]
        if len(keys) != len(set(keys)):
            raise ValueError("dimension keys must be unique within an assessment")
        return self


class Feedback(Entity):
    """Candidate-facing text built from assessments: strengths → improvements → suggestions."""

    kind: ClassVar[str] = "feedback"

    candidate: Ref
    application: Ref | None = None
    assessment: Ref | None = None
    text: Annotated[str | None, PII] = None  # written to the person about them; None once they are erased
    language: str = "zh-CN"
    channel: Literal["email", "sms", "portal", "im", "other"] = "email"
    sent_at: AwareDatetime | None = None


# ---------------------------------------------------------------------------------------------------
# Offers and employees
# ---------------------------------------------------------------------------------------------------


class OfferStatus(CanonicalEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RESCINDED = "rescinded"
    SUPERSEDED = "superseded"  # an older version of an offer that was replaced


class Offer(Entity):
    kind: ClassVar[str] = "offer"

    application: Ref
    candidate: Ref | None = None
    status: OfferStatus
    status_raw: str | None = None
    compensation: Annotated[Compensation | None, PII] = None
    salary_range: Annotated[MoneyRange | None, PII] = None
    salary_raw: Annotated[str | None, PII] = None
    start_date: dt.date | None = None
    sent_at: AwareDatetime | None = None
    responded_at: AwareDatetime | None = None


class EmploymentStatus(CanonicalEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    TERMINATED = "terminated"


class Employee(Person):
    kind: ClassVar[str] = "employee"

    employee_number: str | None = None
    department: str | None = None
    title: str | None = None
    manager: Ref | None = None
    hire_date: dt.date | None = None
    employment_status: EmploymentStatus = EmploymentStatus.ACTIVE
    bank_account: Annotated[str | None, PII] = None
    compensation: Annotated[Compensation | None, PII] = None


class Payslip(Entity):
    """One employee's pay for one pay run, as the payroll system paid it.

    Why a kind of its own: an offer's and an employee's ``compensation`` is the pay agreed; a payslip
    is the pay actually paid for a period (gross, and what reached the employee after taxes and
    deductions). Salary travels from an offer into payroll, and the payslips are how it comes back.
    Amounts are PII, as every salary is; the vendor's pay run id is not. A payslip has no status: it
    exists once its pay run is processed (a draft pay run is not pay).

    Example:
        >>> Payslip(employee=Ref(system="gusto", external_id="e-1"), gross_pay=Money(amount="2500.00", currency="USD"),
        ...         check_date="2024-06-14").gross_pay.amount
        Decimal('2500.00')
    """

    kind: ClassVar[str] = "payslip"

    employee: Ref
    payroll_id: str | None = None  # the vendor's pay run, shared by every payslip of that run
    pay_period_start: dt.date | None = None
    pay_period_end: dt.date | None = None
    check_date: dt.date | None = None  # the day the pay is paid
    gross_pay: Annotated[Money | None, PII] = None
    net_pay: Annotated[Money | None, PII] = None
    taxes: Annotated[Money | None, PII] = None  # the employee's taxes withheld, summed
    deductions: Annotated[Money | None, PII] = None  # the employee's deductions, summed


ENTITY_TYPES: dict[str, type[Entity]] = {
    cls.kind: cls
    for cls in (Candidate, Department, Job, Application, Interview, Assessment, Feedback, Offer, Employee, Payslip)
}


def validate_entity(
    kind: str, data: dict[str, Any], *, system: str | None = None, record_id: str | None = None
) -> Entity:
    """Validate ``data`` into the canonical entity ``kind``, translating pydantic's errors.

    Raises:
        ModelValidationError: naming the system, record, first failing field path and every reason;
            the offending value is masked when the field is PII.

    Example:
        >>> validate_entity("candidate", {"phones": ["13800138000"]}, system="csv", record_id="7")
        Traceback (most recent call last):
        ...
        hub.core.errors.ModelValidationError: [model-validation-error] csv candidate 7 field 'phones': Value error, not an E.164 phone number: *******8000 (value '[*******8000]')
    """
    try:
        model = ENTITY_TYPES[kind]
    except KeyError:
        raise ModelValidationError(
            f"unknown entity kind; expected one of {', '.join(ENTITY_TYPES)}", system=system, record_id=record_id
        ) from None
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        top = str(first["loc"][0]) if first["loc"] else ""
        value = first.get("input")
        shown = mask(value) if top in pii_fields(model) else _short(value)
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" if i else err["msg"]
            for i, err in enumerate(exc.errors())
        )
        raise ModelValidationError(
            reasons, system=system, entity=kind, record_id=record_id, field_path=path, value=shown
        ) from None


def _short(value: Any, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
