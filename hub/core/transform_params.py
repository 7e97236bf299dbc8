"""What a transform's parameters accept, declared beside the transform and checked when a mapping compiles.

Why: a transform's signature says which parameters exist, not which values they take, so
``{score: {scale: bogus}}`` used to compile and then fail on every record. A transform declares its
parameters with :func:`takes`; the mapping compiler (:mod:`hub.core.mapping.signature`) checks each
step's values against the declaration, so a bad one is a compile error with file, line and the valid
values, and :mod:`hub.core.mapping.reference` renders the declarations (``hub mapping transforms``,
docs/mapping.md). A transform without a declaration (a plugin's, say) is checked by its signature alone.

Example:
    >>> @takes(Param("loud", "true/false", "shout the text", check=flag))
    ... def say(value, *, loud=False):
    ...     return value.upper() if loud else value
    >>> [param.problem(True) for param in declared_params(say)]
    [None]
    >>> declared_params(say)[0].problem("yes")
    "expected true or false, got 'yes'"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["Param", "takes", "declared_params", "flag"]

Transform = TypeVar("Transform", bound=Callable[..., Any])

#: The attribute :func:`takes` sets on a transform.
_DECLARATION = "hub_params"


@dataclass(frozen=True)
class Param:
    """One parameter of a transform.

    Attributes:
        name: the keyword the mapping writes (``scale``).
        accepts: what a value is, in a few words (``text``, ``true/false``, ``a scale``).
        doc: what the parameter does, one line.
        choices: the named values it takes, ``{name: meaning}`` (listed by the reference).
        check: raises ``ValueError`` with a plain reason for a value it does not take (the
            transform's own check, so compile time and run time agree).

    Example:
        >>> Param("excel", "true/false", "numbers are Excel serial dates", check=flag).problem("yes")
        "expected true or false, got 'yes'"
    """

    name: str
    accepts: str
    doc: str
    choices: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[Any], object] | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not a value of this parameter, or None when it is."""
        if self.check is None:
            return None
        try:
            self.check(value)
        except ValueError as exc:
            return str(exc)
        return None


def takes(*params: Param) -> Callable[[Transform], Transform]:
    """Declare the parameters of the transform it decorates (the function itself is unchanged)."""

    def declare(function: Transform) -> Transform:
        setattr(function, _DECLARATION, params)
        return function

    return declare


def declared_params(function: Callable[..., Any]) -> tuple[Param, ...] | None:
    """The parameters a transform declared with :func:`takes`, or None when it declared none."""
    return getattr(function, _DECLARATION, None)


def flag(value: Any) -> bool:
    """The check of a switch: ``true`` or ``false`` (YAML 1.2: ``yes`` and ``no`` are text)."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value
