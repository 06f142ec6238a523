"""A checkpoint: every case's chain head at one moment, summed up by a Merkle root.

Pure: it defines what a checkpoint holds, the exact bytes its signature covers and its Merkle root,
and compares what a store holds now with what a checkpoint recorded. Writing checkpoints to their
log, and signing them, is ``eventstore.checkpoint_log``'s and ``eventstore.checkpoint_key``'s.

The Merkle root (the form of RFC 6962's Merkle tree hash, decision 0024):

- one leaf per case, ordered by the case id's 32 lower-case hex digits;
- a leaf's data is 56 bytes: the case id (16 bytes), its version (8 bytes, unsigned, big-endian)
  and its chain head (the 32 bytes of the SHA-256 digest after ``sha256:``);
- ``leaf = SHA-256(0x00 || data)``; a node over a list of n > 1 leaves is
  ``SHA-256(0x01 || root(first k) || root(the rest))``, k the largest power of two below n;
  the root of no cases is ``SHA-256()`` of nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.canonical import GENESIS_HASH, canonical_json

CHECKPOINT_FORMAT: Literal["carecase-checkpoint/1"] = "carecase-checkpoint/1"
HASH_PREFIX = "sha256:"
HEAD_PATTERN = r"^sha256:[0-9a-f]{64}$"


class CaseHead(BaseModel):
    """One case's chain at the checkpoint: its last version and that event's chain hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="the case id, 32 lower-case hex digits")
    version: int = Field(ge=1)
    head: str = Field(pattern=HEAD_PATTERN, description="the chain hash of the event at that version")


class CheckpointBody(BaseModel):
    """What the signature covers: everything in the checkpoint file but the signature itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["carecase-checkpoint/1"] = CHECKPOINT_FORMAT
    sequence: int = Field(ge=1, description="1 for the first checkpoint of a log, then one more each time")
    taken_at: AwareDatetime
    previous: str = Field(
        pattern=HEAD_PATTERN, description="SHA-256 of the previous checkpoint file's bytes (the genesis value first)"
    )
    key_id: str = Field(pattern=HEAD_PATTERN, description="SHA-256 of the raw public key that signs it")
    case_count: int = Field(ge=0)
    merkle_root: str = Field(pattern=HEAD_PATTERN)
    cases: list[CaseHead]

    def signed_bytes(self) -> bytes:
        """The exact bytes the Ed25519 signature is over: the body's canonical JSON."""
        return canonical_json(self.model_dump(mode="json"))


class Checkpoint(CheckpointBody):
    """A checkpoint as it is written to its log: the body and its signature (base64)."""

    signature: str = Field(min_length=1)

    def body(self) -> CheckpointBody:
        return CheckpointBody.model_validate(self.model_dump(exclude={"signature"}))


class AnchorFinding(BaseModel):
    """Something the store holds now that contradicts a checkpoint, or the checkpoint itself wrong."""

    model_config = ConfigDict(frozen=True)

    case_id: str | None
    version: int | None
    problem: str


class StoredLink(BaseModel):
    """What the store holds of one case at a checkpoint's version: its last version now, and the
    chain hash recorded on the event at the checkpoint's version (None if there is none)."""

    model_config = ConfigDict(frozen=True)

    last_version: int | None
    hash_at_version: str | None


FIRST_PREVIOUS = GENESIS_HASH


def leaf_data(head: CaseHead) -> bytes:
    digest = bytes.fromhex(head.head.removeprefix(HASH_PREFIX))
    return UUID(hex=head.case_id).bytes + head.version.to_bytes(8, "big") + digest


def _tree_hash(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two below n
    return hashlib.sha256(b"\x01" + _tree_hash(leaves[:split]) + _tree_hash(leaves[split:])).digest()


def ordered(heads: Sequence[CaseHead]) -> list[CaseHead]:
    """The heads in leaf order (by case id); a case twice is refused."""
    result = sorted(heads, key=lambda h: h.case_id)
    for before, after in pairwise(result):
        if before.case_id == after.case_id:
            raise ValueError(f"case {before.case_id} appears twice in one checkpoint")
    return result


def merkle_root(heads: Sequence[CaseHead]) -> str:
    return HASH_PREFIX + _tree_hash([leaf_data(h) for h in ordered(heads)]).hex()


def file_hash(content: bytes) -> str:
    """The hash the next checkpoint names its previous one by: SHA-256 of the file's bytes."""
    return HASH_PREFIX + hashlib.sha256(content).hexdigest()


def check_against_checkpoint(checkpoint: CheckpointBody, link: Callable[[CaseHead], StoredLink]) -> list[AnchorFinding]:
    """Every way the store contradicts the checkpoint: a case gone, events removed from the end
    of a case, or a history rewritten up to the checkpoint's version (its chain hash differs).

    ``link`` reads, for one recorded head, what the store holds now. Cases the store has that the
    checkpoint does not name are newer than it: their own chain check is all there is for them."""
    findings: list[AnchorFinding] = []
    if checkpoint.case_count != len(checkpoint.cases):
        findings.append(
            AnchorFinding(
                case_id=None,
                version=None,
                problem=f"the checkpoint says {checkpoint.case_count} case(s) but lists {len(checkpoint.cases)}",
            )
        )
    try:
        heads = ordered(checkpoint.cases)
    except ValueError as error:
        return [*findings, AnchorFinding(case_id=None, version=None, problem=f"the checkpoint is malformed: {error}")]
    if merkle_root(heads) != checkpoint.merkle_root:
        findings.append(
            AnchorFinding(case_id=None, version=None, problem="the checkpoint's Merkle root does not match its cases")
        )
    for head in heads:
        stored = link(head)
        if stored.last_version is None:
            findings.append(
                AnchorFinding(
                    case_id=head.case_id,
                    version=head.version,
                    problem=f"the checkpoint recorded this case at version {head.version}; "
                    "the store holds no event of it (case removed)",
                )
            )
        elif stored.last_version < head.version:
            findings.append(
                AnchorFinding(
                    case_id=head.case_id,
                    version=head.version,
                    problem=f"the store ends at version {stored.last_version}, the checkpoint recorded version "
                    f"{head.version}: events removed from the end",
                )
            )
        elif stored.hash_at_version is None:
            findings.append(
                AnchorFinding(
                    case_id=head.case_id,
                    version=head.version,
                    problem=f"the store has no event at version {head.version}, which the checkpoint recorded",
                )
            )
        elif stored.hash_at_version != head.head:
            findings.append(
                AnchorFinding(
                    case_id=head.case_id,
                    version=head.version,
                    problem=f"the event at version {head.version} has chain hash {stored.hash_at_version}, the "
                    f"checkpoint recorded {head.head}: history rewritten up to this version",
                )
            )
    return findings
