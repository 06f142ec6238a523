"""How case events become stored records and back: canonical JSON via pydantic.

The stored bytes are exactly ``canonical_json(stored_state(event))``, the same form the hash chain
covers, so an auditor can recompute a link from the bytes alone. Older event versions are upcast
on the way out (never rewritten in the store).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.canonical import CHAIN_FIELD, adapter, canonical_json, stored_state


@dataclass(frozen=True)
class IndexedStoredEvent(StoredEvent):
    """A stored event with what the as-of index needs, so the recorder never parses state bytes."""

    recorded_at: datetime | None = None
    chain_hash: str | None = None


class CanonicalMapper(Mapper[Any]):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = stored_state(domain_event)
        data = canonical_json(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return IndexedStoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
            recorded_at=getattr(domain_event, "timestamp", None),
            chain_hash=state.get(CHAIN_FIELD),
        )

    def decode_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The stored state as a dict, exactly as recorded (before any upcasting)."""
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = json.loads(data)
        except Exception as error:  # the bytes themselves are damaged: say where
            raise MapperDeserialisationError(
                f"cannot read stored event {stored_event.originator_id} v{stored_event.originator_version}: {error}"
            ) from error
        if not isinstance(state, dict):
            raise MapperDeserialisationError(
                f"stored event {stored_event.originator_id} v{stored_event.originator_version} is not an object"
            )
        return state

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        state = self.decode_state(stored_event)
        from_version = state.pop("class_version", 1)
        class_version = getattr(cls, "class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        try:
            return adapter(cls).validate_python(state)
        except Exception as error:
            raise MapperDeserialisationError(
                f"stored event {stored_event.originator_id} v{stored_event.originator_version} "
                f"({stored_event.topic}) does not fit its class: {error}"
            ) from error
