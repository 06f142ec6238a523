"""The hash chain of an append-only log (who read which case, what operations did).

Each row carries its sequence number, the hash of the row before it and its own hash, worked out
from the previous hash and the row's fields in canonical JSON, the way each case's events are
chained (``domain.canonical``). The log's head (its last sequence number and hash) is kept beside
it, written in the same transaction, so removing the newest rows is seen as well as editing or
removing any other. ``check_log`` is pure: it is given the rows and the head and names each row
that was changed, removed or reordered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.canonical import GENESIS_HASH, canonical_json


class LogProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    problem: str


class LogReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    log: str
    rows: int
    intact: bool
    problems: list[LogProblem]


def row_hash(previous_hash: str, seq: int, fields: Sequence[Any]) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_json([seq, *fields]))
    return "sha256:" + digest.hexdigest()


def check_log(log: str, rows: Sequence[tuple[int, Sequence[Any], str, str]], head: tuple[int, str] | None) -> LogReport:
    """``rows``: (seq, fields, prev_hash, row_hash) in sequence order; ``head``: (last seq, its hash)."""
    problems: list[LogProblem] = []
    previous, expected = GENESIS_HASH, 1
    for seq, fields, prev_hash, own_hash in rows:
        if seq != expected:
            problems.append(
                LogProblem(
                    seq=seq, problem=f"expected row {expected} next, found {seq}: row(s) {expected}–{seq - 1} removed"
                )
            )
        elif prev_hash != previous:
            problems.append(
                LogProblem(seq=seq, problem="does not follow the row before it (that row removed or changed)")
            )
        if row_hash(prev_hash, seq, fields) != own_hash:
            problems.append(
                LogProblem(seq=seq, problem="content does not match its hash (changed after it was written)")
            )
        previous, expected = own_hash, seq + 1
    last_seq, last_hash = head if head is not None else (0, GENESIS_HASH)
    if last_seq >= expected:
        problems.append(
            LogProblem(seq=last_seq, problem=f"the log's head names row {last_seq}; rows {expected}–{last_seq} removed")
        )
    elif last_seq == expected - 1 and last_seq > 0 and last_hash != previous:
        problems.append(LogProblem(seq=last_seq, problem="the last row differs from the one the log's head recorded"))
    elif last_seq < expected - 1:
        problems.append(
            LogProblem(
                seq=last_seq + 1, problem=f"rows after {last_seq} were not written through the log (no head for them)"
            )
        )
    return LogReport(log=log, rows=len(rows), intact=not problems, problems=problems)
