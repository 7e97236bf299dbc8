"""A migration's batch: what source rows became (:class:`MappedRow`) and how a batch crosses
from the forked producer to the writing process (:class:`Batch`).

Example:
    >>> MappedRow(2, "a.csv:2").prepared
    []
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.migrate.findings import Finding
from hub.core.models import Entity
from hub.core.store import Prepared

__all__ = ["Batch", "MappedRow", "last_of_each"]


@dataclass
class MappedRow:
    """What one source row became: valid entities (in dependency order), rejected ones and findings.

    A migration then replaces ``entities`` by ``prepared``: the same records dumped for the store,
    in the same order, with their reconciliation digests aligned in ``digests``
    (:func:`~hub.core.migrate.validate.prepare_rows`). That is what crosses from the producer to
    the writing process, and what the checks read (:mod:`hub.core.migrate.checks`).
    """

    number: int | None
    record: str
    entities: list[Entity] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (kind, external id)
    findings: list[Finding] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    prepared: list[Prepared] = field(default_factory=list)

    def drop(self, held: Mapping[int, Any]) -> None:
        """Remove the prepared records whose ``id()`` is in ``held`` (and their digests)."""
        kept = [i for i, prepared in enumerate(self.prepared) if id(prepared) not in held]
        self.prepared = [self.prepared[i] for i in kept]
        if self.digests:
            self.digests = [self.digests[i] for i in kept]


@dataclass
class Batch:
    """One batch as the producer hands it over (pickled when it crosses from the forked child), and
    as the record path's stages (:mod:`hub.core.migrate.checks`) and the writer see it.

    Besides the mapped rows it carries the raw rows as JSON (dead letters keep them; parsed only
    for a row that becomes one, so the other rows' cells never become Python strings in the writing
    process: ~3.3 µs a row to unpickle as dicts) and what the child learnt that the parent
    checkpoints: the source's columns, the fields filled so far, and the number, label and
    fingerprint of its last row (:class:`~hub.core.migrate.resume.ResumePoint`).
    """

    rows: list[MappedRow]
    raws: list[bytes | None]
    columns: list[str]
    filled: dict[str, list[str]]
    last: tuple[int, str, str] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as plain tuples: each distinct prepared record once (in its own pickled form,
        :meth:`Prepared.__reduce__`), and per row its fields and the positions of its records.

        Why: pickled as objects (a dataclass per row, the raw rows as dicts) the batch cost ~9.6 µs
        a row to pickle and ~9.3 to unpickle; this way, with the raw rows as JSON, ~4.5 and ~2.6.
        A record shared by rows (a job) stays one object on the other side.
        """
        records: list[Prepared] = []
        positions: dict[int, int] = {}
        rows = []
        for row in self.rows:
            for prepared in row.prepared:
                if id(prepared) not in positions:
                    positions[id(prepared)] = len(records)
                    records.append(prepared)
            rows.append((row.number, row.record, row.rejected, row.findings, row.digests,
                         [positions[id(prepared)] for prepared in row.prepared]))  # fmt: skip
        return (_batch_from_tuples, (records, rows, self.raws, self.columns, self.filled, self.last))


def _batch_from_tuples(
    records: list[Prepared], rows: list[tuple[Any, ...]], raws: list[bytes | None],
    columns: list[str], filled: dict[str, list[str]], last: tuple[int, str, str] | None,
) -> Batch:
    mapped = [
        MappedRow(number, record, rejected=rejected, findings=findings, digests=digests, prepared=[records[i] for i in at])
        for number, record, rejected, findings, digests, at in rows
    ]
    return Batch(mapped, raws, columns, filled, last)


def last_of_each(batch: list[MappedRow]) -> dict[tuple[str, str], tuple[int | None, Prepared, bytes]]:
    """``{(kind, external id): (row, prepared record, digests)}`` of the batch's valid entities, the
    last row winning (as it would in the store), in order of first appearance (referenced kinds stay first)."""
    written: dict[tuple[str, str], tuple[int | None, Prepared, bytes]] = {}
    for row in batch:
        for prepared, digest in zip(row.prepared, row.digests):
            written[(prepared.kind, prepared.external_id)] = (row.number, prepared, digest)
    return written
