"""A finding: one problem a migration found, located precisely and classified for the report.

Reports group problems by field and by *kind* (what a person fixes: a bad checksum, a date that
does not exist, a duplicate person...), while the mapping engine raises typed errors whose reason is
written for humans. :func:`classify` is the one place that turns an error into its kind, so the
validation, the report and the tests agree on the vocabulary (:data:`KINDS`).

Example:
    >>> from hub.core.errors import MappingError
    >>> err = MappingError("from '总分': step 'score': 120 is outside the scale 0–100", system="legacy",
    ...                    entity="assessment", record_id="a.csv:24 (C7)", field_path="overall")
    >>> f = Finding.from_error(err, row=24)
    >>> f.kind, f.field, f.key
    ('out_of_range', 'assessment.overall', (24, 'assessment.overall', 'out_of_range'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hub.core.errors import DuplicateRecordError, HubError, MissingReferenceError, ModelValidationError

__all__ = ["KINDS", "FIXES", "Finding", "classify"]

#: Every kind a finding can have, with what to do about it (the report's "what to fix" section).
FIXES: dict[str, str] = {
    "bad_checksum": "Correct the ID number in the source: its GB 11643 check character does not match (a typo).",
    "invalid_id": "Correct the ID number in the source: it is not an 18-character resident ID.",
    "invalid_date": "Correct the date in the source: it does not exist or is outside the range Excel can hold.",
    "invalid_phone": "Correct the phone number in the source: it is not a valid number for its region.",
    "invalid_email": "Correct the email address in the source.",
    "out_of_range": "Correct the value or declare the scale it was given on: it is outside the mapping's scale.",
    "unknown_value": "Add the label to the mapping's lookup table, or correct it in the source.",
    "missing_required": "Fill the required value in the source, or make the field optional in the mapping.",
    "duplicate": "Merge or delete the repeated person in the source; the later row was held back.",
    "missing_reference": "Migrate the referenced records first, or correct the reference in the source.",
    "rejected_reference": "Fix and import again the rejected row of the record it references (the rejected-rows "
                          "CSV); until then the stored record points at nothing.",
    "mojibake": "Re-export the file in its real encoding (GBK or UTF-8); the text was decoded wrongly.",
    "truncated": "Re-export the column without the width limit; the value fills the limit and was probably cut.",
    "invalid_format": "Correct the value in the source or adapt the mapping's steps.",
    "unmapped_column": "Map the column, or list it as ignored, so no source data is dropped silently.",
    "unfilled_field": "The mapping declares this field but no record filled it; check the source column.",
    "count_mismatch": "Records were validated but are not in the target; resume or rerun the migration.",
    "checksum_mismatch": "The target holds different values than were written (truncated or re-encoded).",
    "rejected_by_validator": "A plugin's record validator refused the record: correct what its reason says in the "
                             "source (or the plugin's rule).",
    "not_delivered": "The target connector refused or has not yet taken the record: fix what its dead letter says, "
                     "then `hub outbox retry` and `hub deliver`.",
}
KINDS = tuple(FIXES)

_STEP = re.compile(r"step '([a-z_]+)'")
_BY_STEP = {
    "cn_resident_id": "invalid_id",
    "birth_date_from_id": "invalid_id",
    "phone": "invalid_phone",
    "email": "invalid_email",
    "datetime": "invalid_date",
    "date": "invalid_date",
    "lookup": "unknown_value",
}


def classify(error: HubError) -> str:
    """The kind (one of :data:`KINDS`) of a record error, from its type, step and reason.

    The mapping engine names the failing step in the reason (``step 'phone': ...``); the kind
    refines by the few reasons that need a different fix (a check character vs a malformed ID).
    """
    if isinstance(error, DuplicateRecordError):
        return "duplicate"
    if isinstance(error, MissingReferenceError):
        return "missing_reference"
    kind = getattr(error, "kind", None)
    if isinstance(kind, str) and kind in FIXES:
        return kind
    reason = error.reason
    if "required value is missing" in reason or "Field required" in reason:
        return "missing_required"
    if "outside the scale" in reason or "not one of" in reason:
        return "out_of_range"
    if "check character" in reason:
        return "bad_checksum"
    step = _STEP.search(reason)
    if step and step.group(1) in _BY_STEP:
        return _BY_STEP[step.group(1)]
    if isinstance(error, ModelValidationError) and "E.164" in reason:
        return "invalid_phone"
    return "invalid_format"


@dataclass(frozen=True)
class Finding:
    """One problem: where (row, record, entity, field), what kind, and the typed error (PII masked).

    ``field`` is ``<entity>.<field path>`` for canonical fields and ``source.<column>`` for checks of
    the raw text; ``row`` is the spreadsheet row (or line) when the source has rows.

    Example:
        >>> from hub.core.errors import SuspectValueError
        >>> Finding(row=3, record="a.csv:3", entity=None, field="source.姓名", kind="mojibake",
        ...         error=SuspectValueError("mis-decoded", record_id="a.csv:3")).to_dict()["code"]
        'suspect-value'
    """

    row: int | None
    record: str
    entity: str | None
    field: str
    kind: str
    error: HubError

    @property
    def key(self) -> tuple[int | None, str, str]:
        """(row, field, kind): what identifies a finding across runs and in tests."""
        return (self.row, self.field, self.kind)

    @classmethod
    def from_error(cls, error: HubError, *, row: int | None, record: str | None = None) -> Finding:
        """The finding of ``error`` on ``row``; ``record`` (the row's label) names it, with the
        record's own id in brackets when the error knew one."""
        entity = error.context.get("entity")
        path = error.context.get("field_path") or ""
        field = f"{entity}.{path}" if entity and path else entity or path
        own = str(error.context.get("record_id", ""))
        label = own if record is None or own in ("", record) else f"{record} ({own})"
        return cls(row, label, entity, field, classify(error), error)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, with stable keys; ``value`` is already masked by whoever raised the error."""
        detail = self.error.to_dict()
        return {
            "row": self.row,
            "record": self.record,
            "entity": self.entity,
            "field": self.field,
            "kind": self.kind,
            "code": detail["code"],
            "reason": detail["reason"],
            "value": detail.get("value"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], system: str | None = None) -> Finding:
        """Rebuild a finding saved by :meth:`to_dict` (a resumed run reloads its earlier findings)."""
        error = HubError(data["reason"], system=system, entity=data["entity"], record_id=data["record"],
                         field_path=data["field"], value=data.get("value"))  # fmt: skip
        error.code = data["code"]
        return cls(data["row"], data["record"], data["entity"], data["field"], data["kind"], error)
