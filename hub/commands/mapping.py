"""``hub mapping``: lint mapping files against the canonical model and the transform registry."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.mapping import check_mapping, mapping_files, render_reference
from hub.core.mapping_files import BUILTIN_MAPPINGS, package_root
from hub.core.plugins import load_registry

__all__ = ["command", "DEFAULT_FOLDER"]

#: Where ``hub mapping check`` looks when no files are given and hub.yaml names no ``mappings``.
DEFAULT_FOLDER = Path("mapping")


def _default_folders(config_path: Path | None) -> tuple[Path, ...]:
    """hub.yaml's ``mappings`` folders, else ./mapping/ if there is one, else the built-in mappings."""
    config = load_config(config_path)
    if config.mappings:
        return tuple(config.mappings)
    if DEFAULT_FOLDER.is_dir():
        return (DEFAULT_FOLDER,)
    return (package_root(BUILTIN_MAPPINGS),)


@click.group("mapping")
def command() -> None:
    """Work with the declarative mapping files (mapping/<category>/<system>/<entity>.yaml)."""


@command.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="hub.yaml whose `mappings` folders to check (default: ./hub.yaml or $HUB_CONFIG).")  # fmt: skip
def check(paths: tuple[Path, ...], config_path: Path | None) -> None:
    """Compile mapping files and print each problem as file:line: reason.

    PATHS are mapping files or folders (a folder means every mapping file below it). Without PATHS:
    the folders hub.yaml's `mappings` names, else ./mapping/ when it exists, else the mappings built
    into the hub. Exits 1 if there is any problem, so CI can run it before merging a mapping.
    """
    if not paths:
        paths = _default_folders(config_path)
    files = tuple(file for path in paths for file in (mapping_files(path) if path.is_dir() else [path]))
    problems = [problem for path in files for problem in check_mapping(path)]
    for problem in problems:
        click.echo(problem.reason)
    checked = f"{len(files)} mapping file{'s' if len(files) != 1 else ''}"
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {checked}", err=True)
        raise SystemExit(1)
    click.echo(f"ok: {checked}", err=True)


@command.command("transforms")
def transforms() -> None:
    """Print every transform mapping steps may use (plugins' too), its parameters and their values."""
    click.echo(render_reference(load_registry().transforms))
