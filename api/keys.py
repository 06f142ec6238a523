"""API keys: bearer tokens mapped to a user, a role and teams, kept only as SHA-256 hashes.

Each key has a stable key id (``k-`` and 16 hex digits: neither the token nor its hash), the user,
role and teams it speaks for, when it was made, when it expires (optional), and, once revoked,
when, by whom and why. The keys live in the keys file (``api/keys_file.py``); a token is shown
once, when it is made (``carecase keys add``, ``POST /admin/keys``, and on rotation), and never
stored. Tokens are long random strings, so an unsalted hash is enough: there is nothing to guess
from a dictionary.

``KeyRing`` is what the API checks a token against. It watches the keys file: a key added,
revoked or rotated (by the command line, by the admin endpoints, by another process) counts from
the next request, without a restart (decision 0021).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import structlog
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from domain.people import Role
from domain.values import SOCIAL_CARE_COUNCIL_CODE

STAFF_ROLES = tuple(r for r in Role if r != Role.SYSTEM)

TeamName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")]
KEY_ID_PATTERN = r"^k-[0-9a-f]{16}$"
KeyId = Annotated[str, StringConstraints(pattern=KEY_ID_PATTERN)]
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$"


class ApiUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, max_length=100, pattern=USER_ID_PATTERN)
    role: Role
    # The teams whose cases this member of staff works on (need to know); a case's team is the
    # one it was referred to or allocated to.
    teams: tuple[TeamName, ...] = Field(default=(), max_length=50)
    # The council whose data the key reaches, by its GSS code (decision 0040); None: the council
    # the deployment is configured for (every key made before a deployment served several).
    council: str | None = Field(default=None, pattern=f"^{SOCIAL_CARE_COUNCIL_CODE}$")
    # A national auditor reads every council's record, read-only, naming the council of each
    # request (``X-Council``); only an auditor's key, and only if made so explicitly.
    national: bool = False

    @model_validator(mode="after")
    def _national_only_for_an_auditor(self) -> ApiUser:
        if self.national and (self.role != Role.AUDITOR or self.council is not None):
            raise ValueError("only an auditor's key may be national, and a national key names no council")
        return self


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "cc_" + secrets.token_urlsafe(32)


def new_key_id() -> str:
    return "k-" + secrets.token_hex(8)


def derived_key_id(sha256: str) -> str:
    """The key id of a key written before keys had ids: stable, and no way back to its hash."""
    return "k-" + hashlib.sha256(b"carecase key id\x00" + sha256.encode("ascii")).hexdigest()[:16]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class ApiKey(ApiUser):
    """One key as the keys file holds it: who it speaks for, its hash, and its life."""

    key_id: KeyId
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: AwareDatetime | None = None  # None: made before keys recorded it
    expires_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None
    revoked_by: str | None = Field(default=None, max_length=200)
    revoked_reason: str | None = Field(default=None, max_length=4_000)
    replaces: KeyId | None = None  # the key this one was rotated from
    replaced_by: KeyId | None = None  # the key this one was rotated to

    @model_validator(mode="before")
    @classmethod
    def _key_id_of_an_older_entry(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("key_id") and isinstance(data.get("sha256"), str):
            return {**data, "key_id": derived_key_id(data["sha256"])}
        return data

    @field_validator("created_at", "expires_at", "revoked_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        return None if moment is None else utc(moment)

    def status(self, now: datetime) -> KeyStatus:
        if self.revoked_at is not None:
            return KeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return KeyStatus.EXPIRED
        return KeyStatus.ACTIVE

    def user(self) -> ApiUser:
        return ApiUser(
            user_id=self.user_id, role=self.role, teams=self.teams, council=self.council, national=self.national
        )


class KeyCheck(NamedTuple):
    """What a token turned out to be: a key in force, or why not (``key`` names the key it matched)."""

    key: ApiKey | None
    status: KeyStatus | None  # None: no key has this token (or the keys cannot be read)
    message: str

    @property
    def user(self) -> ApiUser | None:
        return self.key.user() if self.key is not None and self.status == KeyStatus.ACTIVE else None


def _file_identity(path: Path) -> tuple[int, ...] | None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


class KeyRing:
    """The keys a token is checked against; given a path, re-read whenever the file changes.

    The file's identity (device, inode, size, modification and change times) is compared on every
    check, one ``stat``; every writer replaces the file (a new inode), so no change is missed even
    within one tick of the clock. A file that cannot be read admits nobody until it is fixed.
    """

    def __init__(self, keys: list[ApiKey], path: Path | None = None) -> None:
        self._refuse_system(keys)
        self._keys = list(keys)
        self.path = path
        self._identity = _file_identity(path) if path is not None else None
        self._unreadable = False
        self._lock = threading.Lock()

    @staticmethod
    def _refuse_system(keys: list[ApiKey]) -> None:
        if any(k.role == Role.SYSTEM for k in keys):
            raise ValueError("no API key may carry the system role: it is the workflow engine's own")

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        from api.keys_file import read_keys

        ring = cls([], path)
        ring._identity = _file_identity(path)
        ring._keys = read_keys(path)
        cls._refuse_system(ring._keys)
        return ring

    @property
    def keys(self) -> list[ApiKey]:
        """The keys as the file holds them now."""
        self._refresh()
        return list(self._keys)

    def _refresh(self) -> None:
        if self.path is None:
            return
        identity = _file_identity(self.path)
        if identity == self._identity:
            return
        from api.keys_file import read_keys

        with self._lock:
            if identity == self._identity:
                return
            try:
                keys = read_keys(self.path)
                self._refuse_system(keys)
            except Exception as error:  # a hand edit gone wrong: admit nobody rather than stale keys
                # The error's class only: a validation message would quote the file's contents.
                structlog.get_logger("carecase.api").error("api_keys_unreadable", error_class=type(error).__name__)
                self._keys, self._unreadable = [], True
            else:
                self._keys, self._unreadable = keys, False
            self._identity = identity

    def check(self, token: str, now: datetime | None = None) -> KeyCheck:
        """The key a token belongs to and whether it is in force at ``now``.

        Every key's hash is compared, in constant time, and the loop never stops early: how long
        a check takes says nothing about which key, or how much of a hash, a guess matched."""
        self._refresh()
        now = now or datetime.now(UTC)
        digest = token_hash(token)
        found: ApiKey | None = None
        for key in self._keys:
            if hmac.compare_digest(key.sha256, digest) and found is None:
                found = key
        return self._in_force(found, now)

    def check_id(self, key_id: str, now: datetime | None = None) -> KeyCheck:
        """The key with this id and whether it is in force at ``now``: for a console session, which
        holds the key's id (never its token) and is checked again on every page."""
        self._refresh()
        now = now or datetime.now(UTC)
        return self._in_force(next((key for key in self._keys if key.key_id == key_id), None), now)

    def _in_force(self, found: ApiKey | None, now: datetime) -> KeyCheck:
        if found is None:
            if self._unreadable:
                return KeyCheck(
                    None, None, "the API keys cannot be read just now; an administrator must fix the keys file"
                )
            return KeyCheck(None, None, "that API key is not known")
        status = found.status(now)
        if status == KeyStatus.REVOKED:
            assert found.revoked_at is not None
            return KeyCheck(found, status, f"that API key was revoked at {found.revoked_at.isoformat()}")
        if status == KeyStatus.EXPIRED:
            assert found.expires_at is not None
            return KeyCheck(found, status, f"that API key expired at {found.expires_at.isoformat()}")
        return KeyCheck(found, status, "")

    def user_for(self, token: str) -> ApiUser | None:
        """The user a token speaks for, if its key is in force now; None otherwise."""
        return self.check(token).user


def add_key(path: Path, user_id: str, role: Role, teams: tuple[str, ...] = ()) -> str:
    """Make a key for a user and write its hash to the keys file; returns the token (shown once)."""
    from api.keys_file import KeysFile

    _, token = KeysFile(path).add(user_id, role, teams)
    return token
