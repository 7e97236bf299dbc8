"""What a report states about its run, so a person can tell which run it was and repeat it: when it
started and ended, the command as typed, the SHA-256 of the source file and the database it wrote to.

Nothing here may leak a secret: each argument and the database URL go through
:func:`~hub.core.http.redact_url` (a password, or a token in a query string, becomes ``***``).

Example:
    >>> redact_command(["hub", "migrate", "--source", "a.csv"])
    'hub migrate --source a.csv'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.core.http import redact_url

__all__ = ["run_facts", "redact_command", "file_sha256"]

_CHUNK = 1 << 20


def redact_command(argv: Sequence[str]) -> str:
    """The command line as a shell would take it, any URL's password or token masked."""
    return shlex.join(redact_url(argument) for argument in argv)


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hex), read in chunks: an export may be larger than memory."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def run_facts(state: dict[str, Any], *, command: Sequence[str], database: str) -> dict[str, Any]:
    """The ``run`` section of a report: times (ISO 8601, UTC), duration, command, source checksum, database.

    ``state`` is the migration's; a source that is not a file (a connector) has no checksum (``None``).
    """
    started = dt.datetime.fromisoformat(state["started_at"])
    finished = dt.datetime.fromisoformat(state["finished_at"])
    path = Path(state["settings"]["source"].get("path", ""))
    return {
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "command": redact_command(command),
        "source_sha256": file_sha256(path) if path.name and path.is_file() else None,
        "database": redact_url(database),
    }
