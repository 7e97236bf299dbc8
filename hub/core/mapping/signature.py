"""Checking a step's parameters against its transform, once, when the mapping compiles.

The transform's signature says which parameters exist and which are required; its declaration
(:mod:`hub.core.transform_params`) says which values each takes. Both are read here, so a typo in a
parameter's name or value is a compile error naming it and the valid ones, never a failure on every
record of a run.

Example:
    >>> from hub.core.transform_params import Param, flag, takes
    >>> @takes(Param("loud", "true/false", "shout", check=flag))
    ... def say(value, *, loud=False):
    ...     return value
    >>> problem("say", say, {"loud": "yes"})
    ParamProblem(param='loud', reason="transform 'say' parameter 'loud': expected true or false, got 'yes'")
    >>> problem("say", say, {"lout": True}).reason
    "transform 'say' takes no parameter 'lout' (parameters: loud)"
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from hub.core.transform_params import declared_params

__all__ = ["ParamProblem", "problem", "parameters"]


class ParamProblem(NamedTuple):
    """What is wrong with a step's parameters: the parameter at fault (None: the step) and why."""

    param: str | None
    reason: str


def problem(name: str, function: Callable[..., Any], params: Mapping[str, Any]) -> ParamProblem | None:
    """The first problem of ``params`` for the transform ``name``, or None when it can be called with them."""
    names, required = parameters(function)
    unknown = sorted(set(params) - names) if names is not None else []
    if unknown:
        allowed = ", ".join(sorted(names or ())) or "none"
        return ParamProblem(unknown[0], f"transform {name!r} takes no parameter {unknown[0]!r} (parameters: {allowed})")
    absent = sorted(required - set(params))
    if absent:
        return ParamProblem(None, f"transform {name!r} needs parameter {absent[0]!r}")
    for param in declared_params(function) or ():
        reason = param.problem(params[param.name]) if param.name in params else None
        if reason is not None:
            return ParamProblem(param.name, f"transform {name!r} parameter {param.name!r}: {reason}")
    return None


def parameters(function: Callable[..., Any]) -> tuple[frozenset[str] | None, frozenset[str]]:
    """(accepted parameter names or None for "any", required names), after the value argument."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have no signature: nothing to check
        return None, frozenset()
    params = list(signature.parameters.values())[1:]
    keyword = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    required = frozenset(p.name for p in keyword if p.default is p.empty)
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None, required
    return frozenset(p.name for p in keyword), required
