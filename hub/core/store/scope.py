"""A :class:`~hub.core.access.Grant` as one SQL condition on ``entities``: what a token may see.

Every read of the HTTP service — a list, a count, a look-up, a change — adds :func:`visible` to its
WHERE clause, so a record outside the scope is filtered by the database in the same query that finds
the others: it is never loaded, returned, counted, or told apart from a record that does not exist.

The scope reads only non-PII fields of ``entities.data`` (JSON text): a record's department is its
job's ``department`` (an application's job; an interview's or assessment's job, else its application's; feedback's
and an offer's application's), an interviewer is an assessment's ``interviewer``, a person is the
``candidate.id`` a record refers to. :func:`json_text` extracts such a field on SQLite and PostgreSQL.

Example:
    >>> from hub.core.access import Grant, Role
    >>> import sqlalchemy as sa
    >>> condition = visible(Grant("t", "x", Role.SYSTEM, kinds=frozenset({"offer"})))
    >>> str(condition.compile(compile_kwargs={"literal_binds": True}))
    "entities.kind IN ('offer')"
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from hub.core.access import Grant, Role
from hub.core.store import schema as t

__all__ = ["json_text", "visible", "department_of", "job_of"]


class json_text(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """The text at a dotted ``path`` of a JSON text column (NULL where absent): ``json_text(e.c.data, "job.id")``."""

    type = sa.String()
    inherit_cache = True
    # the path is part of the statement's cache key: without it, SQLAlchemy's compiled-statement
    # cache would reuse one path's SQL for another (a status filter answered with employment_status')
    _traverse_internals = [*FunctionElement._traverse_internals, ("path", InternalTraversal.dp_string)]

    def __init__(self, column: Any, path: str) -> None:
        self.path = path
        super().__init__(column)


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"json_extract({column}, '$.{element.path}')"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"(CAST({column} AS jsonb) #>> '{{{element.path.replace('.', ',')}}}')"


@compiles(json_text)
def _json_text_default(element: json_text, compiler: Any, **kw: Any) -> str:
    return _json_text_sqlite(element, compiler, **kw)


def _job_department(job_id: ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    job = t.entities.alias("scope_job")
    return (sa.select(json_text(job.c.data, "department")).where(job.c.id == job_id)
            .correlate_except(job).scalar_subquery())


def _application_job(application_id: ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    application = t.entities.alias("scope_application")
    return (sa.select(json_text(application.c.data, "job.id"))
            .where(application.c.id == application_id).correlate_except(application).scalar_subquery())


def job_of(entity: sa.FromClause = t.entities) -> ColumnElement[Any]:
    """The hub id of the job of the record ``entity``, by its kind: a job is its own; an application's,
    an interview's and an assessment's job is theirs, else their application's; any other record's is its
    application's job (NULL if it has none)."""
    data, kind = entity.c.data, entity.c.kind
    return sa.case(
        (kind == "job", entity.c.id),
        (kind.in_(("application", "interview", "assessment")),
         sa.func.coalesce(json_text(data, "job.id"), _application_job(json_text(data, "application.id")))),
        else_=_application_job(json_text(data, "application.id")),
    )


def department_of(entity: sa.FromClause = t.entities) -> ColumnElement[Any]:
    """The department of the record ``entity`` (a row of ``entities``), by its kind; NULL if it has none."""
    return sa.case((entity.c.kind.in_(("employee",)), json_text(entity.c.data, "department")),
                   else_=_job_department(job_of(entity)))


def visible(grant: Grant, entity: sa.FromClause = t.entities) -> ColumnElement[bool]:
    """The condition that holds exactly for the rows of ``entity`` that ``grant`` may see."""
    kinds = sorted(grant.readable_kinds)
    in_kinds = entity.c.kind.in_(kinds)
    if grant.role in (Role.HR_ADMIN, Role.SYSTEM):
        return in_kinds
    data = entity.c.data
    if grant.role is Role.DEPARTMENT_HEAD:
        return sa.and_(in_kinds, department_of(entity).in_(sorted(grant.departments)))
    if grant.role is Role.PERSONAL:
        return sa.and_(in_kinds, json_text(data, "candidate.id") == grant.subject)
    # an interviewer: the assessments they wrote, and the candidates those assessments are about
    written = t.entities.alias("scope_written")
    interviewed = sa.exists().where(written.c.kind == "assessment",
                                    json_text(written.c.data, "interviewer") == grant.interviewer,
                                    json_text(written.c.data, "candidate.id") == entity.c.id).correlate_except(written)
    return sa.or_(
        sa.and_(entity.c.kind == "assessment", json_text(data, "interviewer") == grant.interviewer),
        sa.and_(entity.c.kind == "candidate", interviewed),
    )
