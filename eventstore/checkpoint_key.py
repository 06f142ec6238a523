"""The Ed25519 key that signs checkpoints, and the public key that verifies them.

The private key is a PKCS#8 PEM file (mode 0600); its public key is a SubjectPublicKeyInfo PEM file
beside it (``signing.key`` → ``signing.pub``). Verifying needs only the public key. A development
store gets its key made on first use; a configured key that is missing is an error, never a new
key made quietly (decision 0024).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_MODE = 0o600
FOLDER_MODE = 0o700


class CheckpointKeyMissing(FileNotFoundError):
    """The configured signing or public key file is not there."""


def public_key_path(signing_key: Path) -> Path:
    """Where the public key of a signing key is written: beside it, ending ``.pub``."""
    return signing_key.with_suffix(".pub")


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's name in a checkpoint: SHA-256 of its 32 raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


class CheckpointSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._private_key.sign(data)).decode("ascii")

    @classmethod
    def load(cls, path: Path, *, create: bool = False) -> CheckpointSigner:
        """The signing key at ``path``; with ``create``, a new one made there (0600, its folder
        0700, the public key beside it) if there is none yet."""
        if not path.exists():
            if not create:
                raise CheckpointKeyMissing(f"no checkpoint signing key at {path}")
            _create(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)


def _create(path: Path) -> None:
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        # Exclusive: two processes making the key at once must not leave one's public key beside
        # the other's private key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    public_key_path(path).write_bytes(public)


def load_public_key(path: Path) -> Ed25519PublicKey:
    if not path.exists():
        raise CheckpointKeyMissing(f"no checkpoint public key at {path}")
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def signature_valid(public_key: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
