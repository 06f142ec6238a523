"""Every payload Temporal stores is encrypted: workflow inputs and results, updates and their
answers, activity inputs and results, signals, queries and failure details (decision 0023).

``PayloadEncryption`` is the codec: AES-256-GCM under the current key, the key's id in the
payload's metadata so keys can be rotated (new payloads under the new key, old ones still read
with the key that wrote them). ``data_converter`` is the one converter every client, worker and
replayer uses. The keys themselves come from configuration (``config/payload_keys.py``).

The Temporal server sees the encrypted payloads only; search attributes are not payloads and are
never encrypted, so they carry ids, stages, teams, times and flags and nothing personal
(``workflows/search_attributes.py``).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

# The metadata an encrypted payload carries: what it is, and which key wrote it.
ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, fresh from the OS for every payload
TAG_BYTES = 16  # GCM's authentication tag, at the end of the ciphertext
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PayloadNotDecrypted(ValueError):
    """A payload that says it is encrypted could not be decrypted."""


class UnknownPayloadKey(PayloadNotDecrypted):
    """The payload was encrypted with a key this process does not hold."""


class PayloadTampered(PayloadNotDecrypted):
    """The ciphertext, its nonce or its key id was changed, or it was made with another key of the same id."""


class PayloadEncryption(PayloadCodec):
    """AES-256-GCM over each whole payload (its metadata and data), under ``current``; decodes
    with any of ``keys``. A payload without the encrypted encoding was written before payloads
    were encrypted and is passed through as it is, so histories already recorded still replay."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        for key_id, key in keys.items():
            if not KEY_ID_PATTERN.match(key_id):
                raise ValueError(f"payload key id {key_id!r}: letters, digits, '.', '_' and '-', at most 64")
            if len(key) != KEY_BYTES:
                raise ValueError(f"payload key {key_id!r}: {len(key)} bytes, not {KEY_BYTES} (AES-256)")
        if current not in keys:
            raise ValueError(f"the current payload key {current!r} is not one of the keys ({', '.join(sorted(keys))})")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, payload.SerializeToString(), _bound(self.current))
        return Payload(metadata={"encoding": ENCODING, KEY_ID: self.current.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownPayloadKey(
                f"a payload is encrypted with key {key_id!r}, which this process does not hold "
                f"(it holds {', '.join(self.key_ids)}): add that key to its payload keys"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            if len(sealed) < TAG_BYTES:
                raise InvalidTag
            plain = cipher.decrypt(nonce, sealed, _bound(key_id))
        except InvalidTag:
            raise PayloadTampered(
                f"a payload encrypted with key {key_id!r} does not decrypt: it was altered, or made with another key"
            ) from None
        return Payload.FromString(plain)


def _bound(key_id: str) -> bytes:
    """Authenticated with the ciphertext: a payload moved under another key id fails to decrypt."""
    return ENCODING + b"/" + key_id.encode()


def data_converter(codec: PayloadCodec) -> DataConverter:
    """The converter of every client, worker and replayer: pydantic models to JSON, then encrypted."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec)
