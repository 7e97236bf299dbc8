"""The zip-bomb guard: an XLSX is a zip archive, checked from its directory before anything inflates it.

CPython's zipfile documentation warns about decompression bombs (bpo-36260); openpyxl trusts the
archive. So before openpyxl opens a workbook we read only the central directory and refuse archives
with too many entries, too much uncompressed data in total, an entry that inflates far beyond what
real spreadsheets do (sheet XML compresses 5–50×; a bomb ~1000×), or entry names that could escape a
directory. ``zipfile`` itself stops inflating an entry at its declared size, so the declared sizes
checked here bound what is actually decompressed.

Example:
    >>> import io, zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    ...     archive.writestr("../evil.xml", "<x/>")
    >>> check_archive(buffer, name="evil.xlsx")
    Traceback (most recent call last):
    ...
    hub.core.errors.UnsafeFileError: [unsafe-file] evil.xlsx: archive entry name '../evil.xml' is absolute or leaves the archive
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from hub.core.errors import UnreadableFileError, UnsafeFileError

__all__ = ["ArchiveLimits", "check_archive"]


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds an archive must stay within. The defaults admit a 1,000,000-row sheet.

    Example:
        >>> ArchiveLimits(max_entries=50).max_entries
        50
    """

    max_entries: int = 10_000
    max_total_bytes: int = 4 << 30
    max_ratio: int = 200
    ratio_floor_bytes: int = 1 << 20  # tiny entries may compress well without being a threat
    #: What a reader may hold in memory at once (an XLSX's shared strings, styles, workbook part):
    #: ``in_memory_ratio`` times the file's size, at least ``in_memory_floor_bytes``.
    in_memory_ratio: int = 20
    in_memory_floor_bytes: int = 64 << 20

    def in_memory_budget(self, file_size: int) -> int:
        """Bytes of inflated XML a reader may load whole from an archive of ``file_size`` bytes.

        Example:
            >>> ArchiveLimits().in_memory_budget(10 << 20) // (1 << 20)
            200
        """
        return max(self.in_memory_floor_bytes, self.in_memory_ratio * file_size)


def check_archive(source: Path | IO[bytes], *, name: str, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Refuse ``source`` unless its zip directory is within ``limits``; reads no compressed data.

    Raises:
        UnreadableFileError: not a zip archive at all (so not an XLSX).
        UnsafeFileError: a limit is exceeded or an entry name is hostile; the reason says which.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:  # NotImplementedError: a zip version it cannot read
        raise UnreadableFileError(f"not an XLSX workbook (not a zip archive: {exc})", stream=name) from None
    if len(entries) > limits.max_entries:
        raise UnsafeFileError(f"archive has {len(entries)} entries, more than {limits.max_entries}", stream=name)
    total = 0
    for entry in entries:
        _check_name(entry.filename, name)
        total += entry.file_size
        if entry.file_size > limits.ratio_floor_bytes:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > limits.max_ratio:
                raise UnsafeFileError(
                    f"archive entry {entry.filename!r} inflates {ratio:.0f}×, more than {limits.max_ratio}×",
                    stream=name,
                )
    if total > limits.max_total_bytes:
        raise UnsafeFileError(
            f"archive inflates to {total} bytes, more than {limits.max_total_bytes}", stream=name
        )


def _check_name(entry: str, name: str) -> None:
    path = PurePosixPath(entry.replace("\\", "/"))
    if "\x00" in entry or path.is_absolute() or ".." in path.parts or (entry[1:2] == ":"):
        raise UnsafeFileError(f"archive entry name {entry!r} is absolute or leaves the archive", stream=name)
