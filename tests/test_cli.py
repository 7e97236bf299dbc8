"""The ``hub`` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import json
import subprocess

import click
import pytest

import hub
from hub.cli import main


def run(hub_cmd: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*hub_cmd, *args], capture_output=True, text=True, check=False, timeout=120)


def test_version(hub_cmd: list[str]) -> None:
    done = run(hub_cmd, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hub {hub.__version__}"


def test_plugins_list_json_is_valid_json(hub_cmd: list[str]) -> None:
    done = run(hub_cmd, "plugins", "list", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    files = next(plugin for plugin in data["plugins"] if plugin["name"] == "files")
    assert files["connectors"][0]["category"] == "files"
    assert "read:assessment" in files["connectors"][0]["capabilities"]
    greenhouse = next(plugin for plugin in data["plugins"] if plugin["name"] == "greenhouse")["connectors"][0]
    assert greenhouse["streams"]["scorecards"] == "assessment"
    assert greenhouse["documentation"] == "https://harvestdocs.greenhouse.io"


def test_plugins_list_table(hub_cmd: list[str]) -> None:
    done = run(hub_cmd, "plugins", "list")
    assert done.returncode == 0
    assert "files" in done.stdout
    assert "write:application" in done.stdout  # what Greenhouse writes


def test_demo_exits_zero_and_summarizes(hub_cmd: list[str], tmp_path) -> None:
    done = subprocess.run([*hub_cmd, "demo"], capture_output=True, text=True, check=False, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "plugins" in done.stdout


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and subcommand of ``hub``, so a new command cannot ship without help."""
    paths = [list(prefix)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append([*prefix, name])
    return paths


@pytest.mark.parametrize("args", command_paths(), ids=lambda args: " ".join(args) or "hub")
def test_every_command_explains_itself(hub_cmd: list[str], args: list[str]) -> None:
    done = run(hub_cmd, *args, "--help")
    assert done.returncode == 0
    assert "Usage:" in done.stdout
    assert len(done.stdout.splitlines()) > 3


def test_unknown_command_fails_with_usage(hub_cmd: list[str]) -> None:
    done = run(hub_cmd, "no-such-command")
    assert done.returncode == 2
    assert "No such command" in done.stderr
