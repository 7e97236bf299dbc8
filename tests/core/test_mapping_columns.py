"""The header vocabulary: every known header is recognized however an export spells its case,
spaces and punctuation, and the recognized PII columns are exactly those that hold a person's data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.core.mapping.columns import VOCABULARY, is_pii_column, recognize

KNOWN = [(header, column) for column, headers in VOCABULARY.items() for header in headers]
SEPARATORS = st.sampled_from([" ", "_", "-", "\u3000", "\t", ".", "/", "（", "）"])


@st.composite
def respelled(draw: st.DrawFn) -> tuple[str, str]:
    """A known header with its case changed and separators put anywhere."""
    header, _ = draw(st.sampled_from(KNOWN))
    text = "".join(draw(st.sampled_from([char, char.upper(), char.lower()])) for char in header)
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.integers(0, len(text)))
        text = text[:where] + draw(SEPARATORS) + text[where:]
    return header, text


@given(respelled())
def test_a_known_header_is_recognized_however_it_is_spelled(case: tuple[str, str]) -> None:
    header, spelled = case
    assert recognize(spelled) == recognize(header) is not None


def test_no_header_names_two_columns() -> None:
    folded = [recognize(header) for header, _ in KNOWN]
    assert all(found == column for found, (_, column) in zip(folded, KNOWN))


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1))
def test_digits_alone_name_no_column(text: str) -> None:
    assert recognize(text) is None


def test_the_pii_columns_are_the_persons_data() -> None:
    pii = sorted({column.target for column, _ in VOCABULARY.items() if column.pii})
    assert pii == ["comments", "emails", "name", "national_id", "phones"]
    assert is_pii_column("身份证号") and is_pii_column("E-Mail") and not is_pii_column("候选人编号")
