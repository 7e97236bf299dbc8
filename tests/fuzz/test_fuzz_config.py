"""Fuzzing the YAML the hub reads from users: hub.yaml ends in a :class:`~hub.core.config.HubConfig`
or a :class:`~hub.core.errors.ConfigError`, a mapping file in a compiled mapping or a
:class:`~hub.core.errors.MappingCompileError` — whatever anchors, aliases, tags, nesting or bytes it
holds, within the budgets of :mod:`tests.fuzz.harness`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from hub.core.config import HubConfig, load_config
from hub.core.errors import ConfigError, MappingCompileError
from hub.core.mapping import CompiledMapping, load_mapping
from tests.fuzz.harness import FUZZ, outcome, written
from tests.fuzz.strategies import encoded_text, hostile_text, mutated

REPO = Path(__file__).resolve().parents[2]
HUB_YAML = b"""\
database: {url: "sqlite:///hub.db"}
timezone: Asia/Shanghai
keys: {provider: env}
connectors:
  greenhouse:
    type: greenhouse
    settings: &gh {client_id: "${HOME}", client_secret: x, user_id: "1234"}
  again: {type: greenhouse, settings: *gh}
mappings: [my-mappings]
"""
MAPPINGS = sorted((REPO / "hub" / "mappings").rglob("*.yaml"))

# YAML's sharp edges, as fragments the documents below are assembled from.
_SCALAR = st.one_of(
    st.sampled_from(["x", "'${HOME}'", "${NOT_SET_ANYWHERE}", "~", "yes", "0o17", "1e999", ".nan", "2024-13-45",
                     "!!binary aGk=", "!!timestamp 2024-01-01", "!!python/object:os.system ls", "!!python/name:os.system",
                     "!!set {a, b}", "!!omap [a: 1]", "!custom x", "&a x", "*a", "*undefined", "? [a]", "'", '"\\x"',
                     "|\n  text", ">-\n  text", "---", "...", "%YAML 1.1"]),
    hostile_text.map(repr),
)  # fmt: skip


def _document(depth: int) -> st.SearchStrategy[str]:
    """A YAML value: scalars, flow and block collections, anchors on collections and merge keys."""
    if depth == 0:
        return _SCALAR
    inner = _document(depth - 1)
    return st.one_of(
        _SCALAR,
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(_SCALAR, inner), max_size=3).map(lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"),
        st.tuples(st.sampled_from(["a", "b"]), inner).map(lambda pair: f"&{pair[0]} {pair[1]}"),
        inner.map(lambda value: f"{{<<: *a, k: {value}}}"),
    )  # fmt: skip


_TOP_KEYS = st.sampled_from(["database", "timezone", "keys", "connectors", "routes", "mappings", "other", "<<", "url"])
_YAML = st.one_of(
    st.lists(st.tuples(_TOP_KEYS, _document(3)), max_size=5).map(lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)),
    st.builds(lambda levels, closed: "a: " + "[" * levels + ("]" * levels if closed else ""),
              st.integers(1, 5000), st.booleans()),
    # A billion laughs: each anchor repeats the last a few times.
    st.builds(lambda width, depth: "l0: &l0 [x]\n" + "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]\n"
                                                            for n in range(1, depth)), st.integers(2, 12), st.integers(2, 12)),
).map(str.encode)  # fmt: skip


#: What the fuzzer found: brackets nested a few thousand deep kept PyYAML's scanner busy for seconds
#: (the time budget), or past the alarm when closed again.
_DEEP_FLOW = b"a: " + b"[" * 2000


@FUZZ
@given(data=st.one_of(_YAML, st.binary(max_size=300), encoded_text(), mutated(HUB_YAML)))
@example(data=b"\x80")  # a UnicodeDecodeError instead of a ConfigError
@example(data=_DEEP_FLOW)
def test_hub_yaml(data):
    with written(data, "hub.yaml") as path:
        result = outcome(lambda: load_config(path))
    assert isinstance(result, (HubConfig, ConfigError)), result


@FUZZ
@given(data=st.one_of(_YAML, st.binary(max_size=300), encoded_text(),
                      st.sampled_from(MAPPINGS).map(Path.read_bytes).flatmap(mutated)))  # fmt: skip
@example(data=_DEEP_FLOW)
def test_mapping_file(data):
    with written(data, "candidate.yaml") as path:
        result = outcome(lambda: load_mapping(path))
    assert isinstance(result, (CompiledMapping, MappingCompileError)), result
