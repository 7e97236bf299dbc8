"""Writing cassettes from a connector's documented protocol: the pieces every ``_build.py`` shares.

A connector's cassettes describe one small made-up organisation whose ids must agree across files,
so each cassette folder has a ``_build.py`` that generates them from the vendor's documentation
(endpoints, headers, pagination, error bodies). What differs per vendor is the conversation; what is
the same is the vcrpy episode format, written here once: :func:`request`, :func:`response` and
:func:`write_cassettes`.

Example:
    >>> episode = {"request": request("GET", "https://api.example.com/v1/jobs", headers={"Accept": "application/json"}),
    ...            "response": response(200, [{"id": 1}])}
    >>> episode["response"]["status"]
    {'code': 200, 'message': 'OK'}
    >>> episode["response"]["body"]["string"]
    '[{"id":1}]'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml

__all__ = ["JSON_CONTENT", "request", "response", "write_cassettes", "write_json"]

#: The response header of a JSON API.
JSON_CONTENT = {"Content-Type": ["application/json; charset=utf-8"]}


def request(method: str, uri: str, *, headers: Mapping[str, str | list[str]] | None = None,
            body: str | None = None) -> dict[str, Any]:
    """One recorded request; header values may be given bare or as vcrpy's lists."""
    return {"method": method, "uri": uri, "body": body, "headers": _lists(headers or {})}


def response(code: int, body: Any, *, headers: Mapping[str, str | list[str]] | None = None,
             content: Mapping[str, list[str]] = JSON_CONTENT) -> dict[str, Any]:
    """One recorded response: ``body`` is JSON-encoded compactly (``None`` is an empty body; a ``str``
    is written as it is), the reason phrase is the standard one for ``code``."""
    if body is None:
        text = ""
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return {"status": {"code": code, "message": HTTPStatus(code).phrase},
            "headers": {**content, **_lists(headers or {})}, "body": {"string": text}}


def write_cassettes(folder: Path, cassettes: Mapping[str, list[dict[str, Any]]]) -> None:
    """Write each ``stem → episodes`` as ``folder/stem.yaml`` in vcrpy's format (version 1)."""
    for stem, episodes in cassettes.items():
        text = yaml.dump({"interactions": episodes, "version": 1}, Dumper=_Dumper, sort_keys=False,
                         allow_unicode=True, width=120)
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
        print(f"wrote {stem}.yaml ({len(episodes)} interactions)")


def write_json(path: Path, value: Any) -> None:
    """Write a fixture a builder makes beside its cassettes (mapping ``before`` files, webhook samples):
    indented, non-ASCII kept readable, its folder made if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.name}")


def _lists(headers: Mapping[str, str | list[str]]) -> dict[str, list[str]]:
    return {name: value if isinstance(value, list) else [value] for name, value in headers.items()}


class _Dumper(yaml.SafeDumper):
    """Writes repeated header lists in full instead of as YAML anchors, so each cassette reads alone."""

    def ignore_aliases(self, data: Any) -> bool:
        return True
