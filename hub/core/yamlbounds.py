"""YAML whose aliases cannot make it grow: the expansion is measured on the node graph before use.

A few hundred bytes of nested anchors and aliases (``b: [*a, *a, ...]``, each level repeating the
last) stand for billions of nodes. PyYAML shares aliased nodes, so composing is cheap; the damage
comes later, when anything walks the document as a tree (resolving ``${ENV}`` references in
hub.yaml, compiling a mapping, validating with pydantic). So every YAML the hub reads from a user
(hub.yaml, mapping files, job files) is composed, then measured: the number of nodes the document
has once its aliases are expanded, counted over the shared graph in linear time without expanding
anything. More than :data:`MAX_ALIAS_NODES` added by aliases, or an alias inside its own anchor, is
refused with :class:`AliasExpansionError`, a ``yaml.YAMLError``, so each reader reports it the way it
reports any broken YAML (a ``ConfigError`` for hub.yaml, a ``MappingCompileError`` for a mapping).

Deep flow nesting is refused the same way, before PyYAML sees the text: its scanner looks at every
open ``[``/``{`` level again at each token, so a few kilobytes of brackets kept it busy for seconds
(``a: [[[[…`` 2,000 deep: 3 s) before its parser ran out of stack. More than :data:`MAX_FLOW_DEPTH`
levels is an :class:`AliasExpansionError` too.

Example:
    >>> safe_load("base: &b {x: 1}\\nother: *b\\n")
    {'base': {'x': 1}, 'other': {'x': 1}}
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\\n" for p, n in zip("abcdefgh", "bcdefghi"))
    >>> safe_load(bomb)
    Traceback (most recent call last):
    ...
    hub.core.yamlbounds.AliasExpansionError: aliases expand the document by more than 10000 nodes; write the repeated parts out instead
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["AliasExpansionError", "MAX_ALIAS_NODES", "MAX_FLOW_DEPTH", "check_expansion", "compose", "flow_depth",
           "safe_load"]  # fmt: skip

#: How many nodes aliases may add to a document: far beyond sharing a block of settings, far below harm.
MAX_ALIAS_NODES = 10_000
#: How deeply ``[...]`` and ``{...}`` may nest: far beyond any settings or mapping file, far below harm.
MAX_FLOW_DEPTH = 100
_FLOW = re.compile(r"[\[\]{}]")


class AliasExpansionError(yaml.YAMLError):
    """The document's aliases would expand it past :data:`MAX_ALIAS_NODES`, or an alias contains itself."""


def check_expansion(root: yaml.Node | None, *, limit: int = MAX_ALIAS_NODES) -> None:
    """Refuse ``root`` if its aliases add more than ``limit`` nodes once expanded.

    Raises:
        AliasExpansionError: too much expansion, or a recursive alias (infinite expansion).
    """
    if root is None:
        return
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def expanded(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise AliasExpansionError("an alias refers to the node that contains it (infinite expansion)")
        in_progress.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        size = 1 + sum(expanded(child) for child in children)
        in_progress.discard(key)
        sizes[key] = size
        if size - len(sizes) > limit:
            raise AliasExpansionError(f"aliases expand the document by more than {limit} nodes; "
                                      "write the repeated parts out instead")  # fmt: skip
        return size

    try:
        expanded(root)
    except RecursionError:
        raise AliasExpansionError("the document is nested too deeply") from None


def flow_depth(text: str) -> int:
    """How deeply brackets nest in YAML ``text``, counting every bracket: quoted or commented ones
    too, which can only overcount a little (a stray closer never takes the count below zero).

    Example:
        >>> flow_depth("a: [1, {b: [2]}]\\nc: '[['\\n")
        3
    """
    depth = deepest = 0
    for match in _FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def compose(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> yaml.Node | None:
    """``yaml.compose`` with :func:`check_expansion` applied; deep nesting is a YAML error too."""
    if flow_depth(text) > MAX_FLOW_DEPTH:
        raise AliasExpansionError(f"brackets nest more than {MAX_FLOW_DEPTH} levels deep; write the document flatter")
    try:
        root = yaml.compose(text, Loader=loader)
    except RecursionError:
        raise AliasExpansionError("the document is nested too deeply") from None
    check_expansion(root)
    return root


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` for YAML from users: the same values, with the expansion bounded first."""
    root = compose(text)
    return None if root is None else yaml.SafeLoader("").construct_document(root)
