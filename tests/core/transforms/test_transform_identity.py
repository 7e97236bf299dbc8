"""Identity transforms: phones, emails, resident IDs and bank cards; PII never echoed in errors.

Every ID and card number here is made up: the check characters are computed below with the
published algorithms (ISO 7064 MOD 11-2 from GB 11643, Luhn), independently of python-stdnum.
"""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.transforms.identity import (
    bank_card,
    birth_date_from_id,
    cn_resident_id,
    email,
    emails,
    phone,
    phones,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(area: str, born: str, sequence: str) -> str:
    """A made-up 18-character ID with a correct GB 11643 check character."""
    body = area + born + sequence
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(prefix)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return prefix + str((10 - total % 10) % 10)


ID_1990 = resident_id("110105", "19900307", "123")
ID_X = "11010519491231002X"  # the published GB 11643 sample
CARD = luhn_complete("622202123456789012")


def test_generators_agree_with_the_published_sample():
    assert resident_id("110105", "19491231", "002") == ID_X


# --- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("138 0013 8000", "CN", "+8613800138000"),
        ("+86-138-0013-8000", "CN", "+8613800138000"),
        ("+86 138 0013 8000", "US", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),
        (13800138000, "CN", "+8613800138000"),
        ("010-12345678", "CN", "+861012345678"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("(415) 555-0123", "us", "+14155550123"),
    ],
)
def test_phone(value, region, expected):
    assert phone(value, region=region) == expected


@pytest.mark.parametrize(
    ("value", "region", "reason"),
    [
        ("12345", "CN", "not a valid phone number"),
        ("1380013800", "CN", "not a valid phone number"),
        ("555-0123", "US", "not a valid phone number"),
        ("call me", "CN", "not a phone number"),
        ("", "CN", "not a phone number"),
        (13800138000.0, "CN", "as text"),
        ("13800138000", "XX", "unknown phone region"),
    ],
)
def test_phone_rejects(value, region, reason):
    with pytest.raises(ValueError, match=reason):
        phone(value, region=region)


def test_phone_error_is_masked():
    with pytest.raises(ValueError) as caught:
        phone("139001390001234")
    assert "139001390001234" not in str(caught.value)
    assert str(caught.value).endswith("***********1234")


@pytest.mark.parametrize(
    "value",
    [
        "13800138000, 13900139000",
        "13800138000；13900139000",
        "13800138000/13900139000",
        "13800138000、139 0013 9000、13800138000",
        ["13800138000", 13900139000, ""],
    ],
)
def test_phones(value):
    assert phones(value) == ["+8613800138000", "+8613900139000"]


def test_phones_blank_is_empty():
    assert phones("  ") == []


# --- emails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" Li.Lei@Example.COM ", "li.lei@example.com"),
        ("mailto:a+tag@example.co.uk", "a+tag@example.co.uk"),
        ("ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "li@example.com"),
        ("王磊@例子.中国", "王磊@例子.中国"),
        ("wang@xn--fsqu00a.xn--fiqs8s", "wang@例子.中国"),
        ("x@Bücher.DE", "x@bücher.de"),
    ],
)
def test_email(value, expected):
    assert email(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("li.lei.example.com", "exactly one @"),
        ("a@b@example.com", "exactly one @"),
        ("li lei@example.com", "before @"),
        (".li@example.com", "before @"),
        ("li..lei@example.com", "before @"),
        ("@example.com", "before @"),
        ("lilei@localhost", "needs a dot"),
        ("lilei@exa mple.com", "domain"),
        ("lilei@-example.com", "domain"),
        ("lilei@example..com", "domain"),
        (None, "as text"),
    ],
)
def test_email_rejects(value, reason):
    with pytest.raises(ValueError, match=reason):
        email(value)


def test_emails():
    assert emails("A@example.com; b@example.com，a@example.com\nc@example.org") == [
        "a@example.com",
        "b@example.com",
        "c@example.org",
    ]
    assert emails(["X@Example.com"]) == ["x@example.com"]


# --- resident IDs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ID_1990, ID_1990),
        ("11010519491231002x", ID_X),
        (" 110105 19491231 002X ", ID_X),
        ("１１０１０５１９４９１２３１００２ｘ", ID_X),
        (int(ID_1990) if ID_1990[-1] != "X" else ID_1990, ID_1990),
    ],
)
def test_cn_resident_id(value, expected):
    assert cn_resident_id(value) == expected


def test_legacy_15_digit_id_is_refused_unless_upgraded():
    legacy = ID_1990[:6] + ID_1990[8:17]
    with pytest.raises(ValueError, match="upgrade_15"):
        cn_resident_id(legacy)
    assert cn_resident_id(legacy, upgrade_15=True) == ID_1990


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (ID_1990[:-1] + ("0" if ID_1990[-1] != "0" else "1"), "check character"),
        ("1101051990030712", "18 characters"),
        ("11010519900307A23" + "4", "17 digits"),
        (resident_id("110105", "19901332", "123"), "birth date or the area code"),
        (resident_id("990000", "19900307", "123"), "birth date or the area code"),
        (resident_id("110105", "20990307", "123"), "birth date is in the future"),
        (resident_id("110105", (dt.date.today() + dt.timedelta(days=3)).strftime("%Y%m%d"), "123"), "in the future"),
        (None, "as text"),
    ],
)
def test_cn_resident_id_rejects(value, reason):
    with pytest.raises(ValueError, match=reason):
        cn_resident_id(value)


def test_birth_date_from_id():
    assert birth_date_from_id(ID_1990) == dt.date(1990, 3, 7)
    assert birth_date_from_id(ID_X.lower()) == dt.date(1949, 12, 31)


# --- bank cards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "params", "expected"),
    [
        (CARD, {}, CARD),
        (" ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4)), {}, CARD),
        ("-".join(CARD[i : i + 4] for i in range(0, len(CARD), 4)), {}, CARD),
        (int(CARD), {}, CARD),
        (luhn_complete("41111111111"), {}, luhn_complete("41111111111")),
        ("1100 1234 5678 9012 3456", {"strict": False}, "11001234567890123456"),
        (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), {"strict": False}, CARD[:-1] + str((int(CARD[-1]) + 1) % 10)),
    ],
)
def test_bank_card(value, params, expected):
    assert bank_card(value, **params) == expected


@pytest.mark.parametrize(
    ("value", "params", "reason"),
    [
        (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), {}, "Luhn check .*strict: false"),
        (luhn_complete("1234567890"), {}, "12–19 digits"),
        (luhn_complete("1" * 19), {}, "12–19 digits"),
        ("6222 0212 ABCD 7890", {}, "only digits"),
        ("12345", {"strict": False}, "6–34 digits"),
        (6.2e18, {}, "as text"),
    ],
)
def test_bank_card_rejects(value, params, reason):
    with pytest.raises(ValueError, match=reason):
        bank_card(value, **params)


# --- properties: only ValueError, and never the value itself in the message ---------------------

PII_TRANSFORMS = {
    "phone": phone,
    "phones": phones,
    "email": email,
    "emails": emails,
    "cn_resident_id": cn_resident_id,
    "birth_date_from_id": birth_date_from_id,
    "bank_card": bank_card,
}

# "*" is excluded because a masked value is made of stars: "*******" would "contain" itself.
PII_LIKE = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="*"), max_size=40),
    st.text(alphabet="0123456789 -+()xX@.、,;/", min_size=7, max_size=25),
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"\d{17}[0-9Xx]", fullmatch=True),
    st.from_regex(r"\d{15}", fullmatch=True),
    st.from_regex(r"\d{12,19}", fullmatch=True),
    st.from_regex(r"[a-z.]{1,10}@[a-z]{1,10}\.[a-z]{2,3}", fullmatch=True),
)


@pytest.mark.parametrize("name", sorted(PII_TRANSFORMS))
@given(value=PII_LIKE)
def test_pii_transforms_raise_only_masked_value_errors(name, value):
    try:
        PII_TRANSFORMS[name](value)
    except ValueError as exc:
        message = str(exc)
        if len(value.strip()) >= 7:
            assert value.strip() not in message
            assert value not in message


@given(
    digits=st.from_regex(r"1[0-9]{10}", fullmatch=True),
    layout=st.sampled_from(
        ["{}{}{}", "+86{}{}{}", " +86 {}{}{} ", "{} {} {}", "+86-{}-{}-{}", "{}-{}{}", "(+86) {}-{}-{}", "0086 {}{}{}"]
    ),
)
def test_cn_mobile_shortcut_agrees_with_phonenumbers(digits, layout):
    """The cached 5-digit-prefix shortcut gives exactly phonenumbers' answer, valid or not."""
    text = layout.format(digits[:3], digits[3:7], digits[7:])
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:  # e.g. 110… read as a too-short service number
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        with pytest.raises(ValueError, match="not a (valid )?phone number"):
            phone(text)
    else:
        assert phone(text) == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_every_cn_mobile_prefix_decides_its_numbers_alone():
    """The shortcut's premise, for the phonenumbers installed: each of the 10,000 prefixes 1xxxx is
    valid or invalid for its lowest, highest and a middle number alike."""
    def valid(national: str) -> bool:
        return phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=86, national_number=int(national)))

    split = [prefix for prefix in range(10000, 20000)
             if len({valid(f"{prefix}{rest}") for rest in ("000000", "509172", "999999")}) > 1]  # fmt: skip
    assert split == []


def test_domains_are_checked_the_same_way_every_time():
    """The domain check is reused across addresses; each address still gets its own masked message."""
    assert [email("a@Example.com"), email("b@example.COM")] == ["a@example.com", "b@example.com"]
    for address in ("lilei@localhost", "hanmeimei@localhost"):
        with pytest.raises(ValueError, match="needs a dot") as info:
            email(address)
        assert address not in str(info.value)
