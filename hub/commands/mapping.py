"""``hub mapping``: lint mapping files against the canonical model and the transform registry."""

from __future__ import annotations

from pathlib import Path

import click

from hub.core.errors import ConfigError
from hub.core.mapping import check_mapping, mapping_files

__all__ = ["command", "DEFAULT_FOLDER"]

#: Where ``hub mapping check`` looks when no files are given, relative to the current directory.
DEFAULT_FOLDER = Path("mapping")


@click.group("mapping")
def command() -> None:
    """Work with the declarative mapping files (mapping/<category>/<system>/<entity>.yaml)."""


@command.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Compile mapping files and print each problem as file:line: reason.

    PATHS are mapping files or folders (a folder means every mapping file below it); the default is
    every mapping/**/*.yaml. Exits 1 if there is any problem, so CI can run it before merging a mapping.
    """
    if not paths:
        if not DEFAULT_FOLDER.is_dir():
            raise ConfigError(f"no {DEFAULT_FOLDER}/ folder here; run from the project root or name the files")
        paths = (DEFAULT_FOLDER,)
    files = tuple(file for path in paths for file in (mapping_files(path) if path.is_dir() else [path]))
    problems = [problem for path in files for problem in check_mapping(path)]
    for problem in problems:
        click.echo(problem.reason)
    checked = f"{len(files)} mapping file{'s' if len(files) != 1 else ''}"
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {checked}", err=True)
        raise SystemExit(1)
    click.echo(f"ok: {checked}", err=True)
