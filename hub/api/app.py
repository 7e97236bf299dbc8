"""The FastAPI application of ``hub serve`` and uvicorn's factory for it.

:func:`create_app` builds the application over a :class:`~hub.api.service.Service`; the routers live
in their own modules. :func:`app_from_environment` is what uvicorn calls in each worker process:
it reads hub.yaml from ``HUB_CONFIG`` (``hub serve`` sets it), so every worker opens its own store.
:func:`openapi_document` is the OpenAPI document without a store, for ``hub serve --openapi`` and the
test that keeps the checked-in copy (docs/openapi.json) true.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from hub import __version__
from hub.api import auth, changes, records, webhooks
from hub.api.errors import install_error_handlers
from hub.api.limits import install_limits, known_parameters_only
from hub.api.service import Service
from hub.core.config import load_config

__all__ = ["create_app", "app_from_environment", "openapi_document"]

_DESCRIPTION = """\
The hub's HTTP service: the canonical records (candidates, jobs, applications, assessments, feedback,
offers, employees) as HR systems read them, the change feed that follows them, and the endpoint
vendors push webhooks to. Every read endpoint takes `Authorization: Bearer <token>`
(`hub tokens create`); what a token sees is its role's scope, PII masked unless it holds `pii:read`.
"""


def create_app(service: Service | None) -> FastAPI:
    """The application; ``service`` None builds it only to describe it (no request can be served)."""
    app = FastAPI(title="hub", version=__version__, description=_DESCRIPTION,
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None,
                  dependencies=[Depends(known_parameters_only)])
    app.state.service = service
    install_limits(app, service.config.service if service else None)
    install_error_handlers(app)  # after the limits: its last-resort middleware wraps theirs
    app.include_router(records.router)
    app.include_router(changes.router)
    app.include_router(webhooks.router)

    @app.get("/v1/health", tags=["service"], summary="Liveness: the server answers")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(auth.router)

    return app


def app_from_environment() -> FastAPI:
    """uvicorn's factory (``hub serve``): the service hub.yaml (``HUB_CONFIG``) describes."""
    return create_app(Service.open(load_config()))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the service, built without opening a store."""
    return create_app(None).openapi()
