"""The checkpoint log: signed checkpoints of the store, kept in a folder outside the database.

One JSON file per checkpoint, ``checkpoint-<sequence>-<time taken, UTC>.json``, written once
(created exclusively, mode 0600, in a folder of mode 0700) and never rewritten. Each names the
SHA-256 of the previous file's bytes, so the log is itself a chain: a file removed from the middle,
or one edited, breaks it. In production the folder is write-once storage (decision 0024).

Writers are serialised by an advisory lock on ``.lock`` in the folder, so two processes (the
projection runner's schedule and a ``carecase audit checkpoint`` run) never both write the same
sequence.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from domain.checkpoint import (
    FIRST_PREVIOUS,
    CaseHead,
    Checkpoint,
    CheckpointBody,
    file_hash,
    merkle_root,
    ordered,
)
from eventstore.checkpoint_key import CheckpointSigner, key_id, signature_valid

FILE_MODE = 0o600
FOLDER_MODE = 0o700
NAME = re.compile(r"^checkpoint-(\d{8,})-\d{8}T\d{12}Z\.json$")


class CheckpointUnreadable(ValueError):
    """A file in the log (or one given) is not a checkpoint."""


class LogMovedOn(RuntimeError):
    """Another checkpoint was written since the one this one was to follow."""


@dataclass(frozen=True)
class LoggedCheckpoint:
    path: Path
    checkpoint: Checkpoint
    file_hash: str


def read_checkpoint(path: Path) -> LoggedCheckpoint:
    content = path.read_bytes()
    try:
        checkpoint = Checkpoint.model_validate_json(content)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise CheckpointUnreadable(f"{path.name} is not a checkpoint: {where}: {first['msg']}") from None
    return LoggedCheckpoint(path, checkpoint, file_hash(content))


def signature_problem(logged: LoggedCheckpoint, public_key: Ed25519PublicKey) -> str | None:
    """Why the checkpoint's signature cannot be trusted with this public key; None if it can."""
    if logged.checkpoint.key_id != key_id(public_key):
        return f"{logged.path.name} was signed by key {logged.checkpoint.key_id}, not the configured public key"
    if not signature_valid(public_key, logged.checkpoint.body().signed_bytes(), logged.checkpoint.signature):
        return f"{logged.path.name}: the signature does not match its content (altered, or forged)"
    return None


class CheckpointLog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def files(self) -> list[Path]:
        """The log's checkpoint files, in sequence order (by name)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if NAME.match(p.name))

    def latest(self) -> LoggedCheckpoint | None:
        files = self.files()
        return read_checkpoint(files[-1]) if files else None

    def problems(self, public_key: Ed25519PublicKey, newest: int | None = None) -> list[str]:
        """Every break in the log: a file unreadable or wrongly signed, a sequence skipped, a file
        whose ``previous`` is not the hash of the file before it. With ``newest``, only the newest
        that many files and their links to the one before (a long log is costly to read whole)."""
        found: list[str] = []
        files = self.files()
        previous, expected = FIRST_PREVIOUS, 1
        start = 0 if newest is None else max(len(files) - newest, 0)
        if start > 0:
            try:
                before = read_checkpoint(files[start - 1])
                previous, expected = before.file_hash, before.checkpoint.sequence + 1
            except CheckpointUnreadable as error:
                found.append(str(error))
                previous, expected = "", start + 1
        for path in files[start:]:
            try:
                logged = read_checkpoint(path)
            except CheckpointUnreadable as error:
                found.append(str(error))
                previous, expected = "", expected + 1
                continue
            checkpoint = logged.checkpoint
            problem = signature_problem(logged, public_key)
            if problem:
                found.append(problem)
            if checkpoint.sequence != expected:
                found.append(f"{path.name}: sequence {checkpoint.sequence} where {expected} was next")
            if previous and checkpoint.previous != previous:
                found.append(f"{path.name}: names a previous checkpoint that is not the file before it")
            previous, expected = logged.file_hash, checkpoint.sequence + 1
        return found

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        try:
            os.chmod(self.folder, FOLDER_MODE)
        except PermissionError:
            pass  # a folder we do not own (a mounted bucket): its owner sets its mode
        descriptor = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def append(
        self,
        cases: Sequence[CaseHead],
        signer: CheckpointSigner,
        taken_at: datetime,
        follows: LoggedCheckpoint | None,
    ) -> LoggedCheckpoint:
        """Sign and write the next checkpoint, following ``follows`` (the latest the caller checked
        the store against); ``LogMovedOn`` if another was written since."""
        if taken_at.tzinfo is None:
            raise ValueError("a checkpoint's time must carry its time zone")
        taken_at = taken_at.astimezone(UTC)
        with self._locked():
            latest = self.latest()
            if (latest and latest.file_hash) != (follows and follows.file_hash):
                raise LogMovedOn("another checkpoint was written meanwhile; check the store against it first")
            heads = ordered(cases)
            body = CheckpointBody(
                sequence=1 if latest is None else latest.checkpoint.sequence + 1,
                taken_at=taken_at,
                previous=FIRST_PREVIOUS if latest is None else latest.file_hash,
                key_id=signer.key_id,
                case_count=len(heads),
                merkle_root=merkle_root(heads),
                cases=heads,
            )
            checkpoint = Checkpoint(**body.model_dump(), signature=signer.sign(body.signed_bytes()))
            content = (json.dumps(checkpoint.model_dump(mode="json"), indent=1, sort_keys=True) + "\n").encode()
            path = self.folder / f"checkpoint-{body.sequence:08d}-{taken_at:%Y%m%dT%H%M%S%f}Z.json"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            folder = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        return LoggedCheckpoint(path, checkpoint, file_hash(content))
