"""Kingdee 云星空 ``BatchSave``'s answer, record by record.

``DynamicFormService.BatchSave`` (WebAPI specification V6.0, https://vip.kingdee.com/article/490771221039228672)
saves the ``Model`` array one record at a time and answers for the batch in one
``Result.ResponseStatus``: ``SuccessEntitys[{Id, Number, DIndex}]`` for the records it saved and
``Errors[{FieldName, Message, DIndex}]`` for those it refused, ``DIndex`` being the record's place in
``Model``; ``IsSuccess`` is false as soon as one is refused. A caller fails the refused records alone
and links the others (:meth:`plugins.erp.kingdee_write.KingdeeWrites.finish`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugins.erp.kingdee_auth import error_text

__all__ = ["Refused", "Saved", "batch_outcomes", "names_records"]


@dataclass(frozen=True)
class Refused:
    """A record Kingdee refused: the field it names (None when it names none) and its message."""

    field: str | None
    message: str


@dataclass(frozen=True)
class Saved:
    """A record Kingdee saved: its 内码 (``Id``, the FID), and the errors it gave it all the same
    (``said``: a submit or audit refused after the save)."""

    fid: str
    said: Refused | None = None


def _index(entry: Any) -> int | None:
    """An answer entry's ``DIndex``, None when it has none (or not a whole number)."""
    value = entry.get("DIndex") if isinstance(entry, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdecimal() else None


def names_records(status: Mapping[str, Any]) -> bool:
    """Each of the answer's errors names the record it is about (``DIndex``), and there is one at least:
    a refusal of records, not of the call.

    Example:
        >>> names_records({"Errors": [{"Message": "姓名 是必填项", "DIndex": 0}]})
        True
        >>> names_records({"Errors": [{"Message": "会话信息已丢失，请重新登录"}]}), names_records({"Errors": []})
        (False, False)
    """
    errors = status.get("Errors")
    return isinstance(errors, list) and bool(errors) and all(_index(e) is not None for e in errors)


def batch_outcomes(status: Mapping[str, Any], count: int) -> dict[int, Saved | Refused]:
    """The outcome of each of the ``count`` records a BatchSave sent, by place: :class:`Saved` for an
    entry of ``SuccessEntitys`` with its ``Id``, else :class:`Refused` for one of ``Errors`` (a record's
    errors joined, the first field named). A place the answer does not name is absent: the caller
    does not know what became of it. A saved record is :class:`Saved` whatever errors name it too (it
    exists in Kingdee: an audit refused after the save, say); they are kept as its ``said``.

    Example:
        >>> outcomes = batch_outcomes({"SuccessEntitys": [{"Id": 100301, "Number": "hub-a", "DIndex": 0}],
        ...     "Errors": [{"FieldName": "FPost", "Message": "岗位 是必填项", "DIndex": 1},
        ...                {"FieldName": None, "Message": "?", "DIndex": 7}]}, 3)
        >>> outcomes
        {0: Saved(fid='100301', said=None), 1: Refused(field='FPost', message='FPost: 岗位 是必填项')}
    """
    refused: dict[int, list[dict[str, Any]]] = {}
    for error in status.get("Errors") or ():
        place = _index(error)
        if place is not None and 0 <= place < count:
            refused.setdefault(place, []).append(error)
    outcomes: dict[int, Saved | Refused] = {}
    for place, errors in refused.items():
        fields = [str(e["FieldName"]) for e in errors if e.get("FieldName")]
        outcomes[place] = Refused(fields[0] if fields else None, error_text({"Errors": errors}) or "")
    for entity in status.get("SuccessEntitys") or ():
        place = _index(entity)
        if place is not None and 0 <= place < count and entity.get("Id") not in (None, "", 0, "0"):
            said = outcomes.get(place)
            outcomes[place] = Saved(str(entity["Id"]), said if isinstance(said, Refused) else None)
    return dict(sorted(outcomes.items()))
