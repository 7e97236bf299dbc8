"""Whether a row's text is what the file meant: the checks a reader makes before a row becomes a record.

A file can decode cleanly and still hold text nobody wrote. Three ways it happens in HR exports,
each of which would otherwise be stored as a plausible record (a new job named 鏉庨浄, a salary in
the wrong column):

* **Mixed encodings.** One row pasted in as UTF-8 into a GBK file (rows of two exports joined)
  decodes as GBK without error, into rare characters (李雷 becomes 鏉庨浄). Such a row, encoded back
  in the file's codec, is valid UTF-8 that reads as CJK text in fewer characters: genuine GBK text
  practically never is. The check is per row (one cell of UTF-8 among GBK cells is not caught):
  it runs on every row, and a whole-row test costs a fraction of a per-cell one.
* **Control characters.** NUL and the other C0 controls (tab, line feed and carriage return
  aside) are not typed by people; they come from binary junk or a broken export.
* **Cells beyond the header.** A row with more non-empty cells than the header has columns was
  shifted, usually by a delimiter inside an unquoted value: every later value is in the wrong column.

A row with any of these is refused as a whole (a :class:`~hub.core.errors.RecordError` in its
place, naming the columns, never the values): a wrong value would be stored silently, a refused row
is reported and can be fixed and read again.

Example:
    >>> pasted = ["李雷".encode("utf-8").decode("gb18030"), "产品经理".encode("utf-8").decode("gb18030")]
    >>> problem(("姓名", "部门"), pasted, codec="gb18030")
    'column 姓名 holds UTF-8 text inside a gb18030 file (mixed encodings): save the file in one encoding'
    >>> problem(("姓名",), ["李雷", "多出来的"], codec="utf-8")
    'the row has 2 non-empty cells, the header 1 columns: a delimiter in an unquoted value shifted the columns'
    >>> problem(("姓名", "部门"), ["李雷", None], codec="gb18030") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["problem"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SUSPECT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_CJK = re.compile("[\u3400-\u9fff]")
#: Codecs in which UTF-8 bytes decode without error into other text (the ones worth re-checking).
_NOT_UTF8 = ("utf-8", "utf-8-sig", "utf-16", "ascii")


def problem(headers: Sequence[str], values: Sequence[Any], *, codec: str | None) -> str | None:
    """Why the row's text is not what the file meant, or None.

    Every row is read through here, so the common case costs a few C-speed passes over the whole row
    (a join, a regex, an encode and a UTF-8 decode that genuine GBK text fails at its first bytes);
    only a row those flag is looked at column by column. A row pasted in as UTF-8 decodes whole.

    Args:
        headers: the header row's column names.
        values: the row's cells as read.
        codec: the file's text encoding (None for a typed format such as XLSX: no re-decoding).
    """
    if len(values) > len(headers) and any(value not in (None, "") and str(value).strip() for value in values[len(headers):]):
        filled = sum(1 for value in values if value not in (None, "") and str(value).strip())
        return (f"the row has {filled} non-empty cells, the header {len(headers)} columns: "
                "a delimiter in an unquoted value shifted the columns")  # fmt: skip
    text = "\n".join(value for value in values if isinstance(value, str))
    if text.isascii() and not _SUSPECT_TEXT.search(text):
        return None
    recheck = codec is not None and codec not in _NOT_UTF8 and _decodes_as_utf8(text, codec)
    if not (recheck or _SUSPECT_TEXT.search(text)):
        return None
    for column, value in zip(headers, values):
        if not isinstance(value, str):
            continue
        if _CONTROL.search(value):
            return f"column {column} holds control characters (such as NUL) that no one types: the export is damaged"
        if "\ufffd" in value:
            return f"column {column} holds U+FFFD, the mark of text lost in an earlier conversion"
        if recheck and not value.isascii() and _utf8_inside(value, codec):  # type: ignore[arg-type]
            return f"column {column} holds UTF-8 text inside a {codec} file (mixed encodings): save the file in one encoding"
    return None


def _decodes_as_utf8(text: str, codec: str) -> bool:
    """The first look at a whole row: are its bytes in ``codec`` valid UTF-8 (so possibly UTF-8 all along)?"""
    try:
        text.encode(codec).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _utf8_inside(value: str, codec: str) -> bool:
    """True when ``value`` is UTF-8 bytes decoded in ``codec``: re-encoded, they decode as UTF-8 into
    CJK text with fewer characters (a UTF-8 ideograph takes three bytes, a GBK one two)."""
    try:
        meant = value.encode(codec).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return len(meant) < len(value) and bool(_CJK.search(meant))
