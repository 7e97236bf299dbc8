"""Basic transforms: text and number coercion, case, trimming and list splitting.

Vendors send numbers as text and text as numbers, with full-width characters (``１２３``, ``　``)
from Chinese input methods and float artefacts (``123.0``) from spreadsheets. These transforms make
the common conversions explicit and lossless: a float is read through its shortest ``repr`` and a
fractional number is never silently truncated to an int.

The two helpers :func:`normalize_text` and :func:`as_text` are shared by the other transform
modules so every parser folds full-width characters the same way.

A transform cannot know whether its field is PII (``to_str`` serves names, ``date`` birth dates,
``money`` salaries), so the transforms here and in :mod:`.dates`, :mod:`.money` and :mod:`.identity`
show the input in a message only through :func:`hub.core.errors.mask`; the mapping engine adds the
value itself to the error context, masked or not according to the target field.

Example:
    >>> to_str(123.0), to_int("１２,３４５"), to_decimal(0.1)
    ('123', 12345, Decimal('0.1'))
    >>> split("a、b；c, d")
    ['a', 'b', 'c', 'd']
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.core.errors import mask
from hub.core.transform_params import Param, takes

__all__ = [
    "normalize_text",
    "as_text",
    "to_str",
    "to_int",
    "to_decimal",
    "strip",
    "lower",
    "upper",
    "split",
]

# Zero-width characters and the byte-order mark survive NFKC and str.strip(); copy-paste adds them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

#: Decimal text: optional sign, correctly grouped thousands separators, optional short exponent
#: (spreadsheets write 1.5E+4; three exponent digits keep to_int from building huge ints).
_NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")

#: No record field holds a longer integer; the cap stops Decimal('1E+999999') becoming a huge int.
_MAX_INT_DIGITS = 100

#: Separators that are interchangeable in lists typed by people: ASCII, full-width and the Chinese
#: enumeration comma 、.
_LIST_SEPARATORS = ",，、;；"


def normalize_text(text: str) -> str:
    """Fold full-width forms to ASCII (NFKC), drop zero-width characters and trim whitespace.

    Example:
        >>> normalize_text("\\u3000８５分\\u200b ")
        '85分'
    """
    if text.isascii():  # NFKC leaves ASCII as it is and it has no zero-width characters: most vendor text
        return text.strip()
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def as_text(value: Any, expected: str) -> str:
    """Text of a str or int value, normalized; anything else is a ValueError naming ``expected``.

    Ints are accepted because spreadsheets and JSON turn digit strings (IDs, phones) into numbers;
    floats are refused because they may already have lost digits.

    Example:
        >>> as_text(13800138000, "a phone number")
        '13800138000'
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected {expected} as text, got {type(value).__name__}")
    return normalize_text(str(value))


def _number_text(value: Any) -> str:
    """Canonical decimal text of a number or numeric text, without thousands separators."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = as_text(value, "a number")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"expected a number such as 1234.5, 1,234.5 or 1.5E+4, got {mask(text)}")
    return text.replace(",", "")


def to_decimal(value: Any) -> Decimal:
    """A Decimal read from text, so ``0.1`` stays ``0.1`` (floats go through ``repr``).

    Example:
        >>> to_decimal("1,234.50")
        Decimal('1234.50')
    """
    try:
        result = Decimal(_number_text(value))
    except InvalidOperation:
        raise ValueError(f"expected a number, got {mask(value)}") from None
    if not result.is_finite():
        raise ValueError(f"expected a finite number, got {mask(value)}")
    return result


def to_int(value: Any) -> int:
    """An int from an int, an integral float/Decimal or numeric text; fractions are refused, not cut.

    Example:
        >>> to_int("12.0")
        12
    """
    number = to_decimal(value)
    if number.adjusted() >= _MAX_INT_DIGITS:
        raise ValueError(f"expected a whole number of at most {_MAX_INT_DIGITS} digits")
    if number != number.to_integral_value():
        raise ValueError(f"expected a whole number, got {mask(number)}")
    return int(number)


def to_str(value: Any) -> str:
    """Text of a scalar; integral floats lose the spreadsheet ``.0`` (``123.0`` → ``"123"``).

    Example:
        >>> to_str(123.0), to_str(1.5), to_str(True)
        ('123', '1.5', 'true')
    """
    if value.__class__ is str or value.__class__ is int:  # most values, decided first (a bool's class is bool)
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (str, int, Decimal)):
        return str(value)
    raise ValueError(f"expected text or a number, got {type(value).__name__}")


def _require_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def strip(value: Any) -> str:
    """Trim whitespace, including the full-width space U+3000 and zero-width characters.

    Example:
        >>> strip("\\u3000张三 ")
        '张三'
    """
    return _require_str(value).translate(_INVISIBLE).strip()


def lower(value: Any) -> str:
    """Lower-case text.

    Example:
        >>> lower("ABC")
        'abc'
    """
    return _require_str(value).lower()


def upper(value: Any) -> str:
    """Upper-case text.

    Example:
        >>> upper("abc")
        'ABC'
    """
    return _require_str(value).upper()


def _separator(sep: Any) -> str:
    if not isinstance(sep, str) or not sep:
        raise ValueError("expected sep to be a non-empty string")
    return sep


@takes(Param("sep", "text", "what separates the parts (any of , ， 、 ; ； when it is one of them)", check=_separator))
def split(value: Any, *, sep: str = ",") -> list[str]:
    """Split text into trimmed, non-empty parts; a list passes through with its items trimmed.

    When ``sep`` is one of the list separators ``, ， 、 ; ；`` all of them split, because people mix
    them in one cell; any other ``sep`` is used alone.

    Example:
        >>> split("Python，SQL、 Go")
        ['Python', 'SQL', 'Go']
        >>> split("a|b", sep="|")
        ['a', 'b']
    """
    _separator(sep)
    if isinstance(value, (list, tuple)):
        return [part for part in (strip(to_str(item)) for item in value) if part]
    text = _require_str(value)
    pattern = f"[{_LIST_SEPARATORS}]" if len(sep) == 1 and sep in _LIST_SEPARATORS else re.escape(sep)
    return [part for part in (strip(piece) for piece in re.split(pattern, text)) if part]
