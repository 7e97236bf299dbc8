"""What every record goes through before the store, whichever command brought it: one piece of code.

Sync pages, webhooks, dead-letter replays (:class:`~hub.core.sync_pipeline.RecordPipeline`) and
migration rows (:class:`~hub.core.migrate.validate.RowMapper`) all turn a source record into a
stored one with :class:`RecordTransform`: map (the compiled mapping), validate (the canonical model,
then every validator plugins registered through ``hub_register_validators``), stamp (provenance and
the raw payload), prepare for the store (:meth:`~hub.core.store.codec.EntityCodec.prepare`). So a
plugin's validator rejects a record with the same typed error in a sync's dead letter, a webhook's
dead letter and a migration's finding.

The steps are separate methods because migration puts its memo between mapping and validating
(a job named on 60,000 rows is mapped to the same dict each time and validated once); a sync calls
:meth:`RecordTransform.entity`, which chains them.

Example:
    >>> from hub.core.mapping import load_mapping_text
    >>> m = load_mapping_text("system: s\\nentity: job\\nrecord_id: t\\nfields:\\n  title: {from: t}\\n")
    >>> step = RecordTransform(m, validators=[lambda e: ["no interns"] if e.title == "intern" else []])
    >>> step.entity({"t": "产品经理"}).title
    '产品经理'
    >>> step.entity({"t": "intern"})
    Traceback (most recent call last):
    ...
    hub.core.errors.RejectedByValidatorError: [model-validation-error] s job intern: no interns
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hub.core.errors import RejectedByValidatorError
from hub.core.mapping import CompiledMapping, Page
from hub.core.models import Entity, Provenance
from hub.core.store import EntityCodec, Prepared, kind_info

__all__ = ["RecordTransform", "Validator", "precompute", "prepare_for_store"]

#: A plugin's record check: ``validator(entity) -> problems`` (empty: the record is fine).
Validator = Callable[[Entity], list[str]]


class RecordTransform:
    """One mapping's per-record transform: map → validate (model, then plugin validators) → stamp.

    Args:
        mapping: the compiled mapping (its ``system`` and ``entity`` name the records).
        validators: ``hub_register_validators``' checks (``Registry.validators``), run on every
            record after the canonical model accepted it.
    """

    def __init__(self, mapping: CompiledMapping, validators: Sequence[Validator] = ()) -> None:
        self.mapping = mapping
        self.validators = tuple(validators)

    @property
    def system(self) -> str:
        return self.mapping.system

    @property
    def kind(self) -> str:
        return self.mapping.entity

    def entity(
        self,
        source: Any,
        *,
        record_id: str | None = None,
        provenance: Provenance | None = None,
        raw: Any = None,
        page: Page | None = None,
    ) -> Entity:
        """``source`` mapped, validated and stamped (:meth:`mapped`, then :meth:`validated`).

        Raises:
            MappingError: the mapping could not produce a field.
            ModelValidationError: the canonical model rejected the record
                (:class:`RejectedByValidatorError`: a plugin validator did).
        """
        label, data = self.mapped(source, record_id=record_id, page=page)
        return self.validated(data, label=label, provenance=provenance, raw=raw)

    def mapped(
        self, source: Any, *, record_id: str | None = None, page: Page | None = None
    ) -> tuple[str | None, dict[str, Any]]:
        """``(label, canonical dict)``: the record mapped, and how errors name it (its own id, masked
        if PII, else ``record_id``). ``page``: the records that came with it, which the mapping's
        ``related`` rules read (one :class:`~hub.core.mapping.Page` for a whole page).

        Raises:
            MappingError: the mapping could not produce a field.
        """
        return self.mapping.apply_labeled(source, record_id=record_id, page=page)

    def validated(
        self, data: dict[str, Any], *, label: str | None, provenance: Provenance | None = None, raw: Any = None
    ) -> Entity:
        """The canonical entity of a mapped dict, stamped with ``provenance`` and, when given, its raw
        payload (``remote_data``), then checked by every plugin validator.

        A validator that raises rejects the record (its plugin is foreign code), never the run.

        Raises:
            ModelValidationError: the canonical model rejected the record
                (:class:`RejectedByValidatorError`: a plugin validator did).
        """
        entity = self.mapping.validate(data, label=label)
        if provenance is not None:
            entity.provenance = provenance
        if raw is not None:
            entity.remote_data = raw
        for validator in self.validators:
            try:
                problems = validator(entity)
            except Exception as exc:  # noqa: BLE001 — plugin code is foreign: its crash rejects the record, not the run
                problems = [f"validator {getattr(validator, '__qualname__', validator)} crashed: {type(exc).__name__}"]
            if problems:
                raise RejectedByValidatorError("; ".join(problems), system=self.system, entity=self.kind, record_id=label)
        return entity

    def own_id(self, source: Any) -> str | None:
        """The id a rejected record would have had (its own id at the mapping's ``record_id``)."""
        return self.mapping.own_id(source)


def prepare_for_store(codec: EntityCodec, entity: Entity, system: str, *, detach: bool) -> Prepared:
    """``entity`` dumped once for :meth:`Store.upsert_prepared`; ``detach`` drops the model, so it
    pickles as plain data when it crosses from a forked producer to the writing process."""
    prepared = codec.prepare(entity, system)
    return codec.detach(prepared) if detach else prepared


def precompute(codec: EntityCodec, prepared: Iterable[Prepared]) -> None:
    """In a forked producer whose writer is behind (``ahead(spare=...)``): the content hashes and
    blind indexes of prepared records, which the writer would otherwise compute (they are kept in
    the records and cross with them).

    Why only then: computed in the producer for good they made it the busier process (a sync's
    producer fetches and maps; a migration's at 100,000 rows), while a writer with a grown database
    is the busier one and would have the producer wait.
    """
    for record in prepared:
        codec.hash_of(record)
        if kind_info(record.kind).indexed:
            codec.blind_of(record)
