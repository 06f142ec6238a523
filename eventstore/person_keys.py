"""The key table: one key per person on a case, apart from the events, and the sealer that uses it.

Each person's personal values (domain.personal_data) are sealed with AES-256-GCM under their own
key, made the first time a value of theirs is sealed and kept in ``person_keys`` beside (never
inside) the events. At the end of retention the key's bytes are deleted and the row keeps who
destroyed it, when and why; a value sealed under a destroyed key can never be opened again, so it
reads as erased, while the stored event and its hash chain stay exactly as they were.

Both recorders (``eventstore.sqlite``, ``eventstore.postgres``) fulfil ``PersonKeyTable``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple, Protocol, runtime_checkable
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PERSON_KEYS_TABLE = "person_keys"
SEALED_PREFIX = "aes256gcm:"
NONCE_BYTES = 12


class PersonKeyRow(NamedTuple):
    """One person's key as the table keeps it: never the key's bytes, only whether it still has them."""

    case_id: UUID
    person_id: str
    created_at: datetime
    destroyed_at: datetime | None
    destroyed_by: str | None
    destroyed_why: str | None

    @property
    def destroyed(self) -> bool:
        return self.destroyed_at is not None


@runtime_checkable
class BulkKeyTable(Protocol):
    def person_keys_of(self, case_ids: Sequence[UUID]) -> dict[tuple[str, str], bytes | None]:
        """Every key of every person on these cases, by (case hex, person id), in one read; a
        destroyed key is None, a person with no key is absent."""
        ...


class KeyDestroyed(Exception):
    """A value was to be sealed for a person whose key was destroyed at the end of retention."""


@runtime_checkable
class PersonKeyTable(Protocol):
    def person_key(self, case_id: UUID, person_id: str) -> bytes | None:
        """The person's key, or None if it was destroyed (or never made)."""
        ...

    def add_person_key(self, case_id: UUID, person_id: str, key: bytes, created_at: datetime) -> bytes | None:
        """The person's key: this one, unless they already have one (then theirs; None if destroyed)."""
        ...

    def destroy_person_keys(self, case_id: UUID, destroyed_at: datetime, destroyed_by: str, why: str) -> list[str]:
        """Delete the key bytes of every person on the case, recording who, when and why; the ids
        of the people whose keys this destroyed (none if they all were already)."""
        ...

    def person_key_rows(self, case_id: UUID) -> list[PersonKeyRow]: ...

    def delete_snapshots(self, case_id: UUID) -> None:
        """Delete the case's snapshots, which hold its state sealed under the adult's key."""
        ...

    def compact(self) -> None:
        """Rewrite the store's files so bytes deleted from it are gone from disk too."""
        ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class KeyTableSealer:
    """``domain.personal_data.Sealer`` over the key table. It keeps no key in memory between calls:
    a key destroyed by another process stops opening values here at once."""

    def __init__(self, table: PersonKeyTable, clock: Callable[[], datetime] = utc_now) -> None:
        self.table = table
        self.clock = clock

    def seal(self, case_id: str, person_id: str, context: str, plaintext: bytes) -> str:
        case = UUID(case_id)
        key = self.table.person_key(case, person_id)
        if key is None:
            key = self.table.add_person_key(case, person_id, AESGCM.generate_key(bit_length=256), self.clock())
        if key is None:
            raise KeyDestroyed(f"the key of person {person_id} on case {case_id} was destroyed")
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext, context.encode("utf-8"))
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, case_id: str, person_id: str, context: str, sealed: str) -> bytes | None:
        key = self.table.person_key(UUID(case_id), person_id)
        if key is None:
            return None
        return open_sealed(AESGCM(key), case_id, context, sealed)

    def for_cases(self, case_ids: Sequence[UUID]) -> KeyTableSealer | HeldKeys:
        """A sealer for one batch of reads on these cases: their keys read in one statement, where
        the table can (``HeldKeys``); else this one."""
        if not case_ids or not isinstance(self.table, BulkKeyTable):
            return self
        return HeldKeys(self, {c.hex for c in case_ids}, self.table.person_keys_of(case_ids))


class HeldKeys:
    """Opens the personal values of one batch of stored events with the keys of their cases as the
    table held them at one instant (decision 0048): as if the batch were decoded at that instant.
    Made for a batch and dropped with it, so a key destroyed since stops opening values with the
    next batch; a value of a case it was not given goes to the table, as ``KeyTableSealer`` does.
    It never seals: a batch of reads records nothing."""

    def __init__(self, table: KeyTableSealer, cases: set[str], keys: dict[tuple[str, str], bytes | None]) -> None:
        self._table = table
        self._cases = cases
        self._keys = keys
        self._ciphers: dict[tuple[str, str], AESGCM] = {}

    def seal(self, case_id: str, person_id: str, context: str, plaintext: bytes) -> str:
        raise TypeError("held keys only open values: sealing goes through the key table")

    def open(self, case_id: str, person_id: str, context: str, sealed: str) -> bytes | None:
        if case_id not in self._cases:
            return self._table.open(case_id, person_id, context, sealed)
        cipher = self._ciphers.get((case_id, person_id))
        if cipher is None:
            key = self._keys.get((case_id, person_id))
            if key is None:
                return None
            cipher = self._ciphers[(case_id, person_id)] = AESGCM(key)
        return open_sealed(cipher, case_id, context, sealed)


def open_sealed(cipher: AESGCM, case_id: str, context: str, sealed: str) -> bytes:
    """The plaintext of one sealed value under its person's key; ValueError if it does not open."""
    if not sealed.startswith(SEALED_PREFIX):
        raise ValueError(f"a sealed value of case {case_id} ({context}) is not in a form this store seals")
    raw = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX))
    try:
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except InvalidTag:
        raise ValueError(f"a sealed value of case {case_id} ({context}) does not open: altered or moved") from None
