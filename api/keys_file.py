"""The keys file (``CARECASE_API_KEYS``, TOML): where API keys are kept, and the four things an
administrator does to it — add, list, revoke, rotate.

One ``[[key]]`` table per key: ``key_id``, ``user_id``, ``role``, ``teams``, ``sha256`` (hex of the
token), ``created_at``, and where they apply ``expires_at``, ``revoked_at``, ``revoked_by``,
``revoked_reason``, ``replaces`` and ``replaced_by`` (instants as ISO 8601 text in UTC). A file
written before keys had ids and lives (``user_id``, ``role``, ``teams``, ``sha256`` only) reads as
it is: each such key's id is derived from it (``api.keys.derived_key_id``), and the first edit
writes it out.

Every edit holds an exclusive lock (``<file>.lock``) from reading the file to replacing it, so two
administrators (or the command line and the API) never lose each other's change, and replaces the
file in one step (``eventstore.private_files.write_private_text``): mode 0600, and a reader sees
the old file or the new one. A key is never deleted: a revoked key stays, with who revoked it and
why, so the file is also the keys' history.

Rotation revokes the old key at once, with no overlap: the new token is in the answer that
revoked the old one, so a client switching over loses nothing, and a key being rotated because
it leaked stops working at once. A client that needs both for a while is given a second key
(``add``) and the first is revoked later.
"""

from __future__ import annotations

import fcntl
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from pydantic import ValidationError

from api.keys import ApiKey, ApiUser, new_key_id, new_token, token_hash
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.people import Role
from eventstore.private_files import open_private_binary, tighten, write_private_text

HEADER = (
    "# carecase API keys: hashes only, never a token (`carecase keys --help`).\n"
    "# Edited by `carecase keys` and the /admin/keys endpoints, which replace this file whole.\n"
)
LONGEST_LIFE_DAYS = 3_650


# Rules an administrator's request must keep (codes in docs/rules.md, "API keys").


def no_key_carries_the_system_role(role: Role) -> None:
    if role == Role.SYSTEM:
        raise InvalidInput(
            "no API key may carry the system role: it is the workflow engine's own",
            code="system_role_has_no_key",
            field="role",
        )


def user_is_well_formed(
    user_id: str, role: Role, teams: tuple[str, ...], council: str | None = None, national: bool = False
) -> None:
    """The user id, teams and council as an ``ApiUser`` has them, checked before anything is written."""
    try:
        ApiUser(user_id=user_id, role=role, teams=teams, council=council, national=national)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or ("national" if national else "user_id")
        raise InvalidInput(f"{field}: {first['msg']}", code="key_user_invalid", field=field) from None


def expiry_is_given_once(expires_at: datetime | date | None, expires_in_days: int | None) -> None:
    if expires_at is not None and expires_in_days is not None:
        raise InvalidInput(
            "give expires_at or expires_in_days, not both", code="expiry_given_twice", field="expires_in_days"
        )


def expiry_must_be_ahead(expires_at: datetime, now: datetime, field: str) -> None:
    if expires_at <= now:
        raise InvalidInput(
            f"{field}: {expires_at.isoformat()} is not in the future; a key must expire after it is made",
            code="expiry_not_in_the_future",
            field=field,
        )
    if expires_at > now + timedelta(days=LONGEST_LIFE_DAYS):
        raise InvalidInput(
            f"{field}: a key may live at most {LONGEST_LIFE_DAYS} days",
            code="expiry_too_far_ahead",
            field=field,
        )


def key_must_exist(keys: list[ApiKey], key_id: str) -> ApiKey:
    for key in keys:
        if key.key_id == key_id:
            return key
    raise NotFound(f"no API key {key_id!r}", code="unknown_key", field="key_id")


def key_must_not_be_revoked(key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise RuleViolation(
            f"API key {key.key_id} was revoked at {key.revoked_at.isoformat()}",
            code="key_already_revoked",
            details={"key_id": key.key_id, "revoked_at": key.revoked_at.isoformat()},
        )


def expiry(
    expires_at: datetime | date | None, expires_in_days: int | None, now: datetime, *, field: str = "expires_at"
) -> datetime | None:
    """When a new key stops working: an instant (with its time zone), a date (the key stops at
    00:00 UTC that day), or a number of days from ``now``; None for a key that does not expire."""
    expiry_is_given_once(expires_at, expires_in_days)
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= LONGEST_LIFE_DAYS:
            raise InvalidInput(
                f"expires_in_days: {expires_in_days} is not between 1 and {LONGEST_LIFE_DAYS}",
                code="expiry_too_far_ahead" if expires_in_days > 0 else "expiry_not_in_the_future",
                field="expires_in_days",
            )
        return now + timedelta(days=expires_in_days)
    if expires_at is None:
        return None
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            raise InvalidInput(
                f"{field}: give the time zone, e.g. 2027-01-31T00:00:00Z", code="expiry_without_zone", field=field
            )
        try:
            moment = expires_at.astimezone(UTC)
        except OverflowError:  # an instant whose UTC time is past the year 9999 or before the year 1
            if expires_at.year == 1:
                raise InvalidInput(
                    f"{field}: not in the future; a key must expire after it is made",
                    code="expiry_not_in_the_future",
                    field=field,
                ) from None
            raise InvalidInput(
                f"{field}: a key may live at most {LONGEST_LIFE_DAYS} days", code="expiry_too_far_ahead", field=field
            ) from None
    else:
        moment = datetime.combine(expires_at, time(0), tzinfo=UTC)
    expiry_must_be_ahead(moment, now, field)
    return moment


# The file's form.


def toml_text(value: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def instant_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def key_entry(key: ApiKey) -> str:
    lines = [
        "[[key]]",
        f"key_id = {toml_text(key.key_id)}",
        f"user_id = {toml_text(key.user_id)}",
        f"role = {toml_text(key.role.value)}",
        f"teams = [{', '.join(toml_text(team) for team in key.teams)}]",
        f"sha256 = {toml_text(key.sha256)}",
    ]
    if key.council is not None:
        lines.append(f"council = {toml_text(key.council)}")
    if key.national:
        lines.append("national = true")
    for name in ("created_at", "expires_at", "revoked_at"):
        moment = getattr(key, name)
        if moment is not None:
            lines.append(f"{name} = {toml_text(instant_text(moment))}")
    for name in ("revoked_by", "revoked_reason", "replaces", "replaced_by"):
        text = getattr(key, name)
        if text is not None:
            lines.append(f"{name} = {toml_text(text)}")
    return "\n".join(lines) + "\n"


def keys_text(keys: list[ApiKey]) -> str:
    return HEADER + "".join("\n" + key_entry(key) for key in keys)


def read_keys(path: Path) -> list[ApiKey]:
    """Every key in the file, revoked and expired ones too; none if there is no file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    data = tomllib.loads(text)
    return [ApiKey.model_validate(entry) for entry in data.get("key", [])]


class KeysFile:
    """The keys file at ``path``: read it, and change it one locked, whole replacement at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def read(self) -> list[ApiKey]:
        return read_keys(self.path)

    @contextmanager
    def editing(self) -> Iterator[list[ApiKey]]:
        """The keys, to change in place; written back (whole, private) when the block ends cleanly."""
        with open_private_binary(self.lock_path, "ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                tighten(self.path)  # a file an older version wrote looser
                keys = self.read()
                yield keys
                write_private_text(self.path, keys_text(keys))
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def add(
        self,
        user_id: str,
        role: Role,
        teams: tuple[str, ...] = (),
        *,
        expires_at: datetime | None = None,
        now: datetime | None = None,
        council: str | None = None,
        national: bool = False,
    ) -> tuple[ApiKey, str]:
        """A new key for a user in a role and teams (of ``council``; None: the configured one); returns
        it and its token (shown once)."""
        no_key_carries_the_system_role(role)
        user_is_well_formed(user_id, role, teams, council, national)
        now = now or datetime.now(UTC)
        if expires_at is not None:
            expiry_must_be_ahead(expires_at, now, "expires_at")
        token = new_token()
        with self.editing() as keys:
            taken = {k.key_id for k in keys}
            key_id = new_key_id()
            while key_id in taken:
                key_id = new_key_id()
            key = ApiKey(
                key_id=key_id,
                user_id=user_id,
                role=role,
                teams=teams,
                sha256=token_hash(token),
                created_at=now,
                expires_at=expires_at,
                council=council,
                national=national,
            )
            keys.append(key)
        return key, token

    def revoke(self, key_id: str, *, by: str, reason: str, now: datetime | None = None) -> ApiKey:
        """Revoke a key: from the next request it is refused. Returns the key as revoked."""
        now = now or datetime.now(UTC)
        with self.editing() as keys:
            key = key_must_exist(keys, key_id)
            key_must_not_be_revoked(key)
            revoked = key.model_copy(update={"revoked_at": now, "revoked_by": by, "revoked_reason": reason})
            keys[keys.index(key)] = revoked
        return revoked

    def rotate(
        self,
        key_id: str,
        *,
        by: str,
        reason: str,
        expires_at: datetime | None = None,
        keep_lifetime: bool = True,
        now: datetime | None = None,
    ) -> tuple[ApiKey, ApiKey, str]:
        """A new token for the same user, role and teams; the old key revoked at once (no overlap).

        The new key expires at ``expires_at`` if given; otherwise, if the old key had a lifetime,
        the new one has the same lifetime from now. Returns the old key (revoked), the new key and
        its token."""
        now = now or datetime.now(UTC)
        if expires_at is not None:
            expiry_must_be_ahead(expires_at, now, "expires_at")
        token = new_token()
        with self.editing() as keys:
            old = key_must_exist(keys, key_id)
            key_must_not_be_revoked(old)
            if expires_at is None and keep_lifetime and old.expires_at is not None and old.created_at is not None:
                expires_at = now + (old.expires_at - old.created_at)
            taken = {k.key_id for k in keys}
            new_id = new_key_id()
            while new_id in taken:
                new_id = new_key_id()
            new = ApiKey(
                key_id=new_id,
                user_id=old.user_id,
                role=old.role,
                teams=old.teams,
                council=old.council,
                national=old.national,
                sha256=token_hash(token),
                created_at=now,
                expires_at=expires_at,
                replaces=old.key_id,
            )
            revoked = old.model_copy(
                update={"revoked_at": now, "revoked_by": by, "revoked_reason": reason, "replaced_by": new_id}
            )
            keys[keys.index(old)] = revoked
            keys.append(new)
        return revoked, new, token
