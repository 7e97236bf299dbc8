"""Compiling a rule's ``steps`` into bound callables, checked against each transform's signature.

Everything that can be decided once is decided here: the transform is found by name, its parameters
are checked against its signature and declared values (:mod:`.signature`: unknown or missing ones and
values it does not take are compile errors at the parameter's line), the mapping's default
``timezone`` is bound to every transform that takes ``tz``, and ``lookup`` gets its table (inverted
for ``reverse: true``). What remains per record is calling ``fn(value)``.

Example:
    >>> from hub.core.mapping.yamlnodes import YamlDoc
    >>> doc = YamlDoc.from_text("[upper, {lookup: {table: t}}]", file="m.yaml")
    >>> catalogue = StepCatalogue({"upper": str.upper}, {"t": {"A": "alpha"}}, timezone=None, doc=doc)
    >>> steps = catalogue.compile(doc.root)
    >>> value = "a"
    >>> for name, fn in steps:
    ...     value = fn(value)
    >>> value
    'alpha'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import yaml

from hub.core.mapping.signature import parameters, problem
from hub.core.mapping.yamlnodes import YamlDoc

__all__ = ["Step", "StepCatalogue", "LOOKUP", "LookupKey", "as_key"]

Step = tuple[str, Callable[[Any], Any]]

#: The one transform the engine provides itself: it needs the mapping's tables.
LOOKUP = "lookup"
_LOOKUP_PARAMS = frozenset({"table", "default", "default_from_value", "reverse"})


class StepCatalogue:
    """The transforms and tables one mapping file may use, and the compiler for its steps.

    Example:
        >>> from hub.core.errors import MappingCompileError
        >>> from hub.core.mapping.yamlnodes import YamlDoc
        >>> doc = YamlDoc.from_text("[{upper: {loud: true}}]", file="m.yaml")
        >>> try:
        ...     StepCatalogue({"upper": str.upper}, {}, timezone=None, doc=doc).compile(doc.root)
        ... except MappingCompileError as exc:
        ...     print(exc.reason)
        m.yaml:1: transform 'upper' takes no parameter 'loud' (parameters: none)
    """

    def __init__(
        self,
        transforms: dict[str, Callable[..., Any]],
        tables: dict[str, dict[str, Any]],
        *,
        timezone: str | None,
        doc: YamlDoc,
    ) -> None:
        self.transforms, self.tables, self.timezone, self.doc = transforms, tables, timezone, doc

    def compile(self, node: yaml.Node) -> tuple[Step, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.doc.error(node, "steps must be a list")
        return tuple(self._step(item) for item in node.value)

    def _step(self, node: yaml.Node) -> Step:
        if isinstance(node, yaml.MappingNode):
            entries = list(self.doc.items(node, "a step"))
            if len(entries) != 1:
                raise self.doc.error(node, "a step is a transform name or a one-key mapping {name: {params}}")
            name, params_node = entries[0]
            param_nodes = self._param_nodes(params_node, name)
        else:
            name, param_nodes = self.doc.text(node, "a step"), {}
        params = {key: self.doc.value(value) for key, value in param_nodes.items()}
        if name == LOOKUP:
            return name, self._lookup(params, node)
        if name not in self.transforms:
            known = ", ".join(sorted({LOOKUP, *self.transforms}))
            raise self.doc.error(node, f"unknown transform {name!r}; known: {known}")
        return name, self.bind(name, params, node, param_nodes)

    def _param_nodes(self, node: yaml.Node, name: str) -> dict[str, yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return {}
        return dict(self.doc.items(node, f"parameters of {name!r}"))

    def bind(
        self, name: str, params: dict[str, Any], node: yaml.Node, param_nodes: dict[str, yaml.Node] | None = None
    ) -> Callable[[Any], Any]:
        """``transforms[name]`` with ``params`` bound, after checking them (:func:`.signature.problem`).

        A problem is reported at its parameter's node in ``param_nodes`` when it has one, else at ``node``.
        """
        function = self.transforms[name]
        names = parameters(function)[0]
        if self.timezone is not None and names is not None and "tz" in names and "tz" not in params:
            params = {**params, "tz": self.timezone}
        found = problem(name, function, params)
        if found is not None:
            raise self.doc.error((param_nodes or {}).get(found.param or "", node), found.reason)
        return functools.partial(function, **params) if params else function

    def _lookup(self, params: dict[str, Any], node: yaml.Node) -> Callable[[Any], Any]:
        unknown = sorted(set(params) - _LOOKUP_PARAMS)
        if unknown:
            allowed = ", ".join(sorted(_LOOKUP_PARAMS))
            raise self.doc.error(node, f"lookup takes no parameter {unknown[0]!r} (parameters: {allowed})")
        name = params.get("table")
        if not isinstance(name, str):
            raise self.doc.error(node, "lookup needs parameter 'table' (the name of a table)")
        if name not in self.tables:
            known = ", ".join(sorted(self.tables)) or "none"
            raise self.doc.error(node, f"unknown table {name!r}; tables: {known}")
        table = self.tables[name]
        if params.get("reverse", False):
            table = _inverted(table)
        fallback = None
        if "default_from_value" in params:
            fallback_name = params["default_from_value"]
            if fallback_name not in self.transforms:
                raise self.doc.error(node, f"default_from_value names unknown transform {fallback_name!r}")
            fallback = self.bind(fallback_name, {}, node)
        return _lookup_function(name, table, "default" in params, params.get("default"), fallback)


def _inverted(table: dict[str, Any]) -> dict[str, Any]:
    """canonical → source; when several source values share a canonical value the first one wins."""
    result: dict[str, Any] = {}
    for key, value in table.items():
        if value is not None:
            result.setdefault(str(value), key)
    return result


def as_key(value: Any) -> str:
    """The text a scalar is looked up (and compared, and keyed) by: booleans as ``true``/``false``.

    Raises:
        ValueError: an object or list has no such text.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float, Decimal)):
        return str(value)
    raise ValueError(f"a {type(value).__name__} cannot be looked up in a table")


class LookupKey(str):
    """A lookup key built from several fields (the ``key`` rule form): the parts joined with ``:``,
    which ``lookup`` tries first, then the broader keys of fewer parts, most specific first.

    So a table keyed ``rejected`` matches every rejected application whatever its stage, while
    ``in_process:Offer`` matches only that stage. Built for every record a ``key`` rule maps, so it
    is made by :meth:`of` (no Python ``__new__``) and its broader keys only on a miss.

    Example:
        >>> key = LookupKey.of(["in_process", "false", "Offer"])
        >>> key, key.broader()
        ('in_process:false:Offer', ['in_process:false', 'in_process'])
    """

    __slots__ = ("parts",)
    parts: list[str]

    @classmethod
    def of(cls, parts: list[str], _new: Callable[..., Any] = str.__new__) -> LookupKey:
        key = _new(cls, ":".join(parts))
        key.parts = parts
        return key

    def broader(self) -> list[str]:
        parts = self.parts
        return [":".join(parts[:size]) for size in range(len(parts) - 1, 0, -1)]


def _lookup_function(
    name: str, table: dict[str, Any], has_default: bool, default: Any, fallback: Callable[[Any], Any] | None
) -> Callable[[Any], Any]:
    """The ``lookup`` step: what happens to a key the table lacks (the default, the fallback
    transform or an error) is chosen here, once, as the closure; text keys skip :func:`as_key`,
    and only a miss asks whether the key is a :class:`LookupKey` with broader forms to try."""
    if has_default:

        def lookup_or_default(value: Any) -> Any:
            found = table.get(value if value.__class__ is str else as_key(value), _ABSENT)
            if found is _ABSENT:
                found = _broader(table, value)
            return default if found is _ABSENT else found

        return lookup_or_default

    if fallback is not None:

        def lookup_or_convert(value: Any) -> Any:
            found = table.get(value if value.__class__ is str else as_key(value), _ABSENT)
            if found is _ABSENT:
                found = _broader(table, value)
            return fallback(value) if found is _ABSENT else found

        return lookup_or_convert

    def lookup(value: Any) -> Any:
        key = value if value.__class__ is str else as_key(value)
        found = table.get(key, _ABSENT)
        if found is _ABSENT:
            found = _broader(table, value)
        if found is _ABSENT:
            nor = f" (nor {', '.join(map(repr, value.broader()))})" if isinstance(value, LookupKey) else ""
            raise ValueError(f"{str(key)!r} is not in table {name!r}{nor}")
        return found

    return lookup


def _broader(table: dict[str, Any], value: Any) -> Any:
    """The entry of the most specific broader form of a :class:`LookupKey`; :data:`_ABSENT` otherwise."""
    if isinstance(value, LookupKey):
        for key in value.broader():
            found = table.get(key, _ABSENT)
            if found is not _ABSENT:
                return found
    return _ABSENT


#: What ``table.get`` returns for a key the table lacks (table values are text or None).
_ABSENT = object()
