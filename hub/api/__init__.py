"""The HTTP service (``hub serve``): FastAPI on uvicorn, over one store.

HR systems read synchronized records and follow the change feed; vendors push webhooks in. Modules,
one job each:

* ``app`` — builds the FastAPI application and is uvicorn's factory;
* ``service`` — what every request reaches: the configuration, the store, the installed connectors;
* ``errors`` — every refusal as the hub's typed error, as JSON, never a traceback and never a 500
  for bad input;
* ``auth`` — the bearer token → :class:`~hub.core.access.Grant`;
* ``scope`` — a grant → the SQL condition every read applies;
* ``records`` — the read API; ``changes`` — the change feed; ``webhooks`` — vendors' webhooks in.
"""
