"""Greenhouse Harvest **v3** write side: applications created, moved and rejected from canonical changes.

Endpoints (facts and sources in docs/connectors/greenhouse.md, "Write endpoints"):

* ``POST /v3/applications/{id}/move`` — body ``from_stage_id`` (required, must equal the current stage:
  Greenhouse's guard against stale moves) and ``to_stage_id``; 204, or 422;
* ``POST /v3/applications/{id}/reject`` — body ``rejection_reason_id`` (required), optional ``notes``;
  204, or 422;
* ``POST /v3/applications`` — add an application to a candidate (the v3 route of v1's
  ``POST /v1/candidates/{id}/applications``);
* reads: ``GET /v3/applications?ids=`` / ``?candidate_ids=&job_ids=`` and ``GET /v3/job_interview_stages?job_ids=``.

Greenhouse has no idempotency keys, so every write is made safe to repeat by reading first: an
application already in the wanted stage or already rejected is left alone, and an application is
looked up by (candidate, job) before one is created — a delivery repeated after a crash finds its own
earlier write. A 422 on a move is re-read: if the current stage changed under us (the
``from_stage_id`` guard) the move is retried from the fresh stage, up to ``conflict_rereads`` times,
then a :class:`~hub.core.errors.WriteConflictError` sends it back to the outbox; any other 422 is the
target's final word and becomes a dead letter with Greenhouse's message.

The payload comes from the ``reverse:`` section of hub/mappings/hr_suites/greenhouse/application.yaml:
``candidate_id``, ``job_id`` (Greenhouse ids), canonical ``status``, ``stage_name`` (the Greenhouse
stage a canonical status moves to; absent = no move), ``known_stage`` (the stage the hub last saw) and
``rejection_reason``. A ``stage_name`` of ``@next`` moves to the stage after ``known_stage`` in the
job's pipeline (``job_interview_stages`` order). Greenhouse's own "advance" is never used: repeated
after a crash it would move the candidate twice, while a target fixed from ``known_stage`` is reached once.

hub.yaml settings for writing (besides the read settings)::

    rejection_reasons: {"not a fit": 4012}   # canonical reject_reason text -> rejection_reason_id
    default_rejection_reason_id: 4000        # when the reason is empty or not in the table
"""

from __future__ import annotations

from typing import Any, ClassVar

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import PermanentConnectorError, WriteConflictError
from hub.core.http import HttpClient

__all__ = ["GreenhouseWrites", "NEXT_STAGE"]

#: A ``stage_for_status`` value meaning "the stage after the one the hub last saw".
NEXT_STAGE = "@next"


class GreenhouseWrites(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.greenhouse.Greenhouse` (mixed into it).

    Example:
        >>> GreenhouseWrites.writes
        ('application',)
    """

    writes: ClassVar[tuple[str, ...]] = ("application",)
    conflict_rereads: ClassVar[int] = 3
    settings: dict[str, Any]
    name: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """A new application needs its candidate's and job's Greenhouse ids: without them it cannot be created."""
        if item.external_id is None:
            for missing in ("candidate", "job"):
                if item.payload.get(f"{missing}_id") is None:
                    return self._refused(item, f"the application's {missing} has no Greenhouse id yet; deliver or sync it first")
        return None

    def deliver(self, item: Delivery) -> str:
        """Create the application if Greenhouse has none for it, then move or reject it as the payload says."""
        client = self.writer()
        if item.external_id is not None:
            application = self._one(client, {"ids": item.external_id})
            if application is None:
                raise self._refused(item, f"application {item.external_id} is not in Greenhouse (deleted there?)")
        else:
            application = self._find_or_create(client, item)
        self._apply_status(client, item, application)
        return str(application["id"])

    # -- reads

    def _one(self, client: HttpClient, params: dict[str, Any]) -> dict[str, Any] | None:
        found = client.get_json("/applications", params=params)
        return found[0] if isinstance(found, list) and found else None

    def _stage_id(self, client: HttpClient, item: Delivery, job_id: Any, name: str) -> Any:
        """The id of the stage ``name`` of the job, or of the stage after ``known_stage`` for ``@next``."""
        stages = client.get_json("/job_interview_stages", params={"job_ids": job_id})
        names = [stage.get("name") for stage in stages] if isinstance(stages, list) else []
        if name == NEXT_STAGE:
            known = item.payload.get("known_stage")
            if known not in names or names.index(known) + 1 == len(names):
                raise self._refused(item, f"cannot move to the stage after {known!r}: job {job_id} has stages {names}")
            name = names[names.index(known) + 1]
        if name not in names:
            raise self._refused(item, f"job {job_id} has no interview stage named {name!r}; fix the mapping's stage_for_status table")
        return stages[names.index(name)]["id"]

    # -- writes

    def _find_or_create(self, client: HttpClient, item: Delivery) -> dict[str, Any]:
        candidate_id, job_id = item.payload["candidate_id"], item.payload["job_id"]  # present: see refusal()
        existing = self._one(client, {"candidate_ids": candidate_id, "job_ids": job_id})
        if existing is not None:
            return existing
        return client.post("/applications", json={"candidate_id": candidate_id, "job_id": job_id}).json()

    def _apply_status(self, client: HttpClient, item: Delivery, application: dict[str, Any]) -> None:
        payload = item.payload
        if payload.get("status") == "rejected":
            if application.get("status") != "rejected":
                client.post(f"/applications/{application['id']}/reject",
                            json={"rejection_reason_id": self._reason_id(item)})
            return
        stage_name = payload.get("stage_name")
        if not stage_name:
            return
        for _ in range(self.conflict_rereads):
            if application.get("status") != "in_process":
                raise self._refused(item, f"the application is {application.get('status')} in Greenhouse; only active applications move")
            to_stage = self._stage_id(client, item, application["job_id"], stage_name)
            if application.get("stage_id") == to_stage:
                return
            try:
                client.post(f"/applications/{application['id']}/move",
                            json={"from_stage_id": application["stage_id"], "to_stage_id": to_stage})
                return
            except PermanentConnectorError as exc:
                fresh = self._one(client, {"ids": application["id"]})
                if exc.status != 422 or fresh is None or fresh.get("stage_id") == application.get("stage_id"):
                    raise  # not the stale-stage guard: Greenhouse's refusal is final
                application = fresh
        raise WriteConflictError(f"the application's stage kept changing during {self.conflict_rereads} moves",
                                 system=self.name, entity=item.kind, record_id=item.entity_id)

    def _reason_id(self, item: Delivery) -> int:
        reason = item.payload.get("rejection_reason")
        if isinstance(reason, str) and reason.isdigit():
            return int(reason)  # read from Greenhouse: already its rejection_reason_id
        table = self.settings.get("rejection_reasons") or {}
        chosen = table.get(reason) if reason is not None else None
        chosen = chosen if chosen is not None else self.settings.get("default_rejection_reason_id")
        if chosen is None:
            raise self._refused(item, "no rejection_reason_id: set rejection_reasons or default_rejection_reason_id in hub.yaml")
        return int(chosen)

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
