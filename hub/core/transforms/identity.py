"""Identity transforms: phone numbers, email addresses, Chinese resident IDs and bank cards.

All four are PII, so every error message shows the value only through
:func:`hub.core.errors.mask` (at most the last four characters) and never echoes a library's own
message. Validation is delegated to maintained libraries: ``phonenumbers`` (libphonenumber metadata,
which tracks new mobile ranges) and ``python-stdnum`` (GB 11643 resident IDs, Luhn).

Example:
    >>> phone("138 0013 8000")
    '+8613800138000'
    >>> cn_resident_id("11010519491231002x")
    '11010519491231002X'
    >>> email(" Li.Lei@Example.COM ")
    'li.lei@example.com'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from hub.core.errors import mask
from hub.core.transform_params import Param, flag, takes
from hub.core.transforms.basic import as_text, normalize_text

__all__ = [
    "phone",
    "phones",
    "email",
    "emails",
    "cn_resident_id",
    "birth_date_from_id",
    "bank_card",
    "name_part",
]

_PHONE_SEPARATORS = re.compile(r"[,;/、，；|\n]+")
_EMAIL_SEPARATORS = re.compile(r"[,;、，；\s]+")
_LOCAL_FORBIDDEN = re.compile(r'[\s<>()\[\]\\,;:"@\x00-\x1f\x7f]')
_DNS_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_SPACES_AND_DASHES = re.compile(r"[\s-]+")  # between the digit groups of IDs and card numbers


def _list(value: Any, separators: re.Pattern[str], what: str) -> list[Any]:
    """Items of a list, or the parts of a separated string; blanks dropped."""
    if isinstance(value, (list, tuple)):
        return [item for item in value if not (isinstance(item, str) and not item.strip())]
    return [part for part in separators.split(as_text(value, what)) if part.strip()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------------------------------


def _region(region: Any) -> str:
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r}; expected an ISO 3166 code such as CN or US")
    return region.upper()


_REGION = Param("region", "an ISO 3166 code", "the country of numbers written without +", check=_region)
_UPGRADE_15 = Param(
    "upgrade_15", "true/false", "accept 15-digit IDs (issued before 1999) as their 18-digit form", check=flag
)


@takes(_REGION)
def phone(value: Any, *, region: str = "CN") -> str:
    """The E.164 form of a phone number; numbers without ``+`` are read as numbers of ``region``.

    Example:
        >>> phone("+86-138-0013-8000")
        '+8613800138000'
        >>> phone("(415) 555-0123", region="US")
        '+14155550123'
    """
    country = _region(region)
    text = as_text(value, "a phone number")
    if country == "CN":
        mobile = _CN_MOBILE.fullmatch(text)
        if mobile and _cn_mobile_prefix_valid(mobile[1] + mobile[2][:2]):
            return "+86" + "".join(mobile.groups())
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise ValueError(f"not a phone number: {mask(text)}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number for its country (region {region}): {mask(text)}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


#: An 11-digit Chinese mobile number as exports write it: ASCII digits, optional +86 / (+86) / 0086,
#: spaces or dashes between the 3-4-4 groups.
_CN_MOBILE = re.compile(r"\s*(?:(?:\+86|\(\+86\)|0086)[\s-]*)?(1[0-9]{2})[\s-]?([0-9]{4})[\s-]?([0-9]{4})\s*")


@functools.lru_cache(maxsize=16384)
def _cn_mobile_prefix_valid(prefix: str) -> bool:
    """Whether 11-digit numbers starting with these 5 digits are valid Chinese numbers.

    Why a cache: checking with phonenumbers costs more than the rest of a migration row. In its CN
    metadata, the types an 11-digit number starting with 1 can match (mobile) are decided by at
    most the first 5 digits and the length, so one full check per 5-digit prefix answers for every
    number in it, and the at most 10,000 prefixes of 1xxxx all fit in the cache. (Keyed by 7-digit
    block, 号段, as before, an export of numbers spread over many blocks missed on most rows.) Two
    tests in tests/core/transforms hold this against phonenumbers: every prefix at both ends of its
    range, and random numbers. A miss checks the number built directly rather than parsed, a
    quarter of the cost and the same answer.
    """
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(prefix + "000000"))
    return phonenumbers.is_valid_number(number)


@takes(_REGION)
def phones(value: Any, *, region: str = "CN") -> list[str]:
    """E.164 numbers from a list or from text separated by ``, ; / 、 |`` or new lines, de-duplicated.

    Example:
        >>> phones("13800138000、+86 139 0013 9000")
        ['+8613800138000', '+8613900139000']
    """
    return _unique([phone(item, region=region) for item in _list(value, _PHONE_SEPARATORS, "phone numbers")])


# ---------------------------------------------------------------------------------------------------
# Emails
# ---------------------------------------------------------------------------------------------------


def email(value: Any) -> str:
    """A trimmed, lower-cased email address; internationalized domains are accepted and kept readable.

    Checks only what is certain: one ``@``, a local part without spaces or reserved characters, and a
    domain of valid DNS labels (after IDNA encoding) with a dot. Deliverability is not checked.

    Example:
        >>> email("王磊@例子.中国")
        '王磊@例子.中国'
    """
    text = as_text(value, "an email address")
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if text.count("@") != 1:
        raise ValueError(f"expected an email address with exactly one @, got {mask(text)}")
    local, domain = text.split("@")
    if not _valid_local(local):
        raise ValueError(f"the part before @ is not valid in an email address: {mask(text)}")
    return f"{local.lower()}@{_domain(domain, text)}"


def _valid_local(local: str) -> bool:
    """At most 64 characters, no spaces or reserved characters, dots only between other characters."""
    dots_ok = ".." not in local and not local.startswith(".") and not local.endswith(".")
    return 0 < len(local) <= 64 and dots_ok and not _LOCAL_FORBIDDEN.search(local)


def _domain(domain: str, text: str) -> str:
    """The domain in readable (Unicode) lower case; ValueError unless it encodes to valid DNS labels."""
    readable, problem = _checked_domain(domain)
    if problem:
        raise ValueError(f"{problem}: {mask(text)}")
    return readable


@functools.lru_cache(maxsize=1024)
def _checked_domain(domain: str) -> tuple[str, str | None]:
    """(readable domain, None) or ("", what is wrong). Why cached: the IDNA round trip is nearly all
    of an email's cost, and a file's addresses share a few dozen domains."""
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
        readable = ascii_domain.encode("ascii").decode("idna")
    except UnicodeError:
        return "", "the domain is not a valid internet domain"
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return "", "the domain is not a valid internet domain (it needs a dot)"
    return readable.lower(), None


def emails(value: Any) -> list[str]:
    """Email addresses from a list or from text separated by commas, semicolons, 、 or spaces.

    Example:
        >>> emails("a@example.com; B@Example.com")
        ['a@example.com', 'b@example.com']
    """
    return _unique([email(item) for item in _list(value, _EMAIL_SEPARATORS, "email addresses")])


# ---------------------------------------------------------------------------------------------------
# Chinese resident ID (GB 11643-1999)
# ---------------------------------------------------------------------------------------------------

class _FutureBirthDate(InvalidComponent):
    """The birth date digits are a valid date that has not come yet (2099…): no one holds such an ID."""


_RIC_REASONS: dict[type[ValidationError], str] = {
    InvalidLength: "expected 18 characters",
    InvalidFormat: "expected 17 digits and a check digit or X",
    InvalidChecksum: "the check character does not match (a typo?)",
    _FutureBirthDate: "the birth date is in the future",
    InvalidComponent: "the birth date or the area code is not valid",
}


@takes(_UPGRADE_15)
def cn_resident_id(value: Any, *, upgrade_15: bool = False) -> str:
    """A checksum-validated 18-character resident ID: upper-case ``X``, full-width folded, spaces removed.

    Legacy 15-digit IDs (issued before 1999: no century, no check digit) are refused unless
    ``upgrade_15`` is true, which converts them the official way: insert ``19`` before the two-digit
    birth year and append the GB 11643 check character.

    Example:
        >>> cn_resident_id("110105491231002", upgrade_15=True)
        '11010519491231002X'
    """
    number = _SPACES_AND_DASHES.sub("", as_text(value, "a resident ID")).upper()
    if len(number) == 15 and number.isascii() and number.isdigit():
        if not upgrade_15:
            raise ValueError(
                f"a 15-digit legacy resident ID; set upgrade_15: true to convert it to 18 digits: {mask(number)}"
            )
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    try:
        if not number.isascii():
            raise InvalidFormat()
        return _validated_ric(number)
    except ValidationError as exc:
        reason = next((text for kind, text in _RIC_REASONS.items() if isinstance(exc, kind)), "not valid")
        raise ValueError(f"not a valid resident ID: {reason}: {mask(number)}") from None


def _validated_ric(number: str) -> str:
    """``stdnum.cn.ric.validate`` on an already compacted number, with its birth-place lookup cached.

    stdnum reads its county table on every call (about 80 µs, most of a migration row's budget);
    the answer depends only on the area code and the birth year, so it is cached on those 10 digits.
    Its ``compact`` (a generic character filter, slower than the rest of the check) is skipped:
    :func:`cn_resident_id` has already removed separators and upper-cased the ASCII number.
    """
    if len(number) != 18:
        raise InvalidLength()
    if not number[:-1].isdigit():
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    _birth_date(number)
    if not _area_existed(number[:10]):
        raise InvalidComponent()
    return number


def _birth_date(number: str) -> dt.date:
    """The date in digits 7–14 (``stdnum.cn.ric.get_birth_date`` without its ``compact``), not after
    tomorrow in UTC (a day of slack for time zones ahead of UTC, Beijing's among them)."""
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent() from None
    if born > dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1):
        raise _FutureBirthDate()
    return born


@functools.lru_cache(maxsize=65536)
def _area_existed(area_and_year: str) -> bool:
    """Whether the 6-digit area code was assigned in the 4-digit year (stdnum's county table)."""
    try:
        ric.get_birth_place(area_and_year + "01010000")
    except ValidationError:
        return False
    return True


@takes(_UPGRADE_15)
def birth_date_from_id(value: Any, *, upgrade_15: bool = False) -> dt.date:
    """The birth date encoded in a resident ID (validated first, see :func:`cn_resident_id`).

    Example:
        >>> birth_date_from_id("11010519491231002X")
        datetime.date(1949, 12, 31)
    """
    return _birth_date(cn_resident_id(value, upgrade_15=upgrade_15))


# ---------------------------------------------------------------------------------------------------
# Bank cards
# ---------------------------------------------------------------------------------------------------


@takes(Param("strict", "true/false", "false: a company account number (6–34 digits, no Luhn check)", check=flag))
def bank_card(value: Any, *, strict: bool = True) -> str:
    """The digits of a bank card number (spaces and dashes removed), Luhn-checked.

    Company (对公) accounts are not card numbers and need not pass Luhn: for such fields set
    ``strict: false``, which skips the Luhn check and the 12–19 digit card length and accepts any
    account number of 6–34 digits (34 is the IBAN maximum).

    Example:
        >>> bank_card("6222 0212 3456 7890 128")
        '6222021234567890128'
    """
    text = as_text(value, "a bank card number")
    digits = _SPACES_AND_DASHES.sub("", text)
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"expected only digits, spaces and dashes in a bank card number: {mask(text)}")
    if not strict:
        if not 6 <= len(digits) <= 34:
            raise ValueError(f"expected an account number of 6–34 digits, got {len(digits)}: {mask(digits)}")
        return digits
    if not 12 <= len(digits) <= 19:
        raise ValueError(f"expected a card number of 12–19 digits, got {len(digits)}: {mask(digits)}")
    if not luhn.is_valid(digits):
        raise ValueError(
            f"the card number fails the Luhn check (for a company account set strict: false): {mask(digits)}"
        )
    return digits


# ---------------------------------------------------------------------------------------------------
# A person's name split for systems that keep its parts apart
# ---------------------------------------------------------------------------------------------------

_NAME_PARTS = {"given": "every word but the last (Ada King in Ada King Lovelace)", "family": "the last word"}


def _name_part_param(part: Any) -> str:
    if part not in _NAME_PARTS:
        raise ValueError(f"expected one of {', '.join(_NAME_PARTS)}, got {part!r}")
    return str(part)


@takes(Param("part", "given or family", "which part of the name", choices=_NAME_PARTS, check=_name_part_param))
def name_part(value: Any, *, part: str) -> str:
    """The given or family part of a name written as words: the family name is the last word.

    For a system that keeps ``firstName`` and ``lastName`` apart (BambooHR) where the canonical model
    has one ``name``. A name of one word is refused rather than guessed.

    Example:
        >>> name_part(" Ada  King Lovelace ", part="given"), name_part("Ada King Lovelace", part="family")
        ('Ada King', 'Lovelace')
    """
    words = normalize_text(as_text(value, "a name")).split()
    if len(words) < 2:
        raise ValueError(f"expected a name of two or more words (given and family), got {mask(' '.join(words))}")
    return words[-1] if _name_part_param(part) == "family" else " ".join(words[:-1])
