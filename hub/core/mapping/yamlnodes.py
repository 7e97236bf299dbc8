"""Reading mapping YAML as nodes, so every compile error can name its file and line.

``yaml.safe_load`` throws line numbers away; ``yaml.compose`` keeps them on every node. Two more
things plain loading gets wrong for mapping files, handled here: duplicate keys (silently "last one
wins" in PyYAML) are errors, and only ``true``/``false`` are booleans (YAML 1.2), so a lookup table
entry ``推荐: yes`` means the text ``"yes"``, not ``True``. Aliases may not expand a file past
:data:`hub.core.yamlbounds.MAX_ALIAS_NODES` (an alias bomb is a compile error, not a hung compile).

Example:
    >>> doc = YamlDoc.from_text("a: yes\\nb: [1, 2]\\n", file="m.yaml")
    >>> [(key, doc.line(node), doc.value(node)) for key, node in doc.items(doc.root)]
    [('a', 1, 'yes'), ('b', 2, [1, 2])]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from hub.core.errors import MappingCompileError
from hub.core.yamlbounds import compose

__all__ = ["YamlDoc"]

_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(yaml.SafeLoader):
    """SafeLoader whose booleans are YAML 1.2's: ``true``/``false`` only."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class YamlDoc:
    """One composed YAML file: its root node and helpers that fail with file and line.

    Example:
        >>> doc = YamlDoc.from_text("x: 1\\nx: 2\\n", file="m.yaml")
        >>> list(doc.items(doc.root))
        Traceback (most recent call last):
        ...
        hub.core.errors.MappingCompileError: [mapping-compile-error] m.yaml:2: duplicate key 'x'
    """

    def __init__(self, root: yaml.Node | None, file: str) -> None:
        self.root = root
        self.file = file

    @classmethod
    def from_path(cls, path: Path) -> YamlDoc:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingCompileError(f"cannot read the file: {exc}", file=str(path)) from None
        return cls.from_text(text, file=str(path))

    @classmethod
    def from_text(cls, text: str, *, file: str) -> YamlDoc:
        try:
            return cls(compose(text, _Loader), file)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else None
            reason = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
            raise MappingCompileError(reason, file=file, line=line) from None

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1

    def error(self, node: yaml.Node | None, reason: str) -> MappingCompileError:
        """A compile error at ``node`` (or at the top of the file when there is no node)."""
        return MappingCompileError(reason, file=self.file, line=self.line(node) if node is not None else 1)

    def items(self, node: yaml.Node, what: str = "this") -> Iterator[tuple[str, yaml.Node]]:
        """``(key text, value node)`` of a mapping node; non-text keys and duplicates are errors."""
        for key, _key_node, value_node in self.entries(node, what):
            yield key, value_node

    def entries(self, node: yaml.Node, what: str = "this") -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Like :meth:`items`, with the key node too, for errors that point at the key's line."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping of key: value")
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "a key must be plain text")
            if key_node.value in seen:
                raise self.error(key_node, f"duplicate key {key_node.value!r}")
            seen.add(key_node.value)
            yield key_node.value, key_node, value_node

    def text(self, node: yaml.Node, what: str) -> str:
        """The literal text of a scalar node, exactly as written."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
            raise self.error(node, f"{what} must be text")
        return node.value

    def text_or_none(self, node: yaml.Node, what: str) -> str | None:
        """Like :meth:`text`, but a bare ``null`` / ``~`` / empty value is ``None``."""
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            return None
        return self.text(node, what)

    def value(self, node: yaml.Node) -> Any:
        """The Python value of any node (YAML 1.2 booleans)."""
        return _Loader("").construct_object(node, deep=True)
