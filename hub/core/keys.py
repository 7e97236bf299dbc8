"""The key ring hub.yaml names: its ``keys`` provider, looked up among the installed plugins.

Kept out of :mod:`hub.core.crypto` so that crypto, which plugins and the store build on, does not
import the plugin registry back (a cycle: crypto → plugins → hookspecs → crypto).

Example:
    >>> keyring_from_config("kms", {})
    Traceback (most recent call last):
    ...
    hub.core.errors.ConfigError: [config-error] unknown key provider 'kms'; installed: env, file
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.core.crypto import KeyRing
from hub.core.errors import ConfigError
from hub.core.plugins import load_registry

__all__ = ["keyring_from_config"]


def keyring_from_config(provider: str, settings: Mapping[str, Any]) -> KeyRing:
    """Build the key ring with the provider hub.yaml names, looked up in the plugin registry."""
    factories = load_registry().key_providers
    if provider not in factories:
        raise ConfigError(f"unknown key provider {provider!r}; installed: {', '.join(sorted(factories))}")
    return factories[provider](dict(settings)).load()
