"""Kingdee 云星空 write side: an accepted offer becomes an employee (员工, ``BD_Empinfo``) with its main 任岗.

Services (WebAPI specification V6.0, https://vip.kingdee.com/article/490771221039228672; docs/connectors/kingdee.md):

* ``DynamicFormService.Save`` — ``{"formid": "BD_Empinfo", "data": {"NeedUpDateFields": [...],
  "NeedReturnFields": [...], "IsDeleteEntry": "false", "IsAutoSubmitAndAudit": "true", "Model": {...}}}``.
  ``Model.FID`` 0 (absent) creates, the employee's FID updates only the ``NeedUpDateFields``. The answer is
  ``Result.ResponseStatus {IsSuccess, Errors[{FieldName, Message}], SuccessEntitys[{Id, Number}]}``; a
  refusal is a :class:`~hub.core.errors.PermanentConnectorError` naming Kingdee's field (``field_path``);
* ``DynamicFormService.ExecuteBillQuery`` — the read before every write.

Kingdee has no idempotency key, so the employee is given a number the hub can find it by: its
``FStaffNumber`` (setting ``number_field``) is ``hub-<the offer's hub id>`` (setting ``number_prefix``).
Before creating, the employee is looked up by that number — a delivery repeated after a crash finds its
own earlier write and sends no Save. A delivery whose offer is linked already (``external_id``) looks the
employee up by FID; one that is gone is refused (deleted in Kingdee), never created again.

An employee Kingdee already has is left as it is, unless hub.yaml names fields to keep up to date
(``update_fields``, e.g. ``[FMobile, FEmail]``): those that differ are sent in one Save with
``NeedUpDateFields``. After hiring, Kingdee (HR) owns the record, so the default updates nothing.

The id returned is the employee's **FID** (内码): the key Save and View take to name a record, stable for
the record's life; the number is data a Kingdee user may edit.

The payload comes from the ``reverse:`` section of hub/mappings/erp/kingdee/offer.yaml (the offer and,
through :attr:`KingdeeWrites.related`, its candidate, its application's candidate and job):
``offer_id``, ``status``, ``start_date``, ``person`` / ``applicant`` (``name``, ``mobile``, ``email``: the
offer's candidate, else the application's), ``department_number`` and ``post_number`` (the job's
department and title through the mapping's tables). Without both numbers the employee is
created without a 任岗. The organisation is the ``org_number`` setting; ``auto_audit`` (default true)
asks Save to submit and audit the new employee (``IsAutoSubmitAndAudit``).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import AuthError, PermanentConnectorError
from hub.core.http import HttpClient

from plugins.erp.kingdee_auth import QUERY, SAVE

__all__ = ["EMPLOYEE_FORM", "KingdeeWrites", "filter_value"]

EMPLOYEE_FORM = "BD_Empinfo"
#: The employee's own fields a delivery writes: the person's (``person`` or ``applicant``) and the start day.
FIELDS = {"name": "FName", "mobile": "FMobile", "email": "FEmail", "start_date": "FJoinDate"}


def filter_value(value: str) -> str:
    """A text as a FilterString literal: quoted, its quotes doubled.

    Example:
        >>> filter_value("hub-o'1")
        "'hub-o''1'"
    """
    return "'" + value.replace("'", "''") + "'"


def _same(kingdee: Any, ours: Any) -> bool:
    """Kingdee's value and ours say the same: blanks alike, a date against its ``T00:00:00`` datetime."""
    theirs, mine = ("" if kingdee is None else str(kingdee)), ("" if ours is None else str(ours))
    return theirs == mine or (len(mine) == 10 and theirs.startswith(mine + "T00:00:00"))


class KingdeeWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.erp.kingdee.Kingdee` (mixed into it).

    Example:
        >>> KingdeeWrites.writes, KingdeeWrites.related["offer"]
        (('offer',), ('candidate', 'application', 'application.candidate', 'application.job'))
        >>> KingdeeWrites.person({"person": {}, "applicant": {"name": "测试新员工"}})
        {'name': '测试新员工'}
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[dict[str, tuple[str, ...]]] = {
        "offer": ("candidate", "application", "application.candidate", "application.job")}
    write_defaults: ClassVar[dict[str, Any]] = {"number_prefix": "hub-", "number_field": "FStaffNumber",
                                                "auto_audit": True, "update_fields": []}
    write_optional: ClassVar[tuple[str, ...]] = ("org_number",)
    settings: dict[str, Any]
    name: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """What never becomes an employee: an offer not accepted, a person without a name, no organisation."""
        payload = item.payload
        if payload.get("status") != "accepted":
            return self._refused(item, f"only an accepted offer becomes an employee; this one is {payload.get('status')!r}")
        if not self.person(payload).get("name"):
            return self._refused(item, "the offer's candidate has no name; Kingdee's employee needs FName", "FName")
        if not self.settings.get("org_number"):
            return self._refused(item, "the setting org_number (the organisation employees are created in) is not set")
        if item.external_id is not None and not str(item.external_id).isdigit():
            return self._refused(item, f"the linked employee id {item.external_id!r} is not a Kingdee FID")
        unknown = set(self.settings.get("update_fields") or ()) - set(FIELDS.values())
        if unknown:
            return self._refused(item, f"update_fields names {sorted(unknown)}; it takes {sorted(FIELDS.values())}")
        return None

    def deliver(self, item: Delivery) -> str:
        """Find the employee (by FID when linked, else by the number the hub gives it); create it if
        there is none, update ``update_fields`` that differ if there is; Kingdee's FID of it."""
        client = self.writer()
        if item.external_id is not None:
            found = self._find(client, "FID", str(int(item.external_id)))
            if found is None:
                raise self._refused(item, f"employee FID {item.external_id} is not in Kingdee (deleted there?)")
        else:
            found = self._find(client, str(self.settings["number_field"]), filter_value(self.number(item)))
        if found is None:
            return self._save(client, item, self._new_employee(item), updating=())
        changed = [key for key in self.settings.get("update_fields") or ()
                   if not _same(found.get(key), self._fields(item).get(key))]  # fmt: skip
        if changed:
            self._save(client, item, {"FID": found["FID"], **{key: self._fields(item).get(key) for key in changed}},
                       updating=changed)
        return str(found["FID"])

    def number(self, item: Delivery) -> str:
        """The employee number the hub gives the offer's employee: ``number_prefix`` + the offer's hub id."""
        return f"{self.settings['number_prefix']}{item.payload.get('offer_id') or item.entity_id}"

    @staticmethod
    def person(payload: dict[str, Any]) -> dict[str, Any]:
        """The person the employee is: the offer's candidate, else its application's (one or the other
        whole, never a mix)."""
        named = [payload.get(key) for key in ("person", "applicant")]
        return next((p for p in named if isinstance(p, dict) and p.get("name")), {})

    def _fields(self, item: Delivery) -> dict[str, Any]:
        values = {**self.person(item.payload), "start_date": item.payload.get("start_date")}
        return {kingdee: values[ours] for ours, kingdee in FIELDS.items() if values.get(ours)}

    def _new_employee(self, item: Delivery) -> dict[str, Any]:
        """The Save ``Model`` of a new employee: its number, fields, organisation and main 任岗."""
        org = {"FNumber": str(self.settings["org_number"])}
        model: dict[str, Any] = {str(self.settings["number_field"]): self.number(item), **self._fields(item),
                                 "FCreateOrgId": org, "FUseOrgId": org}
        department, post = item.payload.get("department_number"), item.payload.get("post_number")
        if department and post:
            model["FPostEntity"] = [{"FWorkOrgId": org, "FPostDept": {"FNumber": department},
                                     "FPost": {"FNumber": post}, "FIsFirstPost": True,
                                     **({"FStaffStartDate": item.payload["start_date"]} if item.payload.get("start_date")
                                        else {})}]  # fmt: skip
        return model

    def _find(self, client: HttpClient, field: str, literal: str) -> dict[str, Any] | None:
        """The employee whose ``field`` is ``literal`` (a FilterString literal), as ``{field key: value}``."""
        keys = ["FID", str(self.settings["number_field"]), *FIELDS.values()]
        rows = client.post(QUERY, json={"data": {"FormId": EMPLOYEE_FORM, "FieldKeys": ",".join(keys),
                                                 "FilterString": f"{field} = {literal}", "OrderString": "",
                                                 "TopRowCount": 0, "StartRow": 0, "Limit": 2}}).json()  # fmt: skip
        row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], list) else None
        return dict(zip(keys, row, strict=False)) if row else None

    def _save(self, client: HttpClient, item: Delivery, model: dict[str, Any], *, updating: Any) -> str:
        """One Save: a create (``updating`` empty) or an update of those fields; the employee's FID."""
        data = {"NeedUpDateFields": list(updating), "NeedReturnFields": ["FID", str(self.settings["number_field"])],
                "IsDeleteEntry": "false", "Model": model}
        if not updating:
            data["IsAutoSubmitAndAudit"] = "true" if self.settings.get("auto_audit") else "false"
        try:
            body = client.post(SAVE, json={"formid": EMPLOYEE_FORM, "data": data}).json()
        except AuthError:
            raise
        except PermanentConnectorError as refused:
            raise self._save_refused(item, refused) from None
        result = body.get("Result") if isinstance(body, dict) else None
        saved = (result or {}).get("Id") or next(iter(((result or {}).get("ResponseStatus") or {}).get("SuccessEntitys")
                                                       or [{}]), {}).get("Id")  # fmt: skip
        if not saved:
            raise self._refused(item, "Kingdee's Save answered without the employee's Id")
        return str(saved)

    def _save_refused(self, item: Delivery, refused: PermanentConnectorError) -> PermanentConnectorError:
        """Kingdee's refusal of a Save as a dead letter naming its first field (``Errors[0].FieldName``)."""
        try:
            status = (json.loads(str(refused.context.get("body") or "")).get("Result") or {}).get("ResponseStatus") or {}
        except (ValueError, AttributeError):
            status = {}
        errors = [e for e in status.get("Errors") or () if isinstance(e, dict)]
        field = next((str(e["FieldName"]) for e in errors if e.get("FieldName")), None)
        reason = f"Kingdee refused the employee: {refused.context.get('vendor_message') or refused}"
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id,
                                       vendor_code=refused.context.get("vendor_code"),
                                       **({"field_path": field} if field else {}))

    def _refused(self, item: Delivery, reason: str, field: str | None = None) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id,
                                       **({"field_path": field} if field else {}))
