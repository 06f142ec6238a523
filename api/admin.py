"""What administrators do to API keys over HTTP: list them, issue one, revoke one, rotate one.

Admins only (``api.roles.KEY_ADMINS``). A token is in the answer that made it and nowhere else;
a listing shows ids, who, role, teams and the key's life (made, expires, revoked, last used),
never a token or a hash. Every change is in the ops action log, and counts from the next request
to any API process reading the same keys file (decision 0021).
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from api.auth import allow, backend
from api.backend import Backend
from api.keys import KEY_ID_PATTERN, USER_ID_PATTERN, ApiKey, ApiUser, KeyStatus, TeamName
from api.keys_file import LONGEST_LIFE_DAYS, KeysFile, expiry
from api.roles import KEY_ADMINS
from domain.errors import NotFound, RuleViolation
from domain.people import Role
from domain.values import Reason

router = APIRouter(prefix="/admin", tags=["administration"])
Admin = Annotated[ApiUser, Depends(allow(KEY_ADMINS))]
App = Annotated[Backend, Depends(backend)]
KeyIdPath = Annotated[str, Path(pattern=KEY_ID_PATTERN, description="A key's id, as `GET /admin/keys` lists it")]
Days = Annotated[int, Field(ge=1, le=LONGEST_LIFE_DAYS)]


def _date_or_instant(value: Any) -> Any:
    """A date alone (``2027-01-31``) or an instant with its zone; never a time without a zone."""
    if not isinstance(value, str):
        return value
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("give a date (2027-01-31) or a date-time with its zone (2027-01-31T09:00:00Z)") from None
    if moment.tzinfo is None:
        raise ValueError("give the time zone, e.g. 2027-01-31T09:00:00Z")
    return moment


Expiry = Annotated[
    AwareDatetime | date | None,
    BeforeValidator(_date_or_instant),
    Field(description="When the key stops working: an instant with its time zone, or a date (00:00 UTC that day)"),
]


class NewKey(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "user_id": "sw-amara",
                    "role": "social_worker",
                    "teams": ["east-locality"],
                    "expires_in_days": 90,
                    "reason": "joined the east locality team",
                }
            ]
        },
    )
    user_id: str = Field(min_length=1, max_length=100, pattern=USER_ID_PATTERN)
    role: Role
    teams: list[TeamName] = Field(default_factory=list, max_length=50)
    expires_at: Expiry = None
    expires_in_days: Days | None = None
    reason: Reason | None = None

    @field_validator("role")
    @classmethod
    def _staff_role(cls, role: Role) -> Role:
        if role == Role.SYSTEM:
            raise ValueError("no API key may carry the system role: it is the workflow engine's own")
        return role


class RevokeKey(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "left the council on 30 November"}]}
    )
    reason: Reason


class RotateKey(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "yearly rotation", "expires_in_days": 365}]}
    )
    reason: Reason | None = None
    expires_at: Expiry = None
    expires_in_days: Days | None = None


class KeyListed(BaseModel):
    key_id: str
    user_id: str
    role: Role
    teams: list[str]
    status: KeyStatus
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_reason: str | None
    replaces: str | None
    replaced_by: str | None
    last_used_at: datetime | None = Field(description="Exact from this API; at most a minute behind elsewhere")


class KeyIssued(KeyListed):
    token: str = Field(description="The API key itself: shown here once, never again")


class KeyList(BaseModel):
    now: datetime
    items: list[KeyListed]


class KeyRotated(BaseModel):
    revoked: KeyListed
    issued: KeyIssued


def listed(key: ApiKey, now: datetime, last_used: dict[str, datetime]) -> KeyListed:
    return KeyListed(
        key_id=key.key_id,
        user_id=key.user_id,
        role=key.role,
        teams=list(key.teams),
        status=key.status(now),
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        revoked_by=key.revoked_by,
        revoked_reason=key.revoked_reason,
        replaces=key.replaces,
        replaced_by=key.replaced_by,
        last_used_at=last_used.get(key.key_id),
    )


def keys_file(app: Backend) -> KeysFile:
    if app.keys.path is None:
        raise RuleViolation(
            "this API's keys are not kept in a keys file, so they cannot be changed here",
            code="keys_not_in_a_file",
        )
    return KeysFile(app.keys.path)


def of_the_admins_council(admin: ApiUser, key: ApiKey) -> bool:
    """An admin sees and changes the keys of their own council only (decision 0040)."""
    return key.council == admin.council


def key_of_the_admins_council(app: Backend, admin: ApiUser, key_id: str) -> None:
    if not any(key.key_id == key_id and of_the_admins_council(admin, key) for key in keys_file(app).read()):
        raise NotFound(f"no API key {key_id!r}", code="unknown_key", field="key_id")


def record(app: Backend, admin: ApiUser, action: str, reason: str, key: ApiKey, **more: Any) -> None:
    app.log.ops_action(
        user_id=admin.user_id,
        role=admin.role.value,
        action=action,
        case_id="",
        reason=reason,
        outcome={
            "key_id": key.key_id,
            "for_user_id": key.user_id,
            "key_role": key.role.value,
            "teams": list(key.teams),
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
            **more,
        },
    )


@router.get("/keys", summary="Every API key: who, role, teams, made, expires, revoked, last used (no tokens)")
def list_keys(
    admin: Admin,
    app: App,
    user_id: Annotated[str | None, Query(min_length=1, max_length=100, pattern=USER_ID_PATTERN)] = None,
    status: KeyStatus | None = None,
) -> KeyList:
    now = datetime.now(UTC)
    last_used = app.key_use.last_used()
    items = [
        listed(key, now, last_used)
        for key in keys_file(app).read()
        if of_the_admins_council(admin, key)
        and (user_id is None or key.user_id == user_id)
        and (status is None or key.status(now) == status)
    ]
    return KeyList(now=now, items=items)


@router.post("/keys", status_code=201, summary="Issue an API key; its token is in this answer only")
def add(body: NewKey, admin: Admin, app: App) -> KeyIssued:
    now = datetime.now(UTC)
    until = expiry(body.expires_at, body.expires_in_days, now)
    key, token = keys_file(app).add(
        body.user_id, body.role, tuple(body.teams), expires_at=until, now=now, council=admin.council
    )
    record(app, admin, "key_add", body.reason or "new key", key)
    return KeyIssued(**listed(key, now, {}).model_dump(), token=token)


@router.post("/keys/{key_id}/revoke", summary="Revoke an API key: refused from the next request")
def revoke(key_id: KeyIdPath, body: RevokeKey, admin: Admin, app: App) -> KeyListed:
    now = datetime.now(UTC)
    key_of_the_admins_council(app, admin, key_id)
    key = keys_file(app).revoke(key_id, by=admin.user_id, reason=body.reason, now=now)
    record(app, admin, "key_revoke", body.reason, key)
    return listed(key, now, app.key_use.last_used())


@router.post(
    "/keys/{key_id}/rotate",
    status_code=201,
    summary="A new token for the same user, role and teams; the old key revoked at once",
)
def rotate(key_id: KeyIdPath, body: RotateKey, admin: Admin, app: App) -> KeyRotated:
    now = datetime.now(UTC)
    until = expiry(body.expires_at, body.expires_in_days, now)
    reason = body.reason or "rotated"
    key_of_the_admins_council(app, admin, key_id)
    old, new, token = keys_file(app).rotate(key_id, by=admin.user_id, reason=reason, expires_at=until, now=now)
    record(app, admin, "key_rotate", reason, new, replaces=old.key_id)
    last_used = app.key_use.last_used()
    return KeyRotated(
        revoked=listed(old, now, last_used), issued=KeyIssued(**listed(new, now, {}).model_dump(), token=token)
    )
