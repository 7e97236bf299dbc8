"""hub.yaml: the one configuration file, validated with pydantic.

Secrets are never written into hub.yaml; they are referenced as ``${ENV_VAR}`` and resolved from the
environment when the file is loaded (a missing variable is a :class:`ConfigError` naming it).
``HUB_DATABASE_URL`` overrides ``database.url``.

Example hub.yaml::

    database:
      url: sqlite:///hub.db          # or postgresql+psycopg://user@host/db
    timezone: Asia/Shanghai
    keys:
      provider: env                  # HUB_KEYS holds the key ring
    connectors:
      greenhouse:
        type: greenhouse
        settings:
          client_id: ${GREENHOUSE_CLIENT_ID}
          client_secret: ${GREENHOUSE_CLIENT_SECRET}
          user_id: "1234"
    mappings: [my-mappings]          # <category>/<system>/<entity>.yaml here replace the built-in ones

Relative ``mappings`` folders are read from hub.yaml's own folder, so the hub finds them whatever
the working directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from hub.core.errors import ConfigError
from hub.core.mapping_files import MappingLookup
from hub.core.routes import Route
from hub.core.yamlbounds import safe_load

__all__ = ["HubConfig", "ConnectorConfig", "DatabaseConfig", "KeysConfig", "ServiceConfig", "load_config", "DEFAULT_CONFIG_FILE"]

DEFAULT_CONFIG_FILE = "hub.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(_Config):
    url: str = "sqlite:///hub.db"


class KeysConfig(_Config):
    """Where the key ring comes from: ``env`` (HUB_KEYS), ``file`` (path) or a plugin's provider."""

    provider: str = "env"
    settings: dict[str, Any] = Field(default_factory=dict)


class ConnectorConfig(_Config):
    """One configured connector instance: which connector class and its settings."""

    type: str
    settings: dict[str, Any] = Field(default_factory=dict)


class ServiceConfig(_Config):
    """The HTTP service's limits (``hub serve``): what one request or one token may ask for."""

    max_body_bytes: int = Field(1 << 20, ge=1024, description="largest request body taken; larger is refused (413)")
    max_json_depth: int = Field(32, ge=2, description="deepest nesting of a JSON body taken (400 beyond)")
    default_page_size: int = Field(100, ge=1)
    max_page_size: int = Field(500, ge=1, description="largest page a client may ask for (400 beyond)")
    rate_limit_per_minute: int = Field(600, ge=1, description="requests per token per minute (429 beyond)")
    long_poll_max_seconds: float = Field(30, gt=0, le=300, description="longest wait of a change-feed long poll")
    stream_max_seconds: float = Field(300, gt=0, le=3600, description="a change stream (SSE) ends after this; "
                                      "the client reconnects with Last-Event-ID, so nothing is missed")


class HubConfig(_Config):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    timezone: str = "UTC"
    keys: KeysConfig = Field(default_factory=KeysConfig)
    connectors: dict[str, ConnectorConfig] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)  # see hub.core.routes
    service: ServiceConfig = Field(default_factory=ServiceConfig)  # `hub serve` (hub.api)
    #: The user's mapping folders, searched before the connectors' built-in mappings (hub.core.mapping_files).
    mappings: list[Path] = Field(default_factory=list)

    @property
    def mapping_lookup(self) -> MappingLookup:
        """Where connectors look up their mapping files: :attr:`mappings`, then their own package."""
        return MappingLookup(tuple(self.mappings))


def _resolve_env(value: Any, where: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"environment variable {name} is not set (referenced at {where})")
            return os.environ[name]

        return _ENV_REF.sub(replace, value)
    if isinstance(value, dict):
        return {key: _resolve_env(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_env(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def load_config(path: str | Path | None = None) -> HubConfig:
    """Load and validate hub.yaml (or defaults if no file exists), resolving ``${ENV}`` references."""
    file = Path(path or os.environ.get("HUB_CONFIG", DEFAULT_CONFIG_FILE))
    raw: dict[str, Any] = {}
    if file.exists():
        try:
            raw = safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file} cannot be read as UTF-8 text: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{file} is not valid YAML: {exc}") from None
    elif path is not None:
        raise ConfigError(f"configuration file {file} does not exist")
    try:
        config = HubConfig.model_validate(_resolve_env(raw, str(file)))
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{file}: {problems}") from None
    config.mappings = [file.parent / folder for folder in config.mappings]  # absolute ones stay as they are
    if url := os.environ.get("HUB_DATABASE_URL"):
        config.database.url = url
    return config
