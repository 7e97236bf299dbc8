"""The transform reference: every transform a mapping may use, its parameters and the values they take;
and the rule forms (:func:`render_forms`), where the values the transforms convert come from.

Rendered from the code (each transform's signature, declaration and docstring), so it cannot drift
from what compiles: ``hub mapping transforms`` prints it for the registry (plugins included), and
docs/mapping.md holds it for the built-ins between ``<!-- transforms -->`` and ``<!-- /transforms -->``,
which tests/test_docs.py compares with :func:`render_reference`.

Example:
    >>> from hub.core.transform_params import Param, flag, takes
    >>> @takes(Param("loud", "true/false", "shout", check=flag))
    ... def say(value, *, loud=False):
    ...     '''The text, said.'''
    >>> print(render_reference({"say": say}))
    - `say` — The text, said.
      - `loud`: true/false, default `false` — shout
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

from hub.core.mapping.sources import FORMS
from hub.core.transform_params import Param, declared_params

__all__ = ["render_forms", "render_reference"]

#: ``:class:`Score```, ``:func:`x``` and ````x```` in docstrings, shown as plain Markdown code.
_SPHINX_ROLE = re.compile(r"(?::\w+:)?``?([^`]+)``?")


#: The forms every rule had before the derived ones (:data:`hub.core.mapping.sources.FORMS`).
_BASIC_FORMS = (
    ("from", "{from: PATH}", "the value at a source path (`a.b`, `a[0]`, `a[*].b` for every item's `b`)"),
    ("const", "{const: VALUE}", "a constant"),
    ("each", "{each: PATH, fields: {...}}", "a list of records, one per item of the list, from `fields`"),
)


def render_forms() -> str:
    """Markdown list of the rule forms: how each is written and what it gives.

    Example:
        >>> print(render_forms().splitlines()[0])
        - `from` — `{from: PATH}`: the value at a source path (`a.b`, `a[0]`, `a[*].b` for every item's `b`)
    """
    forms = [*_BASIC_FORMS, *((name, form.written, form.gives) for name, form in FORMS.items())]
    return "\n".join(f"- `{name}` — `{written}`: {gives}" for name, written, gives in forms)


def render_reference(transforms: dict[str, Callable[..., Any]]) -> str:
    """Markdown list of ``transforms`` by name, each with its parameters and their named values."""
    return "\n".join(line for name in sorted(transforms) for line in _transform(name, transforms[name]))


def _transform(name: str, function: Callable[..., Any]) -> Iterator[str]:
    summary = _SPHINX_ROLE.sub(r"`\1`", (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " "))
    yield f"- `{name}`" + (f" — {summary}" if summary else "")
    declared = {param.name: param for param in declared_params(function) or ()}
    for parameter in _keyword_parameters(function):
        param = declared.get(parameter.name)
        yield "  " + _parameter(parameter, param)
        for choice, meaning in (param.choices if param else {}).items():
            yield f"    - `{choice}`: {meaning}"


def _keyword_parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        parameters = list(inspect.signature(function).parameters.values())[1:]
    except (TypeError, ValueError):  # a builtin without a signature takes what it takes
        return []
    return [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _parameter(parameter: inspect.Parameter, declared: Param | None) -> str:
    facts = [declared.accepts] if declared else []
    if parameter.default is parameter.empty:
        facts.append("required")
    elif parameter.default is not None:
        facts.append(f"default `{_yaml(parameter.default)}`")
    line = f"- `{parameter.name}`" + (f": {', '.join(facts)}" if facts else "")
    return line + (f" — {declared.doc}" if declared else "")


def _yaml(value: Any) -> str:
    """A default as a mapping file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
