"""Compiling ``fields`` rules into closures, and the per-record context their errors come from.

A compiled rule is a *filler*: ``fill(source, out, ctx, prefix)`` reads its source path from
``source``, runs its steps and writes the result at its target path in ``out``. All checking (paths
against the canonical model, transforms against their signatures, required model fields) happens in
:class:`RuleCompiler`; fillers only read, call and write. The same compiler serves both directions:
forward (vendor record → canonical, targets checked against the model) and reverse (canonical →
vendor payload, sources checked against the model). PII-ness always comes from the canonical side.

Example:
    >>> from hub.core.models import Candidate
    >>> from hub.core.mapping.steps import StepCatalogue
    >>> from hub.core.mapping.yamlnodes import YamlDoc
    >>> doc = YamlDoc.from_text("name: {from: 姓名}\\ntags: {from: 标签}", file="m.yaml")
    >>> compiler = RuleCompiler(doc, StepCatalogue({}, {}, timezone=None, doc=doc), Candidate, forward=True)
    >>> fillers = compiler.fields(doc.root)
    >>> out = {}
    >>> for fill in fillers:
    ...     fill({"姓名": "张三", "标签": "java"}, out, RecordContext("csv", "candidate", "1"), "")
    >>> out
    {'name': '张三', 'tags': ['java']}
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from hub.core.errors import MappingCompileError, MappingError, mask
from hub.core.mapping.page import Page
from hub.core.mapping.paths import MISSING, PathSyntaxError, Segment, compile_getter, format_path, parse_path
from hub.core.mapping.schema import Slot, unfilled_required, walk
from hub.core.mapping.sources import FORMS, Related, compile_source
from hub.core.mapping.steps import Step, StepCatalogue
from hub.core.mapping.yamlnodes import YamlDoc
from hub.core.models import ENTITY_TYPES, Entity, pii_fields, references

__all__ = ["Filler", "RecordContext", "RuleCompiler", "is_empty"]

Filler = Callable[[Any, dict, "RecordContext", str], None]

_SOURCES = ("from", "const", "each", *FORMS)
_RULE_KEYS = frozenset({*_SOURCES, "fields", "default", "required", "steps"})


class RecordContext:
    """Who is being mapped, for error messages: system, entity and the record's id (never PII:
    :mod:`hub.core.mapping.identifiers` refuses an id read from a person's data); and the
    :class:`~hub.core.mapping.page.Page` it came in, where ``related`` rules find other records
    (None when the caller maps a record on its own: those rules then find nothing).

    Example:
        >>> ctx = RecordContext("moka", "candidate", "c-9")
        >>> str(ctx.error("not a phone number", "phones", "手机", "13800138000", pii=True))
        "[mapping-error] moka candidate c-9 field 'phones': from '手机': not a phone number (value '*******8000')"
    """

    __slots__ = ("system", "entity", "record_id", "page")

    def __init__(self, system: str, entity: str, record_id: str | None, page: Page | None = None) -> None:
        self.system, self.entity, self.record_id, self.page = system, entity, record_id, page

    def error(
        self, reason: str, field: str, source: str, value: Any, *, pii: bool, current: Any = MISSING
    ) -> MappingError:
        """A MappingError for ``field``; with ``pii`` the value is masked and scrubbed from the reason."""
        if pii:
            reason = _scrub(_scrub(reason, value), current)
        shown = None if value is MISSING else (mask(value) if pii else _short(value))
        return MappingError(
            f"from {source!r}: {reason}",
            system=self.system,
            entity=self.entity,
            record_id=self.record_id,
            field_path=field,
            value=shown,
            source_path=source,
        )


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scrub(reason: str, value: Any) -> str:
    """Replace every textual piece of ``value`` inside ``reason`` by its masked form."""
    if value is MISSING or value is None:
        return reason
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            reason = _scrub(reason, item)
        return reason
    text = str(value)
    return reason.replace(text, mask(text)) if text.strip() else reason


def is_empty(value: Any) -> bool:
    """Missing, null or a blank string: the cases where ``default`` applies."""
    return value is MISSING or value is None or (isinstance(value, str) and not value.strip())


def _setter(segments: tuple[str, ...]) -> Callable[[dict, Any], None]:
    """A closure writing a value at ``segments`` in ``out``, creating parent objects on the way.

    It runs for every field of every record, so the one- and two-key targets nearly every rule has
    (``status``, ``job.system``) get closures without the loop.
    """
    *parents, last = segments
    if not parents:

        def set_top(out: dict, value: Any) -> None:
            out[last] = value

        return set_top
    if len(parents) == 1:
        parent = parents[0]

        def set_child(out: dict, value: Any) -> None:
            out.setdefault(parent, {})[last] = value

        return set_child

    def set_value(out: dict, value: Any) -> None:
        for key in parents:
            out = out.setdefault(key, {})
        out[last] = value

    return set_value


#: Where a reverse rule reads the entities a delivery target asks for with the entity
#: (``related.application.job.title``; :mod:`hub.core.delivery.related` puts them there).
RELATED = "related"


def related_model(model: type[Entity], segments: tuple[Segment, ...]) -> tuple[type[Entity], tuple[Segment, ...]]:
    """The model a ``related.<reference>[.<reference>…].<field>`` source reads, and the path within it:
    references are followed for as long as the path names them.

    Example:
        >>> from hub.core.models import Offer
        >>> model, rest = related_model(Offer, ("related", "application", "job", "title"))
        >>> model.__name__, rest
        ('Job', ('title',))
    """
    rest = segments[1:]
    refs = references(model)
    if not rest or rest[0] not in refs:
        raise ValueError(f"after 'related' comes a reference of {model.__name__} ({', '.join(refs) or 'it has none'})")
    while rest and isinstance(rest[0], str) and rest[0] in refs:
        model = ENTITY_TYPES[refs[rest[0]]]
        refs, rest = references(model), rest[1:]
    return model, rest


class RuleCompiler:
    """Compiles the ``fields`` of one direction of one mapping file into fillers.

    Problems in individual rules are collected in :attr:`problems` (so ``hub mapping check`` can
    report them all); a rule with a problem is left out.

    Example:
        >>> from hub.core.models import Application
        >>> from hub.core.mapping.yamlnodes import YamlDoc
        >>> doc = YamlDoc.from_text("status: {from: s}\\nstatos: {from: s}", file="m.yaml")
        >>> compiler = RuleCompiler(doc, StepCatalogue({}, {}, timezone=None, doc=doc), Application, forward=True)
        >>> _ = compiler.fields(doc.root)
        >>> [str(p) for p in compiler.problems]  # doctest: +NORMALIZE_WHITESPACE
        ["[mapping-compile-error] m.yaml:2: target 'statos': Application has no field 'statos'",
         "[mapping-compile-error] m.yaml:1: required field 'candidate' is never filled"]
    """

    def __init__(self, doc: YamlDoc, steps: StepCatalogue, model: type[Entity], *, forward: bool) -> None:
        self.doc, self.steps, self.model, self.forward = doc, steps, model, forward
        self.pii = pii_fields(model)
        self.problems: list[MappingCompileError] = []
        self.sources: set[str] = set()
        self.targets: set[str] = set()
        self.pii_sources: set[str] = set()
        #: Sources of the top-level rules marked ``required``: columns an export cannot lack.
        self.required_sources: set[str] = set()
        #: Every ``from`` rule as (target, source path, source node): what the id check reads.
        self.reads: list[tuple[str, str, yaml.Node]] = []

    def fields(self, node: yaml.Node, anchor: yaml.Node | None = None, *, system: str | None = None) -> list[Filler]:
        """Compile a top-level ``fields`` mapping; ``anchor`` (its key) is where "never filled" points.

        ``system`` (forward only): ``external_ids.<system>`` is the record's own id, which the engine
        fills from ``record_id`` (a rule may transform it). A rule writing all of ``external_ids``
        would replace it and is refused: an entity without its own id cannot be stored or matched.
        """
        canonical = Slot.of(self.model)
        target, source = (canonical, None) if self.forward else (None, canonical)
        own_id = ("external_ids", system) if self.forward and system is not None else None
        return self._fields(node, anchor or node, target=target, source=source, own_id=own_id)

    def _fields(
        self,
        node: yaml.Node,
        anchor: yaml.Node,
        *,
        target: Slot | None,
        source: Slot | None,
        src_prefix: str = "",
        pii: bool | None = None,
        own_id: tuple[str, str] | None = None,
    ) -> list[Filler]:
        fillers: list[Filler] = []
        written: list[tuple[str, ...]] = []
        try:
            entries = list(self.doc.entries(node, "fields"))
        except MappingCompileError as exc:
            self.problems.append(exc)
            return fillers
        for key, key_node, rule_node in entries:
            try:
                segments = self._target(key, key_node, target)
                if own_id is not None and segments == own_id[:1]:
                    raise self.doc.error(
                        key_node, f"target {key!r} would drop {format_path(own_id)!r}, the record's own id; "
                        "write each other system's id as its own rule, external_ids.<system>",
                    )  # fmt: skip
                self._no_overlap(segments, written, key_node)
                written.append(segments)  # even if the rule below is broken: no cascade of "never filled"
                fillers.append(self._rule(segments, rule_node, target, source, src_prefix, pii))
            except MappingCompileError as exc:
                self.problems.append(exc)
        if target is not None and target.model is not None:
            for name in unfilled_required(target.model, written):
                self.problems.append(self.doc.error(anchor, f"required field {name!r} is never filled"))
        return fillers

    def _target(self, key: str, key_node: yaml.Node, slot: Slot | None) -> tuple[str, ...]:
        try:
            segments = parse_path(key)
        except PathSyntaxError as exc:
            raise self.doc.error(key_node, f"target: {exc}") from None
        if not segments or not all(isinstance(s, str) for s in segments):
            raise self.doc.error(key_node, f"target {key!r}: a target is dotted keys, without list indexes or [*]")
        if slot is not None:
            try:
                walk(slot, segments, writing=True)
            except ValueError as exc:
                raise self.doc.error(key_node, f"target {key!r}: {exc}") from None
        return segments  # type: ignore[return-value]

    def _no_overlap(self, segments: tuple[str, ...], written: list[tuple[str, ...]], key_node: yaml.Node) -> None:
        for other in written:
            shorter = min(len(other), len(segments))
            if other[:shorter] == segments[:shorter]:
                raise self.doc.error(key_node, f"target {format_path(segments)!r} overlaps {format_path(other)!r}")

    def _rule(
        self,
        segments: tuple[str, ...],
        node: yaml.Node,
        target: Slot | None,
        source: Slot | None,
        src_prefix: str,
        pii: bool | None,
    ) -> Filler:
        what = f"the rule for {format_path(segments)!r}"
        rule = {key: (key_node, value) for key, key_node, value in self.doc.entries(node, what)}
        for key, (key_node, _) in rule.items():
            if key not in _RULE_KEYS:
                raise self.doc.error(key_node, f"unknown rule key {key!r}; allowed: {', '.join(sorted(_RULE_KEYS))}")
        kinds = [key for key in _SOURCES if key in rule]
        if len(kinds) != 1:
            raise self.doc.error(node, "a rule needs exactly one of 'from', 'const' or 'each', or of the derived "
                                       f"sources {', '.join(map(repr, FORMS))}")
        if ("fields" in rule) != ("each" in rule):
            raise self.doc.error(node, "'fields' goes with 'each', and 'each' needs 'fields'")
        if "each" in rule and "steps" in rule:
            raise self.doc.error(rule["steps"][0], "'each' takes no 'steps'; put steps on the item fields")
        target_text = format_path(segments)
        if self.forward and not src_prefix:
            self.targets.add(target_text)
        slot = walk(target, segments, writing=True) if target is not None else None
        if pii is None and self.forward:
            pii = segments[0] in self.pii
        required = self._flag(rule, "required")
        default = (True, self.doc.value(rule["default"][1])) if "default" in rule else (False, None)
        steps = self.steps.compile(rule["steps"][1]) if "steps" in rule else ()
        if "const" in rule:
            return self._const(segments, rule["const"][1], steps, slot)
        if kinds[0] in FORMS:
            return self._form(kinds[0], rule[kinds[0]], segments, slot, src_prefix, steps, required, default, pii)
        path_node = rule[kinds[0]][1]
        src_segments, src_text = self._source(path_node, source, src_prefix)
        self.reads.append((target_text, src_text, path_node))
        if required and not src_prefix:
            self.required_sources.add(src_text)
        if pii is None and self._reads_related(src_segments):
            model, rest = related_model(self.model, src_segments)
            pii = not rest or rest[0] in pii_fields(model)
        elif pii is None:
            pii = src_segments[0] in self.pii
        if pii:
            self.pii_sources.add(src_text)
        if "each" in rule:
            return self._each(segments, src_segments, src_text, rule, slot, source, pii, required, default)
        wrap = self.forward and slot is not None and slot.kind == "list"
        # Top-level rules read the record itself, which the compiled mapping has checked is an object;
        # the items an ``each`` walks may be anything.
        get = compile_getter(src_segments, from_dict=not src_prefix)
        return _value_filler(segments, target_text, get, src_text, steps, wrap, required, default, pii)

    def _reads_related(self, segments: tuple[Segment, ...]) -> bool:
        """A reverse source under ``related.``: an entity the target's ``related`` paths reach."""
        return not self.forward and segments[0] == RELATED and RELATED not in self.model.model_fields

    def _flag(self, rule: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> bool:
        if key not in rule:
            return False
        value = self.doc.value(rule[key][1])
        if not isinstance(value, bool):
            raise self.doc.error(rule[key][1], f"{key!r} must be true or false")
        return value

    def _source(self, node: yaml.Node, slot: Slot | None, prefix: str) -> tuple[tuple[Segment, ...], str]:
        text = self.doc.text(node, "a source path")
        try:
            segments = parse_path(text)
        except PathSyntaxError as exc:
            raise self.doc.error(node, f"source: {exc}") from None
        if not segments:
            raise self.doc.error(node, "a source path cannot be empty")
        if slot is not None:
            try:
                if self._reads_related(segments):
                    model, rest = related_model(self.model, segments)
                    walk(Slot.of(model), rest, writing=False)
                else:
                    walk(slot, segments, writing=False)
            except ValueError as exc:
                raise self.doc.error(node, f"source {text!r}: {exc}") from None
        written = _under(prefix, text)
        self.sources.add(written)
        return segments, written

    def _form(
        self,
        form: str,
        entry: tuple[yaml.Node, yaml.Node],
        segments: tuple[str, ...],
        slot: Slot | None,
        src_prefix: str,
        steps: tuple[Step, ...],
        required: bool,
        default: tuple[bool, Any],
        pii: bool | None,
    ) -> Filler:
        """A rule of one of the :mod:`.sources` forms (forward only): its getter then the rule's steps."""
        key_node, node = entry
        if not self.forward:
            raise self.doc.error(key_node, f"{form!r} derives a vendor value; a reverse rule reads one canonical "
                                           "path with 'from'")  # fmt: skip
        target_text = format_path(segments)

        def read(path_node: yaml.Node, prefix: str | None, *, flows: bool = True) -> tuple[tuple[Segment, ...], str]:
            found = self._source(path_node, None, "" if prefix is None else prefix or src_prefix)
            if flows:  # its value reaches the target (a match key or a condition does not)
                self.reads.append((target_text, found[1], path_node))
                if pii:
                    self.pii_sources.add(found[1])
            return found

        try:
            source = compile_source(self.doc, form, node, read, top=not src_prefix)
        except MappingCompileError as exc:  # named by the field it fills, as a per-record error would be
            reason = exc.reason.removeprefix(f"{exc.file}:{exc.line}: ")
            raise MappingCompileError(f"target {target_text!r}: {reason}", file=exc.file, line=exc.line) from None
        wrap = slot is not None and slot.kind == "list"
        pii = bool(pii)
        if isinstance(source, Related):
            inner = _value_filler(segments, target_text, source.take, source.text, steps, wrap, required, default, pii)
            return _related_filler(source, inner)
        return _value_filler(
            segments, target_text, source.get, source.text, (*source.first, *steps), wrap, required, default, pii
        )

    def _const(self, segments: tuple[str, ...], node: yaml.Node, steps: tuple[Step, ...], slot: Slot | None) -> Filler:
        value = self.doc.value(node)
        for name, function in steps:
            try:
                value = function(value)
            except Exception as exc:  # noqa: BLE001 — any failure on a constant is a mapping bug
                raise self.doc.error(node, f"step {name!r} rejects the constant: {exc}") from None
        if self.forward and slot is not None and slot.kind == "list" and not isinstance(value, list):
            value = [value]
        set_value = _setter(segments)
        if isinstance(value, (list, dict)):  # every record gets its own copy

            def fill_const_copy(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
                set_value(out, copy.deepcopy(value))

            return fill_const_copy

        def fill_const(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
            set_value(out, value)

        return fill_const

    def _each(
        self,
        segments: tuple[str, ...],
        src_segments: tuple[Segment, ...],
        src_text: str,
        rule: dict[str, tuple[yaml.Node, yaml.Node]],
        slot: Slot | None,
        source: Slot | None,
        pii: bool,
        required: bool,
        default: tuple[bool, Any],
    ) -> Filler:
        each_node = rule["each"][1]
        if slot is not None and not (slot.kind == "list" and slot.item is not None and slot.item.kind == "model"):
            raise self.doc.error(each_node, f"{format_path(segments)!r} is not a list of records; 'each' fills those")
        item_source = walk(source, src_segments, writing=False).item if source is not None else None
        inner = self._fields(
            rule["fields"][1],
            rule["fields"][0],
            target=slot.item if slot is not None else None,
            source=item_source,
            src_prefix=f"{src_text}[*]",
            pii=pii,
        )
        return _each_filler(segments, src_segments, src_text, inner, required, default, pii)


def _under(prefix: str, text: str) -> str:
    """``text``, a path inside the value at ``prefix``, written as one path."""
    return f"{prefix}{'' if text.startswith('[') or not prefix else '.'}{text}"


def _related_filler(related: Related, inner: Filler) -> Filler:
    """The filler of a ``related`` rule: ``inner`` (a ``from`` filler of its ``take`` path) run on the
    record of the page the match finds, or on no record (so ``default`` and ``required`` apply)."""
    our_key, their_key, their_path = related.our_key, related.their_key, related.their_path

    def fill_related(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
        page = ctx.page
        other = MISSING if page is None else page.find(their_path, their_key, our_key(src))
        inner(_NO_RECORD if other is MISSING else other, out, ctx, prefix)

    return fill_related


#: What a ``related`` rule reads when the page holds no matching record (never written to).
_NO_RECORD: dict[str, Any] = {}


def _value_filler(
    segments: tuple[str, ...],
    target_text: str,
    get: Callable[[Any], Any],
    src_text: str,
    steps: tuple[Step, ...],
    wrap: bool,
    required: bool,
    default: tuple[bool, Any],
    pii: bool,
) -> Filler:
    """The filler of a ``from`` rule: read, convert, write.

    It runs for every rule of every record, so what the rule's options decide (how many steps, what
    an empty source does, whether the value is wrapped in a list) is decided here, once, by choosing
    the closure; the filler itself only tests the value.
    """
    set_value = _setter(segments)
    put = _wrapping(set_value) if wrap else set_value  # a default is written as it is, never wrapped
    when_empty = _when_empty(set_value, target_text, src_text, "value", required, default, pii)

    if not steps:

        def fill_as_is(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
            value = get(src)
            if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):  # is_empty
                when_empty(value, out, ctx, prefix)
            else:
                put(out, value)

        return fill_as_is

    if len(steps) == 1:
        ((name, function),) = steps

        def fill_one_step(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
            value = get(src)
            if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):  # is_empty
                when_empty(value, out, ctx, prefix)
                return
            try:
                result = function(value)
            except Exception as exc:  # noqa: BLE001 — a transform failing on vendor data fails this record only
                raise _step_error(ctx, exc, name, prefix + target_text, src_text, value, value, pii) from None
            put(out, result)

        return fill_one_step

    def fill_steps(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
        value = get(src)
        if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):  # is_empty
            when_empty(value, out, ctx, prefix)
            return
        original = value
        for name, function in steps:
            if value is None:  # a step said "no value" (e.g. a lookup to null): later steps need not handle None
                break
            try:
                value = function(value)
            except Exception as exc:  # noqa: BLE001 — a transform failing on vendor data fails this record only
                raise _step_error(ctx, exc, name, prefix + target_text, src_text, original, value, pii) from None
        put(out, value)

    return fill_steps


def _step_error(
    ctx: RecordContext, exc: Exception, name: str, field: str, source: str, original: Any, current: Any, pii: bool
) -> MappingError:
    """The error of step ``name`` failing on ``current`` (the rule read ``original``)."""
    why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return ctx.error(f"step {name!r}: {why}", field, source, original, pii=pii, current=current)


def _wrapping(set_value: Callable[[dict, Any], None]) -> Callable[[dict, Any], None]:
    """``set_value`` for a list target: a single value becomes a one-item list."""

    def set_as_list(out: dict, value: Any) -> None:
        set_value(out, value if isinstance(value, list) else [value])

    return set_as_list


_EmptyHandler = Callable[[Any, dict, RecordContext, str], None]


def _when_empty(
    set_value: Callable[[dict, Any], None],
    target_text: str,
    src_text: str,
    what: str,
    required: bool,
    default: tuple[bool, Any],
    pii: bool,
) -> _EmptyHandler:
    """What a rule does when its source is missing, null or blank: write a copy of the default,
    fail (``required``, naming the missing ``what``) or leave the target unset."""
    has_default, default_value = default
    if has_default:

        def write_default(value: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
            set_value(out, copy.deepcopy(default_value))

        return write_default
    if required:

        def fail_required(value: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
            raise ctx.error(f"a required {what} is missing", prefix + target_text, src_text, value, pii=pii)

        return fail_required
    return _leave_unset


def _leave_unset(value: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
    """An optional rule without a default writes nothing for an empty source."""


def _each_filler(
    segments: tuple[str, ...],
    src_segments: tuple[Segment, ...],
    src_text: str,
    inner: list[Filler],
    required: bool,
    default: tuple[bool, Any],
    pii: bool,
) -> Filler:
    get, set_value = compile_getter(src_segments), _setter(segments)
    target_text = format_path(segments)
    when_empty = _when_empty(set_value, target_text, src_text, "list", required, default, pii)
    fillers = tuple(inner)

    def fill_each(src: Any, out: dict, ctx: RecordContext, prefix: str) -> None:
        items = get(src)
        if is_empty(items):
            when_empty(items, out, ctx, prefix)
            return
        if not isinstance(items, list):
            raise ctx.error("expected a list of records", prefix + target_text, src_text, items, pii=pii)
        result = []
        for index, item in enumerate(items):
            produced: dict = {}
            item_prefix = f"{prefix}{target_text}[{index}]."
            for filler in fillers:
                filler(item, produced, ctx, item_prefix)
            result.append(produced)
        set_value(out, result)

    return fill_each
