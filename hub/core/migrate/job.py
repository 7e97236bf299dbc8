"""Migration jobs: read a source in batches, validate, write with a checkpoint, reconcile, decide.

One batch is one target transaction holding the batch's entities, its dead letters and the run's
checkpoint (position in the source + everything the report needs so far), so a run killed at any
point resumes from its last committed batch (:meth:`Migration.run` with ``resume=``) and the
idempotent upserts make repeating a half-done batch harmless. The run ledger (a scratch SQLite file
in ``workdir``, see :mod:`hub.core.migrate.ledger`) is committed just before the target, with
idempotent writes only.

Reading, mapping and validating run in a forked child (:mod:`hub.core.forked`) one batch ahead of
the parent, which keeps everything that decides crash safety: the ledger, the target transaction,
the checkpoint and their order. A killed run therefore resumes exactly as before; the child's work
past the last commit is simply done again.

A dry run validates everything and reports, but writes nothing to the target and does not
reconcile. Pass or fail is decided by :class:`Thresholds`.

Observers get ``run_started``, ``batch_committed`` (after each batch's transaction), ``record_failed``
(each record a finding rejected, with its typed error) and ``run_finished``
:class:`~hub.core.events.HubEvent` through the ``hub_event`` hook, as from a sync.

Example:
    >>> settings = JobSettings(source={"path": "hub/examples/legacy_ai_interview/ai_interview_results.csv",
    ...                                "export": "legacy_ai_interview"},
    ...                        thresholds=Thresholds(max_error_rate=0.2))
    >>> settings.thresholds.max_error_rate
    0.2
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pluggy
from pydantic_core import to_json

from hub.core.errors import ConfigError, RecordError, run_ending
from hub.core.events import Events, Listener
from hub.core.forked import ahead, worth_forking
from hub.core.gcpause import rare_collections
from hub.core.mapping import CompiledMapping
from hub.core.migrate.batch import Batch, MappedRow, last_of_each
from hub.core.migrate.checks import UNIQUE_FIELDS, Coverage, Duplicates, Ledgered, References
from hub.core.migrate.endpoints import Source, SourceRow, StoreTarget
from hub.core.migrate.findings import Finding
from hub.core.migrate.ledger import Ledger
from hub.core.migrate.progress import Progress
from hub.core.migrate.reconcile import Digester, KindReconciliation, entity_values, normalized_fields, reconcile, shown
from hub.core.migrate.resume import ResumePoint
from hub.core.migrate.validate import RowMapper, TextChecks, prepare_rows
from hub.core.models import ENTITY_TYPES, Provenance, pii_fields
from hub.core.record_transform import Validator, precompute
from hub.core.stages import Stages
from hub.core.store import EntityCodec, loads

__all__ = ["Thresholds", "JobSettings", "MigrationResult", "Migration", "MAX_DETAILS", "DEFAULT_MAX_ERROR_RATE"]

#: Findings kept in detail (the counts by field and kind are always complete).
MAX_DETAILS = 5000

#: The one default for ``hub demo`` and ``hub migrate`` (``--max-error-rate`` overrides it). A legacy
#: export always holds some bad rows; each is rejected to a dead letter and listed in the report, so
#: 0 % would fail every real first run, while above 15 % the export (or its mapping) is wrong as a
#: whole and a person should look before anything is called a success.
DEFAULT_MAX_ERROR_RATE = 0.15


@dataclass(frozen=True)
class Thresholds:
    """What a migration may lose and still pass.

    Args:
        max_error_rate: highest share of source rows with at least one finding (0.01 = 1 %).
        max_missing: records validated and written but not found in the target (not in the store, or
            not taken by a target connector).
        max_mismatches: (record, field) pairs whose value read back differs from the one written.

    Example:
        >>> Thresholds().max_error_rate
        0.15
    """

    max_error_rate: float = DEFAULT_MAX_ERROR_RATE
    max_missing: int = 0
    max_mismatches: int = 0


@dataclass(frozen=True)
class JobSettings:
    """A migration job, as a job file or the command line describes it (saved with each checkpoint).

    Args:
        source: the file connector's settings (``path`` and ``export`` or ``mappings``...).
        entities: entity kinds to migrate (default: every mapping of the source).
        batch_size: rows per transaction and checkpoint.
        max_length: ``{column: width}`` of the legacy columns, to flag values probably cut.
        sample_size: field diffs kept per entity kind in the report.
        dry_run: validate and report only.
        target: ``store``, or the hub.yaml name of a connector that writes (the store, then delivered to it).
    """

    source: dict[str, Any]
    entities: tuple[str, ...] = ()
    batch_size: int = 1000
    max_length: dict[str, int] = field(default_factory=dict)
    sample_size: int = 20
    thresholds: Thresholds = field(default_factory=Thresholds)
    dry_run: bool = False
    target: str = "store"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSettings:
        """Settings from a job file or a checkpoint. Raises ConfigError on unknown keys or bad values."""
        try:
            thresholds = Thresholds(**data.get("thresholds", {}))
            rest = {k: v for k, v in data.items() if k != "thresholds"}
            settings = cls(**{**rest, "entities": tuple(rest.get("entities", ())), "thresholds": thresholds})
        except TypeError as exc:
            raise ConfigError(f"bad migration job settings: {exc}") from None
        if settings.batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        return settings


@dataclass
class MigrationResult:
    """How a run ended: its id, pass/fail, and the state the report is built from.

    ``rejected_rows`` maps each source row number a record of which was rejected (a dead letter when
    the run writes) to why, PII masked: the rows offered back to fix and re-import. A resumed run
    holds those of the rows it read itself; the earlier ones are its dead letters.
    """

    run_id: str
    passed: bool
    state: dict[str, Any]
    findings: list[Finding]
    reconciliation: list[KindReconciliation]
    reasons: list[str]
    rejected_rows: dict[int, list[str]] = field(default_factory=dict)


def _fresh_state(settings: JobSettings) -> dict[str, Any]:
    return {
        "settings": settings.to_dict(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "position": 0,
        "position_record": None,
        "position_fingerprint": None,
        "rows": 0,
        "rows_with_findings": 0,
        "entities": {},
        "finding_counts": {},
        "findings": [],
        "filled": {},
        "columns": [],
    }


class Migration:
    """One migration run of a source into a target.

    Args:
        settings: the job.
        source: where rows come from.
        target: the store target (also read in a dry run, to resolve references; never written).
        workdir: where the run ledger lives (``<workdir>/<run id>.ledger``); a temporary directory
            when ``None``, which makes the run impossible to resume after a crash.
        progress: show a progress bar on stderr.
        on_batch: called after each committed batch with the state (observers, tests).
        parallel: map and validate in a forked child while this process writes (False, or a
            platform without ``fork``: all in this process; the results are the same). Default:
            :func:`~hub.core.forked.worth_forking`, the policy sync uses too.
        validators: the plugins' record validators (``Registry.validators``), run on every record
            as a sync runs them; a rejection is a finding (and a dead letter when the run writes).
        pm: the plugin manager whose ``hub_event`` observers get the run's events.
        listeners: in-process event listeners.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.store import Store
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> from hub.core.migrate.endpoints import FileSource
        >>> src = FileSource({"path": "hub/examples/legacy_ai_interview/ai_interview_results.csv",
        ...                   "export": "legacy_ai_interview"})
        >>> job = JobSettings(source=src.settings, thresholds=Thresholds(max_error_rate=0.2))
        >>> result = Migration(job, src, StoreTarget(store, src.system), progress=False).run()
        >>> result.passed, result.state["rows"], len(result.findings), sorted(result.rejected_rows)
        (True, 60, 16, [9, 17, 24, 32, 39, 47, 54])
    """

    def __init__(
        self,
        settings: JobSettings,
        source: Source,
        target: StoreTarget,
        *,
        workdir: Path | None = None,
        progress: bool = True,
        on_batch: Callable[[dict[str, Any]], None] | None = None,
        parallel: bool | None = None,
        validators: Sequence[Validator] = (),
        pm: pluggy.PluginManager | None = None,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.settings, self.source, self.target = settings, source, target
        self.validators, self.pm, self.listeners = tuple(validators), pm, tuple(listeners)
        self.workdir = workdir
        self.progress = progress
        self.on_batch = on_batch
        self.parallel = worth_forking() if parallel is None else parallel
        self.keyring = target.store.keyring

    # ---- the run ---------------------------------------------------------------------------------

    def run(self, *, resume: str | None = None) -> MigrationResult:
        """Migrate (or, with ``resume``, continue run ``resume``), then reconcile and decide."""
        dry = self.settings.dry_run
        if resume:
            if dry:
                raise ConfigError("a dry run cannot resume a run: it writes nothing")
            state = self.target.load_checkpoint(resume)
            run_id = resume
        else:
            state = _fresh_state(self.settings)
            if not dry:  # idempotent; it also records the ring's key checks on a store from before them
                self.target.store.upgrade()
            run_id = uuid.uuid4().hex if dry else self.target.store.start_job_run("migrate")
        scratch = None if self.workdir else tempfile.TemporaryDirectory(prefix="hub-migrate-")
        folder = self.workdir or Path(scratch.name)  # type: ignore[union-attr]
        folder.mkdir(parents=True, exist_ok=True)
        ledger = Ledger(folder / f"{run_id}.ledger")
        events = Events(self.pm, self.listeners, run_id)
        events("run_started", engine="migrate", source=self.source.name, system=self.source.system,
               target=self.settings.target, dry_run=dry, resumed=bool(resume))  # fmt: skip
        try:
            with rare_collections():
                result = self._run(run_id, state, ledger, events)
            state["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
        except BaseException as exc:
            ending = run_ending(exc)
            if not dry:  # resumable from its last checkpoint all the same
                self.target.store.abort_job_run(run_id, exc, self.counters(state))
            events("run_finished", engine="migrate", passed=False, reasons=[ending["error"]], **ending,
                   **self.counters(state))  # fmt: skip
            raise
        finally:
            ledger.close()
            if scratch is not None:
                scratch.cleanup()
        events("run_finished", engine="migrate", passed=result.passed, reasons=result.reasons, **self.counters(state))
        return result

    def _run(self, run_id: str, state: dict[str, Any], ledger: Ledger, events: Events) -> MigrationResult:
        source, target, dry = self.source, self.target, self.settings.dry_run
        state["system"] = source.system
        target_known = target.known if target.ready() else None
        identity = target.store.identity
        unique = {kind: identity.fields_for(kind) or UNIQUE_FIELDS.get(kind, ()) for kind in source.mappings}
        stages: Stages[Batch, Finding] = Stages([  # in this order: each sees what the one before rejected
            Duplicates(source.system, target.store.codec, ledger, unique),
            References(source.system, ledger, target_known),
            Ledgered(ledger),
            Coverage(source.mappings, source.every_mapping, state["columns"], state["filled"]),
        ])
        digester = Digester(self.keyring)
        rejected_rows: dict[int, list[str]] = {}
        provenance = Provenance(system=source.system, stream=source.name, fetched_at=dt.datetime.fromisoformat(state["started_at"]))
        mapper = RowMapper(source.mappings, provenance, self.validators)
        for kind, names in state["filled"].items():
            mapper.filled.setdefault(kind, set()).update(names)
        text = TextChecks(self.settings.max_length)
        resume, columns = ResumePoint.of(state, self.keyring, source.system), state["columns"]
        batches = ahead(lambda: self._batches(source.rows(resume.number), resume, text, mapper, digester, columns), depth=2,
                        enabled=self.parallel, in_child=target.forget_connections,
                        spare=partial(_precompute, target.store.codec))  # fmt: skip
        with Progress(None, enabled=self.progress) as bar, closing(batches):
            for batch in batches:
                rows = batch.rows
                stages.check(batch)
                written = last_of_each(rows)
                self._account(batch, state)
                if not dry:
                    with target.store.transaction() as tx:
                        target.write(tx, [p for _, p, _ in written.values()], run_id)
                        for row, raw in zip(rows, batch.raws):
                            for finding in _rejections(row):
                                payload = None if raw is None else loads(raw)
                                target.dead_letter(tx, run_id, finding.error, payload, finding.entity, row.record,
                                                   _links(source.mappings.values(), payload))  # fmt: skip
                        target.save_checkpoint(tx, run_id, state)
                    events("batch_committed", engine="migrate", rows=len(rows), written=len(written),
                           position=state["position"], rows_so_far=state["rows"])  # fmt: skip
                for row in rows:
                    for finding in _rejections(row):
                        if row.number is not None:
                            rejected_rows.setdefault(row.number, []).append(f"{finding.field}: {finding.error.reason}")
                        events.record_failed(finding.error, engine="migrate", row=row.number, record=row.record,
                                             kind=finding.kind)  # fmt: skip
                bar.advance(len(rows))
                if self.on_batch:
                    self.on_batch(state)
        findings = [Finding.from_dict(item, source.system) for item in state["findings"]]
        late = stages.finish()
        for finding in late:
            self._count(state, finding)
        findings += late
        results: list[KindReconciliation] = []
        if not dry:
            target.deliver(run_id, events)
            results, mismatches = reconcile(
                list(source.mappings), ledger, digester, target.read_back, target.count,
                system=source.system, sample_size=self.settings.sample_size,
                parallel=self.parallel and target.forkable, in_child=target.forget_connections,
            )  # fmt: skip
            self._fill_source_values(results)
            delivery = target.delivery_findings(run_id)
            for result in results:
                result.count_delivery(delivery.get(result.kind, []), self.settings.sample_size)
                mismatches += delivery.get(result.kind, [])
            for finding in mismatches:
                self._count(state, finding)
            findings += mismatches
        passed, reasons = self._decide(state, results)
        if not dry:
            target.store.finish_job_run(run_id, "succeeded" if passed else "failed", self.counters(state))
        return MigrationResult(run_id, passed, state, findings, results, reasons, rejected_rows)

    def _batches(
        self, rows: Iterator[SourceRow], resume: ResumePoint, text: TextChecks, mapper: RowMapper, digester: Digester,
        columns: list[str],
    ) -> Iterator[Batch]:
        """The producer: source rows read, checked, mapped and prepared for the store, in batches
        (runs in the forked child).

        The source's columns are read off the first row of each kind of row (an export's wide rows
        are all of one kind; a connector's records, of one kind per stream).
        """
        codec, system = self.target.store.codec, self.source.system
        batch: list[MappedRow] = []
        raws: list[bytes | None] = []
        columns, kinds_seen = list(columns), set()

        def handed_over() -> Batch:
            prepare_rows(batch, codec, system, digester)
            numbered = ((row, raw) for row, raw in zip(reversed(batch), reversed(raws)) if row.number is not None)
            row, raw = next(numbered, (None, None))  # rows come in source order: the last numbered one
            last = None if row is None else (row.number, row.record, self.keyring.content_hash(_as_read(raw, row.record)))
            return Batch(batch, raws, list(columns), _sorted(mapper.filled), last)

        for number, record, row, kinds in rows:
            raw = None if isinstance(row, RecordError) else to_json(dict(row), serialize_unknown=True)
            if resume.covers(number, _as_read(raw, record)):
                continue
            if isinstance(row, RecordError):
                mapped = MappedRow(number, record, findings=[Finding.from_error(row, row=number, record=record)])
            else:
                if kinds not in kinds_seen:
                    kinds_seen.add(kinds)
                    columns += [key for key in self.source.columns(row) if key not in columns]
                mapped = mapper.map(row, number, record, kinds)
                mapped.findings[:0] = text.check(row, number, record)
            raws.append(raw)
            batch.append(mapped)
            if len(batch) >= self.settings.batch_size:
                yield handed_over()
                batch, raws = [], []
        resume.finish()
        if batch:
            yield handed_over()

    # ---- bookkeeping -------------------------------------------------------------------------

    def _account(self, batch: Batch, state: dict[str, Any]) -> None:
        for row in batch.rows:
            state["rows"] += 1
            if row.findings:
                state["rows_with_findings"] += 1
            for finding in row.findings:
                self._count(state, finding)
            for prepared in row.prepared:
                counts = state["entities"].setdefault(prepared.kind, {"valid": 0, "rejected": 0})
                counts["valid"] += 1
            for kind, _ in row.rejected:
                counts = state["entities"].setdefault(kind, {"valid": 0, "rejected": 0})
                counts["rejected"] += 1
        state["filled"] = batch.filled
        state["columns"] = batch.columns
        if batch.last is not None and batch.last[0] > state["position"]:
            state["position"], state["position_record"], state["position_fingerprint"] = batch.last

    @staticmethod
    def _count(state: dict[str, Any], finding: Finding) -> None:
        by_kind = state["finding_counts"].setdefault(finding.field, {})  # field -> finding kind -> count
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
        if len(state["findings"]) < MAX_DETAILS:
            state["findings"].append(finding.to_dict())

    def _fill_source_values(self, results: list[KindReconciliation]) -> None:
        """Add the source side to the sampled diffs, by mapping again just the rows they came from."""
        wanted = {diff["row"] for result in results for diff in result.diffs if diff["row"] is not None}
        if not wanted:
            return
        mapper = RowMapper(self.source.mappings)
        values: dict[tuple[str, str], dict[str, str]] = {}
        for number, record, row, kinds in self.source.rows():
            if number in wanted and not isinstance(row, RecordError):
                for entity in mapper.map(row, number, record, kinds).entities:
                    key = (entity.kind, entity.external_ids[self.source.system])
                    values[key] = normalized_fields(entity.kind, entity_values(entity))
        for result in results:
            pii = pii_fields(ENTITY_TYPES[result.kind])
            for diff in result.diffs:
                value = values.get((result.kind, diff["record"]), {}).get(diff["field"])
                if value is not None:
                    diff["source"] = shown(value, diff["field"] in pii)

    def _decide(self, state: dict[str, Any], results: list[KindReconciliation]) -> tuple[bool, list[str]]:
        limits, reasons = self.settings.thresholds, []
        if not state["rows"]:  # an export cut off after its header passes every threshold vacuously
            reasons.append("the source held no records (an empty or header-only export?): nothing was migrated")
        rate = state["rows_with_findings"] / state["rows"] if state["rows"] else 0.0
        if rate > limits.max_error_rate:
            reasons.append(f"error rate {rate:.2%} is above max_error_rate {limits.max_error_rate:.2%}")
        missing = sum(result.missing for result in results)
        undelivered = sum(result.undelivered for result in results)
        if missing + undelivered > limits.max_missing:
            lost = f"{missing} records missing in the store" + (f", {undelivered} not delivered to the target" if undelivered else "")
            reasons.append(f"{lost} (max_missing {limits.max_missing})")
        mismatches = sum(sum(result.mismatched.values()) + sum(result.connector_mismatched.values()) for result in results)
        if mismatches > limits.max_mismatches:
            reasons.append(f"{mismatches} field values differ in the target (max_mismatches {limits.max_mismatches})")
        state["error_rate"] = rate
        return not reasons, reasons

    @staticmethod
    def counters(state: dict[str, Any]) -> dict[str, Any]:
        """The counters kept with the job run (no PII: counts only)."""
        return {"rows": state["rows"], "rows_with_findings": state["rows_with_findings"], "entities": state["entities"]}


def _precompute(codec: EntityCodec, batch: Batch) -> None:
    """:func:`~hub.core.record_transform.precompute` for a batch's records: at 1,000,000 rows the
    writer, its database grown, is the busier process."""
    precompute(codec, (prepared for row in batch.rows for prepared in row.prepared))


def _rejections(row: MappedRow) -> Iterator[Finding]:
    """The row's findings that rejected a record (each becomes a dead letter), not warnings about its text."""
    return (f for f in row.findings if f.entity and f.kind not in ("mojibake", "truncated"))


def _links(mappings: Iterable[CompiledMapping], payload: Any) -> set[tuple[str, str]]:
    """``(system, own id)`` of each record a rejected row names: what its dead letter links to."""
    ids = ((mapping.system, mapping.own_id(payload)) for mapping in mappings) if isinstance(payload, dict) else ()
    return {(system, own_id) for system, own_id in ids if own_id is not None}


def _as_read(raw: bytes | None, record: str) -> bytes:
    """What a row's fingerprint covers: its JSON, or for a row that could not be read, its label."""
    return raw if raw is not None else record.encode()


def _sorted(filled: dict[str, set[str]]) -> dict[str, list[str]]:
    return {kind: sorted(names) for kind, names in filled.items()}


