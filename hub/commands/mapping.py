"""``hub mapping``: lint mapping files against the canonical model and the transform registry, and
write a starter mapping folder for an export from its header."""

from __future__ import annotations

from pathlib import Path

import click

from hub.core.config import load_config
from hub.core.mapping import check_mapping, mapping_files, render_forms, render_reference
from hub.core.mapping.starter import write_starter
from hub.core.mapping_files import BUILTIN_MAPPINGS, package_root
from hub.core.plugins import load_registry
from plugins.files.readers import read_header

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
    """Print the rule forms (where a rule's value comes from), then every transform mapping steps may
    use (plugins' too), its parameters and their values."""
    click.echo(f"Rule forms:\n{render_forms()}\n\nTransforms:\n{render_reference(load_registry().transforms)}")


@command.command("new")
@click.option("--from", "export_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The export (CSV, XLSX or JSONL) whose header to read; no data row is read.")
@click.option("--export", "name", required=True, help="The export's name: the system name and the folder files/NAME.")
@click.option("--id", "record_id", metavar="COLUMN", help="The column holding each row's own id (default: recognized).")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_FOLDER, show_default=True,
              help="The mapping folder to write files/NAME/ into.")
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@click.option("--encoding", help="CSV / JSONL text encoding (default: detected for CSV, UTF-8 for JSONL).")  # fmt: skip
def new(export_file: Path, name: str, record_id: str | None, into: Path, sheet: str | None, encoding: str | None) -> None:
    """Write a starter mapping folder for an export: a rule for each column the hub recognizes
    (姓名, 手机号, 身份证号, 邮箱, 应聘岗位, 总分, 沟通能力 ... and their English forms) and every other
    column listed as `# unmapped: <column>`. Refuses to overwrite an existing folder.
    """
    headers = read_header(export_file, sheet=sheet, encoding=encoding)
    folder = into / "files" / name
    for path in write_starter(folder, headers, system=name, record_id=record_id, source=export_file.name):
        click.echo(path)
    click.echo(f"next: review the rules, then `hub mapping check {folder}` and "
               f"`hub migrate --source {export_file} --mappings {folder} --dry-run`", err=True)
