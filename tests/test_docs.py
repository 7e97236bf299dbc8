"""Meta-tests that keep the plugin surface honest: every hook is documented with its exact signature
and exercised by at least one test."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.core import hookspecs

REPO = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name, obj in vars(hookspecs).items() if name.startswith("hub_") and callable(obj))


def signature_of(name: str) -> str:
    function = getattr(hookspecs, name)
    return f"{name}{inspect.signature(function)}".replace("'", "")


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook: str) -> None:
    assert len(inspect.getdoc(getattr(hookspecs, hook)) or "") > 80


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook: str) -> None:
    headings = re.findall(r"^### (.+)$", (REPO / "docs" / "plugins.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert signature_of(hook) in headings


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_tested(hook: str) -> None:
    this_file = Path(__file__).resolve()
    tests = [path for path in (REPO / "tests").rglob("test_*.py") if path.resolve() != this_file]
    assert any(hook in path.read_text(encoding="utf-8") for path in tests), f"no test mentions {hook}"


def test_the_test_command_runs_the_doctests_of_hub_and_plugins() -> None:
    """`make test` is plain `pytest`: its configuration must collect every module's examples."""
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                            cwd=REPO, capture_output=True, text=True, timeout=300).stdout.splitlines()
    for doctest in ("hub/core/store/__init__.py::hub.core.store", "hub/core/mapping_files.py::hub.core.mapping_files",
                    "plugins/files/export/__init__.py::plugins.files.export.FileExportConnector"):
        assert doctest in listed


def test_the_mapping_guide_lists_every_rule_form_as_the_code_declares_it() -> None:
    from hub.core.mapping import render_forms

    guide = (REPO / "docs" / "mapping.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- forms -->\n(.*)\n<!-- /forms -->", guide, re.DOTALL)
    assert listed is not None, "docs/mapping.md has no <!-- forms --> section"
    assert listed[1] == render_forms(), "regenerate it with `hub mapping transforms` (its rule forms)"
    for form in ("join", "pick", "first_of", "key", "related"):
        assert f"#### `{form}`" in guide, f"docs/mapping.md has no section on {form}"


def test_the_mapping_guide_lists_every_builtin_transform_as_the_code_declares_it() -> None:
    from hub.core.mapping import render_reference
    from hub.core.transforms import BUILTIN_TRANSFORMS

    guide = (REPO / "docs" / "mapping.md").read_text(encoding="utf-8")
    listed = re.search(r"<!-- transforms -->\n(.*)\n<!-- /transforms -->", guide, re.DOTALL)
    assert listed is not None, "docs/mapping.md has no <!-- transforms --> section"
    assert listed[1] == render_reference(BUILTIN_TRANSFORMS), "regenerate it with `hub mapping transforms`"


def _connector_rows() -> dict[str, list[str]]:
    """docs/connectors.md's table: connector name → its cells (reads, writes, webhooks in, documents)."""
    guide = (REPO / "docs" / "connectors.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- connectors -->\n(.*)\n<!-- /connectors -->", guide, re.DOTALL)
    assert table is not None, "docs/connectors.md has no <!-- connectors --> table"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[1].splitlines()[2:]]
    return {row[0]: row[1:] for row in rows}


def _registered_connectors() -> dict[str, type]:
    from hub.core.plugins import load_registry

    return dict(load_registry().connectors)


@pytest.mark.parametrize("name", sorted(_registered_connectors()))
def test_the_connector_table_says_what_each_connector_reads_and_writes(name: str) -> None:
    """A connector cannot ship without its row, and the row cannot claim other streams or writes than the code."""
    connector = _registered_connectors()[name]
    rows = _connector_rows()
    assert name in rows, f"docs/connectors.md has no row for {name}"
    reads, writes, webhooks, documents = rows[name]
    listed_streams = set(re.findall(r"([\w ()]+?)→(\w+)", reads))
    assert {(stream.strip(), kind) for stream, kind in listed_streams} == set(connector.stream_entities().items())
    assert all(re.search(rf"\b{kind}\b", reads) for kind in connector.reads), (reads, connector.reads)
    assert set(re.findall(r"\w+", writes)) == set(connector.writes)
    assert webhooks == ("yes" if connector.receives_webhooks else "no")
    assert documents


def test_the_connector_table_lists_no_connector_that_is_not_registered() -> None:
    assert set(_connector_rows()) <= set(_registered_connectors())
