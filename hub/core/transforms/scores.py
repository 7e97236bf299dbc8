"""Score and recommendation transforms: vendor ratings onto :class:`~hub.core.models.Score`.

AI-interview vendors and scorecards send the same idea many ways: ``7``, ``"7/10"``, ``"85分"``,
``"4.5星"``, ``"b"``, ``"Strong Yes"``, ``"强烈推荐"``. :func:`score` keeps the vendor's own number (or
the scale's own spelling of a label) as ``Score.value`` and its scale next to it, so nothing is lost
and the model can normalize to 0–100. A value that states its own scale (``"8.7/10"``, ``"4.5星"``,
``"85%"``) is kept on that scale whatever the mapping declares, because a vendor that writes the
scale into the value knows it better than the mapping; only a bare number off the declared scale is
an error, never clamped.

:func:`recommendation` maps hiring-decision words, English or Chinese, onto the five canonical
:class:`~hub.core.models.RecommendationLevel` values and keeps the word as sent.

Example:
    >>> score("85分", scale="zero_to_100").value
    '85'
    >>> score("7/10").normalized
    Decimal('70.00')
    >>> recommendation("强烈推荐").level
    <RecommendationLevel.STRONG_YES: 'strong_yes'>
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pydantic

from hub.core.models import (
    LETTER_A_E,
    ONE_TO_5,
    RECOMMENDATION_EN,
    RECOMMENDATION_ZH,
    YES_NO,
    ZERO_TO_10,
    ZERO_TO_100,
    Recommendation,
    RecommendationLevel,
    Scale,
    ScaleKind,
    Score,
)
from hub.core.transform_params import Param, takes
from hub.core.transforms.basic import normalize_text

__all__ = ["SCALE_PRESETS", "resolve_scale", "score", "recommendation"]

#: Scale names a mapping may use in ``score: {scale: <name>}``.
SCALE_PRESETS: dict[str, Scale] = {
    "zero_to_10": ZERO_TO_10,
    "zero_to_100": ZERO_TO_100,
    "one_to_5": ONE_TO_5,
    "letter_a_e": LETTER_A_E,
    "recommendation_en": RECOMMENDATION_EN,
    "recommendation_zh": RECOMMENDATION_ZH,
    "yes_no": YES_NO,
}

# A number, optionally "/denominator", optionally followed by a unit: 分 (points), 星/颗星 (stars), %.
_NUMERIC_SCORE = re.compile(
    r"(?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*"
    r"(?:/\s*(?P<denominator>\d+(?:\.\d+)?))?\s*"
    r"(?:(?P<points>分|points?|pts?)|(?P<stars>颗星|星|stars?)|(?P<percent>%))?",
    re.IGNORECASE,
)

_FIVE_STARS = Decimal(5)

# Spaces and hyphens between the words of a label, read as underscores ("Strong Yes", "no-decision").
_WORD_SEPARATORS = re.compile(r"[\s-]+")

# Other spellings of the yes/no labels, folded to the preset's own labels.
_YES_NO_ALIASES = {
    "y": "yes", "true": "yes", "1": "yes", "是": "yes", "通过": "yes", "pass": "yes",
    "n": "no", "false": "no", "0": "no", "否": "no", "不通过": "no", "fail": "no",
}  # fmt: skip


def resolve_scale(scale: Any) -> Scale:
    """The :class:`Scale` a ``scale`` parameter describes.

    Accepts a preset name (see :data:`SCALE_PRESETS`), ``{low, high}``, ``{labels: [worst, …, best]}``,
    ``{letters: "ABCDE"}`` (best first, as people write grades) or a :class:`Scale`.

    Example:
        >>> resolve_scale({"low": 1, "high": 7}).high
        Decimal('7')
        >>> resolve_scale({"letters": "ABC"}).labels
        ('C', 'B', 'A')
    """
    if isinstance(scale, Scale):
        return scale
    if isinstance(scale, str):
        try:
            return SCALE_PRESETS[scale.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALE_PRESETS)}") from None
    if isinstance(scale, Mapping):
        try:
            if set(scale) == {"low", "high"}:
                return Scale.numeric(scale["low"], scale["high"])
            if set(scale) == {"labels"} and isinstance(scale["labels"], (list, tuple)):
                return Scale.ordinal([str(label) for label in scale["labels"]])
            if set(scale) == {"letters"} and isinstance(scale["letters"], str):
                return Scale.letters(scale["letters"])
        except (pydantic.ValidationError, ArithmeticError) as exc:
            raise ValueError(f"invalid scale {dict(scale)!r}: {_first_reason(exc)}") from None
    raise ValueError(
        f"invalid scale {scale!r}; expected a preset name, {{low, high}}, {{labels: [...]}} or {{letters: 'ABCDE'}}"
    )


def _first_reason(exc: Exception) -> str:
    if isinstance(exc, pydantic.ValidationError):
        return exc.errors()[0]["msg"].removeprefix("Value error, ")
    return "low and high must be numbers"


def _in_words(scale: Scale) -> str:
    """The values of a scale, in words: ``0–10``, ``E < D < C < B < A``."""
    if scale.kind is ScaleKind.NUMERIC:
        return f"{scale.low}–{scale.high}"
    return " < ".join(scale.labels)


@takes(
    Param(
        "scale",
        "a scale",
        "the scale of values that do not state their own: a name below, {low, high}, {labels: [worst, …, best]} "
        "or {letters: ABCDE}",
        choices={name: _in_words(preset) for name, preset in SCALE_PRESETS.items()},
        check=resolve_scale,
    )
)
def score(value: Any, *, scale: Any = None) -> Score:
    """A :class:`Score` keeping the vendor's value, on the scale it states or else the declared ``scale``.

    Numbers may carry a unit (``85分``, ``4.5星``, ``85%``) or a denominator (``7/10``); the unit is
    dropped and the number kept as sent. A denominator, stars or ``%`` state the value's own scale,
    which wins over the declared one (see :func:`_stated_scale`); a bare number needs a declared
    scale. Labels match case-insensitively and are stored in the scale's own spelling; for the
    English recommendation scale spaces and hyphens count as underscores (``Strong Yes``).

    Raises:
        ValueError: the value is off its scale, or it is not a number/label the scale knows.

    Example:
        >>> score("4.5星", scale="one_to_5").normalized
        Decimal('87.50')
        >>> score("b", scale="letter_a_e").value
        'B'
        >>> score("Strong Yes", scale="recommendation_en").value
        'strong_yes'
        >>> score("8.7/10", scale="zero_to_100").scale == ZERO_TO_10
        True
    """
    if value.__class__ in _REUSABLE_VALUES and (scale is None or scale.__class__ is str):
        return _shared_score_of(value, scale)
    return _shared_score(value, scale)


#: Value types whose equal values always read as the same score (unlike ``1.0`` and ``Decimal("1.0")``,
#: which are equal but are kept as "1.0" and "1.0", or ``True``, equal to ``1`` but a yes/no label).
_REUSABLE_VALUES = frozenset({str, int})


@functools.lru_cache(maxsize=4096)
def _shared_score_of(value: str | int, scale: str | None) -> Score:
    """:func:`_shared_score` for a text or int value on a preset scale (or none), cached.

    Why cached: an export repeats a few hundred distinct (score, scale) pairs over millions of rows,
    and reading one costs a scale lookup, text folding and a pattern match; a :class:`Score` is
    frozen, so the same one is handed out every time (a defensive copy cost ~1.5 µs, five a row of
    the legacy export). Failures raise and are not cached, so every bad value gets its own message.
    """
    return _shared_score(value, scale)


def _shared_score(value: Any, scale: Any) -> Score:
    """The validated score (frozen, so safe to share between calls)."""
    declared = None if scale is None else resolve_scale(scale)
    if isinstance(value, bool):
        if declared is not YES_NO:
            raise ValueError("a true/false value is only a score on the yes_no scale")
        value = "yes" if value else "no"
    if isinstance(value, float | int | Decimal):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = normalize_text(value)
    else:
        raise ValueError(f"expected a score as a number or text, got {type(value).__name__}")
    if not text:
        raise ValueError("expected a score, got empty text")
    ordinal = declared is not None and declared.kind is ScaleKind.ORDINAL
    if ordinal and (label := _label(text, declared)) is not None:
        return _validated_score(label, declared)
    match = _NUMERIC_SCORE.fullmatch(text)
    if match is not None and (stated := _stated_scale(match, declared)) is not None:
        return _validated_score(match["number"], stated)
    if ordinal:
        raise ValueError(f"{text[:40]!r} is not on {_describe(declared)}")
    if match is None:
        expected = f"a number on {_describe(declared)}" if declared else "a score such as 7/10"
        raise ValueError(f"expected {expected}, got {text[:40]!r}")
    if declared is None:
        raise ValueError(f"no scale declared for {text[:40]!r}; set score: {{scale: ...}} in the mapping")
    return _validated_score(match["number"], declared)


def _stated_scale(match: re.Match[str], declared: Scale | None) -> Scale | None:
    """The scale a numeric score names itself, or None for a bare number (read on the declared scale).

    ``n/d`` is out of d and ``n星`` out of five stars; each is the declared scale when that one tops
    out at the same number (so ``4/5`` on 1–5 stays on 1–5), else 0–d and 1–5 (the usual star
    rating). ``n%`` is on 0–100. ``n分`` (points) is on the declared numeric scale, the scale the
    mapping says the points are counted on, and on 0–100 when none is declared or the declared
    one is ordinal.
    """
    if match["denominator"] is not None:
        denominator = Decimal(match["denominator"])
        if denominator <= 0:
            raise ValueError(f"a score out of {match['denominator']} has no scale")
        return _topped_at(denominator, declared) or Scale.numeric(0, denominator)
    if match["stars"] is not None:
        return _topped_at(_FIVE_STARS, declared) or ONE_TO_5
    if match["percent"] is not None:
        return ZERO_TO_100
    if match["points"] is not None and (declared is None or declared.kind is ScaleKind.ORDINAL):
        return ZERO_TO_100
    return None


def _topped_at(high: Decimal, declared: Scale | None) -> Scale | None:
    """The declared scale if it is numeric and its top is ``high``."""
    if declared is not None and declared.kind is ScaleKind.NUMERIC and declared.high == high:
        return declared
    return None


def _label(text: str, declared: Scale) -> str | None:
    """The scale's own spelling of the label ``text`` names, or None when it names none."""
    folded = text.casefold()
    if declared is RECOMMENDATION_EN:
        folded = _WORD_SEPARATORS.sub("_", folded)
    elif declared is YES_NO:
        folded = _YES_NO_ALIASES.get(folded, folded)
    for label in declared.labels:
        if label.casefold() == folded:
            return label
    return None


@functools.lru_cache(maxsize=4096)
def _validated_score(value: str, scale: Scale) -> Score:
    """Why cached: an export repeats a few hundred distinct scores over millions of rows, and a
    copy costs a third of a validation. Failures are not cached (they raise)."""
    try:
        return Score(value=value, scale=scale)
    except pydantic.ValidationError as exc:
        raise ValueError(f"{_first_reason(exc)}; expected a value on {_describe(scale)}") from None


def _describe(scale: Scale) -> str:
    return f"the scale {_in_words(scale)}"


# ---------------------------------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------------------------------

_LEVEL_WORDS: dict[RecommendationLevel, tuple[str, ...]] = {
    RecommendationLevel.DEFINITELY_NOT: (
        "definitely_not", "strong_no", "strongly_no", "definitely_no",
        "非常不推荐", "强烈不推荐", "坚决不推荐",
    ),
    RecommendationLevel.NO: ("no", "not_recommended", "reject", "不推荐", "淘汰", "不合格", "不通过", "不录用"),
    RecommendationLevel.UNDECIDED: (
        "undecided", "mixed", "no_decision", "maybe", "neutral", "on_hold",
        "待定", "待考虑", "中立",
    ),
    RecommendationLevel.YES: ("yes", "recommended", "hire", "推荐", "合格", "通过", "录用"),
    RecommendationLevel.STRONG_YES: (
        "strong_yes", "strongly_yes", "definitely_yes", "strong_hire",
        "强烈推荐", "非常推荐",
    ),
}  # fmt: skip

_LEVELS: dict[str, RecommendationLevel] = {word: level for level, words in _LEVEL_WORDS.items() for word in words}


def recommendation(value: Any) -> Recommendation:
    """A :class:`Recommendation`: the canonical level and the word as the vendor sent it.

    English words match ignoring case, spaces and hyphens (``Strong Yes``, ``STRONG_YES``,
    ``no-decision``); Chinese words match exactly after trimming (``淘汰`` → no, ``待定`` → undecided).

    Example:
        >>> recommendation("Definitely Not")
        Recommendation(level=<RecommendationLevel.DEFINITELY_NOT: 'definitely_not'>, raw='Definitely Not')
        >>> recommendation("mixed").level
        <RecommendationLevel.UNDECIDED: 'undecided'>
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a recommendation word, got {type(value).__name__}")
    raw = value.strip()
    return Recommendation(level=_level_of(raw), raw=raw)


@functools.lru_cache(maxsize=1024)
def _level_of(raw: str) -> RecommendationLevel:
    """The level a trimmed word names. Why cached: a handful of words fill millions of rows, and
    folding one costs as much as building the Recommendation. Unknown words raise (not cached)."""
    key = _WORD_SEPARATORS.sub("_", normalize_text(raw).casefold())
    try:
        return _LEVELS[key]
    except KeyError:
        known = ", ".join(level.value for level in RecommendationLevel)
        raise ValueError(f"unknown recommendation {raw[:40]!r}; expected a word for one of {known}") from None
