"""The bearer token of a request → its :class:`~hub.core.access.Grant` (a FastAPI dependency), within
the token's rate limit.

An unknown, expired and revoked token get the same 401: the answer does not tell which it was. A
client address that keeps sending such tokens runs out of 401 answers like a token runs out of
requests (429 instead), so a scanner or a misconfigured client is told to back off. A valid token is
never refused for its address's failures: behind a proxy every client shares one address.

``GET /v1/token`` tells a client what its token is: a personal link's page checks the link before
showing anything, and an operator checks a token's scope without reading the database.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pydantic import BaseModel

from hub.api.errors import ERROR_RESPONSES
from hub.api.limits import rate_limits_of
from hub.api.service import service_of
from hub.core.access import Grant
from hub.core.errors import TooManyRequestsError, UnauthenticatedError

__all__ = ["current_grant", "router"]

_bearer = HTTPBearer(auto_error=False, description="An API token from `hub tokens create`.")


def current_grant(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Grant:
    """The grant of the request's ``Authorization: Bearer <token>``; 401 without a live token, 429 when
    the token's requests a minute (or the client's refused ones) are spent."""
    limits = rate_limits_of(request)
    grant = service_of(request).store.api_tokens.authenticate(credentials.credentials) if credentials else None
    if grant is None:
        if wait := limits.refused_clients.spend(request.client.host if request.client else "unknown"):
            raise TooManyRequestsError("too many requests without a valid token from this address", retry_after=wait)
        if credentials is None:
            raise UnauthenticatedError("send 'Authorization: Bearer <token>' (tokens come from `hub tokens create`)")
        raise UnauthenticatedError("the token is unknown, expired or revoked")
    if wait := limits.tokens.spend(grant.token_id):
        raise TooManyRequestsError("this token's requests a minute are spent", retry_after=wait)
    if not limits.use_records.spend(grant.token_id):
        service_of(request).store.api_tokens.mark_used(grant.token_id)
    return grant


router = APIRouter(tags=["service"])


class TokenView(BaseModel):
    """A token as its holder may see it: never the token, its hash or its id."""

    name: str
    role: str
    kinds: list[str]
    pii_read: bool


@router.get("/v1/token", summary="The calling token: its role, the kinds it may read, pii:read",
            responses={status: ERROR_RESPONSES[status] for status in (400, 401, 429)})
def token_view(grant: Grant = Depends(current_grant)) -> TokenView:
    return TokenView(name=grant.name, role=grant.role.value, kinds=sorted(grant.readable_kinds),
                     pii_read=grant.pii_read)
