"""The rule sources beyond one ``from`` path: values a connector once derived in Python, written as data.

Each form is compiled once into a getter (record → value, :data:`MISSING` when there is none) and,
where a value can be refused, a first step that refuses it with a ``ValueError`` the rule turns into a
``MappingError`` naming the field (so the rule's ``default``, ``required`` and ``steps`` work as for
``from``). What they read is registered like a ``from`` path (source paths, PII and id checks).

* ``join: {paths: [first_name, last_name], separator: " "}`` — the values' text, blanks skipped;
* ``pick: {list: phone_numbers, where: {type: mobile}, take: value}`` — from the first item of a
  list matching every ``where`` (compared as text) that has a ``take`` value;
* ``first_of: [preferred_name, first_name]`` — the first path with a value;
* ``key: [status, stage_name]`` — a :class:`~hub.core.mapping.steps.LookupKey` for ``lookup``;
* ``related: {match: {id: parent_id}, take: name}`` — from the record of the same page whose ``id``
  is this record's ``parent_id`` (:class:`~hub.core.mapping.page.Page`; the rule's filler reads it).

Example:
    >>> from hub.core.mapping import load_mapping_text
    >>> rules = '''
    ...   name: {join: {paths: [first, last], separator: " "}}
    ...   phones: {pick: {list: phones, where: {type: mobile}, take: value}}
    ...   location: {first_of: [city, country]}
    ... '''
    >>> m = load_mapping_text("system: ats\\nentity: candidate\\nrecord_id: id\\nfields:" + rules)
    >>> m.apply({"id": 1, "first": "Ada", "last": " ", "country": "UK",
    ...          "phones": [{"type": "home", "value": "1"}, {"type": "mobile", "value": "2"}]})
    {'external_ids': {'ats': '1'}, 'name': 'Ada', 'phones': ['2'], 'location': 'UK'}
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from hub.core.mapping.paths import MISSING, Segment, compile_getter
from hub.core.mapping.steps import LookupKey, Step, as_key
from hub.core.mapping.yamlnodes import YamlDoc

__all__ = ["FORMS", "Form", "Read", "Related", "Source", "compile_source"]

class Read(Protocol):
    """``read(path node, prefix, flows=...)`` → the parsed path and its written form, registered as a
    source. ``prefix`` is the written form of a path read before whose items it reads (``phones[*]``),
    ``""`` for a path of the record, None for a path of the page's records (``related``); ``flows``
    is false for a path whose value only selects (a ``where`` condition, a ``match`` key), so what it
    reads does not count as the target's data (an id matched by a PII rule is still no PII)."""

    def __call__(self, node: yaml.Node, prefix: str | None, *, flows: bool = True) -> tuple[tuple[Segment, ...], str]:
        ...
#: The getter of a path of the record itself: :func:`compile_getter`, told when the record is a
#: checked object (a top-level rule's) so one-key paths skip the type check.
Getter = Callable[[tuple[Segment, ...]], Callable[[Any], Any]]


@dataclass(frozen=True)
class Source:
    """A compiled source form: how errors name it, its getter and the steps that run first."""

    text: str
    get: Callable[[Any], Any]
    first: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Related:
    """A compiled ``related``: the other record's key path (its text names the page index) and
    getter, this record's getter of the value to match, and the getter of what to take."""

    text: str
    their_path: str
    their_key: Callable[[Any], Any]
    our_key: Callable[[Any], Any]
    take: Callable[[Any], Any]


def compile_source(doc: YamlDoc, form: str, node: yaml.Node, read: Read, *, top: bool) -> Source | Related:
    """Compile the value of rule key ``form`` (one of :data:`FORMS`) at ``node``; ``top``: the rule
    reads the record itself (not the items of an ``each``), which the compiled mapping has checked
    is an object.

    Raises:
        MappingCompileError: at the line of what is misused, saying how the form is written.
    """
    return FORMS[form].compile(doc, node, read, functools.partial(compile_getter, from_dict=top))


def _paths(doc: YamlDoc, node: yaml.Node, form: str, read: Read, *, at_least: int) -> list[tuple[Any, str]]:
    if not isinstance(node, yaml.SequenceNode) or len(node.value) < at_least:
        raise doc.error(node, f"{form} takes a list of {f'at least {at_least} ' if at_least > 1 else ''}source paths")
    return [read(item, "") for item in node.value]


def _options(doc: YamlDoc, node: yaml.Node, form: str, required: set[str], optional: set[str]) -> dict[str, yaml.Node]:
    """The keys of a form written as a mapping; unknown and missing keys are errors at its line."""
    written = f"{form}: {{{', '.join(sorted(required | optional))}}}"
    options = dict(doc.items(node, written))
    for key in options.keys() - required - optional:
        raise doc.error(options[key], f"{form} takes no key {key!r}; it is written {written}")
    for key in sorted(required - options.keys()):
        raise doc.error(node, f"{form} needs {key!r}; it is written {written}")
    return options


def _scalar_text(doc: YamlDoc, node: yaml.Node, what: str) -> str:
    value = doc.value(node)
    try:
        return as_key(value)
    except ValueError:
        raise doc.error(node, f"{what} must be text, a number or true/false") from None


# ---------------------------------------------------------------- join


def _join(doc: YamlDoc, node: yaml.Node, read: Read, getter: Getter) -> Source:
    options = _options(doc, node, "join", {"paths"}, {"separator"})
    parts = _paths(doc, options["paths"], "join", read, at_least=1)
    separator = doc.text(options["separator"], "join's separator") if "separator" in options else " "
    getters = tuple(getter(segments) for segments, _ in parts)

    def gather(record: Any) -> Any:
        values = []
        for get in getters:
            value = get(record)
            for item in value if isinstance(value, list) else (value,):
                if not _blank(item):
                    values.append(item)
        return values or MISSING

    def join(values: list[Any]) -> str:
        return separator.join(_part(value, "joined") for value in values)

    return Source(f"join({', '.join(text for _, text in parts)})", gather, (("join", join),))


def _blank(value: Any) -> bool:
    return value is MISSING or value is None or (isinstance(value, str) and not value.strip())


def _part(value: Any, what: str) -> str:
    """The trimmed text of one part of a join or key; an object or list cannot be one."""
    if isinstance(value, (dict, list)):
        raise ValueError(f"a {type(value).__name__} cannot be {what}; read a value inside it")
    return as_key(value).strip()


# ---------------------------------------------------------------- pick


def _pick(doc: YamlDoc, node: yaml.Node, read: Read, getter: Getter) -> Source:
    options = _options(doc, node, "pick", {"list", "where"}, {"take"})
    list_segments, list_text = read(options["list"], "", flows="take" not in options)
    item = f"{list_text}[*]"
    conditions = tuple(
        (compile_getter(read(key_node, item, flows=False)[0]),
         _scalar_text(doc, value, f"pick's where value for {key!r}"))
        for key, key_node, value in doc.entries(options["where"], "pick's where")
    )  # fmt: skip
    if not conditions:
        raise doc.error(options["where"], "pick's where needs at least one {item path: value}")
    items = getter(list_segments)
    take = compile_getter(read(options["take"], item)[0]) if "take" in options else _itself

    def pick(record: Any) -> Any:
        found = items(record)
        if not isinstance(found, list):
            return MISSING
        for candidate in found:
            if all(_matches(get(candidate), want) for get, want in conditions):
                value = take(candidate)
                if not _blank(value):
                    return value
        return MISSING

    return Source(f"pick({list_text})", pick)


def _itself(value: Any) -> Any:
    return value


def _matches(value: Any, want: str) -> bool:
    if value is MISSING or value is None:
        return False
    try:
        return as_key(value) == want
    except ValueError:
        return False


# ---------------------------------------------------------------- first_of


def _first_of(doc: YamlDoc, node: yaml.Node, read: Read, getter: Getter) -> Source:
    parts = _paths(doc, node, "first_of", read, at_least=2)
    getters = tuple(getter(segments) for segments, _ in parts)

    def first(record: Any) -> Any:
        for get in getters:
            value = get(record)
            if not _blank(value):
                return value
        return MISSING

    return Source(f"first_of({', '.join(text for _, text in parts)})", first)


# ---------------------------------------------------------------- key


def _key(doc: YamlDoc, node: yaml.Node, read: Read, getter: Getter) -> Source:
    parts = _paths(doc, node, "key", read, at_least=2)
    getters = tuple(getter(segments) for segments, _ in parts)

    def gather(record: Any) -> Any:
        values = [get(record) for get in getters]
        for value in values:
            if not _blank(value):
                return values
        return MISSING

    def key(values: list[Any]) -> LookupKey:
        return LookupKey.of([
            value.strip() if value.__class__ is str else "" if _blank(value) else _part(value, "part of a key")
            for value in values
        ])  # fmt: skip

    return Source(f"key({', '.join(text for _, text in parts)})", gather, (("key", key),))


# ---------------------------------------------------------------- related


def _related(doc: YamlDoc, node: yaml.Node, read: Read, getter: Getter) -> Related:
    options = _options(doc, node, "related", {"match", "take"}, set())
    match = list(doc.entries(options["match"], "related's match"))
    if len(match) != 1:
        raise doc.error(options["match"], "related's match is one {their key path: this record's path}")
    ((_, their_node, our_node),) = match
    their_segments, their_text = read(their_node, None, flows=False)
    our_segments, our_text = read(our_node, "", flows=False)
    take_segments, take_text = read(options["take"], None)
    return Related(
        text=f"related({their_text} = {our_text}).{take_text}",
        their_path=their_text,
        their_key=compile_getter(their_segments, from_dict=True),  # the page indexes only objects
        our_key=getter(our_segments),
        take=compile_getter(take_segments, from_dict=True),
    )


@dataclass(frozen=True)
class Form:
    """One source form: how a rule writes it and what it gives (``hub mapping transforms`` lists
    them, :func:`hub.core.mapping.reference.render_forms`), and its compiler."""

    written: str
    gives: str
    compile: Callable[[YamlDoc, yaml.Node, Read, Getter], Source | Related]


#: Every source form beyond ``from``, ``const`` and ``each``, by its rule key.
FORMS: dict[str, Form] = {
    "join": Form("{join: {paths: [PATH, ...], separator: TEXT}}",
                 "the values' text joined by `separator` (default a space); blanks skipped, a list's items each "
                 "joined", _join),
    "pick": Form("{pick: {list: PATH, where: {ITEM_PATH: VALUE, ...}, take: ITEM_PATH}}",
                 "`take` of the first item of the list matching every `where` (compared as text) that has one; "
                 "without `take` the item", _pick),
    "first_of": Form("{first_of: [PATH, PATH, ...]}", "the value of the first path that has one", _first_of),
    "key": Form("{key: [PATH, PATH, ...]}",
                "a lookup key `a:b:c`; `lookup` falls back to `a:b`, then `a`, when the table lacks it", _key),
    "related": Form("{related: {match: {THEIR_PATH: PATH}, take: THEIR_PATH}}",
                    "`take` of the record of the same page whose `THEIR_PATH` equals this record's `PATH`", _related),
}  # fmt: skip
