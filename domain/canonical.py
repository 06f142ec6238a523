"""The one canonical form of a stored event, shared by the hash chain and the event store.

An event's stored state is its pydantic JSON dump (sorted keys, no whitespace), minus the
originator id and version, which the store keeps in columns of their own. The chain hash of an
event covers the previous event's hash, the event's topic, its originator id and version, and
that stored state, so changing, removing or reordering any stored event breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic
from pydantic import TypeAdapter

GENESIS_HASH = "sha256:" + "0" * 64
CHAIN_FIELD = "chain_hash"
ENVELOPE_FIELDS = ("originator_id", "originator_version")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """The pydantic adapter of an event class, built once per class."""
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return found


def stored_state(event: object) -> dict[str, Any]:
    """The JSON-safe state of an event as the store keeps it (without id and version)."""
    cls: type[Any] = type(event)
    state: dict[str, Any] = adapter(cls).dump_python(event, mode="json")
    for name in ENVELOPE_FIELDS:
        state.pop(name, None)
    class_version = getattr(cls, "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    return state


# One encoder for every call: ``json.dumps`` with these options builds a new one each time.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def chain_hash(
    previous_hash: str, topic: str, originator_id: str, originator_version: int, state: dict[str, Any]
) -> str:
    """Hash of one link of a case's chain; ``state`` must not contain the chain hash itself."""
    body = {k: v for k, v in state.items() if k != CHAIN_FIELD}
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_json([topic, originator_id, originator_version, body]))
    return "sha256:" + digest.hexdigest()


def encode_link(
    previous_hash: str, topic: str, originator_id: str, originator_version: int, state: dict[str, Any]
) -> tuple[str, bytes]:
    """The chain hash of a not-yet-stored state, and the stored bytes with that hash in them, the
    state encoded once for both: the same hash as ``chain_hash`` and the same bytes as
    ``canonical_json`` of the state with its hash. (A canonical object is its sorted items
    joined: the state is encoded as the items before the hash's key and those after it, and the
    hash's item goes between them.)"""
    before = canonical_json({name: value for name, value in state.items() if name < CHAIN_FIELD})[1:-1]
    after = canonical_json({name: value for name, value in state.items() if name > CHAIN_FIELD})[1:-1]
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    envelope = canonical_json([topic, originator_id, originator_version])[:-1]
    digest.update(envelope + b",{" + b",".join(part for part in (before, after) if part) + b"}]")
    link = "sha256:" + digest.hexdigest()
    item = canonical_json({CHAIN_FIELD: link})[1:-1]
    return link, b"{" + b",".join(part for part in (before, item, after) if part) + b"}"


def event_chain_hash(previous_hash: str, event: DomainEventProtocol[UUID]) -> str:
    """Chain hash of a not-yet-stored event, computed exactly as the auditor will recompute it."""
    originator = event.originator_id
    return chain_hash(
        previous_hash,
        get_topic(type(event)),
        originator.hex,
        event.originator_version,
        stored_state(event),
    )
