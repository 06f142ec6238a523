"""Bearer API keys → the user and role of the request; every endpoint declares the roles it allows."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.backend import Backend
from api.errors import Forbidden, Unauthorised
from api.keys import ApiUser, KeyCheck
from domain.errors import InvalidInput, NotFound
from domain.people import Role

bearer = HTTPBearer(auto_error=False, description="An API key issued by `carecase keys add` or `POST /admin/keys`")


# The header a national auditor names the council of a request with (decision 0040).
COUNCIL_HEADER = "X-Council"
READS = frozenset({"GET", "HEAD"})


def backend(request: Request) -> Backend:
    """The backend of the council the request's key belongs to (decision 0040): the configured
    council's for a key that names none, and for a request without a key in force (``caller``
    refuses it); once per request."""
    chosen: Backend | None = getattr(request.state, "backend", None)
    if chosen is None:
        chosen = _council_of_the_key(request, request.app.state.backend)
        request.state.backend = chosen
    return chosen


def _council_of_the_key(request: Request, configured: Backend) -> Backend:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = _checked(request, configured, token.strip()).user if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        return configured
    if user.national:
        code = request.headers.get(COUNCIL_HEADER, "").strip()
        if not code:
            raise InvalidInput(
                f"{COUNCIL_HEADER}: a national auditor names the council of every request",
                code="council_not_named",
                field=COUNCIL_HEADER,
            )
        if request.method not in READS:
            raise Forbidden("a national auditor reads and never writes", code="national_auditor_reads_only")
        if code != configured.council.council_code and code not in configured.councils:
            raise NotFound(f"no council {code!r} in this deployment", code="unknown_council", field=COUNCIL_HEADER)
    else:
        code = user.council or configured.council.council_code
    if code == configured.council.council_code:
        return configured
    served = configured.councils.get(code)
    if served is None:
        raise Unauthorised("that API key's council is not served by this deployment", field="Authorization")
    return served


def _checked(request: Request, wired: Backend, key: str) -> KeyCheck:
    """The key's check, made once per request by each key ring: choosing the council and naming
    the caller both need it (and every council's backend shares the deployment's one ring)."""
    done: tuple[object, str, KeyCheck] | None = getattr(request.state, "key_check", None)
    if done is not None and done[0] is wired.keys and hmac.compare_digest(done[1], key):
        return done[2]
    check = wired.keys.check(key)
    request.state.key_check = (wired.keys, key, check)
    return check


def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], request: Request) -> ApiUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorised("send an API key as `Authorization: Bearer <key>`", field="Authorization")
    return user_of_key(request, credentials.credentials, field="Authorization")


def user_of_key(request: Request, key: str, *, field: str) -> ApiUser:
    """The user an API key belongs to, checked now (revoked, expired and unknown keys are 401);
    the bearer header's and the console's session's way in (api/console)."""
    wired = backend(request)
    return _admitted(request, wired, _checked(request, wired, key), field)


def key_id_of(request: Request, key: str, *, field: str) -> str:
    """The id of the API key a token belongs to, checked as ``user_of_key`` checks it (the
    console's sign-in keeps the id, never the token)."""
    wired = backend(request)
    check = _checked(request, wired, key)
    _admitted(request, wired, check, field)
    assert check.key is not None
    return check.key.key_id


def user_of_key_id(request: Request, key_id: str, *, field: str) -> ApiUser:
    """The user of the key with this id, checked now as a token's key is (revoked, expired and
    unknown keys are 401): the console's session holds the id."""
    wired = backend(request)
    return _admitted(request, wired, wired.keys.check_id(key_id), field)


def _admitted(request: Request, wired: Backend, check: KeyCheck, field: str) -> ApiUser:
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
