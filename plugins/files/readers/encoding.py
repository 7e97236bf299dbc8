"""Which text encoding a legacy export is in, decided from a sample with strict decoding.

Chinese HR systems export CSV in GBK (Excel's default on a Chinese Windows), UTF-8 with a byte-order
mark (Excel's "CSV UTF-8") or plain UTF-8. Guessing libraries are probabilistic; strict decoding is
not: a sample that decodes as UTF-8 is UTF-8 (GBK text practically never does), otherwise GB18030 —
a superset of GBK and GB2312, so a name with a rare character such as 䶮 still decodes.

Example:
    >>> detect_encoding_of("姓名".encode("gbk"))
    'gb18030'
    >>> detect_encoding_of(b"\\xef\\xbb\\xbf" + "姓名".encode())
    'utf-8-sig'
"""

from __future__ import annotations

import codecs
from pathlib import Path

from hub.core.errors import UnreadableFileError

__all__ = ["SAMPLE_BYTES", "detect_encoding", "detect_encoding_of", "normalize_encoding"]

#: How much of a file the decision reads; a later undecodable byte is reported with its row.
SAMPLE_BYTES = 1 << 20

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CANDIDATES = ("utf-8", "gb18030")
# Files labelled with a GBK-family name often hold GB18030-only characters; decode with the superset.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf-8": "utf-8-sig"}


def normalize_encoding(name: str) -> str:
    """The codec to decode a file declared as ``name`` with (GBK family → GB18030, UTF-8 → BOM-tolerant).

    Raises:
        UnreadableFileError: the name is not a known codec.
    """
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise UnreadableFileError(f"unknown encoding {name!r}; use e.g. utf-8, gb18030 or gbk") from None
    return _SUPERSETS.get(canonical, canonical)


def detect_encoding_of(sample: bytes, *, complete: bool = True) -> str:
    """The encoding of ``sample``; ``complete=False`` when it is a prefix (a cut character is fine).

    Raises:
        UnreadableFileError: neither UTF-8 nor GB18030 decodes the sample.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    for name in _CANDIDATES:
        try:
            codecs.getincrementaldecoder(name)("strict").decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        return name
    raise UnreadableFileError("the text is neither UTF-8 nor GBK/GB18030; set the `encoding` setting")


def detect_encoding(path: Path) -> str:
    """The encoding of the file at ``path``, decided from its first :data:`SAMPLE_BYTES` bytes."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    try:
        return detect_encoding_of(sample[:SAMPLE_BYTES], complete=complete)
    except UnreadableFileError as exc:
        raise UnreadableFileError(exc.reason, stream=path.name) from None
