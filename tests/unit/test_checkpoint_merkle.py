"""A checkpoint's Merkle root is defined to the byte (decision 0024), so anyone holding the list of
chain heads can recompute it without carecase; and comparing a store with a checkpoint names each
way they differ."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.checkpoint import (
    FIRST_PREVIOUS,
    CaseHead,
    CheckpointBody,
    StoredLink,
    check_against_checkpoint,
    leaf_data,
    merkle_root,
)

pytestmark = pytest.mark.unit


def head(n: int, version: int = 3) -> CaseHead:
    return CaseHead(case_id=f"{n:032x}", version=version, head="sha256:" + hashlib.sha256(bytes([n])).hexdigest())


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_a_leaf_is_the_case_id_the_version_and_the_head_digest_in_56_bytes() -> None:
    one = head(1, version=258)
    data = leaf_data(one)
    assert len(data) == 56
    assert data[:16] == UUID(int=1).bytes
    assert data[16:24] == (258).to_bytes(8, "big")
    assert data[24:] == hashlib.sha256(bytes([1])).digest()


def test_the_root_follows_the_tree_hash_written_in_the_decision() -> None:
    a, b, c = (leaf_data(head(n)) for n in (1, 2, 3))
    leaf = [h(b"\x00" + d) for d in (a, b, c)]
    expected = h(b"\x01" + h(b"\x01" + leaf[0] + leaf[1]) + leaf[2])  # split at 2, the largest power below 3
    assert merkle_root([head(3), head(1), head(2)]) == "sha256:" + expected.hex()  # ordered by case id first
    assert merkle_root([head(1)]) == "sha256:" + leaf[0].hex()
    assert merkle_root([]) == "sha256:" + hashlib.sha256(b"").hexdigest()


def test_any_change_to_a_head_or_version_changes_the_root() -> None:
    heads = [head(n) for n in range(1, 6)]
    root = merkle_root(heads)
    assert merkle_root([*heads[:4], head(5, version=4)]) != root
    assert merkle_root(heads[:4]) != root


def test_a_case_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        merkle_root([head(1), head(1)])


def checkpoint_of(*heads: CaseHead) -> CheckpointBody:
    return CheckpointBody(
        sequence=1,
        taken_at=datetime(2026, 3, 1, tzinfo=UTC),
        previous=FIRST_PREVIOUS,
        key_id=FIRST_PREVIOUS,
        case_count=len(heads),
        merkle_root=merkle_root(heads),
        cases=list(heads),
    )


def test_each_way_a_store_contradicts_a_checkpoint_is_named() -> None:
    intact, shortened, rewritten, removed = head(1), head(2), head(3), head(4)
    store = {
        intact.case_id: StoredLink(last_version=5, hash_at_version=intact.head),  # grown since: fine
        shortened.case_id: StoredLink(last_version=2, hash_at_version=None),
        rewritten.case_id: StoredLink(last_version=3, hash_at_version="sha256:" + "1" * 64),
        removed.case_id: StoredLink(last_version=None, hash_at_version=None),
    }
    findings = check_against_checkpoint(
        checkpoint_of(intact, shortened, rewritten, removed), lambda c: store[c.case_id]
    )
    assert [(f.case_id, f.version) for f in findings] == [(c.case_id, 3) for c in (shortened, rewritten, removed)]
    assert "events removed from the end" in findings[0].problem
    assert "history rewritten" in findings[1].problem
    assert "case removed" in findings[2].problem


def test_a_checkpoint_whose_root_does_not_match_its_cases_is_named() -> None:
    body = checkpoint_of(head(1), head(2))
    edited = body.model_copy(update={"cases": [head(1), head(2, version=4)]})
    findings = check_against_checkpoint(edited, lambda c: StoredLink(last_version=9, hash_at_version=c.head))
    assert [f.problem for f in findings] == ["the checkpoint's Merkle root does not match its cases"]
