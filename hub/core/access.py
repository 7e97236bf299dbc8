"""Who may read what through the HTTP service: the roles HR teams describe, and the grant a token carries.

Access is decided here, as data, once; the read paths turn a :class:`Grant` into one SQL condition
(``hub.api.scope``) applied to every query, list, count, look-up and change, so a record outside the
scope is never returned, counted or revealed by a filter, an error or a timing. The roles:

* ``hr_admin`` reads every kind;
* ``department_head`` reads the applications, interviews, assessments, feedback and offers of its departments
  (a record's department is its job's); not employees nor their payslips (pay is HR's and payroll's:
  ``hr_admin``, or a ``system`` granted ``payslip``);
* ``interviewer`` reads the candidates they interviewed and the assessments they wrote (an
  assessment's ``interviewer``);
* ``system`` reads the kinds it is granted, all of their records (an HR system that consumes a feed);
* ``personal`` is a candidate's or employee's own expiring link: only their own assessments and feedback.

PII is masked in every answer unless the grant holds ``pii:read``; a plaintext read is audited.

A token is shown once, when created; the store keeps only its SHA-256 (:func:`token_hash`): tokens
are 256 random bits, so a fast hash is enough and a lookup by hash needs no per-token salt.

Example:
    >>> head = Grant("t1", "sales-head", Role.DEPARTMENT_HEAD, departments=frozenset({"销售部"}))
    >>> sorted(head.readable_kinds), head.can_read("candidate")
    (['application', 'assessment', 'feedback', 'interview', 'offer'], False)
    >>> Grant("t2", "x", Role.SYSTEM)
    Traceback (most recent call last):
    ...
    hub.core.errors.ConfigError: [config-error] a system token needs the kinds it may read (--kind)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from hub.core.errors import ConfigError
from hub.core.models import ENTITY_TYPES

__all__ = ["Role", "Grant", "PII_READ", "TOKEN_PREFIX", "new_token", "token_hash"]

#: The permission that lets a token see PII in plaintext (each such read is written to the audit log).
PII_READ = "pii:read"
#: Every token starts with this, so a leaked one is recognisable by secret scanners.
TOKEN_PREFIX = "hub_"


class Role(StrEnum):
    HR_ADMIN = "hr_admin"
    DEPARTMENT_HEAD = "department_head"
    INTERVIEWER = "interviewer"
    SYSTEM = "system"
    PERSONAL = "personal"


_ALL_KINDS = frozenset(ENTITY_TYPES)
_FIXED_KINDS = {
    Role.HR_ADMIN: _ALL_KINDS,
    Role.DEPARTMENT_HEAD: frozenset({"application", "interview", "assessment", "feedback", "offer"}),
    Role.INTERVIEWER: frozenset({"candidate", "assessment"}),
    Role.PERSONAL: frozenset({"assessment", "feedback"}),
}


@dataclass(frozen=True)
class Grant:
    """What one token may read: its role and the scope that role needs.

    Attributes:
        token_id: the token's row id (never the token itself).
        name: the label given at creation; audit entries name the actor ``token:<name>``.
        role: one of :class:`Role`.
        departments: a department head's departments (as jobs name them).
        interviewer: an interviewer's name as assessments carry it.
        kinds: the kinds a system token is granted.
        subject: a personal link's person: the hub id of the candidate or employee.
        pii_read: PII in plaintext (audited) instead of masked.
    """

    token_id: str
    name: str
    role: Role
    departments: frozenset[str] = field(default_factory=frozenset)
    interviewer: str | None = None
    kinds: frozenset[str] = field(default_factory=frozenset)
    subject: str | None = None
    pii_read: bool = False

    def __post_init__(self) -> None:
        needs = {
            Role.DEPARTMENT_HEAD: (bool(self.departments), "a department head token needs its departments (--department)"),
            Role.INTERVIEWER: (bool(self.interviewer), "an interviewer token needs the interviewer's name (--interviewer)"),
            Role.SYSTEM: (bool(self.kinds), "a system token needs the kinds it may read (--kind)"),
            Role.PERSONAL: (bool(self.subject), "a personal link needs the person's hub id (--subject)"),
        }
        present, message = needs.get(self.role, (True, ""))
        if not present:
            raise ConfigError(message)
        if unknown := sorted(self.kinds - _ALL_KINDS):
            raise ConfigError(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(_ALL_KINDS))}")

    @property
    def readable_kinds(self) -> frozenset[str]:
        """The kinds this grant may read at all (its scope then narrows the records)."""
        return self.kinds if self.role is Role.SYSTEM else _FIXED_KINDS[self.role]

    def can_read(self, kind: str) -> bool:
        return kind in self.readable_kinds

    @property
    def actor(self) -> str:
        """Who the audit log says read something: the token's name, never the token."""
        return f"token:{self.name}"


def new_token() -> str:
    """A new bearer token: the prefix and 256 random bits, URL-safe (it also travels in personal links).

    Example:
        >>> token = new_token()
        >>> token.startswith(TOKEN_PREFIX), len(token) == len(TOKEN_PREFIX) + 43, token != new_token()
        (True, True, True)
    """
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token and looks it up by: SHA-256, hex.

    Example:
        >>> token_hash("hub_x")[:16]
        '2ad2edae702f70c6'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
