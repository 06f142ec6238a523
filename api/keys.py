"""API keys: bearer tokens mapped to a user and a role, kept only as SHA-256 hashes.

The keys file (``CARECASE_API_KEYS``, TOML) holds one ``[[key]]`` table per key with ``user_id``,
``role``, ``teams`` (the teams whose cases the user works on; need to know) and ``sha256`` (hex of
the token). A token is shown once, when it is made
(``carecase keys add``), and never stored. Tokens are long random strings, so an unsalted hash
is enough: there is nothing to guess from a dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.people import Role

STAFF_ROLES = tuple(r for r in Role if r != Role.SYSTEM)

TeamName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")]


class ApiUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")
    role: Role
    # The teams whose cases this member of staff works on (need to know); a case's team is the
    # one it was referred to or allocated to.
    teams: tuple[TeamName, ...] = Field(default=(), max_length=50)


class ApiKey(ApiUser):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "cc_" + secrets.token_urlsafe(32)


class KeyRing:
    def __init__(self, keys: list[ApiKey]) -> None:
        if any(k.role == Role.SYSTEM for k in keys):
            raise ValueError("no API key may carry the system role: it is the workflow engine's own")
        self.keys = list(keys)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        if not path.exists():
            return cls([])
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls([ApiKey.model_validate(entry) for entry in data.get("key", [])])

    def user_for(self, token: str) -> ApiUser | None:
        digest = token_hash(token)
        for key in self.keys:
            if hmac.compare_digest(key.sha256, digest):
                return ApiUser(user_id=key.user_id, role=key.role, teams=key.teams)
        return None


def add_key(path: Path, user_id: str, role: Role, teams: tuple[str, ...] = ()) -> str:
    """Make a token for a user and append its hash to the keys file; returns the token."""
    ApiUser(user_id=user_id, role=role, teams=teams)  # validates before anything is written
    if role == Role.SYSTEM:
        raise ValueError("no API key may carry the system role")
    token = new_token()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as keys:
        team_list = ", ".join(f'"{team}"' for team in teams)
        keys.write(
            f'\n[[key]]\nuser_id = "{user_id}"\nrole = "{role.value}"\nteams = [{team_list}]\n'
            f'sha256 = "{token_hash(token)}"\n'
        )
    path.chmod(0o600)
    return token
