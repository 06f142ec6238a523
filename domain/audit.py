"""Checking a case's stored history against its hash chain and its index.

Pure: it is given the stored records (already read from the store) and reports every problem it
finds, so ``carecase audit verify`` can name each case whose history was altered, removed or
reordered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel, ConfigDict

from domain.canonical import CHAIN_FIELD, GENESIS_HASH, chain_hash


class ChainProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    problem: str


class ChainReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    events: int
    intact: bool
    problems: list[ChainProblem]


class OrphanedInstruction(BaseModel):
    """A payment instruction in the outbox with no paying event behind it in the store."""

    model_config = ConfigDict(frozen=True)

    instruction_id: int
    case_id: str
    event_version: int
    problem: str


def check_chain(
    case_id: str,
    records: Sequence[StoredEvent],
    index_hashes: dict[int, str],
    decode: Callable[[StoredEvent], dict[str, Any]],
) -> ChainReport:
    problems: list[ChainProblem] = []
    previous = GENESIS_HASH
    expected_version = 1
    seen: set[int] = set()
    for record in records:
        version = record.originator_version
        seen.add(version)
        if version != expected_version:
            problems.append(
                ChainProblem(
                    version=version,
                    problem=f"expected version {expected_version} next, found {version}: events missing",
                )
            )
        expected_version = version + 1
        try:
            state = decode(record)
        except Exception as error:
            problems.append(ChainProblem(version=version, problem=f"stored bytes unreadable: {error}"))
            previous = index_hashes.get(version, previous)
            continue
        recorded = state.get(CHAIN_FIELD, "")
        recomputed = chain_hash(previous, record.topic, _id_text(record.originator_id), version, state)
        if recomputed != recorded:
            problems.append(
                ChainProblem(version=version, problem="content does not match its chain hash (altered, or reordered)")
            )
        indexed = index_hashes.get(version)
        if indexed is None:
            problems.append(ChainProblem(version=version, problem="no index entry for this event"))
        elif indexed != recorded:
            problems.append(ChainProblem(version=version, problem="chain hash differs from the one indexed at write"))
        previous = recorded
    for version in sorted(set(index_hashes) - seen):
        problems.append(ChainProblem(version=version, problem="indexed at write but missing from the store (removed)"))
    return ChainReport(case_id=case_id, events=len(records), intact=not problems, problems=problems)


def _id_text(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id
