"""Plugin discovery through the ``hub.plugins`` entry points, including broken third-party plugins.

A fake third-party distribution is written as a real ``*.dist-info`` folder on ``PYTHONPATH`` so the
hub finds it through importlib.metadata exactly as it would find an installed package.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from hub import hookimpl
from hub.core.events import HubEvent
from hub.core.events import emit_event
from hub.core.plugins import ENTRY_POINT_GROUP, get_plugin_manager, load_registry


def write_distribution(site: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    info = site / f"{dist}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


GOOD_PLUGIN = """
    from hub import hookimpl
    from hub.core.connector import Category, Connector

    class Acme(Connector):
        name = "acme"
        category = Category.HR_SUITES
        reads = ("candidate",)
        writes = ("application",)

    @hookimpl
    def hub_register_connectors():
        return [Acme]

    @hookimpl
    def hub_register_transforms():
        return {"acme_upper": lambda value: str(value).upper()}
"""

BAD_RETURN_PLUGIN = """
    from hub import hookimpl

    @hookimpl
    def hub_register_connectors():
        return ["not a connector"]
"""

IMPORT_ERROR_PLUGIN = """
    import module_that_does_not_exist_anywhere
"""


@pytest.fixture
def third_party_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    write_distribution(site, "hub_acme", {"acme": "hub_acme_plugin"}, {"hub_acme_plugin": GOOD_PLUGIN})
    write_distribution(site, "hub_badreturn", {"badreturn": "hub_badreturn_plugin"}, {"hub_badreturn_plugin": BAD_RETURN_PLUGIN})
    write_distribution(site, "hub_broken", {"broken": "hub_broken_plugin"}, {"hub_broken_plugin": IMPORT_ERROR_PLUGIN})
    monkeypatch.syspath_prepend(str(site))
    return site


def test_builtins_are_found_through_entry_points() -> None:
    registry = load_registry()
    assert "files" in registry.connectors
    files = next(info for info in registry.plugins if info.name == "files")
    assert files.distribution == "hub" and not files.essential
    assert registry.failures == []


def test_plugin_manager_is_built_on_demand_not_at_import() -> None:
    assert get_plugin_manager() is not get_plugin_manager()


def test_third_party_plugins_load_and_broken_ones_are_reported(third_party_site: Path) -> None:
    registry = load_registry()
    assert registry.connectors["acme"].capabilities() == ["read:candidate", "write:application"]
    assert registry.transforms["acme_upper"]("x") == "X"
    acme = next(info for info in registry.plugins if info.name == "acme")
    assert (acme.distribution, acme.version) == ("hub_acme", "1.2.3")
    failures = {failure.plugin: failure.reason for failure in registry.failures}
    assert set(failures) == {"badreturn", "broken"}
    assert "module_that_does_not_exist_anywhere" in failures["broken"]
    assert "not a Connector subclass" in failures["badreturn"]
    assert "files" in registry.connectors  # the others still work


def test_cli_lists_plugins_despite_a_broken_one(third_party_site: Path, hub_cmd: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(third_party_site)}
    done = subprocess.run([*hub_cmd, "plugins", "list", "--json"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    names = {plugin["name"] for plugin in data["plugins"]}
    assert {"files", "acme"} <= names
    assert {failure["plugin"] for failure in data["failures"]} == {"badreturn", "broken"}


def test_trace_env_var_prints_hook_calls(hub_cmd: list[str]) -> None:
    env = {**os.environ, "HUB_TRACE_PLUGINS": "1"}
    done = subprocess.run([*hub_cmd, "plugins", "list", "--json"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0
    json.loads(done.stdout)


class ObserverAndValidatorPlugin:
    """A plugin object registered directly, as tests and embedding applications do."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def hub_event(self, event: HubEvent) -> None:
        self.seen.append(event.name)

    @hookimpl
    def hub_register_validators(self):
        return [lambda entity: [] if entity.external_ids else ["no external id"]]

    @hookimpl
    def hub_register_key_providers(self):
        return {"vault": lambda settings: settings["key"]}


class RaisingObserver:
    @hookimpl
    def hub_event(self, event: HubEvent) -> None:
        raise RuntimeError("observer bug")


def test_validators_and_key_providers_are_collected() -> None:
    pm = get_plugin_manager()
    pm.register(ObserverAndValidatorPlugin(), name="observer")
    registry = load_registry(pm)
    assert registry.key_providers["vault"]({"key": "k"}) == "k"
    from hub.core.models import Candidate

    problems = [problem for validator in registry.validators for problem in validator(Candidate())]
    assert "no external id" in problems


def test_events_reach_observers_and_a_raising_observer_is_isolated(caplog: pytest.LogCaptureFixture) -> None:
    pm = get_plugin_manager()
    observer = ObserverAndValidatorPlugin()
    pm.register(RaisingObserver(), name="raising")
    pm.register(observer, name="observer")
    emit_event(pm, HubEvent("run_started", run_id="r1"))
    assert observer.seen == ["run_started"]
    assert "observer bug" in caplog.text
