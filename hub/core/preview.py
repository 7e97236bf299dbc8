"""What a vendor payload or an export file maps to, without a store: the canonical records and the errors.

``hub map`` shows a mapping author (or whoever reads a dead letter) what the hub would make of some
input before anything is stored. It must be the truth about a sync or a migration, so it takes their
record path and nothing else: each record goes through the migration's row mapper
(:class:`~hub.core.migrate.validate.RowMapper`, i.e. :class:`~hub.core.record_transform.RecordTransform`:
mapping, canonical model, plugin validators), an export file is read by the export connector as
``hub migrate`` reads it (:class:`~hub.core.migrate.endpoints.FileSource`), and a vendor payload is
first prepared by the configured connector (``prepare_page``, e.g. Greenhouse's scorecard ratings and
offer salary under ``_hub``) as a sync prepares its pages. Nothing is written; no key ring is needed.

Which input is which comes from the system's mapping folder: ``files/<system>/`` is an export, every
other category a connector whose records come as a JSON payload (one object, or a list of them) of
one entity.

Example:
    >>> from hub.core.config import HubConfig
    >>> result = preview_input(HubConfig(), "legacy_ai_interview",
    ...                        Path("hub/examples/legacy_ai_interview/ai_interview_results.csv"), entity="job")
    >>> result.records[0].kind, result.records[0].title
    ('job', '产品经理')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.core.config import HubConfig
from hub.core.connector import Category, RestConnector, Stream
from hub.core.errors import ConfigError, RecordError, UnreadableFileError, UnsafeFileError, mask
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.mapping_files import BUILTIN_MAPPINGS
from hub.core.migrate.endpoints import FileSource, SourceRow
from hub.core.migrate.findings import Finding
from hub.core.migrate.validate import RowMapper
from hub.core.models import Entity, pii_fields
from hub.core.plugins import Registry, load_registry
from hub.core.record_transform import Validator
from hub.core.runtime import build_connector

__all__ = ["Preview", "preview_input", "preview_rows", "read_payload", "shown_record", "MAX_PAYLOAD_BYTES"]

#: The largest payload file read: a vendor page or a dead letter's payload is far smaller.
MAX_PAYLOAD_BYTES = 64 << 20


@dataclass
class Preview:
    """The canonical records an input maps to, in input order, and the findings of what failed.

    Each finding carries its typed error (PII already masked by whoever raised it).

    Example:
        >>> from hub.core.mapping import load_mapping_text
        >>> m = load_mapping_text("system: s\\nentity: job\\nrecord_id: id\\nfields:\\n  title: {from: t, required: true}\\n")
        >>> rows = [(1, "p.json:1", {"id": 1, "t": "产品经理"}, None), (2, "p.json:2", {"id": 2}, None)]
        >>> result = preview_rows({"job": m}, rows)
        >>> [job.title for job in result.records], [finding.field for finding in result.findings]
        (['产品经理'], ['job.title'])
    """

    records: list[Entity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: What the reader should know about how the input was taken (e.g. a payload left unprepared).
    notes: list[str] = field(default_factory=list)


def preview_rows(mappings: Mapping[str, CompiledMapping], rows: Iterable[SourceRow],
                 validators: Iterable[Validator] = ()) -> Preview:  # fmt: skip
    """Every row mapped by ``mappings`` (those of its kinds, or all for an export's wide rows), as a migration maps it."""
    mapper, result = RowMapper(mappings, validators=validators), Preview()
    for number, record, row, kinds in rows:
        if isinstance(row, RecordError):
            result.findings.append(Finding.from_error(row, row=number, record=record))
            continue
        mapped = mapper.map(row, number, record, kinds)
        result.records.extend(mapped.entities)
        result.findings.extend(mapped.findings)
    return result


def preview_input(config: HubConfig, system: str, path: Path, *, entity: str | None = None,
                  registry: Registry | None = None) -> Preview:  # fmt: skip
    """``path`` read as ``system``'s input and mapped (see the module docstring).

    Args:
        config: hub.yaml (its ``mappings`` folders, and the connector that prepares a payload).
        system: a system with mapping files (:meth:`~hub.core.mapping_files.MappingLookup.systems`).
        path: an export file (CSV, XLSX, JSONL) of a ``files`` system, else a JSON payload.
        entity: only this kind; a payload needs it when its system maps several.
        registry: the plugins' registry (validators, connector classes); loaded when not given.

    Raises:
        ConfigError: an unknown system or entity (the message lists the known ones).
        UnreadableFileError: the file is missing, unreadable or not JSON (:class:`UnsafeFileError`: too large).
    """
    lookup = config.mapping_lookup
    systems = lookup.systems(BUILTIN_MAPPINGS)
    if system not in systems:
        raise ConfigError(f"no mappings for system {system!r}; known: {', '.join(systems)}", system=system)
    registry = registry or load_registry()
    if systems[system] == Category.FILES:
        source = FileSource({"path": str(path), "export": system}, [entity] if entity else None, mapping_lookup=lookup)
        return preview_rows(source.mappings, source.rows(), registry.validators)
    return _preview_payload(config, registry, systems[system], system, path, entity)


def _preview_payload(config: HubConfig, registry: Registry, category: str, system: str, path: Path,
                     entity: str | None) -> Preview:  # fmt: skip
    """A connector system's JSON payload: prepared by the configured connector when there is one, then mapped."""
    lookup = config.mapping_lookup
    kind = _one_kind(system, [name.removesuffix(".yaml") for name in lookup.folder(BUILTIN_MAPPINGS, category, system)],
                     entity)  # fmt: skip
    records = read_payload(path)
    prepared = _configured_stream(config, registry, system, kind)
    if prepared is None:
        mapping = load_mapping(lookup.file(BUILTIN_MAPPINGS, category, system, f"{kind}.yaml"))
    else:
        connector, stream = prepared
        mapping = load_mapping(connector.mapping_path(stream.mapping_file))
        with connector.client() as client:
            records = connector.prepare_page(client, stream, records)
    rows = ((number, f"{path.name}:{number}", record, frozenset({kind})) for number, record in enumerate(records, 1))
    result = preview_rows({kind: mapping}, rows, registry.validators)
    if prepared is None and issubclass(registry.connectors.get(system, object), RestConnector):
        result.notes.append(f"hub.yaml configures no {system} connector: the payload was mapped as given, without "
                            "the page preparation a sync applies (configure the connector to see it)")
    return result


def read_payload(path: Path) -> list[Any]:
    """The records of a JSON payload file: its one object, or its list.

    Raises:
        UnreadableFileError: missing, unreadable, not UTF-8, not JSON, or neither an object nor a list.
        UnsafeFileError: larger than :data:`MAX_PAYLOAD_BYTES`, or nested too deeply to parse.
    """
    try:
        if path.stat().st_size > MAX_PAYLOAD_BYTES:
            raise UnsafeFileError(f"larger than {MAX_PAYLOAD_BYTES >> 20} MiB; not read", stream=path.name)
        value = json.loads(path.read_bytes())
    except OSError as exc:
        raise UnreadableFileError(exc.strerror or "cannot be read", stream=str(path)) from None
    except RecursionError:
        raise UnsafeFileError("nested too deeply to parse", stream=path.name) from None
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
        raise UnreadableFileError(f"not a JSON payload: {_first_line(exc)}", stream=path.name) from None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise UnreadableFileError(f"a payload is a JSON object or a list of them, not {type(value).__name__}", stream=path.name)


def shown_record(entity: Entity, *, show_pii: bool = False) -> dict[str, Any]:
    """``entity`` as JSON-safe data, its PII fields masked as reports and errors mask them unless ``show_pii``.

    Example:
        >>> from hub.core.models import Candidate
        >>> shown_record(Candidate(external_ids={"s": "1"}, name="张伟", phones=["+8613800138000"]))
        {'external_ids': {'s': '1'}, 'name': '**', 'emails': [], 'phones': '[**********8000]', 'tags': []}
    """
    data = entity.model_dump(mode="json", exclude_none=True)
    if show_pii:
        return data
    pii = pii_fields(type(entity))
    return {name: mask(value) if name in pii and value else value for name, value in data.items()}


def _one_kind(system: str, kinds: list[str], entity: str | None) -> str:
    if entity is None and len(kinds) == 1:
        return kinds[0]
    if entity is None:
        raise ConfigError(f"{system} maps {', '.join(kinds)}: choose the payload's kind with --entity", system=system)
    if entity not in kinds:
        raise ConfigError(f"{system} maps {', '.join(kinds)}, not {entity!r}", system=system)
    return entity


def _configured_stream(config: HubConfig, registry: Registry, system: str, kind: str) -> tuple[RestConnector, Stream] | None:
    """The connector hub.yaml configures for ``system`` and its stream of ``kind``, if there are both: a
    payload is then prepared as a sync prepares that stream's pages (the settings shape derived values)."""
    keys = [key for key, entry in config.connectors.items() if entry.type == system]
    connector = build_connector(config, registry, keys[0]) if keys else None
    stream = next((stream for stream in connector.streams if stream.entity == kind), None) if connector else None
    return (connector, stream) if connector and stream else None


def _first_line(error: ValueError) -> str:
    return str(error).splitlines()[0]
