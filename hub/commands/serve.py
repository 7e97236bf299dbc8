"""``hub serve``: the HTTP service (read API, change feed, webhooks in) on uvicorn."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.runtime import open_store

__all__ = ["command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface; put TLS in front of it).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes; each opens its own store connection pool.")
@click.option("--openapi", "print_openapi", is_flag=True, help="Print the OpenAPI document and exit.")
@config_option
def command(host: str, port: int, workers: int, print_openapi: bool, config_path: Path | None) -> None:
    """Serve the records, the change feed and the webhook endpoints over HTTP.

    Read endpoints need `Authorization: Bearer <token>` (`hub tokens create`). The store is migrated
    first, as `hub sync` does. The interactive documentation is at /v1/docs, the OpenAPI document at
    /v1/openapi.json. Stop with Ctrl-C: requests in flight finish first.
    """
    import uvicorn  # the CLI's other commands never pay for importing the server

    from hub.api.app import openapi_document

    if print_openapi:
        click.echo(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
        return
    config = load_config(config_path)  # a bad hub.yaml or key ring is reported here, once, not per worker
    open_store(config).close()
    if config_path is not None:
        os.environ["HUB_CONFIG"] = str(config_path.resolve())
    click.echo(f"hub serving on http://{host}:{port} (docs: /v1/docs)", err=True)
    uvicorn.run("hub.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", server_header=False)
