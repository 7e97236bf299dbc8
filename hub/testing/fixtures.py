"""Before/after mapping fixtures: raw payloads and the canonical output they must become.

A connector's fixture folder holds, per mapping file ``<name>.yaml``, a pair:
``<name>.before.json`` (a list of records as the mapping receives them: the vendor's record after the
connector's ``prepare_page``) and ``<name>.after.json`` (the canonical entity each becomes, in JSON
form with nulls left out). The pair pins the output: a mapping edit, a transform change or a model
change that alters it fails until the ``after`` file is regenerated on purpose, with
``HUB_UPDATE_FIXTURES=1`` (the diff is then reviewed like code).

Example:
    >>> from hub.core.mapping import load_mapping_text
    >>> job = load_mapping_text("system: s\\nentity: job\\nrecord_id: id\\nfields:\\n  title: {from: t}\\n")
    >>> canonical(job, [{"id": 1, "t": "Data Analyst"}])[0]["title"]
    'Data Analyst'
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.core.mapping import CompiledMapping, Page
from hub.core.record_transform import RecordTransform, Validator

__all__ = ["UPDATE_ENV", "FixturePair", "canonical", "updating"]

#: Set to ``1`` to rewrite every ``after`` file from what the mapping produces now.
UPDATE_ENV = "HUB_UPDATE_FIXTURES"


def updating() -> bool:
    """Whether this run rewrites the ``after`` files (``HUB_UPDATE_FIXTURES=1``)."""
    return os.environ.get(UPDATE_ENV) == "1"


def canonical(
    mapping: CompiledMapping, records: Sequence[Any], validators: Sequence[Validator] = ()
) -> list[dict[str, Any]]:
    """Each record through the record path's transform (:class:`RecordTransform`), in JSON form; the
    records are one page, as a sync maps a page (a ``related`` rule finds the others among them).

    Raises:
        RecordError: a record does not map or validate; the pair is wrong, not the output.
    """
    step, page = RecordTransform(mapping, validators), Page(list(records))
    return [step.entity(record, page=page).model_dump(mode="json", exclude_none=True) for record in records]


@dataclass(frozen=True)
class FixturePair:
    """The ``before`` and ``after`` files of one mapping file in a fixture folder."""

    folder: Path
    mapping_file: str

    @property
    def before(self) -> Path:
        return self.folder / (Path(self.mapping_file).stem + ".before.json")

    @property
    def after(self) -> Path:
        return self.folder / (Path(self.mapping_file).stem + ".after.json")

    def records(self) -> list[Any]:
        return _read(self.before)

    def expected(self) -> list[Any]:
        return _read(self.after)

    def write(self, produced: list[dict[str, Any]]) -> None:
        """Rewrite the ``after`` file (``HUB_UPDATE_FIXTURES=1``): indented, keys in the model's order."""
        self.after.write_text(json.dumps(produced, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _read(path: Path) -> list[Any]:
    value = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(value, list):
        raise ValueError(f"{path} must hold a JSON list of records")
    return value
