"""BambooHR's effective-dated tables (``jobInfo``, ``compensation``): their rows as answered, and the row in effect.

A table answer's JSON shape is not documented (the XML one is): client code reads a JSON array of row
objects or an object holding them under ``rows``, so both are read (:func:`table_rows`). Each row says
from when it holds (``date`` in jobInfo, ``startDate`` in compensation); the one in effect on a day is
the latest that has started (:func:`current_row`): a row dated in the future is a planned change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["TABLES", "current_row", "table_rows"]

#: The tables read with every employee, and the date column that says from when each row holds.
TABLES = {"jobInfo": "date", "compensation": "startDate"}


def table_rows(body: Any) -> list[Any] | None:
    """The rows of a ``GET /employees/{id}/tables/{table}`` answer: a JSON array of rows, or an object
    holding them under ``rows`` (both are seen in client code; the JSON shape is not documented).
    None for anything else.

    Example:
        >>> table_rows([{"date": "2024-01-01"}]), table_rows({"rows": []}), table_rows({"table": "jobInfo"})
        ([{'date': '2024-01-01'}], [], None)
    """
    if isinstance(body, list):
        return body
    rows = body.get("rows") if isinstance(body, dict) else None
    return rows if isinstance(rows, list) else None


def current_row(rows: Any, date_column: str, today: dt.date) -> dict[str, Any] | None:
    """The row of an effective-dated table in effect on ``today``: the latest whose date is not after
    it (a row dated in the future is a planned change, not yet the employee's). None when none is.

    Example:
        >>> rows = [{"date": "2023-01-09", "jobTitle": "Analyst"}, {"date": "2024-03-01", "jobTitle": "Lead"},
        ...         {"date": "2031-01-01", "jobTitle": "Director"}]
        >>> current_row(rows, "date", dt.date(2025, 1, 1))["jobTitle"]
        'Lead'
        >>> current_row(rows, "date", dt.date(2020, 1, 1)) is None
        True
    """
    dated = []
    for row in rows if isinstance(rows, list) else ():
        try:
            day = dt.date.fromisoformat(str(row.get(date_column)))
        except (AttributeError, ValueError):
            continue  # an undated row (or "0000-00-00") cannot be in effect; it stays in remote_data
        if day <= today:
            dated.append((day, row))
    return max(dated, key=lambda pair: pair[0])[1] if dated else None
