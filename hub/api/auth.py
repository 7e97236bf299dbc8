"""The bearer token of a request → its :class:`~hub.core.access.Grant` (a FastAPI dependency).

An unknown, expired and revoked token get the same 401: the answer does not tell which it was.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.api.service import service_of
from hub.core.access import Grant
from hub.core.errors import UnauthenticatedError

__all__ = ["current_grant"]

_bearer = HTTPBearer(auto_error=False, description="An API token from `hub tokens create`.")


def current_grant(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Grant:
    """The grant of the request's ``Authorization: Bearer <token>``; 401 without a live token."""
    if credentials is None:
        raise UnauthenticatedError("send 'Authorization: Bearer <token>' (tokens come from `hub tokens create`)")
    grant = service_of(request).store.api_tokens.authenticate(credentials.credentials)
    if grant is None:
        raise UnauthenticatedError("the token is unknown, expired or revoked")
    return grant
