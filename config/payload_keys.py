"""The keys that encrypt Temporal payloads, read from the environment and checked at start.

Either ``CARECASE_PAYLOAD_KEYS`` (``id:base64key,id2:base64key``) or a file,
``CARECASE_PAYLOAD_KEYS_FILE`` (default ``var/payload-keys``), one ``id:base64key`` a line (``#``
starts a comment). Each key is 32 random bytes (AES-256), base64-encoded. New payloads are
encrypted with ``CARECASE_PAYLOAD_KEY_CURRENT``, or with the last key listed when it is not set;
every key listed still decrypts what it wrote. To rotate: add a key at the end, restart the
workers and the API, and keep the old one listed as long as any history encrypted with it is kept.

The development processes (``carecase run``, ``carecase dev-server``) make the file with one new
key on first start, mode 0600 (``ensure_dev_payload_keys``); nothing else makes keys.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from workflows.encryption import KEY_BYTES, KEY_ID_PATTERN, PayloadEncryption

KEYS = "CARECASE_PAYLOAD_KEYS"
CURRENT = "CARECASE_PAYLOAD_KEY_CURRENT"
KEYS_FILE = "CARECASE_PAYLOAD_KEYS_FILE"
DEFAULT_KEYS_FILE = Path("var/payload-keys")

KeyId = Annotated[str, StringConstraints(pattern=KEY_ID_PATTERN.pattern)]


class PayloadKeysError(ValueError):
    """The payload keys are missing or malformed; the message names the setting and never a key."""


class PayloadKeySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    keys: dict[KeyId, bytes] = Field(min_length=1)
    current: KeyId

    @field_validator("keys")
    @classmethod
    def each_key_is_aes_256(cls, keys: dict[str, bytes]) -> dict[str, bytes]:
        short = [key_id for key_id, key in keys.items() if len(key) != KEY_BYTES]
        if short:
            raise ValueError(f"key(s) {', '.join(short)} must be {KEY_BYTES} bytes (AES-256) before base64")
        return keys

    @model_validator(mode="after")
    def current_is_listed(self) -> PayloadKeySettings:
        if self.current not in self.keys:
            raise ValueError(f"the current key {self.current!r} is not listed ({', '.join(sorted(self.keys))})")
        return self

    def __repr__(self) -> str:  # never the key material, in a log or a traceback
        return f"PayloadKeySettings(keys=[{', '.join(sorted(self.keys))}], current={self.current!r})"

    __str__ = __repr__

    def codec(self) -> PayloadEncryption:
        return PayloadEncryption(self.keys, self.current)

    def environment(self) -> dict[str, str]:
        """These keys as the environment of another process (a worker a test starts, say)."""
        listed = ",".join(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in self.keys.items())
        return {KEYS: listed, CURRENT: self.current}

    @classmethod
    def generate(cls, key_id: str | None = None) -> PayloadKeySettings:
        """One new random key (for tests, benchmarks and a development file)."""
        key_id = key_id or new_key_id()
        return cls(keys={key_id: secrets.token_bytes(KEY_BYTES)}, current=key_id)

    @classmethod
    def parse(cls, entries: list[str], current: str | None, source: str) -> PayloadKeySettings:
        """Keys from ``id:base64key`` entries; a clear error naming ``source`` (never the key) if any is wrong."""
        keys: dict[str, bytes] = {}
        for number, entry in enumerate(entries, start=1):
            key_id, colon, encoded = entry.strip().partition(":")
            if not colon or not key_id.strip():
                raise PayloadKeysError(f"{source}: entry {number} is not id:base64key")
            key_id = key_id.strip()
            if key_id in keys:
                raise PayloadKeysError(f"{source}: key id {key_id!r} is listed twice")
            try:
                keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise PayloadKeysError(f"{source}: the key of {key_id!r} is not base64") from None
        if not keys:
            raise PayloadKeysError(f"{source}: no key is listed")
        try:
            return cls(keys=keys, current=current or list(keys)[-1])
        except ValidationError as error:
            # Each problem by its place and rule only: pydantic's own text would quote the key.
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'keys'}: {e['msg']}" for e in error.errors(include_input=False)
            )
            raise PayloadKeysError(f"{source}: {problems}") from None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> PayloadKeySettings:
        env = os.environ if environ is None else environ
        current = env.get(CURRENT) or None
        if env.get(KEYS):
            return cls.parse(env[KEYS].split(","), current, KEYS)
        path = Path(env.get(KEYS_FILE) or DEFAULT_KEYS_FILE)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PayloadKeysError(
                f"no payload keys: set {KEYS} (id:base64key,...) or {KEYS_FILE} (now {path}, which does not "
                "exist); `carecase run` and `carecase dev-server` make a development file on first start"
            ) from None
        return cls.parse(_entries(text), current, f"{KEYS_FILE} {path}")


def _entries(text: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def new_key_id() -> str:
    """A key id that says when the key was made: ``k20261202T031500``."""
    return datetime.now(UTC).strftime("k%Y%m%dT%H%M%S")


def ensure_dev_payload_keys(environ: Mapping[str, str] | None = None) -> Path | None:
    """For development: when no keys are configured and the keys file is missing, make it with one
    new key, mode 0600 from its creation; the path if made now, else None."""
    env = os.environ if environ is None else environ
    if env.get(KEYS):
        return None
    path = Path(env.get(KEYS_FILE) or DEFAULT_KEYS_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    made = PayloadKeySettings.generate()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    [(key_id, key)] = made.keys.items()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(
            "# carecase payload keys (made by a development start; keep private). One id:base64key a line;\n"
            "# the last encrypts new payloads, every one listed still decrypts. Rotate by adding a line.\n"
            f"{key_id}:{base64.b64encode(key).decode()}\n"
        )
    return path
