"""YAML alias bombs are refused wherever the hub reads YAML from a user: hub.yaml, mappings, job files.

The bombs are run in a child process with a 1 GiB address-space limit and a time-out, so a
regression fails the test instead of taking the machine's memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.config import load_config
from hub.core.crypto import KeyRing
from hub.core.yamlbounds import MAX_ALIAS_NODES, AliasExpansionError, check_expansion, safe_load

HUB = Path(sys.executable).with_name("hub")


def bomb(levels: int = 9, width: int = 9) -> str:
    """The classic: each level lists the previous one ``width`` times (width ** levels nodes)."""
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{prev}'] * width)}]" for prev, name in zip(names, names[1:])]
    return "\n".join(lines) + "\n"


def _bounded(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {**os.environ, "HUB_KEYS": KeyRing.generate().to_json()}
    return subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=limit)  # fmt: skip


def test_the_bomb_is_small_and_would_be_huge() -> None:
    text = bomb()
    assert len(text.encode()) < 600
    assert 9**9 > 100 * MAX_ALIAS_NODES


def test_a_hub_yaml_alias_bomb_is_a_config_error_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text("database: {url: 'sqlite:///x.db'}\n" + bomb(), encoding="utf-8")
    result = _bounded(HUB, "sync", "--config", "hub.yaml", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "aliases expand the document by more than" in result.stderr


def test_a_mapping_alias_bomb_is_a_compile_error_with_file_and_line(tmp_path: Path) -> None:
    mapping = tmp_path / "bomb.yaml"
    mapping.write_text("system: ats\nentity: job\nrecord_id: id\nfields: {title: {from: t}}\n" + bomb(), encoding="utf-8")
    result = _bounded(HUB, "mapping", "check", mapping.name, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("bomb.yaml") and "aliases expand the document" in result.stdout


def test_a_job_file_alias_bomb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(bomb(), encoding="utf-8")
    (tmp_path / "export.csv").write_text("a\n1\n", encoding="utf-8")
    result = _bounded(HUB, "migrate", "--source", "export.csv", "--export", "legacy_ai_interview", "--dry-run",
                      "--job", "job.yaml", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and "aliases expand the document" in result.stderr, result.stderr


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(AliasExpansionError, match="infinite expansion"):
        safe_load("a: &a [1, *a]\n")


def test_ordinary_aliases_still_work(tmp_path: Path) -> None:
    config = tmp_path / "hub.yaml"
    config.write_text("connectors:\n  a: &a {type: greenhouse, settings: {retry: {max_attempts: 3}}}\n  b: *a\n",
                      encoding="utf-8")
    assert load_config(config).connectors["b"].settings == {"retry": {"max_attempts": 3}}


_scalars = st.sampled_from(["1", "x", "李雷", "true", "~"])


@st.composite
def aliased_documents(draw: st.DrawFn) -> str:
    """A sequence of anchored lists, each holding scalars and aliases to earlier anchors."""
    lines = []
    for index in range(draw(st.integers(1, 6))):
        items = draw(st.lists(st.one_of(_scalars, st.integers(0, max(index - 1, 0)).map(lambda i: f"*a{i}")),
                              max_size=6))  # fmt: skip
        if index == 0:
            items = [item for item in items if not item.startswith("*")]
        lines.append(f"k{index}: &a{index} [{', '.join(items)}]")
    return "\n".join(lines) + "\n"


def _expanded_size(node: yaml.Node) -> int:
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
    return 1 + sum(_expanded_size(child) for child in children)


@settings(max_examples=200, deadline=None)
@given(aliased_documents())
def test_bounded_loading_equals_plain_loading_or_refuses_only_past_the_limit(text: str) -> None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    added = _expanded_size(root) - len({id(node) for node in _walk(root)})
    try:
        loaded = safe_load(text)
    except AliasExpansionError:
        assert added > MAX_ALIAS_NODES
        return
    assert added <= MAX_ALIAS_NODES and loaded == yaml.safe_load(text)
    check_expansion(root, limit=added)  # exactly at the limit passes
    if added:
        with pytest.raises(AliasExpansionError):
            check_expansion(root, limit=added - 1)


def _walk(node: yaml.Node, seen: set[int] | None = None) -> list[yaml.Node]:
    seen = set() if seen is None else seen
    if id(node) in seen:
        return []
    seen.add(id(node))
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
    return [node] + [found for child in children for found in _walk(child, seen)]
