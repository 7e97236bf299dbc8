"""``hub routes check``: hub.yaml's routes against the connectors that would carry them.

On top of :func:`hub.core.routes.check_routes` (targets configured, ``write:<entity>`` declared,
condition fields exist and are not PII) this builds each target from its settings and compiles the
reverse mapping it would use, so a route that cannot produce a payload fails here, not at 3 a.m.
"""

from __future__ import annotations

from typing import Any

from hub.core.config import HubConfig
from hub.core.delivery.runner import build_target, target_classes
from hub.core.delivery.target import DeliveryTarget
from hub.core.errors import HubError, MappingError
from hub.core.routes import check_routes

__all__ = ["check_config_routes"]


def check_config_routes(config: HubConfig, registry: Any = None) -> list[str]:
    """Every problem of hub.yaml's routes, one line each; [] when they can all be delivered.

    Example:
        >>> from hub.core.plugins import Registry
        >>> config = HubConfig.model_validate({"routes": [{"name": "r", "entity": "offer", "target": "payroll"}]})
        >>> check_config_routes(config, Registry())
        ["route 'r': target 'payroll' is not a connector in hub.yaml"]
    """
    classes = target_classes(config, registry)
    problems = check_routes(config.routes, classes)
    if problems:
        return problems
    for route in config.routes:
        cls = classes[route.target]
        if not (isinstance(cls, type) and issubclass(cls, DeliveryTarget)):
            problems.append(f"route {route.name!r}: connector {route.target!r} declares writes but has no deliver()")
            continue
        try:
            target = build_target(config, route.target, classes)
            target.reverse_mapping(route.entity).reverse({})  # compiles it; raises if it has no reverse section
        except MappingError:
            pass  # a reverse rule wants a value the empty probe lacks: the section exists and compiled
        except HubError as exc:
            problems.append(f"route {route.name!r}: {exc}")
    return problems
