"""Files that hold or index PII are the user's alone: created mode 0600, in folders of 0700 the user owns.

Tokens are encrypted, but a database also holds blind indexes and keyed hashes, a report names
records, an import file holds salaries in plaintext for the system that imports it. Made with the
process's usual umask (often 022) any other account on the machine could read them. So every file
the hub creates with such content goes through :func:`create_private` (or :func:`open_private`), and
every folder it creates for them through :func:`private_folder`, which also refuses to write into an
existing folder another user owns (someone else could swap the files in it).

SQLite creates a database's ``-wal`` and ``-shm`` files with the database file's own permissions,
so a database file created here keeps them private too.

Example:
    >>> import tempfile, stat
    >>> folder = private_folder(Path(tempfile.mkdtemp()) / "reports")
    >>> with open_private(folder / "report.json", "w") as file:
    ...     _ = file.write("{}")
    >>> oct(stat.S_IMODE((folder / "report.json").stat().st_mode)), oct(stat.S_IMODE(folder.stat().st_mode))
    ('0o600', '0o700')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from hub.core.errors import ConfigError

__all__ = ["create_private", "open_private", "private_folder"]

_FILE_MODE = 0o600
_FOLDER_MODE = 0o700


def private_folder(folder: Path) -> Path:
    """``folder``, created (with missing parents) mode 0700 if absent.

    Raises:
        ConfigError: it exists and belongs to another user.
    """
    folder.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
    owner = folder.stat().st_uid
    if hasattr(os, "getuid") and owner not in (os.getuid(), 0):
        raise ConfigError(f"{folder} belongs to another user (uid {owner}); the hub writes PII only into your own folders")
    return folder


def create_private(path: Path) -> Path:
    """Create ``path`` empty, mode 0600, unless it exists (then it is left as it is); returns it."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE))
    except FileExistsError:
        pass
    return path


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, ...)``, a new file being created mode 0600 in a private folder."""
    private_folder(path.parent)
    return open(path, mode, opener=lambda name, flags: os.open(name, flags, _FILE_MODE), **kwargs)  # noqa: SIM115
