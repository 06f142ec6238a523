"""A command encodes each event once for its chain hash and its stored bytes
(``domain.canonical.encode_link``): the hash must be the one an auditor recomputes with
``chain_hash`` and the bytes those of ``canonical_json``, for any state an event can hold."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.canonical import CHAIN_FIELD, GENESIS_HASH, canonical_json, chain_hash, encode_link

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
STATES = st.dictionaries(TEXT, JSON_VALUES, max_size=8)


@given(state=STATES, topic=TEXT, version=st.integers(min_value=1, max_value=10**12))
def test_the_link_and_the_bytes_are_the_auditors_and_the_stores(state: dict[str, Any], topic: str, version: int):
    link, data = encode_link(GENESIS_HASH, topic, "a" * 32, version, state)
    assert link == chain_hash(GENESIS_HASH, topic, "a" * 32, version, state)
    assert data == canonical_json({**state, CHAIN_FIELD: link})
    assert json.loads(data)[CHAIN_FIELD] == link


def test_a_chain_hash_already_in_the_state_is_not_hashed_and_is_replaced():
    state = {"b": 1, CHAIN_FIELD: "sha256:old", "a": "é\u2028"}
    link, data = encode_link(GENESIS_HASH, "t", "c" * 32, 3, state)
    assert link == chain_hash(GENESIS_HASH, "t", "c" * 32, 3, {"b": 1, "a": "é\u2028"})
    assert data == canonical_json({"a": "é\u2028", "b": 1, CHAIN_FIELD: link})
