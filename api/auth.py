"""Bearer API keys → the user and role of the request; every endpoint declares the roles it allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.backend import Backend
from api.errors import Forbidden, Unauthorised
from api.keys import ApiUser
from domain.people import Role

bearer = HTTPBearer(auto_error=False, description="An API key issued by `carecase keys add` or `POST /admin/keys`")


def backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], request: Request) -> ApiUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("send an API key as `Authorization: Bearer <key>`", field="Authorization")
    return user_of_key(request, credentials.credentials, field="Authorization")


def user_of_key(request: Request, key: str, *, field: str) -> ApiUser:
    """The user an API key belongs to, checked now (revoked, expired and unknown keys are 401);
    the bearer header's and the console's session's way in (api/console)."""
    wired = backend(request)
    check = wired.keys.check(key)
    user = check.user
    if user is None or check.key is None:
        details = {"key": check.status.value} if check.status is not None else None
        raise Unauthorised(check.message, field=field, details=details)
    wired.key_use.seen(check.key.key_id)
    request.state.user = user  # for the request's log line (api/metrics.py)
    return user


def allow(roles: Iterable[Role]) -> Callable[..., Any]:
    """A dependency that admits only the roles named; the set is kept on it for the role matrix."""
    allowed = frozenset(roles)

    def check(user: Annotated[ApiUser, Depends(caller)]) -> ApiUser:
        if user.role not in allowed:
            raise Forbidden(
                f"a {user.role.value} may not do this; allowed: {', '.join(sorted(r.value for r in allowed))}",
                details={"role": user.role.value},
            )
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    return check
