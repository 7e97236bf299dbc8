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

**Bulk writes** (setting ``batch_save``, off by default; turn it on for a migration of thousands of
hires, ``hub migrate --target kingdee``, where a Save and a lookup per offer would be thousands of calls):
each new employee is queued, and at the end of the delivery pass (:meth:`KingdeeWrites.finish`) sent
in chunks of ``batch_size`` (default 100) through ``DynamicFormService.BatchSave`` —
``{"formid", "data": {"Model": [...], "NumberSearch", "IsDeleteEntry", "BatchCount", ...}}``
(``BatchCount``, the threads Kingdee saves with, is the setting ``batch_threads``) — after ONE
ExecuteBillQuery per chunk finds those created already (``FStaffNumber IN (...)``: a pass repeated
after a crash). The answer's ``SuccessEntitys`` (by ``DIndex``) give the new FIDs, linked to their
offers; each of its ``Errors`` fails its own offer (a :class:`~hub.core.errors.RecordError` naming
Kingdee's field) and the others are delivered (:mod:`plugins.erp.kingdee_batch`). Linked offers are
still delivered one by one. Per-offer deliveries (routes) keep ``Save``: a hire is one record, and a
batch would hold it until the pass ends for nothing.

**Read-back** (:meth:`KingdeeWrites.read_back`, what a migration into Kingdee checks): each employee
this target delivered is read with ``DynamicFormService.View`` by its FID (:mod:`plugins.erp.kingdee_view`),
back into the accepted offer it fulfilled through the forward rules of the offer mapping (its start
day, ``FJoinDate``), and its name and main 任岗's numbers are compared with what the delivery wrote;
one Kingdee does not hold (View's failure, in the session's language) is a RecordError of its own.

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
import logging
from collections.abc import Iterator
from typing import Any, ClassVar

from hub.core.chunks import chunks
from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.envelope import Envelope
from hub.core.errors import AuthError, ConfigError, HubError, PermanentConnectorError, RecordError, TransientConnectorError
from hub.core.http import HttpClient
from hub.core.models import Entity

from plugins.erp.kingdee_auth import BATCH_SAVE, QUERY, SAVE, VIEW, response_status
from plugins.erp.kingdee_batch import Refused, Saved, batch_outcomes
from plugins.erp.kingdee_view import employee_row, view_request

log = logging.getLogger(__name__)

__all__ = ["EMPLOYEE_FORM", "KingdeeWrites", "filter_value"]

EMPLOYEE_FORM = "BD_Empinfo"
#: The employee's own fields a delivery writes: the person's (``person`` or ``applicant``) and the start day.
FIELDS = {"name": "FName", "mobile": "FMobile", "email": "FEmail", "start_date": "FJoinDate"}
#: The most employees one BatchSave takes (and one ExecuteBillQuery looks up): a setting's bound.
MAX_BATCH = 1000


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
                                                "auto_audit": True, "update_fields": [], "batch_save": False,
                                                "batch_size": 100, "batch_threads": 1, "view_properties": {}}
    write_optional: ClassVar[tuple[str, ...]] = ("org_number",)
    #: The envelope of BatchSave's answer, which refuses records one by one (``per_record``).
    batch_envelope: ClassVar[Envelope | None] = None
    settings: dict[str, Any]
    name: str
    _batch_http: HttpClient | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queued: list[Delivery] = []  # new employees of this pass, for finish() (batch_save)
        self._held: dict[str, tuple[str, dict[str, Any]]] = {}  # hub id -> (FID, what was written), for read_back
        if not isinstance(self.settings.get("batch_save"), bool):
            raise ConfigError(f"connector 'kingdee': batch_save is true or false, not {self.settings.get('batch_save')!r}",
                              system=self.name)
        self.batched = self.settings["batch_save"]
        for setting in ("batch_size", "batch_threads"):
            size = self.settings.get(setting)
            if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH:
                raise ConfigError(f"connector 'kingdee': {setting} is a whole number from 1 to {MAX_BATCH}, not {size!r}",
                                  system=self.name)

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

    def deliver(self, item: Delivery) -> str | None:
        """Find the employee (by FID when linked, else by the number the hub gives it); create it if
        there is none, update ``update_fields`` that differ if there is; Kingdee's FID of it.
        With ``batch_save``, a new one is queued for :meth:`finish` instead (None: no FID yet)."""
        if self.batched and item.external_id is None:
            self._queued.append(item)
            return None
        fid = self._deliver_one(item)
        self._held[item.entity_id] = (fid, self._written(item))
        return fid

    def finish(self) -> dict[str, str | HubError] | None:
        """Save the queued employees with BatchSave, ``batch_size`` at a time, each chunk after one
        lookup of their numbers; per offer (hub id): the employee's FID, or its own error."""
        queued, self._queued = self._queued, []
        if not queued:
            return None
        outcomes: dict[str, str | HubError] = {}
        for chunk in chunks(queued, int(self.settings["batch_size"])):
            outcomes.update(self._save_chunk(chunk))
        return outcomes

    def _deliver_one(self, item: Delivery) -> str:
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

    def read_back(self, kind: str) -> Iterator[tuple[str, Entity | RecordError]] | None:
        """The employees this target delivered, each read with View by its FID, as the accepted offer
        it fulfilled (the offer mapping's forward rules); a RecordError for one Kingdee does not hold,
        and one naming each field it holds otherwise than the delivery wrote (name, 任岗 numbers)."""
        if kind not in self.writes or not self._held:
            return None
        return self._read_back(kind)

    def _read_back(self, kind: str) -> Iterator[tuple[str, Entity | RecordError]]:
        mapping, client = self.reverse_mapping(kind), self.writer()
        for hub_id, (fid, written) in list(self._held.items()):
            try:
                body = client.post(VIEW, json=view_request(EMPLOYEE_FORM, fid)).json()
            except AuthError:
                raise
            except HubError as exc:
                said = exc.context.get("vendor_message") or exc.reason
                yield hub_id, RecordError(f"Kingdee's View of employee FID {fid} failed: {said}", system=self.name,
                                          entity=kind, record_id=hub_id, vendor_code=exc.context.get("vendor_code"))
                continue
            model = (body.get("Result") or {}).get("Result") if isinstance(body, dict) else None
            if not isinstance(model, dict):
                yield hub_id, RecordError(f"Kingdee's View of employee FID {fid} answered without the employee",
                                          system=self.name, entity=kind, record_id=hub_id)  # fmt: skip
                continue
            row = employee_row(model, lcid=int(self.settings.get("lcid") or 2052),
                               properties=self.settings.get("view_properties"))
            for key in [key for key, value in written.items() if not _same(row.get(key), value)]:
                yield hub_id, RecordError(f"Kingdee holds another {key} for employee FID {fid} than the delivery wrote",
                                          system=self.name, entity=kind, record_id=hub_id, field_path=key)
            try:
                yield hub_id, mapping.to_entity(row, record_id=hub_id)
            except RecordError as exc:
                yield hub_id, exc

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

    def _written(self, item: Delivery) -> dict[str, Any]:
        """What a read-back compares of what the delivery wrote: the name, the main 任岗's numbers."""
        department, post = item.payload.get("department_number"), item.payload.get("post_number")
        numbers = {"FPostDept.FNumber": department, "FPost.FNumber": post} if department and post else {}
        return {"FName": self.person(item.payload).get("name"), **numbers}

    def _save_chunk(self, chunk: list[Delivery]) -> dict[str, str | HubError]:
        """One chunk of queued employees: those Kingdee has already (a repeated pass) by one lookup,
        the others through one BatchSave; each offer's FID or error."""
        numbers = {self.number(item): item for item in chunk}
        try:
            found = self._numbered(self.writer(), list(numbers))
        except HubError as exc:
            return dict.fromkeys((item.entity_id for item in chunk), exc)
        outcomes: dict[str, str | HubError] = {numbers[number].entity_id: fid for number, fid in found.items()}
        new = [item for number, item in numbers.items() if number not in found]
        if new:
            outcomes.update(self._batch_save(new))
        for item in chunk:
            if isinstance(fid := outcomes.get(item.entity_id), str):
                self._held[item.entity_id] = (fid, self._written(item))
        return outcomes

    def _numbered(self, client: HttpClient, numbers: list[str]) -> dict[str, str]:
        """number -> FID of the employees Kingdee holds with one of ``numbers``: one ExecuteBillQuery."""
        field = str(self.settings["number_field"])
        rows = client.post(QUERY, json={"data": {
            "FormId": EMPLOYEE_FORM, "FieldKeys": f"FID,{field}",
            "FilterString": f"{field} IN ({','.join(filter_value(n) for n in numbers)})", "OrderString": "",
            "TopRowCount": 0, "StartRow": 0, "Limit": len(numbers)}}).json()  # fmt: skip
        return {str(row[1]): str(row[0]) for row in rows if isinstance(row, list) and len(row) >= 2 and row[0]} \
            if isinstance(rows, list) else {}  # fmt: skip

    def _batch_save(self, new: list[Delivery]) -> dict[str, str | HubError]:
        """One BatchSave of ``new`` employees; each one's FID, or the error Kingdee gave it by ``DIndex``."""
        data = {"NeedUpDateFields": [], "NeedReturnFields": ["FID", str(self.settings["number_field"])],
                "IsDeleteEntry": "false", "NumberSearch": "true",
                "IsAutoSubmitAndAudit": "true" if self.settings.get("auto_audit") else "false",
                "BatchCount": int(self.settings["batch_threads"]), "Model": [self._new_employee(item) for item in new]}
        try:
            body = self._batch_writer().post(BATCH_SAVE, json={"formid": EMPLOYEE_FORM, "data": data}).json()
        except HubError as exc:
            return dict.fromkeys((item.entity_id for item in new), exc)
        status = response_status(body) or {}
        answered = batch_outcomes(status, len(new))
        outcomes: dict[str, str | HubError] = {}
        for place, item in enumerate(new):
            outcome = answered.get(place)
            if isinstance(outcome, Saved):
                outcomes[item.entity_id] = outcome.fid
                if outcome.said is not None:  # saved, then refused a step after (submit, audit): Kingdee's users see it
                    log.warning("Kingdee saved employee FID %s (offer %s) but refused it a step after, naming %s",
                                outcome.fid, item.entity_id, outcome.said.field or "no field")
            elif isinstance(outcome, Refused):
                outcomes[item.entity_id] = RecordError(
                    f"Kingdee refused the employee: {outcome.message}", system=self.name, entity=item.kind,
                    record_id=item.entity_id, vendor_code=str(status.get("MsgCode")),
                    **({"field_path": outcome.field} if outcome.field else {}))  # fmt: skip
            else:
                outcomes[item.entity_id] = TransientConnectorError(
                    "Kingdee's BatchSave answer says nothing of this employee; the next pass looks it up by its "
                    "number before saving it again", system=self.name, entity=item.kind, record_id=item.entity_id)
        return outcomes

    def _batch_writer(self) -> HttpClient:
        """The client BatchSave is sent with: its answer judged record by record (``batch_envelope``)."""
        if self._batch_http is None:
            self._batch_http = self.client(envelope=self.batch_envelope)  # type: ignore[attr-defined]
        return self._batch_http

    def close(self) -> None:
        super().close()
        if self._batch_http is not None:
            self._batch_http.close()
            self._batch_http = None

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
