"""Kingdee 云星空 ``View``: one record by its 内码, read back as the field keys the write side sends.

``DynamicFormService.View`` (WebAPI specification V6.0, https://vip.kingdee.com/article/490771221039228672)
takes ``{"formid": ..., "data": {"CreateOrgId": 0, "Number": "", "Id": "<内码>", "IsSortBySeq": "false"}}``
and answers the record's whole model in ``Result.Result``, named by the form's property names, not
by the field keys Save and ExecuteBillQuery take: ``Id``, a text in several languages as
``[{"Key": <lcid>, "Value": ...}]``, a base-data reference as an object with its ``Number``, an entry
(任岗 ``PostEntity``) as a list of rows. A record that is not there is a failed ``ResponseStatus`` whose
message is in the session's language (no code of its own).

A property is named by its field key without the leading ``F`` (``FJoinDate`` → ``JoinDate``), Kingdee's
convention for the forms' own fields; the setting ``view_properties`` names any that differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["employee_row", "localized", "view_request"]

def view_request(form: str, fid: str) -> dict[str, Any]:
    """The body of a View of the record ``fid`` (its 内码) of ``form``.

    Example:
        >>> view_request("BD_Empinfo", "100201")["data"]
        {'CreateOrgId': 0, 'Number': '', 'Id': '100201', 'IsSortBySeq': 'false'}
    """
    return {"formid": form, "data": {"CreateOrgId": 0, "Number": "", "Id": str(fid), "IsSortBySeq": "false"}}


def localized(value: Any, lcid: int) -> Any:
    """A View value in the session's language: of ``[{"Key": lcid, "Value": ...}]``, the ``lcid`` one,
    else the first that is not blank; any other value as it is.

    Example:
        >>> localized([{"Key": 1033, "Value": " "}, {"Key": 2052, "Value": "测试新员工"}], 2052)
        '测试新员工'
        >>> localized([{"Key": 1033, "Value": "Ada"}], 2052), localized("2024-08-01T00:00:00", 2052)
        ('Ada', '2024-08-01T00:00:00')
    """
    if not isinstance(value, list) or not all(isinstance(v, dict) and "Key" in v for v in value):
        return value
    texts = [(v.get("Key"), v.get("Value")) for v in value if str(v.get("Value") or "").strip()]
    return next((text for key, text in texts if str(key) == str(lcid)), texts[0][1] if texts else None)


def _number(reference: Any) -> Any:
    """A base-data reference's number (``{"Number": ...}``), None for an empty one."""
    return reference.get("Number", reference.get("FNumber")) if isinstance(reference, dict) else None


def employee_row(model: Mapping[str, Any], *, lcid: int, properties: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A View of an employee as the field keys the write sends: ``FID``, ``FName``, ``FJoinDate``, and
    the numbers of the main 任岗's (``FPostEntity`` row with ``FIsFirstPost``, else the first) department
    and post as ExecuteBillQuery names them (``FPostDept.FNumber``, ``FPost.FNumber``; absent without a
    任岗); ``properties`` renames a key's property.

    Example:
        >>> employee_row({"Id": 100201, "Name": [{"Key": 2052, "Value": "测试新员工"}], "JoinDate": "2024-08-01T00:00:00",
        ...               "PostEntity": [{"PostDept": {"Number": "BM0102"}, "Post": {"Number": "GW0202"}, "IsFirstPost": False},
        ...                              {"PostDept": {"Number": "BM0101"}, "Post": {"Number": "GW0201"}, "IsFirstPost": True}]},
        ...              lcid=2052)
        {'FID': 100201, 'FName': '测试新员工', 'FJoinDate': '2024-08-01T00:00:00', 'FPostDept.FNumber': 'BM0101', 'FPost.FNumber': 'GW0201'}
    """
    renamed = dict(properties or {})

    def prop(key: str) -> str:
        return renamed.get(key, key[1:] if key.startswith("F") else key)

    row: dict[str, Any] = {"FID": model.get("Id"), "FName": localized(model.get(prop("FName")), lcid),
                           "FJoinDate": model.get(prop("FJoinDate"))}  # fmt: skip
    posts = [p for p in model.get(prop("FPostEntity")) or () if isinstance(p, dict)]
    main = next((p for p in posts if p.get(prop("FIsFirstPost")) in (True, 1, "1", "true", "True")), posts[0] if posts else None)
    if main is not None:
        row["FPostDept.FNumber"] = _number(main.get(prop("FPostDept")))
        row["FPost.FNumber"] = _number(main.get(prop("FPost")))
    return row
