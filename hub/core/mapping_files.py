"""Where mapping files are found: the user's folders first, then the package that ships them.

It sits below the mapping engine (it only finds files; :mod:`hub.core.mapping` compiles them), so
the connector base and hub.yaml's schema can name where mappings come from without importing it.

Mappings are data that ships with the code that needs them. The hub's built-in connectors keep
theirs in the ``hub.mappings`` package; a third-party connector names its own package in
``Connector.mapping_package``. Both are read through :mod:`importlib.resources`, so an installed
wheel finds them from any working directory, never relative to a source tree.

A user's own mapping folders (hub.yaml's ``mappings:``) mirror the same layout,
``<category>/<system>/<file>.yaml``, and win file by file: a folder holding only
``hr_suites/greenhouse/job.yaml`` replaces Greenhouse's job mapping and keeps the others built in.

Lookup order for ``<category>/<system>/<file>``:

1. each user folder, in the order hub.yaml lists them;
2. the connector's mapping package.

Example:
    >>> lookup = MappingLookup()
    >>> lookup.file("hub.mappings", "hr_suites", "greenhouse", "job.yaml").name
    'job.yaml'
    >>> sorted(lookup.folder("hub.mappings", "files", "legacy_ai_interview"))[:2]
    ['application.yaml', 'assessment.yaml']
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.core.errors import ConfigError

__all__ = ["BUILTIN_MAPPINGS", "MappingLookup", "mapping_files", "package_root"]

#: The package that holds the built-in connectors' mappings (``hub/mappings/<category>/<system>/``).
BUILTIN_MAPPINGS = "hub.mappings"


def mapping_files(folder: Path) -> list[Path]:
    """Every mapping file under ``folder``: ``**/*.yaml`` except ``tables.yaml`` and ``*.tables.yaml``."""
    return sorted(
        path
        for path in folder.rglob("*.yaml")
        if path.is_file() and path.name != "tables.yaml" and not path.name.endswith(".tables.yaml")
    )


def package_root(package: str) -> Path:
    """The folder of an installed package's files.

    Raises:
        ConfigError: the package is not installed, or is installed zipped (mappings and their
            ``tables_file`` are read as files, so the package must be installed as a folder).
    """
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise ConfigError(f"the mapping package {package!r} is not installed") from None
    if not isinstance(root, Path):
        raise ConfigError(f"the mapping package {package!r} is installed zipped; install it unzipped")
    return root


@dataclass(frozen=True)
class MappingLookup:
    """The user's mapping folders, searched before a connector's mapping package.

    Attributes:
        folders: user folders laid out as ``<category>/<system>/<file>.yaml``, first wins.

    Example:
        >>> MappingLookup((Path("my-mappings"),)).places("hub.mappings", "hr_suites", "greenhouse")[0]
        PosixPath('my-mappings/hr_suites/greenhouse')
    """

    folders: tuple[Path, ...] = ()

    @classmethod
    def of(cls, folders: Iterable[str | Path]) -> MappingLookup:
        return cls(tuple(Path(folder) for folder in folders))

    def places(self, package: str, category: str, system: str) -> list[Path]:
        """Every folder that may hold ``<category>/<system>`` mappings, in lookup order."""
        return [folder / category / system for folder in self.folders] + [package_root(package) / category / system]

    def file(self, package: str, category: str, system: str, name: str) -> Path:
        """The first ``<category>/<system>/<name>`` in lookup order.

        Raises:
            ConfigError: no folder holds it; the message lists every place searched.
        """
        places = self.places(package, category, system)
        for place in places:
            if (place / name).is_file():
                return place / name
        raise ConfigError(f"no mapping {category}/{system}/{name}; looked in {', '.join(map(str, places))}",
                          system=system)  # fmt: skip

    def folder(self, package: str, category: str, system: str) -> dict[str, Path]:
        """Every mapping file of ``<category>/<system>`` by file name, a user's file replacing the built-in one."""
        found: dict[str, Path] = {}
        for place in reversed(self.places(package, category, system)):
            if place.is_dir():
                found.update({str(path.relative_to(place)): path for path in mapping_files(place)})
        return dict(sorted(found.items()))

    def systems(self, package: str) -> dict[str, str]:
        """Every system some folder holds mapping files for, with its category: ``{system: category}``.

        What a command that takes a system name (``hub map --system``) accepts, and lists when a name
        is unknown; a user folder's system is listed as well as the package's.

        Example:
            >>> MappingLookup().systems("hub.mappings")["greenhouse"]
            'hr_suites'
        """
        found: dict[str, str] = {}
        for root in reversed([*self.folders, package_root(package)]):
            for place in root.glob("*/*"):
                if place.is_dir() and mapping_files(place):
                    found[place.name] = place.parent.name
        return dict(sorted(found.items()))
